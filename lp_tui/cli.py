"""Command line: ``lp-tui`` (the app), ``build``, ``presets``, ``send``, ``close``, ``message``, ``sandbox``.

Exit codes: 0 success; 1 LivePerson answered with an error; 2 usage or configuration
error; 3 transport failure. Errors are one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from lp_tui import __version__
from lp_tui.lp.errors import EXIT_API, EXIT_OK, EXIT_USAGE

SUBCOMMANDS = ("build", "presets", "send", "close", "message", "sandbox")


class UsageError(Exception):
    """Bad usage or configuration: exit 2 with this message."""


def _draft_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", metavar="NAME|PATH", help="start from a preset (see `lp-tui presets`)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="FIELD=VALUE",
                   help="set a field, converted to its type (e.g. consumer.ctype=vip, personal.age.year=1980)")
    p.add_argument("--set-json", dest="set_jsons", action="append", default=[], metavar="FIELD=JSON",
                   help="put any JSON value at a field, unchecked (e.g. consumer.companySize='\"many\"')")


def _connection_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (flags beat LP_* environment variables beat the settings file)")
    g.add_argument("--account", help="account (site) id [LP_ACCOUNT_ID]")
    g.add_argument("--client-id", help="app installation client id [LP_CLIENT_ID]")
    g.add_argument("--client-secret", help="app client secret [LP_CLIENT_SECRET]; prefer the variable or the "
                   "settings file: a command line is visible to other users of the machine")
    g.add_argument("--ext-consumer-id", help="your id for the consumer [LP_EXT_CONSUMER_ID]")
    g.add_argument("--csds-url", help="Domain API base URL [LP_CSDS_URL], default https://api.liveperson.net")
    g.add_argument("--app-jwt", help="use this AppJWT instead of minting one [LP_APP_JWT]")
    g.add_argument("--consumer-jws", help="use this ConsumerJWS instead of getting one [LP_CONSUMER_JWS]")
    g.add_argument("--ca-bundle", help="CA bundle file for TLS [LP_CA_BUNDLE]")
    g.add_argument("--timeout", type=float, help="read timeout in seconds (default 30)")
    g.add_argument("--no-retry", action="store_true", help="do not retry 429 and 5xx answers")
    g.add_argument("--sandbox", action="store_true", help="start the built-in sandbox and use it")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lp-tui",
        description="Compose and send LivePerson Connector API 'create conversation and set user profile' requests.",
        epilog="Run without a command to open the terminal app. Exit codes: 0 ok, 1 LivePerson error, "
        "2 usage/configuration error, 3 network failure.",
    )
    p.add_argument("--version", action="version", version=f"lp-tui {__version__}")
    p.add_argument("--sandbox", action="store_true", help="open the app on the built-in sandbox")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="print the request body JSON (findings on stderr)")
    _draft_options(b)
    b.add_argument("--account", help="account id, used as brandId [LP_ACCOUNT_ID]")
    b.add_argument("--compact", action="store_true", help="one line, no spaces")

    sub.add_parser("presets", help="list built-in and user presets")

    s = sub.add_parser("send", help="send the request and print the response body")
    _draft_options(s)
    s.add_argument("--raw", metavar="FILE|-", help="send this body exactly as given (- for stdin)")
    _connection_options(s)

    c = sub.add_parser("close", help="close a conversation")
    c.add_argument("conversation_id")
    _connection_options(c)

    m = sub.add_parser("message", help="send a text message to a conversation")
    m.add_argument("conversation_id")
    m.add_argument("text")
    _connection_options(m)

    sb = sub.add_parser("sandbox", help="run the built-in LivePerson sandbox in the foreground")
    sb.add_argument("--port", type=int, default=0, help="port for CSDS (default: a free one)")
    sb.add_argument("--rules", metavar="FILE", help="routing rules TOML (default: the built-in demo rules)")
    sb.add_argument("--split", action="store_true", help="serve each service on its own port")
    sb.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS",
                    help="AppJWT lifetime (default 3600, as LivePerson's); shorten it to exercise renewal")
    sb.add_argument("--verbose", action="store_true", help="log every request")
    return p


# --- drafts ----------------------------------------------------------------------------
def make_draft(args: argparse.Namespace) -> Any:
    from lp_tui import paths
    from lp_tui.model import presets
    from lp_tui.model.draft import Draft

    draft = presets.load(args.preset, paths.presets_dir()).draft if args.preset else Draft()
    for item in args.sets:
        path, value = _split_assignment(item, "--set")
        draft.set_text(path, value)
    for item in args.set_jsons:
        path, text = _split_assignment(item, "--set-json")
        draft.set_value(path, _parse_json(path, text))
    return draft


def _split_assignment(item: str, flag: str) -> tuple[str, str]:
    if "=" not in item:
        raise UsageError(f"{flag} {item!r}: write FIELD=VALUE, e.g. consumer.ctype=vip")
    path, value = item.split("=", 1)
    return path.strip(), value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _parse_json(path: str, text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise UsageError(f"--set-json {path}: {text!r} is not JSON ({exc}); a string needs quotes, e.g. '\"many\"'") from None


def _print_findings(findings: list[Any]) -> None:
    for finding in findings:
        print(finding.line(), file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    from lp_tui.lp.config import Connection
    from lp_tui.model.build import build_payload, client_properties, client_properties_header, dumps
    from lp_tui.model.validate import validate

    draft = make_draft(args)
    conn = Connection()
    conn.apply_env()
    account = args.account or conn.account_id or None
    payload = build_payload(draft, account)
    print(dumps(payload, compact=args.compact))
    header = client_properties_header(draft)
    if header:
        print(f"Client-Properties: {header}", file=sys.stderr)
    _print_findings(validate(payload, account, client_properties(draft)))
    return EXIT_OK


def cmd_presets(args: argparse.Namespace) -> int:
    from lp_tui import paths
    from lp_tui.model import presets

    found, problems = presets.all_presets(paths.presets_dir())
    width = max(len(p.name) for p in found)
    for preset in found:
        origin = "built-in" if preset.builtin else "user"
        print(f"{preset.name:<{width}}  {origin:<8}  {preset.description}")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return EXIT_OK


# --- connection --------------------------------------------------------------------------
def resolve_connection(args: argparse.Namespace, sandbox: Any = None) -> Any:
    """File < environment < flags; with a sandbox, its URL and credentials."""
    from lp_tui import paths
    from lp_tui.lp.config import RetryPolicy
    from lp_tui.store import settings

    loaded = settings.load(paths.settings_file())
    for problem in loaded.problems:
        print(f"warning: {problem}", file=sys.stderr)
    conn = loaded.connection
    if sandbox is not None:
        for key in ("app_jwt", "consumer_jws", "ca_bundle"):
            setattr(conn, key, "")
        conn.apply(sandbox.connection_values(), "sandbox")
    else:
        conn.apply_env()
    flags = {
        "account_id": getattr(args, "account", None),
        "client_id": getattr(args, "client_id", None),
        "client_secret": getattr(args, "client_secret", None),
        "ext_consumer_id": getattr(args, "ext_consumer_id", None),
        "csds_url": getattr(args, "csds_url", None),
        "app_jwt": getattr(args, "app_jwt", None),
        "consumer_jws": getattr(args, "consumer_jws", None),
        "ca_bundle": getattr(args, "ca_bundle", None),
        "read_timeout": getattr(args, "timeout", None),
    }
    if sandbox is not None:
        flags = {k: v for k, v in flags.items() if k in ("ext_consumer_id", "read_timeout", "app_jwt", "consumer_jws")}
        import os

        if not flags.get("ext_consumer_id") and not os.environ.get("LP_EXT_CONSUMER_ID"):
            import uuid

            flags["ext_consumer_id"] = conn.ext_consumer_id or f"lp-tui-{uuid.uuid4().hex[:8]}"
    conn.apply(flags, "flag")
    if getattr(args, "no_retry", False):
        conn.retry = RetryPolicy.none()
    return conn


def _read_raw(source: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if source == "-" else Path(source).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"--raw {source}: cannot read it ({exc.strerror or exc})") from None


def _print_steps(steps: list[Any]) -> None:
    for step in steps:
        print(f"  {step.line()}", file=sys.stderr)


def _print_result(result: Any) -> int:
    if result.body_json is not None:
        from lp_tui.model.build import dumps

        print(dumps(result.body_json))
    else:
        print(result.body_text)
    _print_steps(result.steps)
    print(f"HTTP {result.status} in {result.elapsed * 1000:.0f} ms", file=sys.stderr)
    for sub in result.subs:
        print(f"  [{sub.position}] reqId {sub.req_id!r}: {sub.code} {sub.message}", file=sys.stderr)
    if result.conversation_id:
        print(f"conversationId: {result.conversation_id}", file=sys.stderr)
    for exp in result.explanations:
        print(f"{exp.title}: {exp.detail}" + (f" What to do: {exp.action}" if exp.action else ""), file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_API


def _run_with_connection(args: argparse.Namespace, job: Any) -> int:
    import asyncio

    from lp_tui.lp.client import LpClient
    from lp_tui.lp.errors import LpError

    sandbox = None
    if getattr(args, "sandbox", False):
        from lp_tui.sandbox.server import Sandbox

        sandbox = Sandbox().start()
    try:
        conn = resolve_connection(args, sandbox)
        missing = conn.missing()
        if missing:
            raise UsageError("not configured: missing " + "; ".join(missing) + " (or use --sandbox)")
        client = LpClient(conn)

        async def run() -> int:
            try:
                result = await job(client, conn)
                code = _print_result(result)
                if sandbox is not None and result.conversation_id:
                    routed = await client.sandbox_conversation(result.conversation_id)
                    if routed:
                        print(f"sandbox routed it to {routed['skill']!r} by rule: {routed['rule']}", file=sys.stderr)
                return code
            finally:
                await client.aclose()

        try:
            return asyncio.run(run())
        except LpError as exc:
            print(f"lp-tui: {exc}", file=sys.stderr)
            return exc.exit_code
    finally:
        if sandbox is not None:
            sandbox.stop()


def cmd_send(args: argparse.Namespace) -> int:
    from lp_tui.model.build import build_payload, client_properties, client_properties_header
    from lp_tui.model.validate import validate

    raw = _read_raw(args.raw) if args.raw else None
    draft = make_draft(args)

    async def job(client: Any, conn: Any) -> Any:
        header = client_properties_header(draft)
        if raw is not None:
            try:
                _print_findings(validate(json.loads(raw), conn.account_id))
            except ValueError as exc:
                print(f"warning: --raw body is not valid JSON ({exc}); sending it as given", file=sys.stderr)
            return await client.create_conversation(None, header, raw=raw)
        payload = build_payload(draft, conn.account_id)
        _print_findings(validate(payload, conn.account_id, client_properties(draft)))
        return await client.create_conversation(payload, header)

    return _run_with_connection(args, job)


def cmd_close(args: argparse.Namespace) -> int:
    return _run_with_connection(args, lambda client, conn: client.close_conversation(args.conversation_id))


def cmd_message(args: argparse.Namespace) -> int:
    return _run_with_connection(args, lambda client, conn: client.send_message(args.conversation_id, args.text))


def cmd_sandbox(args: argparse.Namespace) -> int:
    import time

    from lp_tui.sandbox.routing import Rules
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    rules = None
    if args.rules:
        try:
            rules = Rules.parse(Path(args.rules).expanduser().read_text("utf-8"), args.rules)
        except OSError as exc:
            raise UsageError(f"--rules {args.rules}: cannot read it ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    try:
        if args.token_lifetime < 1:
            raise UsageError("--token-lifetime must be at least 1 second")
        state = SandboxState(rules=rules, app_jwt_lifetime=args.token_lifetime)
        sandbox = Sandbox(state, port=args.port, split=args.split, verbose=args.verbose).start()
    except OSError as exc:
        raise UsageError(f"cannot listen on port {args.port}: {exc.strerror or exc}") from None
    v = sandbox.connection_values()
    print("lp-tui sandbox: a local imitation of LivePerson's CSDS, Sentinel, IDP and Connector API")
    print(f"  CSDS URL:      {v['csds_url']}")
    print(f"  account id:    {v['account_id']}")
    print(f"  client id:     {v['client_id']}")
    print(f"  client secret: {v['client_secret']}   (demo credentials, sandbox only)")
    print("Use it:")
    print(f"  export LP_CSDS_URL={v['csds_url']} LP_ACCOUNT_ID={v['account_id']} "
          f"LP_CLIENT_ID={v['client_id']} LP_CLIENT_SECRET={v['client_secret']} LP_EXT_CONSUMER_ID=demo-consumer")
    print("  lp-tui send --preset sde-ctype-gender")
    print("Ctrl+C stops it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    from lp_tui.ui.run import run_app

    return run_app(sandbox=args.sandbox)


COMMANDS = {"build": cmd_build, "presets": cmd_presets, "send": cmd_send, "close": cmd_close,
            "message": cmd_message, "sandbox": cmd_sandbox}


def main(argv: Sequence[str] | None = None) -> int:
    from lp_tui.model.draft import FieldError
    from lp_tui.model.presets import PresetError
    from lp_tui.model.tomlio import TomlFileError
    from lp_tui.store.atomic import StoreError

    args = parser().parse_args(argv)
    try:
        return COMMANDS.get(args.command, cmd_app)(args)
    except (UsageError, FieldError, PresetError, TomlFileError, StoreError) as exc:
        print(f"lp-tui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK

