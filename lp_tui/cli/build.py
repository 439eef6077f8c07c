"""``lp-tui build`` (the request body) and ``lp-tui presets`` (the presets there are)."""

from __future__ import annotations

import argparse
from typing import Any

from lp_tui.cli.common import add_draft_options, err, make_draft, out, print_findings, warn
from lp_tui.lp.errors import EXIT_API, EXIT_OK


def register(sub: Any) -> None:
    b = sub.add_parser("build", help="print the request body JSON (findings on stderr)",
                       description="Print the create-conversation body the app would send, byte for byte; "
                                   "the validator's findings go to stderr.")
    add_draft_options(b)
    b.add_argument("--account", help="account id, used as brandId [LP_ACCOUNT_ID; else the profile's]")
    b.add_argument("--profile", metavar="NAME", help="take the account id from this profile [LP_PROFILE]")
    b.add_argument("--compact", action="store_true", help="one line, no spaces")
    b.add_argument("--strict", action="store_true", help="exit 1 when there is any error finding (for QA scripts)")
    b.set_defaults(func=cmd_build)

    p = sub.add_parser("presets", help="list built-in and user presets")
    p.set_defaults(func=cmd_presets)


def account_for(args: argparse.Namespace) -> str | None:
    """--account, else LP_ACCOUNT_ID, else the chosen profile's account; nothing is started."""
    import os

    from lp_tui import paths
    from lp_tui.cli.common import chosen_profile
    from lp_tui.store import settings as settings_store

    if getattr(args, "account", None):
        return args.account
    if os.environ.get("LP_ACCOUNT_ID"):
        return os.environ["LP_ACCOUNT_ID"]
    stored = settings_store.load(paths.settings_file())
    for problem in stored.problems:
        warn(problem)
    profile = chosen_profile(args, stored)
    return stored.values(profile).get("account_id") or None


def cmd_build(args: argparse.Namespace) -> int:
    from lp_tui.model.build import build_payload, client_properties, client_properties_header, dumps
    from lp_tui.model.validate import ERROR, validate

    draft = make_draft(args)
    account = account_for(args)
    payload = build_payload(draft, account)
    out(dumps(payload, compact=args.compact), json_text=True)
    header = client_properties_header(draft)
    if header:
        err(f"Client-Properties: {header}")
    findings = validate(payload, account, client_properties(draft))
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
