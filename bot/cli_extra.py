"""Offline subcommands: init, import-cx, report, demo-data. The shell's side lives here (arguments, the
workspace choice, printing); the work is the services'. Every line printed comes from the catalog
(bot/i18n/parts/cli.py), in `report --language` when given, else DEFAULT_LANGUAGE, as the shell's other texts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.i18n import Translator, translator
from bot.settings import SettingError, Settings

EXIT_REJECTED = 1
EXIT_BAD_INPUT = 2
DEMO_DATABASE_URL = "sqlite:///pulssi-demo.db"


def add_subcommands(sub: Any) -> None:
    from bot import cli_init

    init = sub.add_parser(
        "init",
        help="ask for the Slack tokens, check them with Slack and write .env (the first command to run)",
        description=cli_init.DESCRIPTION,
    )
    cli_init.add_arguments(init)

    cx = sub.add_parser(
        "import-cx",
        help="import an NPS/CSAT CSV or .xlsx file or URL once and print the summary",
        description="Import NPS/CSAT rows from a CSV/TSV or .xlsx file or an http(s) URL. Exit 0 when imported "
        "(bad rows are reported and skipped), 1 when the file was rejected whole or every row was rejected "
        "(a rejection ends with the --columns mapping that reads the file), 2 when the workspace or an "
        "argument is wrong.",
    )
    cx.add_argument("source", help="a file path or an http(s) URL")
    cx.add_argument("--workspace", metavar="TEAM_ID", help="Slack workspace id (default: the only one in the database)")
    cx.add_argument(
        "--columns",
        metavar="MAPPING",
        help="column mapping, e.g. 'csat=Q3 scale=1-7, date=Finished at' or 'nps=\"How likely, 0-10?\", date=#1'; "
        "also metric=nps, date=@first-seen, date_format=d/m/y, sheet=NAME",
    )

    forget = sub.add_parser(
        "forget-workspace",
        help="delete an uninstalled workspace's data now instead of 30 days after it uninstalled (OAuth mode)",
        description="Mark an uninstalled workspace for deletion: the running scheduler deletes every row of it "
        "at its next hourly housekeeping run. Refused while the workspace is installed.",
    )
    forget.add_argument("--workspace", metavar="TEAM_ID", required=True, help="the Slack workspace id")

    report = sub.add_parser(
        "report",
        help="print or write a team or workspace report (text, json or png)",
        description="The same report managers get with /cxreport, from the shell.",
    )
    report.add_argument("--workspace", metavar="TEAM_ID", help="Slack workspace id (default: the only one)")
    report.add_argument(
        "--team",
        metavar="NAME",
        help="team name, #channel or channel id, as /cxreport takes them (default: the whole workspace)",
    )
    period = report.add_mutually_exclusive_group()
    period.add_argument("--weeks", type=int, metavar="N", help="the last N weeks, 1-260 (default 12)")
    period.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (inclusive), with --to")
    report.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day (inclusive)")
    report.add_argument("--format", choices=("text", "json", "png"), default="text")
    report.add_argument("--out", metavar="FILE", help="write here instead of standard output (png needs it)")
    report.add_argument("--database-url", metavar="URL", help="read this database instead of DATABASE_URL")
    report.add_argument("--language", choices=("en", "fi"), help="the report's language (default: DEFAULT_LANGUAGE)")

    demo = sub.add_parser(
        "demo-data",
        help="fill a database of its own (pulssi-demo.db) with a realistic demo workspace",
        description="Create a demo workspace (teams, a year of rounds, wins, a CX feed) so that "
        "`report --format png` shows what managers get, without Slack. It goes to its own file, "
        f"{DEMO_DATABASE_URL}, unless --database-url names another; a database that holds a real "
        "workspace is refused unless --force.",
    )
    demo.add_argument("--workspace", metavar="TEAM_ID", default="TDEMO")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--database-url", metavar="URL", default=DEMO_DATABASE_URL, help=f"default {DEMO_DATABASE_URL}")
    demo.add_argument("--force", action="store_true", help="add demo data beside a real workspace")


def runners() -> dict[str, Callable[[Settings, argparse.Namespace], int]]:
    return {
        "import-cx": run_import_cx,
        "report": run_report,
        "demo-data": run_demo_data,
        "forget-workspace": run_forget_workspace,
    }


def run_forget_workspace(settings: Settings, args: argparse.Namespace) -> int:
    """OAuth mode: an uninstalled workspace's data goes at the next housekeeping run, not after 30 days."""
    from bot.deps import utc_now
    from bot.services.installations import request_purge
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        if not request_purge(db, args.workspace, utc_now()):
            print(
                f"forget-workspace: {args.workspace} is not an uninstalled workspace in this database"
                " (uninstall Pulssi from it first)",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    finally:
        db.dispose()
    print(f"forget-workspace: every row of {args.workspace} is deleted at the next hourly housekeeping run")
    return 0


def _database_url(t: Translator, settings: Settings, args: argparse.Namespace, command: str) -> str | None:
    """The database a command uses: --database-url when given, else DATABASE_URL; migrated to the newest
    schema. None (after printing the one-line problem) when the URL is malformed."""
    url = settings.database_url
    if getattr(args, "database_url", None):
        try:
            url = Settings.from_env({"DATABASE_URL": args.database_url}, require_slack=False).database_url
        except SettingError as error:
            problem = error.in_language(t.language).removeprefix(f"{error.name}: ")
            print(t("cli.bad_database_url", command=command, problem=problem), file=sys.stderr)
            return None
    from storage.migrate import upgrade_to_head

    upgrade_to_head(url)
    return url


def _choose_workspace(
    t: Translator, command: str, known: list[str], requested: str | None, *, may_create: bool = False
) -> str | None:
    """The workspace a command means, or None after printing why there is none (no data, a typo, several)."""
    from bot.domain.workspaces import choose_workspace

    choice = choose_workspace(known, requested, may_create=may_create)
    if choice.workspace_id is not None:
        return choice.workspace_id
    known_text = ", ".join(choice.known)
    if choice.problem == "empty":
        print(t("cli.workspace.empty", command=command), file=sys.stderr)
    elif choice.problem == "unknown":
        print(t("cli.workspace.unknown", command=command, workspace=requested, known=known_text), file=sys.stderr)
    else:
        print(t("cli.workspace.choose", command=command, known=known_text), file=sys.stderr)
    return None


def run_import_cx(settings: Settings, args: argparse.Namespace) -> int:
    """`import-cx SOURCE [--workspace T123] [--columns MAPPING]`: 0 imported, 1 rejected or unreadable, 2 refused."""
    from bot.blocks.cxfeed import summary_text
    from bot.deps import utc_now
    from bot.services.cx_import import import_for_workspace
    from bot.services.workspaces import known_workspace_ids
    from storage.db import Database

    t = translator(settings.default_language)  # Pulssi's setting, not the shell's LANG
    url = _database_url(t, settings, args, "import-cx")
    if url is None:
        return EXIT_BAD_INPUT
    db = Database(url)
    try:
        # The first import into an empty database may name its workspace; after that a typo is refused.
        workspace_id = _choose_workspace(t, "import-cx", known_workspace_ids(db), args.workspace, may_create=True)
        if workspace_id is None:
            return EXIT_BAD_INPUT
        try:
            summary = import_for_workspace(
                settings, db, workspace_id, utc_now(), source=args.source, force=True, columns=args.columns
            )
        except ValueError as error:
            print(t("cli.import.failed", problem=str(error)), file=sys.stderr)
            return EXIT_BAD_INPUT
        print(summary_text(t, summary, plain=True))
        return 0 if summary.status == "imported" else EXIT_REJECTED
    finally:
        db.dispose()


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.blocks.report import report_text
    from bot.services import reports
    from bot.services.teams import team_by_reference
    from bot.services.workspaces import known_workspace_ids
    from storage.db import Database

    t = translator(args.language or settings.default_language)
    # The arguments first, one line each, before the database is opened or upgraded.
    try:
        start, end = _period(settings, args)
    except reports.PeriodError as error:
        print(t("cli.report.problem", problem=t(error.key, **error.values)), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "png" and not args.out:
        print(t("cli.report.png_needs_out"), file=sys.stderr)
        return EXIT_BAD_INPUT
    url = _database_url(t, settings, args, "report")
    if url is None:
        return EXIT_BAD_INPUT
    db = Database(url)
    try:
        workspace_id = _choose_workspace(t, "report", known_workspace_ids(db), args.workspace)
        if workspace_id is None:
            return EXIT_BAD_INPUT
        with db.session_scope() as session:
            scope = reports.workspace_scope(workspace_id)
            if args.team:
                team = team_by_reference(session, workspace_id, args.team)
                if team is None:
                    print(t("cli.report.no_team", team=args.team, workspace=workspace_id), file=sys.stderr)
                    return EXIT_BAD_INPUT
                scope = reports.team_scope(workspace_id, team)
        report = reports.build_report(
            db, scope, start, end, k=settings.anonymity_min, timezone=settings.default_timezone
        )
    finally:
        db.dispose()
    if args.format == "json":
        from bot.domain.report import report_json

        _write_text(t, args.out, json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "png":
        from bot.blocks.report import chart_png

        with open(args.out, "wb") as handle:
            handle.write(chart_png(t, report))
        print(t("cli.wrote", path=args.out))
    else:
        _write_text(t, args.out, report_text(t, report) + "\n")
    return 0


def _write_text(t: Translator, path: str | None, text: str) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(t("cli.wrote", path=path))
    else:
        sys.stdout.write(text)


def _period(settings: Settings, args: argparse.Namespace) -> tuple[date, date]:
    """The report's days; reports.PeriodError (its one-line message in either language) when unusable."""
    from bot.deps import utc_now
    from bot.domain.report import MAX_WEEKS
    from bot.services.reports import DEFAULT_WEEKS, PeriodError, check_weeks, local_today, period_ending

    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise PeriodError("report.bad_period.pair")
        try:
            start, end = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
        except ValueError:
            raise PeriodError("report.bad_period.format") from None
        if end < start:
            raise PeriodError("report.bad_period.order")
        if (end - start).days + 1 > 7 * MAX_WEEKS:
            raise PeriodError("report.bad_period.long", max=MAX_WEEKS)
        return start, end
    weeks = check_weeks(DEFAULT_WEEKS if args.weeks is None else args.weeks)
    return period_ending(local_today(settings, utc_now()), weeks)


def run_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from bot.deps import utc_now
    from bot.services.demo_data import WorkspaceNotEmpty, generate, real_workspace_ids
    from storage.db import Database

    t = translator(settings.default_language)
    url = _database_url(t, settings, args, "demo-data")
    if url is None:
        return EXIT_BAD_INPUT
    db = Database(url)
    try:
        real = real_workspace_ids(db)
        if real and not args.force:
            print(t("cli.demo.refused", known=", ".join(real)), file=sys.stderr)
            return EXIT_REJECTED
        counts = generate(db, args.workspace, args.seed, utc_now().date())
    except WorkspaceNotEmpty as error:
        print(t("cli.demo.not_empty", workspace=error.workspace_id), file=sys.stderr)
        return EXIT_REJECTED
    finally:
        db.dispose()
    print(t("cli.demo.done", workspace=args.workspace, database_url=args.database_url, **counts))
    return 0
