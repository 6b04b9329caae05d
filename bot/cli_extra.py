"""Offline subcommands: import-cx, report, demo-data. Each runner lives beside its service."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot.settings import Settings


def add_subcommands(sub: Any) -> None:
    cx = sub.add_parser(
        "import-cx",
        help="import an NPS/CSAT CSV file or URL once and print the summary",
        description="Import NPS/CSAT rows from a CSV file or http(s) URL. Exit 0 when imported "
        "(bad rows are reported and skipped), 1 when the file was rejected whole.",
    )
    cx.add_argument("source", help="a file path or an http(s) URL")
    cx.add_argument("--workspace", metavar="TEAM_ID", help="Slack workspace id (default: the only one in the database)")
    cx.add_argument("--columns", metavar="MAPPING", help="column mapping, e.g. 'score=Q1_NPS,date=Finished at'")

    report = sub.add_parser(
        "report",
        help="print or write a team or workspace report (text, json or png)",
        description="The same report managers get with /cxreport, from the shell.",
    )
    report.add_argument("--workspace", metavar="TEAM_ID", help="Slack workspace id (default: the only one)")
    report.add_argument("--team", metavar="NAME", help="team name or channel name (default: the whole workspace)")
    period = report.add_mutually_exclusive_group()
    period.add_argument("--weeks", type=int, metavar="N", help="the last N weeks, 1-104 (default 12)")
    period.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (inclusive), with --to")
    report.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (inclusive)")
    report.add_argument("--format", choices=("text", "json", "png"), default="text")
    report.add_argument("--out", metavar="FILE", help="write here instead of standard output (png needs it)")
    report.add_argument("--language", choices=("en", "fi"), help="the report's language (default: DEFAULT_LANGUAGE)")

    demo = sub.add_parser(
        "demo-data",
        help="fill the database with a realistic demo workspace",
        description="Create a demo workspace (teams, a year of rounds, wins, a CX feed) so that "
        "`report --format png` shows what managers get, without Slack.",
    )
    demo.add_argument("--workspace", metavar="TEAM_ID", default="TDEMO")
    demo.add_argument("--seed", type=int, default=7)


def runners() -> dict[str, Callable[[Settings, argparse.Namespace], int]]:
    def import_cx(settings: Settings, args: argparse.Namespace) -> int:
        from storage.migrate import upgrade_to_head

        upgrade_to_head(settings.database_url)
        from bot.services.cx_import import run_import_cli

        return run_import_cli(settings, args)

    def report(settings: Settings, args: argparse.Namespace) -> int:
        from bot.services.reports import run_report_cli

        def upgrade() -> None:
            from storage.migrate import upgrade_to_head  # imports alembic, which logs: only when needed

            upgrade_to_head(settings.database_url)

        # The database is upgraded only once the arguments are known good: a bad period is one line.
        return run_report_cli(settings, args, prepare=upgrade)

    def demo_data(settings: Settings, args: argparse.Namespace) -> int:
        from storage.migrate import upgrade_to_head

        upgrade_to_head(settings.database_url)
        from bot.services.demo_data import run_demo_data_cli

        return run_demo_data_cli(settings, args)

    return {"import-cx": import_cx, "report": report, "demo-data": demo_data}
