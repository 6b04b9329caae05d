"""`demo-data` then `report` from the shell: text, the documented JSON keys, and a PNG of the right size."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from tests.bot.test_cli import run_cli


def test_demo_data_then_report_in_every_format(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    demo = run_cli("demo-data", "--workspace", "TDEMO", "--database-url", env["DATABASE_URL"], cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "3 teams" in demo.stdout
    again = run_cli("demo-data", "--workspace", "TDEMO", "--database-url", env["DATABASE_URL"], cwd=tmp_path)
    assert again.returncode == 1 and "already has teams" in again.stderr

    text = run_cli("report", "--team", "Support", env=env, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "Support: people and customers" in text.stdout and "NPS" in text.stdout

    as_json = run_cli("report", "--format", "json", "--weeks", "26", env=env, cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["team"] is None and data["workspace"] == "TDEMO"
    assert set(data) >= {"workspace", "team", "period", "needs", "participation", "enps", "nps", "csat", "wins", "lag"}
    for need in ("autonomy", "competence", "belonging"):
        assert set(data["needs"][need]) == {"mean", "ci_low", "ci_high", "n", "change", "beyond_noise"}
    assert set(data["nps"]) == {"value", "n", "promoters", "passives", "detractors"}
    assert -100 <= data["nps"]["value"] <= 100 and 0 <= data["csat"]["value"] <= 100
    assert set(data["wins"]["top"]) >= {"text", "reactions", "author"}
    assert data["lag"]["tested"] == 17, "a year of demo data has enough paired weeks"
    assert set(data["lag"]["lags"][0]) == {"direction", "lag_weeks", "r", "ci_low", "ci_high", "n", "n_eff", "p"}
    assert data["chart"] and data["chart"][-1]["label"] != data["chart"][0]["label"]

    out = tmp_path / "report.png"
    png = run_cli("report", "--team", "asiakaspalvelu", "--format", "png", "--out", str(out), env=env, cwd=tmp_path)
    assert png.returncode == 0, png.stderr
    content = out.read_bytes()
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", content[16:24])[0] == 640

    dates = run_cli("report", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "json", env=env, cwd=tmp_path)
    assert json.loads(dates.stdout)["period"] == {"start": "2026-01-01", "end": "2026-01-31"}
    unknown = run_cli("report", "--team", "nope", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "no team named" in unknown.stderr

    finnish = run_cli("report", "--team", "Support", "--language", "fi", env=env, cwd=tmp_path)
    assert finnish.returncode == 0, finnish.stderr
    assert "Support: ihmiset ja asiakkaat" in finnish.stdout and "Laatupuoli" in finnish.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--weeks", "0"), "report: The number of weeks must be between 1 and 260: 0"),
        (("--weeks", "-3"), "report: The number of weeks must be between 1 and 260: -3"),
        (("--weeks", "261"), "report: The number of weeks must be between 1 and 260: 261"),
        (("--weeks", "0", "--language", "fi"), "report: Viikkojen määrän pitää olla 1–260: 0"),
        (("--from", "2020-01-01", "--to", "2026-01-31"), "report: a report covers at most 260 weeks"),
        (("--from", "2026-02-01", "--to", "2026-01-31"), "report: --to is before --from"),
        (("--from", "2026-02-01"), "report: --from and --to go together"),
        (("--from", "1.2.2026", "--to", "2026-03-01"), "report: dates are YYYY-MM-DD"),
    ],
)
def test_invalid_periods_are_refused_with_one_line(tmp_path: Path, arguments: tuple[str, ...], message: str) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    refused = run_cli("report", *arguments, env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == message  # one line: nothing else is logged before it
    assert not (tmp_path / "empty.db").exists()  # refused before the database is touched
