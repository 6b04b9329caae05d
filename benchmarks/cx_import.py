"""CX import speed and memory: a generated 1,000,000-row survey export, imported into SQLite.

Times Pulssi's import (the column scan, parse, validate, team mapping, de-duplication, batched inserts and
the per-day counts) and reports its peak RSS, beside `sqlite3 .import` of the same file into a bare table
(or, without the sqlite3 shell, Python's csv + executemany into a bare table) on the same machine, in one
run. Then 1,000 rows are appended and the feed imported again: only its tail is read.

    python benchmarks/cx_import.py              # 1,000,000 rows
    python benchmarks/cx_import.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generate(path: Path, rows: int, first: int = 0) -> None:
    rng = random.Random(5 + first)
    start = date(2024, 11, 1)
    teams = [f"Team {i}" for i in range(50)] + [""]
    with path.open("a" if first else "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if not first:
            writer.writerow(["Response ID", "Submitted at", "How likely are you to recommend us?", "Team", "Comment"])
        for index in range(first, first + rows):
            day = start + timedelta(days=rng.randrange(730))
            comment = "" if index % 4 else rng.choice(["Great service", "Slow, but friendly", "Hyvää palvelua, kiitos"])
            writer.writerow([f"R_{index:08d}", day.isoformat(), rng.randint(0, 10), rng.choice(teams), comment])


def child(path: str, database: str) -> None:
    """Runs in its own process so its peak RSS is the import's alone."""
    sys.path.insert(0, str(ROOT))
    from bot.services.cx_import import import_file
    from storage.db import Database
    from storage.migrate import upgrade_to_head

    url = f"sqlite:///{database}"
    upgrade_to_head(url)
    db = Database(url)
    started = time.perf_counter()
    summary = import_file(db, "TBENCH", path, Path(path), None, datetime.now(UTC))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f} {peak_mb:.1f} {summary.imported} {summary.rejected}")
    db.dispose()


def bare_import(path: Path, database: Path) -> tuple[str, float]:
    if shutil.which("sqlite3"):
        started = time.perf_counter()
        subprocess.run(
            ["sqlite3", str(database), "-cmd", ".mode csv", f".import {path} bare"], check=True, capture_output=True
        )
        return "sqlite3 .import", time.perf_counter() - started
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        connection.execute("CREATE TABLE bare (id TEXT, day TEXT, score TEXT, team TEXT, comment TEXT)")
        connection.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?)", reader)
    connection.commit()
    connection.close()
    return "Python csv + executemany (no sqlite3 shell here)", time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        export = folder / "export.csv"
        generate(export, args.rows)
        size_mb = export.stat().st_size / 1e6
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(export), str(folder / "pulssi.db")],
            check=True,
            capture_output=True,
            text=True,
        )
        elapsed, peak_mb, imported, rejected = result.stdout.split()
        baseline_name, baseline = bare_import(export, folder / "bare.db")
        generate(export, 1000, first=args.rows)  # the feed grows by 1,000 rows
        again = subprocess.run(
            [sys.executable, __file__, "--child", str(export), str(folder / "pulssi.db")],
            check=True,
            capture_output=True,
            text=True,
        )
        tail_elapsed, tail_peak_mb, tail_imported, _tail_rejected = again.stdout.split()
        _name, grown_baseline = bare_import(export, folder / "bare2.db")
    seconds = float(elapsed)
    tail_seconds = float(tail_elapsed)
    print(f"| rows | file | Pulssi import | rows/s | peak RSS | {baseline_name} | ratio |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.rows:,} | {size_mb:.0f} MB | {seconds:.1f} s | {args.rows / seconds:,.0f} | {float(peak_mb):.0f} MB "
        f"| {baseline:.1f} s | {seconds / baseline:.1f}× |"
    )
    print(
        f"| +1,000 appended, re-import | | {tail_seconds:.2f} s | | {float(tail_peak_mb):.0f} MB "
        f"| {grown_baseline:.1f} s (whole file) | {tail_seconds / grown_baseline:.2f}× |"
    )
    print(f"(imported {imported}, rejected {rejected}; re-import imported {tail_imported})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
