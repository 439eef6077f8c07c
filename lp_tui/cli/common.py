"""What every command shares: output through the display boundary, drafts from flags, the
connection from the profile, the environment and the flags, and running the client.

Output: ``out`` and ``err`` are the only ways the command line prints. Everything printed goes
through ``lp_tui.text`` (control characters shown as escapes, never obeyed), so a hostile
server or file cannot reach the terminal through stdout or stderr. Each call prints one record:
one line, a newline inside it shown as ``\\n``; ``block`` keeps the lines of lp-tui's own
multi-line text (an export, a diff), and ``continued`` keeps an answer's lines with each one
after the first indented (``text.record``), so no text from outside starts a line of its own.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

from lp_tui.text import record, safe, safe_json


class UsageError(Exception):
    """Bad usage or configuration: exit 2 with this message."""


# --- output --------------------------------------------------------------------------------------
def out(text: str = "", *, json_text: bool = False, block: bool = False, continued: bool = False) -> None:
    """Print one record on stdout. ``json_text``: serialised JSON (its own newlines are layout, its
    strings cannot hold one); ``block``: lp-tui's own multi-line text, whose values from outside
    are already one line each; ``continued``: text from outside kept as indented continued lines."""
    if json_text:
        shown = safe_json(text)
    elif block:
        shown = safe(text)
    else:
        shown = record(text, continued=continued)
    print(shown, flush=False)


def err(text: str) -> None:
    """Print one record on stderr: always one line (``\\n`` for a newline inside it)."""
    print(record(text), file=sys.stderr)


def warn(text: str) -> None:
    err(f"warning: {text}")


# --- drafts ---------------------------------------------------------------------------------------
def add_draft_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", metavar="NAME|PATH", help="start from a preset (see `lp-tui presets`)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="FIELD=VALUE",
                   help="set a field, converted to its type (e.g. consumer.ctype=vip, personal.age.year=1980)")
    p.add_argument("--set-json", dest="set_jsons", action="append", default=[], metavar="FIELD=JSON",
                   help="put any JSON value at a field, unchecked (e.g. consumer.companySize='\"many\"')")


def make_draft(args: argparse.Namespace) -> Any:
    return make_request(args)[0]


def make_request(args: argparse.Namespace) -> tuple[Any, str | None]:
    """(draft, raw body): the draft from --preset, --set and --set-json; and, when the preset was
    saved in raw mode, its exact body text (sent and printed as written; --set cannot change it)."""
    from lp_tui.model.draft import Draft

    draft, raw = Draft(), None
    if args.preset:  # presets (TOML, package data) are imported only when one is asked for
        from lp_tui import paths
        from lp_tui.model import presets

        preset = presets.load(args.preset, paths.presets_dir())
        draft, raw = preset.draft, preset.raw
        if raw is not None and (args.sets or args.set_jsons):
            raise UsageError(f"preset {preset.name!r} holds a raw body (sent exactly as written), so --set and "
                             "--set-json cannot change it: edit its raw_body, or load it in the app (raw mode)")
    for item in args.sets:
        path, value = split_assignment(item, "--set")
        draft.set_text(path, value)
    for item in args.set_jsons:
        path, text = split_assignment(item, "--set-json")
        draft.set_value(path, parse_json(f"--set-json {path}", text))
    return draft, raw


def split_assignment(item: str, flag: str) -> tuple[str, str]:
    if "=" not in item:
        raise UsageError(f"{flag} {item!r}: write FIELD=VALUE, e.g. consumer.ctype=vip")
    path, value = item.split("=", 1)
    return path.strip(), value


def parse_json(where: str, text: str) -> Any:
    from lp_tui.limits import TooDeep, loads_json

    try:
        return loads_json(text, strict_numbers=True)
    except TooDeep as exc:
        raise UsageError(f"{where}: the JSON is {exc}") from None
    except ValueError as exc:
        raise UsageError(f"{where}: {text[:60]!r} is not JSON ({exc}); a string needs quotes, e.g. '\"many\"'") from None


def print_findings(findings: list[Any]) -> None:
    for finding in findings:
        err(finding.line())


# --- connection -----------------------------------------------------------------------------------
def add_connection_options(p: argparse.ArgumentParser, *, top: bool = False,
                           only: frozenset[str] | None = None) -> None:
    """Every connection setting with a flag, from the one table; plus --profile, --sandbox, --rules.

    On sub-commands the defaults are suppressed, so ``lp-tui --sandbox send`` keeps the
    top-level flag instead of the sub-command's default overwriting it. ``only`` names the settings
    a command uses (a receiver sends nothing: no --rules, timeouts, tokens or --no-retry).
    """
    from lp_tui.model.connection import SETTINGS

    default: Any = None if top else argparse.SUPPRESS
    g = p.add_argument_group("connection (a flag beats an LP_* environment variable, which beats the profile)")
    g.add_argument("--profile", default=default, metavar="NAME",
                   help="use this profile from the settings file [LP_PROFILE]; 'sandbox' is the built-in sandbox")
    g.add_argument("--sandbox", action="store_true", default=default,
                   help="use the built-in sandbox (same as --profile sandbox)")
    if only is None:
        g.add_argument("--rules", default=default, metavar="FILE",
                       help="routing rules for the built-in sandbox (default: the config folder's "
                            "routing-rules.toml if present, else the built-in demo rules)")
    for setting in SETTINGS:
        if not setting.flag or (only is not None and setting.name not in only):
            continue
        env = f" [{setting.env}]" if setting.env else ""
        extra = ""
        if setting.secret:
            extra = "; visible to other users in the process list: prefer the variable, the settings file, " \
                    f"or {setting.flag}-file"
        metavar = {"url": "URL", "seconds": "SECONDS", "megabytes": "MB", "path": "FILE", "secret": "SECRET"}.get(
            setting.kind, "{" + ",".join(setting.choices) + "}" if setting.choices else "VALUE")
        g.add_argument(setting.flag, dest=f"set_{setting.name}", default=default, metavar=metavar,
                       help=f"{setting.help}{env}{extra}")
        if setting.secret:
            g.add_argument(f"{setting.flag}-file", dest=f"file_{setting.name}", default=default, metavar="PATH|-",
                           help=f"read the {setting.label.lower()} from a file, or from standard input with -")
    if only is None:
        g.add_argument("--no-retry", action="store_true", default=default, help="do not retry 429 and 5xx answers")


def connection_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The connection flags given, by setting name; secrets read from their files; warnings said."""
    from lp_tui.model.connection import SETTINGS

    flags: dict[str, Any] = {}
    for setting in SETTINGS:
        if not setting.flag:
            continue
        value = getattr(args, f"set_{setting.name}", None)
        source = getattr(args, f"file_{setting.name}", None) if setting.secret else None
        if value is not None and source is not None:
            raise UsageError(f"give {setting.flag} or {setting.flag}-file, not both")
        if source is not None:
            value = read_secret(source, f"{setting.flag}-file")
        elif value is not None and setting.secret:
            warn(f"{setting.flag} on the command line is visible to other users of this machine (ps); "
                 f"prefer ${setting.env}, the settings file, or {setting.flag}-file")
        if value is not None:
            try:
                setting.parse(value, "")
            except ValueError as exc:
                raise UsageError(f"{setting.flag}: {exc}") from None
            flags[setting.name] = value
    return flags


def read_secret(source: str, flag: str) -> str:
    from lp_tui.limits import read_bytes

    try:
        data = sys.stdin.buffer.read(65536) if source == "-" else read_bytes(Path(source).expanduser(), 65536)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{flag} {source}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UsageError(f"{flag} {source}: not UTF-8 text") from None


def refuse_unusable_tokens(environ: Any) -> None:
    """A token in the environment that cannot be sent as it is (a control character, a character
    no header may hold) stops the command before anything is sent: using the rest of the
    connection without it would send something else than asked. The message never quotes it."""
    from lp_tui.model.connection import HEADER_TOKENS, SETTINGS, token_problem

    for setting in SETTINGS:
        value = environ.get(setting.env) if setting.secret and setting.env else None
        if value:
            problem = token_problem(value, header=setting.name in HEADER_TOKENS)
            if problem:
                raise UsageError(f"${setting.env} ({setting.label}) {problem}: a token is printable ASCII; "
                                 "set it again without it (the value is not shown)")


def chosen_profile(args: argparse.Namespace, settings: Any) -> str:
    import os

    from lp_tui.model.connection import SANDBOX_PROFILE, names_of

    profile = getattr(args, "profile", None)
    if getattr(args, "sandbox", False):
        if profile and profile != SANDBOX_PROFILE:
            raise UsageError(f"--sandbox and --profile {profile} disagree: choose one")
        return SANDBOX_PROFILE
    profile = profile or os.environ.get("LP_PROFILE") or settings.chosen()
    if profile not in settings.profiles and profile not in (SANDBOX_PROFILE, "default"):
        raise UsageError(f"unknown profile {profile!r}; profiles: {', '.join(names_of(settings.profiles))}")
    return profile


def rules_for(args: argparse.Namespace) -> Any:
    """The routing rules for a built-in sandbox: --rules, else the config folder's file, else built in."""
    from lp_tui import paths
    from lp_tui.model.routing import RulesError, load_rules

    given = getattr(args, "rules", None)
    path = Path(given).expanduser() if given else paths.rules_file()
    if not given and not path.exists():
        return None
    try:
        return load_rules(path)
    except RulesError as exc:
        raise UsageError(str(exc)) from None


def start_sandbox(args: argparse.Namespace, **options: Any) -> Any:
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    rules = rules_for(args)
    return Sandbox(SandboxState(rules=rules), **options).start()


def resolve_connection(args: argparse.Namespace, sandbox_factory: Callable[[], Any] | None = None
                       ) -> tuple[Any, Any]:
    """(Connection, running sandbox or None) for a command, from settings, environment and flags."""
    import os
    import uuid

    from lp_tui import paths
    from lp_tui.model.connection import SANDBOX_PROFILE, resolve
    from lp_tui.model.connection import RetryPolicy
    from lp_tui.store import settings as settings_store

    stored = settings_store.load(paths.settings_file())
    for problem in stored.problems:
        warn(problem)
    profile = chosen_profile(args, stored)
    flags = connection_flags(args)
    refuse_unusable_tokens(os.environ)
    if getattr(args, "rules", None) and profile != SANDBOX_PROFILE:
        raise UsageError("--rules applies to the built-in sandbox (--sandbox); an external sandbox takes "
                         "`lp-tui sandbox --rules FILE`")
    sandbox = None
    if profile == SANDBOX_PROFILE:
        sandbox = sandbox_factory() if sandbox_factory else start_sandbox(args)
    try:
        conn, problems = resolve(profile, stored.values(profile), flags=flags,
                                 sandbox=sandbox.connection_values() if sandbox else None)
        for problem in problems:
            warn(problem)
        for warning in conn.warnings():
            warn(warning)
        if sandbox is not None and not conn.ext_consumer_id:
            conn.set("ext_consumer_id", f"lp-tui-{uuid.uuid4().hex[:8]}", "sandbox")
        if getattr(args, "no_retry", False):
            conn.retry = RetryPolicy.none()
    except BaseException:
        if sandbox is not None:
            sandbox.stop()
        raise
    return conn, sandbox


def not_configured(conn: Any, missing: list[str]) -> str:
    """Which profile lacks what, and where to set it: the settings file's table or the environment."""
    from lp_tui import paths

    return (f"profile {conn.profile!r} is not configured: missing " + "; ".join(missing) +
            f". Set them in [profiles.{conn.profile}] of {paths.shown(paths.settings_file())} (Settings, F2, in "
            "the app), or in the environment (LP_ACCOUNT_ID, LP_CLIENT_ID, LP_CLIENT_SECRET), or use --sandbox")


def run_with_connection(args: argparse.Namespace, job: Callable[[Any, Any, Any], Awaitable[int]],
                        *, needs_consumer: bool = True) -> int:
    """Resolve the connection, make a client, run ``job(client, conn, sandbox)``; LpError -> its exit code."""
    import asyncio

    from lp_tui.lp.client import LpClient
    from lp_tui.lp.errors import LpError

    conn, sandbox = resolve_connection(args)
    try:
        missing = [m for m in conn.missing() if needs_consumer or "consumer" not in m]
        if missing:
            raise UsageError(not_configured(conn, missing))
        client = LpClient(conn)

        async def run() -> int:
            try:
                return await job(client, conn, sandbox)
            finally:
                await client.aclose()

        try:
            return asyncio.run(run())
        except LpError as exc:
            err(f"lp-tui: {exc}")
            return exc.exit_code
    finally:
        if sandbox is not None:
            sandbox.stop()


def conversation_key(conn: Any, sandbox: Any) -> tuple[str, str, str, str] | None:
    """Where a connection's open conversation is remembered (never for a throwaway sandbox)."""
    if sandbox is not None:
        return None
    return (conn.profile, conn.csds_url, conn.account_id, conn.ext_consumer_id)


def conversations() -> Any:
    from lp_tui import paths
    from lp_tui.store.conversations import Conversations

    return Conversations(paths.conversations_file())
