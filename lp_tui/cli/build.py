"""``lp-tui build`` (the request body) and ``lp-tui presets`` (the presets there are)."""

from __future__ import annotations

import argparse
from typing import Any

from lp_tui.cli.common import (add_connection_options, add_draft_options, err, make_request, out, print_findings,
                               warn)
from lp_tui.lp.errors import EXIT_API, EXIT_OK


def register(sub: Any) -> None:
    b = sub.add_parser("build", help="print the request body JSON, or the call as curl or Python",
                       description="Print the create-conversation body the app would send, byte for byte; "
                                   "the validator's findings go to stderr. --as curl prints one curl command for "
                                   "the call (host, tokens and account as $LP_HOST, $LP_APP_JWT and "
                                   "$LP_CONSUMER_JWS: `eval \"$(lp-tui token)\"` sets them), --as curl-flow a "
                                   "POSIX sh script doing the whole flow with curl, --as python a standalone "
                                   "script (standard library only) doing the whole flow. A raw preset is "
                                   "printed and exported exactly as written.")
    add_draft_options(b)
    b.add_argument("--as", dest="as_", choices=("json", "curl", "curl-flow", "python"), default="json",
                   help="json: the body (default); curl: one curl command for the create call; curl-flow: a sh "
                        "script doing CSDS, Sentinel, IDP and the create with curl; python: a script doing the same "
                        "(Python 3.9+, nothing to install)")
    b.add_argument("--compact", action="store_true", help="one line, no spaces")
    b.add_argument("--strict", action="store_true", help="exit 1 when there is any error finding (for QA scripts)")
    add_connection_options(b)  # --account (the brandId), --profile, and what CSDS resolution needs
    b.set_defaults(func=cmd_build)

    p = sub.add_parser("presets", help="list built-in and user presets")
    p.set_defaults(func=cmd_presets)


def account_for(args: argparse.Namespace) -> str | None:
    """--account, else LP_ACCOUNT_ID, else the chosen profile's account; nothing is started."""
    import os

    from lp_tui import paths
    from lp_tui.cli.common import chosen_profile
    from lp_tui.store import settings as settings_store

    if getattr(args, "set_account_id", None):
        given: str = args.set_account_id
        return given
    if os.environ.get("LP_ACCOUNT_ID"):
        return os.environ["LP_ACCOUNT_ID"]
    stored = settings_store.load(paths.settings_file())
    for problem in stored.problems:
        warn(problem)
    profile = chosen_profile(args, stored)
    account = stored.values(profile).get("account_id") or None
    if account is None and profile == "sandbox":
        from lp_tui.sandbox import DEMO_ACCOUNT

        return DEMO_ACCOUNT  # the built-in sandbox's one account
    return account


def cmd_build(args: argparse.Namespace) -> int:
    from lp_tui.model.build import build_payload, client_properties, client_properties_header, dumps, first_message_facts
    from lp_tui.model.validate import ERROR, validate

    if args.as_ != "json":
        from lp_tui.cli.export import cmd_export

        return cmd_export(args)
    draft, raw = make_request(args)
    account = account_for(args)
    if raw is not None:
        return print_raw(raw, account, args)
    payload = build_payload(draft, account)
    out(dumps(payload, compact=args.compact), json_text=True)
    header = client_properties_header(draft)
    if header:
        err(f"Client-Properties: {header}")
    findings = validate(payload, account, client_properties(draft), first_message_facts(draft))
    print_findings(findings)
    if args.strict and any(f.level == ERROR for f in findings):
        return EXIT_API
    return EXIT_OK


def print_raw(raw: str, account: str | None, args: argparse.Namespace) -> int:
    """A raw preset's body exactly as saved: byte for byte into a pipe or file; on a terminal,
    characters a terminal would obey are shown as JSON escapes. Findings (or why it is not JSON)
    go to stderr."""
    import sys

    from lp_tui.limits import TooDeep, loads_json
    from lp_tui.model.validate import ERROR, validate
    from lp_tui.text import safe_json

    if args.compact:
        warn("--compact does not apply to a raw preset: its body is printed exactly as written")
    if sys.stdout.isatty():
        sys.stdout.write(safe_json(raw) + ("" if raw.endswith("\n") else "\n"))
    else:
        sys.stdout.buffer.write(raw.encode("utf-8", "surrogatepass"))
    sys.stdout.flush()
    try:
        payload = loads_json(raw)
    except (TooDeep, ValueError) as exc:
        warn(f"the preset's raw body is not valid JSON ({exc}); it is sent exactly as written")
        return EXIT_API if args.strict else EXIT_OK
    findings = validate(payload, account)
    print_findings(findings)
    if args.strict and any(f.level == ERROR for f in findings):
        return EXIT_API
    return EXIT_OK


def cmd_presets(args: argparse.Namespace) -> int:
    from lp_tui import paths
    from lp_tui.model import presets

    found, problems = presets.all_presets(paths.presets_dir())
    width = max(len(p.name) for p in found)
    for preset in found:
        origin = "built-in" if preset.builtin else "user"
        out(f"{preset.name:<{width}}  {origin:<8}  {preset.description}")
    for problem in problems:
        warn(problem)
    return EXIT_OK
