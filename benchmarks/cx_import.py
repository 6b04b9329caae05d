"""CX import speed and memory: a generated 1,000,000-row survey export, imported into SQLite.

Times Pulssi's import (the column scan, parse, validate, team mapping, de-duplication, batched inserts and
the per-day counts) and reports its peak RSS, beside `sqlite3 .import` of the same file into a bare table
(or, without the sqlite3 shell, Python's csv + executemany into a bare table) on the same machine, in one
run. Then 1,000 rows are appended and the feed imported again: only its tail is read.

Each time is given as wall-clock and as CPU seconds (user + system of the process doing the work): on a
machine shared with other jobs the wall-clock ratio moves with their load, the CPU ratio much less, and
the least of several runs (`--repeat`, alternated) is the one least disturbed.
With `--postgres URL` the same file is imported into PostgreSQL too, beside `COPY ... FROM STDIN` (what
psql's `copy` meta-command runs) of it into a bare table on the same server.

    python benchmarks/cx_import.py              # 1,000,000 rows, each import run 3 times, alternated
    python benchmarks/cx_import.py --rows 100000
    python benchmarks/cx_import.py --rows 100000 --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import sqlite3
import statistics
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


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(path: str, database: str) -> None:
    """Runs in its own process so its peak RSS is the import's alone. `database` is a SQLite file or a URL."""
    sys.path.insert(0, str(ROOT))
    from bot.services.cx_import import import_file
    from storage.db import Database
    from storage.migrate import upgrade_to_head

    url = database if "://" in database else f"sqlite:///{database}"
    upgrade_to_head(url)
    db = Database(url)
    started, cpu = time.perf_counter(), cpu_seconds()
    summary = import_file(db, "TBENCH", path, Path(path), None, datetime.now(UTC))
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f} {cpu:.3f} {peak_mb:.1f} {summary.imported} {summary.rejected}")
    db.dispose()


def bare_import(path: Path, database: Path) -> tuple[str, float, float]:
    """(what, wall seconds, CPU seconds) of loading the file into a bare table."""
    if shutil.which("sqlite3"):
        started, cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_CHILDREN)
        subprocess.run(
            ["sqlite3", str(database), "-cmd", ".mode csv", f".import {path} bare"], check=True, capture_output=True
        )
        return "sqlite3 .import", time.perf_counter() - started, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu
    started, cpu = time.perf_counter(), cpu_seconds()
    connection = sqlite3.connect(database)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        connection.execute("CREATE TABLE bare (id TEXT, day TEXT, score TEXT, team TEXT, comment TEXT)")
        connection.executemany("INSERT INTO bare VALUES (?, ?, ?, ?, ?)", reader)
    connection.commit()
    connection.close()
    return "Python csv + executemany (no sqlite3 shell)", time.perf_counter() - started, cpu_seconds() - cpu


def bare_copy(path: Path, url: str) -> tuple[float, float]:
    """(wall seconds, 0) of COPY FROM STDIN into a bare table, what psql's copy meta-command runs (the
    server's CPU isn't measured, so PostgreSQL is compared by wall-clock only)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        connection.execute("DROP TABLE IF EXISTS bare")
        connection.execute("CREATE TABLE bare (id TEXT, day TEXT, score TEXT, team TEXT, comment TEXT)")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY bare FROM STDIN (FORMAT csv, HEADER)") as copy,
            path.open("rb") as handle,
        ):
            while data := handle.read(1 << 20):
                copy.write(data)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bare")
        connection.commit()
    return elapsed, 0.0


def run_child(export: Path, database: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(export), database], check=True, capture_output=True, text=True
    )
    return result.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import, alternated (default 3)")
    parser.add_argument("--postgres", metavar="URL", help="also import into this (empty, throwaway) PostgreSQL")
    parser.add_argument("--child", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    runs: list[tuple[float, float, float, float, float]] = []  # wall, CPU, peak MB, baseline wall, baseline CPU
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        export = folder / "export.csv"
        generate(export, args.rows)
        size_mb = export.stat().st_size / 1e6
        imported = rejected = ""
        for run in range(args.repeat):
            # Each run into a fresh database, the bare import right after it: the two share the machine's moment.
            database = folder / f"pulssi{run}.db"
            elapsed, cpu, peak_mb, imported, rejected = run_child(export, str(database))
            baseline_name, baseline, baseline_cpu = bare_import(export, folder / f"bare{run}.db")
            runs.append((float(elapsed), float(cpu), float(peak_mb), baseline, baseline_cpu))
        postgres = None
        if args.postgres:
            pg_elapsed, pg_cpu, pg_peak, _pg_imported, _pg_rejected = run_child(export, args.postgres)
            copy_elapsed, _ = bare_copy(export, args.postgres)
            postgres = (float(pg_elapsed), float(pg_cpu), float(pg_peak), copy_elapsed)
        generate(export, 1000, first=args.rows)  # the feed grows by 1,000 rows
        tail_elapsed, tail_cpu, tail_peak_mb, tail_imported, _tail_rejected = run_child(export, str(database))
        _name, grown_baseline, grown_baseline_cpu = bare_import(export, folder / "bare-grown.db")
    print(
        f"| run | rows | file | Pulssi import: wall / CPU | rows/s | peak RSS | {baseline_name}: wall / CPU "
        "| ratio: wall / CPU |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for number, (seconds, cpu_s, peak, base, base_cpu) in enumerate(runs, 1):
        print(
            f"| {number} | {args.rows:,} | {size_mb:.0f} MB | {seconds:.1f} s / {cpu_s:.1f} s "
            f"| {args.rows / seconds:,.0f} | {peak:.0f} MB | {base:.1f} s / {base_cpu:.2f} s "
            f"| {seconds / base:.1f}× / {cpu_s / base_cpu:.1f}× |"
        )
    # The least time of several runs is the one least stretched by other work on the machine (as timeit
    # reports): the ratio of the two least CPU times, beside the median of the runs' own ratios.
    best, best_base = min(run[1] for run in runs), min(run[4] for run in runs)
    ratios = sorted(run[1] / run[4] for run in runs)
    print(
        f"| least of {len(runs)} | | | {min(run[0] for run in runs):.1f} s / {best:.1f} s | | "
        f"{max(run[2] for run in runs):.0f} MB (most) | {min(run[3] for run in runs):.1f} s / {best_base:.2f} s "
        f"| {best / best_base:.1f}× CPU (median of the runs' ratios {statistics.median(ratios):.1f}×) |"
    )
    tail_seconds, tail_cpu_s = float(tail_elapsed), float(tail_cpu)
    print(
        f"| +1,000 appended, re-import | | | {tail_seconds:.2f} s / {tail_cpu_s:.2f} s | "
        f"| {float(tail_peak_mb):.0f} MB "
        f"| {grown_baseline:.1f} s / {grown_baseline_cpu:.2f} s (whole file) "
        f"| {tail_seconds / grown_baseline:.2f}× / {tail_cpu_s / grown_baseline_cpu:.2f}× |"
    )
    if postgres:
        pg_seconds, pg_cpu_s, pg_peak_mb, copy_seconds = postgres
        print(
            f"| | {args.rows:,} into PostgreSQL | | {pg_seconds:.1f} s / {pg_cpu_s:.1f} s (client) "
            f"| {args.rows / pg_seconds:,.0f} | {pg_peak_mb:.0f} MB | COPY FROM STDIN {copy_seconds:.1f} s (wall) "
            f"| {pg_seconds / copy_seconds:.1f}× (wall) |"
        )
    print(f"\n(imported {imported}, rejected {rejected}; re-import imported {tail_imported})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
