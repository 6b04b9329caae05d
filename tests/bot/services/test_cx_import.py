"""CX feed import against a real database: idempotence, grown feeds, HTTP with ETag, teams, the CLI."""

from __future__ import annotations

import gc
import http.server
import io
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.domain.cxmetrics import nps_from_scores
from bot.domain.report import Report
from bot.services import cx_import
from bot.services.reports import Scope, build_report, workspace_scope
from bot.settings import Settings
from storage.db import Database
from storage.models import CxAggregate, CxResponse, Team
from tests.bot.test_cli import run_cli
from tests.conftest import BOTH_BACKENDS
from tests.harness import SECRET_KEY, SIGNING_SECRET

WORKSPACE = "T0001"
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

RESPONSES = (
    "Response ID,Submitted at,How likely are you to recommend us?,Team,Comment\n"
    "r1,2026-02-02,10,Support,Great\n"
    "r2,2026-02-02,9,support,\n"
    "r3,2026-02-03,8,Support,\n"
    "r4,2026-02-03,3,Sales,slow\n"
    "r5,2026-02-04,6,,\n"
)


def make_settings(database_url: str, tmp_path: Path, **extra: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PULSSI_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
    }
    env["CX_FEED_DIR"] = str(tmp_path)
    env.update(extra)
    return Settings.from_env(env)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


def add_team(db: Database, name: str, channel_name: str, channel_id: str) -> int:
    from storage import repositories as repo

    with db.session_scope() as session:
        repo.ensure_workspace(session, WORKSPACE, NOW)
        team = Team(workspace_id=WORKSPACE, channel_id=channel_id, channel_name=channel_name, name=name, created_at=NOW)
        session.add(team)
        session.flush()
        assert team.id is not None
        return team.id


def stored(db: Database) -> list[tuple[str, int, int | None, str | None]]:
    with db.session_scope() as session:
        rows = session.exec(select(CxResponse).order_by(CxResponse.row_key)).all()
        return [(r.row_key, r.score, r.team_id, r.team_label) for r in rows]


@BOTH_BACKENDS
def test_import_maps_teams_reports_unknown_and_is_idempotent(db: Database, database_url: str, tmp_path: Path) -> None:
    support = add_team(db, "Support", "support-fi", "C1")
    feed = tmp_path / "nps.csv"
    feed.write_text(RESPONSES, encoding="utf-8")
    settings_ = make_settings(database_url, tmp_path)

    first = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (first.status, first.rows_read, first.imported, first.rejected) == ("imported", 5, 5, 0)
    assert first.unknown_teams == ["Sales"]
    rows = stored(db)
    assert [r[2] for r in rows] == [support, support, support, None, None]  # case-insensitive team name

    again = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed), force=True)
    assert (again.imported, again.already_present) == (0, 5)

    feed.write_text(RESPONSES + "r6,2026-02-05,10,Support,\n", encoding="utf-8")  # the feed grew
    grown = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed), force=True)
    assert (grown.imported, grown.already_present) == (1, 5)
    assert len(stored(db)) == 6

    # Hand-computed NPS of the workspace: 3 promoters (10, 9, 10), 1 passive, 2 detractors of 6 → +16.7.
    nps = _year_report(db).nps
    assert (nps.n, nps.promoters, nps.passives, nps.detractors) == (6, 3, 1, 2)
    assert nps.score == pytest.approx(100 * (3 - 2) / 6)
    assert nps == nps_from_scores([10, 9, 8, 3, 6, 10])


@BOTH_BACKENDS
def test_missing_team_comment_and_scale_are_stored_as_null(db: Database, database_url: str, tmp_path: Path) -> None:
    """Rows reach the database with 0 / "" standing for NULL (binding None is slow in sqlite3): what is stored
    must still be NULL, which the reports' comment reads and the relinking of labels look for."""
    feed = tmp_path / "nps.csv"
    feed.write_text(RESPONSES, encoding="utf-8")
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert summary.imported == 5
    with db.session_scope() as session:
        rows = session.exec(
            select(CxResponse.row_key, CxResponse.team_id, CxResponse.team_label, CxResponse.comment)
            .where(CxResponse.workspace_id == WORKSPACE)
            .order_by(col(CxResponse.row_key))
        ).all()
        scales = session.exec(select(CxResponse.scale_max).where(col(CxResponse.scale_max).is_not(None))).all()
    assert [tuple(row) for row in rows] == [
        ("id:nps:r1", None, "Support", "Great"),
        ("id:nps:r2", None, "support", None),
        ("id:nps:r3", None, "Support", None),
        ("id:nps:r4", None, "Sales", "slow"),
        ("id:nps:r5", None, None, None),
    ]
    assert scales == []


def test_import_pauses_the_cycle_collector_and_restores_it(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    insert = cx_import.cx_repo.insert_ignoring_duplicates

    def recording(*args: Any) -> int:
        seen.append(gc.isenabled())
        return insert(*args)

    monkeypatch.setattr(cx_import.cx_repo, "insert_ignoring_duplicates", recording)
    assert gc.isenabled()
    cx_import.import_bytes(db, WORKSPACE, "upload", RESPONSES.encode(), None, NOW)
    assert seen == [False] and gc.isenabled()
    gc.disable()  # someone else's pause is left as it was
    try:
        cx_import.import_bytes(db, WORKSPACE, "upload", RESPONSES.encode(), None, NOW)
        assert not gc.isenabled()
    finally:
        gc.enable()


def _year_report(db: Database, scope: Scope | None = None) -> Report:
    """What a report of 2026 shows: the CX side comes from the counts each import keeps."""
    return build_report(db, scope or workspace_scope(WORKSPACE), date(2026, 1, 1), date(2026, 12, 31), k=5)


def test_alias_links_rows_already_stored(db: Database, database_url: str, tmp_path: Path) -> None:
    sales = add_team(db, "Myynti", "myynti", "C2")
    feed = tmp_path / "nps.csv"
    feed.write_text(RESPONSES, encoding="utf-8")
    cx_import.import_for_workspace(make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed))
    assert next(r for r in stored(db) if r[3] == "Sales")[2] is None
    with db.session_scope() as session:
        from storage import cx_repository

        cx_repository.set_alias(session, WORKSPACE, "Sales", sales)
        session.flush()
        cx_repository.relink_team_labels(session, WORKSPACE, cx_repository.team_lookup(session, WORKSPACE))
    assert next(r for r in stored(db) if r[3] == "Sales")[2] == sales
    # The per-day counts that reports read moved with the row: the team now has its detractor.
    assert _year_report(db, Scope(WORKSPACE, sales, "Myynti", 1)).nps.detractors == 1
    assert _year_report(db).nps.n == 5  # the workspace total is unchanged


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_kept(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    feed = tmp_path / "bad.csv"
    feed.write_text(
        "date;nps;team\n"  # line 1, semicolons
        "2.2.2026;10;A\n"  # 2 ok (Finnish date)
        "2026-02-02;11;A\n"  # 3 out of range
        "2026-02-02;x;A\n"  # 4 not a number
        "31.2.2026;9;A\n"  # 5 impossible date
        ";9;A\n"  # 6 missing date
        "2026/02/03;9,0;A\n",  # 7 ok (yyyy/mm/dd, decimal comma)
        encoding="utf-8",
    )
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert (summary.imported, summary.rejected) == (2, 4)
    assert [(count, line) for count, line, _code, _detail in summary.reasons] == [(1, 3), (1, 4), (1, 5), (1, 6)]
    assert len(stored(db)) == 2


def test_rejected_header_changes_nothing(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "weird.csv"
    feed.write_text("when,how much\n2026-01-01,5\n", encoding="utf-8")
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert summary.status == "rejected"
    assert summary.found_columns == ["when", "how much"]
    assert stored(db) == []


def test_aggregate_rows_are_weighted_by_count(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "agg.csv"
    feed.write_text(
        "date,team,metric,value,responses\n2026-02-02,A,nps,50,100\n2026-02-03,A,nps,0,300\n2026-02-03,A,csat,80,10\n",
        encoding="utf-8",
    )
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert (summary.shape, summary.imported) == ("aggregates", 3)
    with db.session_scope() as session:
        assert len(session.exec(select(CxAggregate)).all()) == 3
    nps = _year_report(db).nps
    assert nps.n == 400 and nps.score == pytest.approx(12.5)  # not 25: averages are not averaged


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    body = RESPONSES.encode()
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def feed_server() -> Iterator[str]:
    _FeedHandler.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/export.csv?key=secret"
    finally:
        server.shutdown()
        server.server_close()


@BOTH_BACKENDS
def test_http_feed_second_pull_is_a_304(db: Database, database_url: str, tmp_path: Path, feed_server: str) -> None:
    settings_ = make_settings(database_url, tmp_path, CX_FEED_URL=feed_server, CX_FEED_ALLOW_PRIVATE_URLS="true")
    first = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW)
    assert first.imported == 5
    second = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW)
    assert second.status == "not_modified" and second.imported == 0
    assert _FeedHandler.seen[1].get("If-None-Match") == '"v1"'
    assert len(stored(db)) == 5
    assert "secret" not in second.log_line()  # a published sheet's key stays out of logs


def test_size_cap_and_unreachable_source_fail_cleanly(db: Database, database_url: str, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"date,nps\n" + b"2026-01-01,9\n" * 200)
    capped = make_settings(database_url, tmp_path, CX_FEED_MAX_BYTES="1024")
    summary = cx_import.import_for_workspace(capped, db, WORKSPACE, NOW, source=str(big))
    assert summary.status == "failed" and summary.error and summary.error.startswith("too_big")
    gone = cx_import.import_for_workspace(capped, db, WORKSPACE, NOW, source="http://127.0.0.1:9/none.csv")
    assert gone.status == "failed" and gone.error and gone.error.startswith("unreachable")
    assert stored(db) == []


def test_slack_set_paths_must_stay_in_the_feed_dir(database_url: str, tmp_path: Path) -> None:
    settings_ = make_settings(database_url, tmp_path)
    assert cx_import.source_problem(settings_, str(tmp_path / "ok.csv")) is None
    assert cx_import.source_problem(settings_, "ok.csv") is None
    assert cx_import.source_problem(settings_, "/etc/passwd") == "cxfeed.outside_dir"
    assert cx_import.source_problem(settings_, "../outside.csv") == "cxfeed.outside_dir"
    assert cx_import.source_problem(settings_, "https://example.com/x.csv") is None
    assert cx_import.source_problem(settings_, "https:///x.csv") == "cxfeed.bad_source"


VALID = (
    "id,date,nps,team\n" + "".join(f"x{i},2026-02-{1 + i % 27:02d},{i % 11},T{i % 3}\n" for i in range(30))
).encode()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.builds(
            lambda cut, junk: VALID[:cut] + junk + VALID[cut:], st.integers(0, len(VALID)), st.binary(max_size=12)
        ),
    )
)
def test_random_and_mutated_files_never_crash_or_import_twice(db: Database, data: bytes) -> None:
    first = cx_import.import_bytes(db, WORKSPACE, "fuzz", data, None, NOW)
    assert first.status in ("imported", "rejected")
    second = cx_import.import_bytes(db, WORKSPACE, "fuzz", data, None, NOW)
    assert second.imported == 0
    with db.session_scope() as session:
        keys = session.exec(select(CxResponse.row_key)).all()
    assert len(keys) == len(set(keys))


def test_cli_import_prints_summary_and_exit_codes(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'cli.db'}"
    good = tmp_path / "good.csv"
    good.write_text(RESPONSES, encoding="utf-8")
    env = {"DATABASE_URL": database_url}
    result = run_cli("import-cx", str(good), "--workspace", WORKSPACE, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 rows read, 5 imported, 0 already present, 0 rejected" in result.stdout
    again = run_cli("import-cx", str(good), env=env, cwd=tmp_path)  # the only workspace is found
    assert again.returncode == 0 and "0 imported, 5 already present" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    rejected = run_cli("import-cx", str(bad), env=env, cwd=tmp_path)
    assert rejected.returncode == 1
    assert "foo, bar" in rejected.stdout


def test_late_non_utf8_byte_reads_the_whole_file_as_cp1252_once(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """A Windows-1252 'ä' after the first megabyte: the encoding is decided before anything is stored."""
    feed = tmp_path / "excel.csv"
    rows = b"".join(b"x%07d,2026-02-02,9,Support,ok\n" % i for i in range(40000))  # > 1 MB of ASCII
    feed.write_bytes(b"id,date,nps,team,comment\n" + rows + b"late,2026-02-03,10,Myyj\xe4t,kiitos\n")
    settings_ = make_settings(database_url, tmp_path)
    first = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (first.imported, first.rejected) == (40001, 0)
    assert "Myyjät" in first.unknown_teams
    again = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed), force=True)
    assert (again.imported, again.already_present) == (0, 40001)


# --- exports as people have them: every hint is followed, and numbers checked ---------------------------

STARS = "rating\tdate\tverified_reviews\r\n" + "".join(
    f"{stars}\t{day}-Feb-26\tok\r\n" for stars, day in [(5, 2), (4, 3), (3, 3), (1, 4), (5, 5)]
)


def _follow(settings_: Settings, db: Database, feed: Path) -> tuple[cx_import.ImportSummary, cx_import.ImportSummary]:
    """Import; when refused, import again with the mapping the refusal suggests."""
    first = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert first.status == "rejected" and first.suggestion, first
    second = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed), columns=first.suggestion)
    return first, second


@BOTH_BACKENDS
def test_star_ratings_hint_leads_to_csat_not_nps(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "reviews.tsv"
    feed.write_text(STARS, encoding="utf-8")
    first, second = _follow(make_settings(database_url, tmp_path), db, feed)
    assert first.file_code == "score_is_csat" and first.suggestion == "csat=rating"
    assert (second.status, second.imported) == ("imported", 5)
    report = _year_report(db)
    assert report.nps.n == 0
    assert (report.csat.n, report.csat.satisfied) == (5, 3)


def test_explicit_generic_score_of_stars_is_refused_too(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "reviews.tsv"
    feed.write_text(STARS, encoding="utf-8")
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed), columns="score=rating"
    )
    assert (summary.status, summary.file_code, summary.suggestion) == ("rejected", "score_is_csat", "csat=rating")
    assert stored(db) == []


@BOTH_BACKENDS
def test_csat_on_a_seven_point_scale_counts_its_top_two(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "csat7.csv"
    feed.write_text("date,Satisfaction\n2026-02-02,7\n2026-02-02,6\n2026-02-03,5\n2026-02-04,2\n", encoding="utf-8")
    first, second = _follow(make_settings(database_url, tmp_path), db, feed)
    assert first.file_code == "csat_scale" and first.suggestion == "csat=Satisfaction, scale=1-7"
    assert second.imported == 4
    csat = _year_report(db).csat
    assert (csat.n, csat.satisfied) == (4, 2)  # 6 and 7, not every answer over 3


@BOTH_BACKENDS
def test_scorecard_hint_imports_counts_without_double_totals(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "scorecard.csv"
    feed.write_text(
        "Mes,Tienda,NPS_Score,Total_Responses,Promotores,Neutros,Detractores\n"
        "2026-01-01,,26.0,60,30,10,20\n"
        "2026-01-01,A,40.0,20,12,4,4\n"
        "2026-01-01,B,18.0,40,18,6,16\n"
        "2026-02-01,,50.0,10,6,3,1\n"
        "2026-02-01,A,50.0,10,6,3,1\n",
        encoding="utf-8",
    )
    first, second = _follow(make_settings(database_url, tmp_path), db, feed)
    assert first.file_code == "no_date_column"
    assert first.suggestion == "date=Mes, value=NPS_Score, count=Total_Responses"
    assert (second.shape, second.imported, second.totals_dropped) == ("aggregates", 3, 2)
    nps = _year_report(db).nps
    assert nps.n == 70
    assert nps.score == pytest.approx(100 * ((30 - 20) + (6 - 1)) / 70)


@BOTH_BACKENDS
def test_file_without_dates_imports_with_first_seen_once(db: Database, database_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "verbatims.csv"
    feed.write_text('user_id,text,NPS_Score\n1,"slow\nand buggy",0\n2,love it,10\n2,love it,10\n', encoding="utf-8")
    settings_ = make_settings(database_url, tmp_path)
    first, second = _follow(settings_, db, feed)
    assert (first.file_code, first.suggestion) == ("no_date", "date=@first-seen")
    assert second.imported == 3  # identical rows are counted as exported
    later = datetime(2026, 3, 9, tzinfo=UTC)
    again = cx_import.import_for_workspace(settings_, db, WORKSPACE, later, source=str(feed), columns=first.suggestion)
    assert (again.imported, again.already_present) == (0, 3)
    with db.session_scope() as session:
        assert set(session.exec(select(CxResponse.day)).all()) == {NOW.date()}


def test_reasons_are_grouped_and_all_rejected_is_rejected(db: Database, database_url: str, tmp_path: Path) -> None:
    from bot.blocks.cxfeed import summary_text
    from bot.i18n import translator

    feed = tmp_path / "calls.csv"
    feed.write_text("Date,Satisfaction rating\n" + "2026-02-02,0\n" * 40 + "2026-02-03,\n", encoding="utf-8")
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(feed)
    )
    assert (summary.status, summary.file_code, summary.rejected) == ("rejected", "no_rows", 41)
    assert [(count, line, code) for count, line, code, _detail in summary.reasons] == [
        (40, 2, "score_out_of_range"),
        (1, 42, "missing_score"),
    ]
    english = summary_text(translator("en"), summary, plain=True)
    assert "every row was rejected" in english
    assert "• 40 rows (first on line 2)" in english and "• 1 row (first on line 42)" in english
    finnish = summary_text(translator("fi"), summary, plain=True)
    assert "• 40 riviä (ensimmäinen rivillä 2)" in finnish and "• 1 rivi (ensimmäinen rivillä 42)" in finnish


def test_hints_name_columns_in_the_shell_and_the_command_in_slack(tmp_path: Path) -> None:
    from bot.blocks.cxfeed import summary_text
    from bot.i18n import translator

    summary = cx_import.ImportSummary(
        source="f.csv",
        status="rejected",
        file_code="score_is_csat",
        file_column="rating",
        file_detail="5",
        suggestion="csat=rating",
        found_columns=["date", "rating"],
    )
    shell = summary_text(translator("en"), summary, plain=True)
    slack = summary_text(translator("en"), summary)
    assert "--columns 'csat=rating'" in shell and "/pulse" not in shell
    assert "`/pulse cxfeed columns csat=rating`" in slack and "--columns" not in slack
    assert len(shell.splitlines()) == 1


def test_cli_refusal_is_one_line_and_its_hint_imports(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'cli.db'}"
    feed = tmp_path / "event.csv"
    feed.write_text(
        'Timestamp,"On a scale of 0-10, how would you rate us?",...why?\n'
        "11/1/2019 8:51:12,0,Bad\n11/1/2019 9:05:13,10,Good\n11/4/2019 10:00:00,9,\n",
        encoding="utf-8",
    )
    env = {"DATABASE_URL": database_url}
    refused = run_cli("import-cx", str(feed), "--workspace", WORKSPACE, env=env, cwd=tmp_path)
    assert refused.returncode == 1 and len(refused.stdout.strip().splitlines()) == 1
    assert "--columns" in refused.stdout
    mapping = 'date=Timestamp, nps="On a scale of 0-10, how would you rate us?"'
    done = run_cli("import-cx", str(feed), "--workspace", WORKSPACE, "--columns", mapping, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 rows read, 3 imported" in done.stdout
    assert "m/d/y" in done.stdout  # the order chosen from close timestamps is said, never silent


@pytest.mark.parametrize("sheet", [None, "Vastaukset"])
def test_xlsx_is_read_directly(db: Database, database_url: str, tmp_path: Path, sheet: str | None) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Info" if sheet else "Sheet1"
    target = workbook.create_sheet("Vastaukset") if sheet else first
    if sheet:
        first.append(["Nothing", "here"])
    target.append(["Päivämäärä", "Kuinka todennäköisesti suosittelisit meitä?", "Tiimi"])
    target.append([datetime(2026, 2, 2, 9, 30), 10, "Tuki"])
    target.append([date(2026, 2, 3), 6.0, "Tuki"])
    target.append([None, None, None])
    path = tmp_path / "vastaukset.xlsx"
    workbook.save(path)
    columns = f"sheet={sheet}" if sheet else None
    summary = cx_import.import_for_workspace(
        make_settings(database_url, tmp_path), db, WORKSPACE, NOW, source=str(path), columns=columns
    )
    assert (summary.status, summary.imported, summary.rejected) == ("imported", 2, 0)
    nps = _year_report(db).nps
    assert (nps.n, nps.promoters, nps.detractors) == (2, 1, 1)


@BOTH_BACKENDS
def test_grown_feed_reads_only_its_tail_with_the_keys_a_full_read_gives(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain.cxcsv import parse_cx_csv

    head = "Date,NPS,Team\n" + "".join(f"{d}/1/2026,{d % 11},T\n" for d in range(13, 20)) + "13/1/2026,2,T\n"
    tail = "13/1/2026,2,T\n14/1/2026,3,T\n1/2/2026,9,T\n"  # duplicates of earlier rows, and a new day
    feed = tmp_path / "grow.csv"
    feed.write_text(head, encoding="utf-8")
    settings_ = make_settings(database_url, tmp_path)
    first = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert first.imported == 8
    feed.write_text(head + tail, encoding="utf-8")

    def no_full_read(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the unchanged start was parsed again")

    monkeypatch.setattr(cx_import, "iter_cx_csv", no_full_read)
    grown = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (grown.status, grown.rows_read, grown.imported, grown.already_present) == ("imported", 11, 3, 8)
    monkeypatch.undo()
    full = parse_cx_csv(head + tail)
    assert sorted(key for key, *_rest in stored(db)) == sorted(row.row_key for row in full.rows)
    assert [r.day for r in full.rows][-1] == date(2026, 2, 1)  # the tail keeps the head's day/month order
    same = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (same.imported, same.already_present) == (0, 11)
    # A changed start is read whole again, and nothing is counted twice.
    feed.write_text(head.replace("2,T", "3,T", 1) + tail, encoding="utf-8")
    changed = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert changed.rows_read == 11 and changed.imported + changed.already_present == 11


def test_cx_feed_columns_setting_takes_quotes_and_numbers(db: Database, database_url: str, tmp_path: Path) -> None:
    from bot.settings import SettingError

    feed = tmp_path / "forms.csv"
    feed.write_text('Aika,"On a scale of 0-10, how likely, really?"\n3.2.2026 klo 9.15,10\n', encoding="utf-8")
    columns = 'date=#1, nps="On a scale of 0-10, how likely, really?"'
    settings_ = make_settings(database_url, tmp_path, CX_FEED_COLUMNS=columns)
    summary = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (summary.status, summary.imported) == ("imported", 1)
    with pytest.raises(SettingError, match="CX_FEED_COLUMNS"):
        make_settings(database_url, tmp_path, CX_FEED_COLUMNS='nps="On a scale of 0-10')


def daily_rows(db: Database) -> list[tuple[int, date, str, int, int, int, int, int]]:
    from storage.models import CxDaily

    with db.session_scope() as session:
        rows = session.exec(select(CxDaily).where(CxDaily.workspace_id == WORKSPACE)).all()
        return sorted(
            (r.team_key, r.day, r.metric, r.n, r.promoters, r.passives, r.detractors, r.satisfied) for r in rows
        )


@BOTH_BACKENDS
def test_per_day_counts_of_batches_equal_a_recount(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import tallies each batch it stored whole in Python and recounts in SQL a batch of which some rows
    were stored already; both must give what rebuilding the counts from the stored rows gives."""
    from storage import cx_repository

    monkeypatch.setattr(cx_import, "BATCH", 4)  # several batches, and statements of 3 rows plus a remainder
    monkeypatch.setattr(cx_repository, "ROWS_PER_STATEMENT", 3)
    support = add_team(db, "Support", "support-fi", "C1")
    header = "Response ID,Date,NPS,Satisfaction (1-7),Team\n"
    lines = [
        f"r{i},2026-02-{1 + i % 3:02d},{i % 11},{1 + i % 7},{['Support', 'Sales', ''][i % 3]}\n" for i in range(23)
    ]
    feed = tmp_path / "feed.csv"
    feed.write_text(header + "".join(lines), encoding="utf-8")
    settings_ = make_settings(database_url, tmp_path)
    first = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
    assert (first.status, first.imported, first.already_present) == ("imported", 46, 0)  # an NPS and a CSAT each
    # The start changed (r0 dropped), so the file is read whole: its old rows are skipped, two new ones stored.
    extra = ["r90,2026-02-01,10,7,Support\n", "r91,2026-02-02,0,1,\n"]
    feed.write_text(header + "".join(lines[1:12] + extra + lines[12:]), encoding="utf-8")
    second = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed), force=True)
    assert (second.imported, second.already_present) == (4, 44)
    counted = daily_rows(db)
    # Support's NPS on 1 February: r0, r3 … r21 (0, 3, 6, 9, 1, 4, 7, 10) and r90 (10)
    assert [row[3:7] for row in counted if row[:3] == (support, date(2026, 2, 1), "nps")] == [(9, 3, 1, 5)]
    with db.session_scope() as session:
        cx_repository.rebuild_daily(session, WORKSPACE)
    assert daily_rows(db) == counted
    assert sum(row[3] for row in counted if row[0] == cx_repository.WHOLE_WORKSPACE) == 50


@pytest.mark.parametrize(
    ("data", "mapping", "code"),
    [
        (b"PK\x03\x04", None, "xlsx_unreadable"),  # a zip's signature and nothing else
        (b"PK\x03\x04" + b"\x00" * 200, None, "xlsx_unreadable"),
        (None, {"sheet": "Muu"}, "xlsx_no_sheet"),
    ],
)
def test_a_broken_workbook_or_missing_sheet_is_refused_with_a_reason(
    db: Database, data: bytes | None, mapping: dict[str, str] | None, code: str
) -> None:
    if data is None:
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(["Date", "NPS"])
        book.active.append(["2026-03-01", 9])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    summary = cx_import.import_bytes(db, WORKSPACE, "book.xlsx", data, mapping, NOW)
    assert (summary.status, summary.file_code, summary.imported) == ("rejected", code, 0)


SHAPES = {
    # one NPS column, teams set up: the team id varies, the metric and scale don't
    "nps_with_teams": (RESPONSES, True, {"workspace_id", "metric", "scale_max"}),
    # the same without any team set up: every team id is empty
    "nps_no_teams": (RESPONSES, False, {"workspace_id", "metric", "scale_max", "team_id"}),
    # a 1–7 CSAT, no team or comment column
    "csat_1_7": (
        'Date,"Satisfaction (1-7)"\n2026-02-02,7\n2026-02-02,6\n2026-02-03,1\n2026-02-03,7\n2026-02-04,"5"\n',
        True,
        {"workspace_id", "metric", "scale_max", "team_id", "team_label", "comment"},
    ),
    # an NPS and a 1–7 CSAT per row: metric and scale vary
    "two_scores": (
        "Response ID,Date,NPS,Satisfaction (1-7),Team,Comment\n"
        + "".join(
            f'r{i},2026-02-0{1 + i % 3},{i % 11},{1 + i % 7},{["Support", "sales", ""][i % 3]},"c ""{i}"", ä"\n'
            for i in range(11)
        ),
        True,
        {"workspace_id"},
    ),
}


@BOTH_BACKENDS
@pytest.mark.parametrize("shape", list(SHAPES))
def test_columns_bound_once_store_what_binding_every_row_stores(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    """The import names the columns that hold one value in every row (bound once per statement on
    SQLite); its stored rows and per-day counts are those of an import that binds every value per row."""
    from storage import cx_repository
    from storage.models import CxDaily

    text, with_teams, expected_same = SHAPES[shape]
    monkeypatch.setattr(cx_import, "BATCH", 4)
    monkeypatch.setattr(cx_repository, "ROWS_PER_STATEMENT", 3)
    other = "T0002"
    if with_teams:
        for workspace in (WORKSPACE, other):
            with db.session_scope() as session:
                from storage import repositories as repo

                repo.ensure_workspace(session, workspace, NOW)
                session.add(
                    Team(
                        workspace_id=workspace, channel_id="C1", channel_name="support", name="Support", created_at=NOW
                    )
                )
    insert = cx_repository.insert_ignoring_duplicates
    named: list[set[str]] = []

    def naming(session: Any, table: Any, rows: list[tuple[Any, ...]], same: Any = ()) -> int:
        named.append(set(same))
        return insert(session, table, rows, same)

    monkeypatch.setattr(cx_repository, "insert_ignoring_duplicates", naming)
    first = cx_import.import_bytes(db, WORKSPACE, "upload", text.encode(), None, NOW)
    assert named and all(same == expected_same for same in named)
    monkeypatch.setattr(cx_repository, "insert_ignoring_duplicates", lambda s, t, rows, same=(): insert(s, t, rows))
    second = cx_import.import_bytes(db, other, "upload", text.encode(), None, NOW)
    assert first.status == second.status == "imported"
    assert (first.imported, first.rejected) == (second.imported, second.rejected)
    with db.session_scope() as session:
        teams = {team.id: team.name for team in session.exec(select(Team)).all()}

        def rows_of(workspace: str) -> list[tuple[Any, ...]]:
            found = session.exec(select(CxResponse).where(CxResponse.workspace_id == workspace)).all()
            return sorted(
                (r.row_key, r.day, r.metric, r.score, teams.get(r.team_id), r.team_label, r.comment, r.scale_max)
                for r in found
            )

        def daily_of(workspace: str) -> list[tuple[Any, ...]]:
            found = session.exec(select(CxDaily).where(CxDaily.workspace_id == workspace)).all()
            return sorted(
                (
                    str(teams.get(d.team_key, d.team_key)),
                    d.day,
                    d.metric,
                    d.n,
                    d.promoters,
                    d.passives,
                    d.detractors,
                    d.satisfied,
                )
                for d in found
            )

        assert rows_of(WORKSPACE) == rows_of(other) and len(rows_of(WORKSPACE)) == first.imported
        assert daily_of(WORKSPACE) == daily_of(other)
        if shape == "two_scores":
            assert {r[6] for r in rows_of(WORKSPACE)} >= {'c "0", ä', 'c "10", ä'}
        if with_teams and shape != "csat_1_7":
            assert {r[4] for r in rows_of(WORKSPACE)} == {"Support", None}


@BOTH_BACKENDS
def test_a_feed_that_grew_past_a_partial_last_line_stores_each_row_once(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """A feed without ids, imported while its last line had no line end yet: the rows stored then are not read
    again as a tail of the earlier state (their keys would count themselves, and they would be stored twice)."""
    settings_ = make_settings(database_url, tmp_path)
    rows = [f"2026-02-0{1 + i % 3},{9 + i % 2},c{i}\n" for i in range(30)]
    feed = tmp_path / "grow.csv"
    for upto, partial in ((10, False), (20, True), (30, False)):
        text = "Date,NPS,Comment\n" + "".join(rows[:upto])
        feed.write_text(text.rstrip("\n") if partial else text, encoding="utf-8")
        summary = cx_import.import_for_workspace(settings_, db, WORKSPACE, NOW, source=str(feed))
        assert (summary.status, summary.imported) == ("imported", 10)
    whole = cx_import.import_for_workspace(settings_, db, "T0002", NOW, source=str(feed))
    assert whole.imported == 30
    with db.session_scope() as session:
        stored = {
            workspace: sorted(
                (row.row_key, row.day, row.score, row.comment)
                for row in session.exec(select(CxResponse).where(CxResponse.workspace_id == workspace))
            )
            for workspace in (WORKSPACE, "T0002")
        }
    assert stored[WORKSPACE] == stored["T0002"]
