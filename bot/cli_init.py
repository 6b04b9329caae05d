"""`python -m bot init`: ask for the Slack tokens, check them with Slack, write `.env` (mode 600).

It runs before `.env` is read and before settings are loaded: its job is to make them. Every message it
prints comes from the catalog (bot/i18n/parts/cli.py) in the language chosen first.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.cli_parsing import argparse_in, language_flag, shell_language
from bot.i18n import CatalogTranslator, Language, parse_language, translator
from bot.settings import SLACK_DEFAULT_API_URL, SettingError, Settings

EXIT_OK = 0
EXIT_REFUSED = 1  # Slack refused a token, Slack was unreachable, or .env exists
EXIT_BAD_VALUE = 2  # a value is malformed (as a bad setting at start)
CHECK_TIMEOUT_SECONDS = 10

# The placeholders of .env.example: a value that still says this was never filled in.
EXAMPLE_VALUES = frozenset({"xoxb-your-bot-token", "your-signing-secret", "xapp-your-app-token"})

# The keys init decides; every other line of an existing .env is kept as it is.
MANAGED_KEYS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "DATABASE_URL",
    "SLACK_API_URL",
    "DEFAULT_LANGUAGE",
    "PULSSI_SECRET_KEY",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bot-token", metavar="XOXB", help="the Bot User OAuth Token (xoxb-…)")
    parser.add_argument("--signing-secret", metavar="SECRET", help="Basic Information → Signing Secret")
    parser.add_argument("--app-token", metavar="XAPP", help="an app-level token (xapp-…) for Socket Mode")
    parser.add_argument("--database-url", metavar="URL", help="default sqlite:///pulssi.db")
    parser.add_argument("--language", metavar="en|fi", help="Pulssi's default language (DEFAULT_LANGUAGE)")
    parser.add_argument(
        "--from-env",
        action="store_true",
        help="take the values from the environment (SLACK_BOT_TOKEN, …) and never prompt: for deployments",
    )
    parser.add_argument("--env-file", metavar="PATH", default=".env", help="where to write (default .env)")
    parser.add_argument("--force", action="store_true", help="update an existing file (its other lines are kept)")
    parser.add_argument("--no-check", action="store_true", help="don't ask Slack whether the tokens work")
    parser.add_argument("--check-only", action="store_true", help="check the tokens with Slack, write nothing")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulssi init", description=DESCRIPTION)
    add_arguments(parser)
    return parser


DESCRIPTION = (
    "Ask for the Slack tokens (or take them as flags, or with --from-env from the environment), check them "
    "with Slack (auth.test; apps.connections.open for the app token), generate PULSSI_SECRET_KEY and write "
    ".env with mode 600. Exit 0 when written, 1 when Slack refused a token or was unreachable or .env "
    "exists (use --force), 2 when a value is malformed."
)


@dataclass
class Answers:
    language: Language
    bot_token: str
    signing_secret: str
    app_token: str
    database_url: str
    api_url: str


class Cancelled(Exception):
    """Standard input ended before every question was answered."""


class Prompter:
    """Questions on the terminal (secrets without echo), or lines from standard input when piped."""

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin, self.stdout = stdin, stdout

    def ask(self, question: str, *, secret: bool = False) -> str:
        if secret and self.stdin.isatty():
            return getpass.getpass(question).strip()
        self.stdout.write(question)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise Cancelled()
        return line.strip()


def main(argv: Sequence[str], *, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    with argparse_in(shell_language(language_flag(argv), env)):
        args = build_parser().parse_args(list(argv))
    out, err = sys.stdout, sys.stderr
    language = shell_language(args.language, env)
    t = translator(language)
    if args.language and parse_language(args.language) is None:
        print(t("cli.init.bad_language", value=args.language), file=err)
        return EXIT_BAD_VALUE
    prompter = Prompter(sys.stdin, out)
    try:
        # Asked first, so that every later line (a malformed value's too) is in the chosen language.
        language = _choose_language(args, env, language, prompter)
        answers = _collect(args, env, language, prompter)
    except Cancelled:
        print(translator(language)("cli.init.cancelled"), file=err)
        return EXIT_REFUSED
    except SettingError as error:
        print(translator(language)("cli.init.bad_value", problem=error.in_language(language)), file=err)
        return EXIT_BAD_VALUE
    t = translator(answers.language)
    path = Path(args.env_file)
    if not args.check_only and path.exists() and not args.force:
        print(t("cli.init.exists", path=str(path), python=python_command()), file=err)
        return EXIT_REFUSED
    if not args.no_check:
        problem, workspace = check_with_slack(answers, t)
        if problem:
            print(problem, file=err)
            return EXIT_REFUSED
        print(t("cli.init.checked", team=workspace), file=out)
    if args.check_only:
        return EXIT_OK
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    secret_key = _existing_value(existing, "PULSSI_SECRET_KEY") or env.get("PULSSI_SECRET_KEY") or ""
    values = {
        "SLACK_BOT_TOKEN": answers.bot_token,
        "SLACK_SIGNING_SECRET": answers.signing_secret,
        "SLACK_APP_TOKEN": answers.app_token or None,
        "DATABASE_URL": answers.database_url or _existing_value(existing, "DATABASE_URL") or None,
        "SLACK_API_URL": answers.api_url if answers.api_url != SLACK_DEFAULT_API_URL else None,
        "DEFAULT_LANGUAGE": answers.language,
        # Kept when present: a new key would invalidate whatever was made with the old one.
        "PULSSI_SECRET_KEY": secret_key or secrets.token_urlsafe(32),
    }
    write_env_file(path, merge_env(existing, values))
    print(t("cli.init.written", path=str(path)), file=out)
    print(t("cli.init.next_socket" if answers.app_token else "cli.init.next_http", python=python_command()), file=out)
    return EXIT_OK


def python_command(executable: str | None = None, cwd: str | None = None) -> str:
    """The interpreter to name in a next step: the one running init (.venv/bin/python after the README's quick
    start), relative when it lies under the working directory; a bare `python` would lack the dependencies."""
    executable = sys.executable if executable is None else executable
    if not executable:
        return "python"
    try:
        relative = os.path.relpath(executable, cwd or os.getcwd())
    except ValueError:  # another drive (Windows)
        return executable
    if relative.startswith(os.pardir):
        return executable
    return relative if os.sep in relative else os.path.join(os.curdir, relative)


def _collect(args: argparse.Namespace, env: Mapping[str, str], language: Language, prompter: Prompter) -> Answers:
    """Flags first, then (with --from-env) the environment, then questions; each value checked as at start."""

    def given(flag: str | None, name: str) -> str | None:
        if flag is not None:
            return flag.strip()
        if args.from_env:
            return env.get(name, "").strip()
        return None

    t = translator(language)
    bot_token = given(args.bot_token, "SLACK_BOT_TOKEN")
    if bot_token is None:
        bot_token = _ask_until(prompter, "cli.init.ask_bot_token", t, _check_bot_token, secret=True)
    signing_secret = given(args.signing_secret, "SLACK_SIGNING_SECRET")
    if signing_secret is None:
        signing_secret = _ask_until(prompter, "cli.init.ask_signing_secret", t, _check_signing_secret, secret=True)
    app_token = given(args.app_token, "SLACK_APP_TOKEN")
    if app_token is None:
        app_token = _ask_until(prompter, "cli.init.ask_app_token", t, _check_app_token, secret=True)
    database_url = given(args.database_url, "DATABASE_URL")
    if database_url is None:
        database_url = _ask_until(prompter, "cli.init.ask_database_url", t, _check_database_url, secret=False)
    for name, value, check in (
        ("SLACK_BOT_TOKEN", bot_token, _check_bot_token),
        ("SLACK_SIGNING_SECRET", signing_secret, _check_signing_secret),
        ("SLACK_APP_TOKEN", app_token, _check_app_token),
        ("DATABASE_URL", database_url, _check_database_url),
    ):
        problem = check(value)
        if problem:
            raise SettingError(name, problem)
    # Only SLACK_API_URL is read here: another malformed setting is the start's to report, not init's.
    api_url = Settings.from_env({"SLACK_API_URL": env.get("SLACK_API_URL", "")}, require_slack=False).slack_api_url
    return Answers(language, bot_token, signing_secret, app_token, database_url, api_url)


def _choose_language(
    args: argparse.Namespace, env: Mapping[str, str], language: Language, prompter: Prompter
) -> Language:
    """--language or DEFAULT_LANGUAGE when given; else asked (in both languages)."""
    if args.language is None and not args.from_env and "DEFAULT_LANGUAGE" not in env:
        chosen = _ask_until(prompter, "cli.init.ask_language", translator(language), _check_language, secret=False)
        return parse_language(chosen) or "en"
    return language


def _ask_until(
    prompter: Prompter, key: str, t: CatalogTranslator, check: Callable[[str], str | None], *, secret: bool
) -> str:
    """Ask again after a malformed answer (three times at most, then the last problem stops init)."""
    problem = ""
    for _attempt in range(3):
        answer = prompter.ask(t(key) + " ", secret=secret)
        found = check(answer)
        if found is None:
            return answer
        problem = found
        prompter.stdout.write(t(problem) + "\n")
    raise SettingError(t(key).split(" (")[0].rstrip(":"), problem)


def _check_language(value: str) -> str | None:
    return None if not value or parse_language(value) else "cli.init.problem.language"


def _check_bot_token(value: str) -> str | None:
    if not value:
        return "cli.init.problem.required"
    if value in EXAMPLE_VALUES:
        return "cli.init.problem.example"
    if not value.startswith("xoxb-") or any(c.isspace() for c in value):
        return "cli.init.problem.bot_token"
    return None


def _check_signing_secret(value: str) -> str | None:
    if not value:
        return "cli.init.problem.required"
    if value in EXAMPLE_VALUES:
        return "cli.init.problem.example"
    if len(value) < 8 or any(c.isspace() for c in value):
        return "cli.init.problem.signing_secret"
    return None


def _check_app_token(value: str) -> str | None:
    if not value:
        return None  # optional: without it Pulssi serves HTTP
    if value in EXAMPLE_VALUES:
        return "cli.init.problem.example"
    if not value.startswith("xapp-") or any(c.isspace() for c in value):
        return "cli.init.problem.app_token"
    return None


def _check_database_url(value: str) -> str | None:
    if not value:
        return None
    try:
        Settings.from_env({"DATABASE_URL": value}, require_slack=False)
    except SettingError:
        return "cli.init.problem.database_url"
    return None


def check_with_slack(answers: Answers, t: CatalogTranslator) -> tuple[str | None, str]:
    """One auth.test with the bot token and, for Socket Mode, one apps.connections.open with the app token.

    (None, the workspace's name) when both work, else (the one line to print, ""). No retries: a person is
    waiting at the terminal."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    def call(token: str, method: str, name: str) -> dict[str, Any] | str:
        client = WebClient(token=token, base_url=answers.api_url, timeout=CHECK_TIMEOUT_SECONDS)
        client.retry_handlers.clear()
        try:
            return dict(client.api_call(method).data)  # type: ignore[arg-type]
        except SlackApiError as error:
            code = str(error.response.get("error") or error.response.status_code)
            return t("cli.init.refused", name=name, method=method, error=code)
        except OSError as error:
            return t("cli.init.unreachable", url=answers.api_url, reason=type(error).__name__)

    result = call(answers.bot_token, "auth.test", "SLACK_BOT_TOKEN")
    if isinstance(result, str):
        return result, ""
    if answers.app_token:
        opened = call(answers.app_token, "apps.connections.open", "SLACK_APP_TOKEN")
        if isinstance(opened, str):
            return opened, ""
    return None, str(result.get("team") or result.get("team_id") or "?")


def _existing_value(text: str, key: str) -> str | None:
    """The key's value as the start would read it: the last line setting it wins; an empty value is none."""
    found: str | None = None
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == key and not line.lstrip().startswith("#"):
            found = value.strip().strip("'\"") or None
    return found


def merge_env(existing: str, values: Mapping[str, str | None]) -> str:
    """`existing` with the managed keys set to `values`: a key's line is replaced where it stands, a key
    without a value is commented out (so an old SLACK_APP_TOKEN can't pick Socket Mode), new keys go last."""
    lines: list[str] = []
    done: set[str] = set()
    for line in existing.splitlines():
        name, sep, _value = line.partition("=")
        key = name.strip()
        if sep and key in values and not line.lstrip().startswith("#"):
            if key in done:
                continue
            done.add(key)
            value = values[key]
            lines.append(f"{key}={value}" if value is not None else f"# {line.strip()}")
            continue
        lines.append(line)
    new = [f"{key}={value}" for key, value in values.items() if value is not None and key not in done]
    if new:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append("# Written by `python -m bot init`.")
        lines.extend(new)
    return "\n".join(lines) + "\n"


def write_env_file(path: Path, text: str) -> None:
    """Write atomically with mode 600 from the first byte, so the tokens are never readable by others."""
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".env.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
