"""``lp-tui build --as curl|curl-flow|python``: the create call to take away, never with a secret in it.

Nothing is started and nothing is sent: the exports name the host as ``$LP_HOST`` (curl) or find
it through CSDS when they run (curl-flow, Python), so no URL in them points at a port that dies
with this command. The scheme (http for a sandbox on this machine) is the CSDS URL's.
"""

from __future__ import annotations

import argparse
from typing import Any

from lp_tui.cli.common import make_request, out, print_findings, warn
from lp_tui.lp.errors import EXIT_API, EXIT_OK

KINDS = ("curl", "curl-flow", "python")


def export_text(kind: str, spec: Any) -> str:
    from lp_tui.export.curl import curl_command, curl_flow
    from lp_tui.export.python import python_script

    return {"curl": curl_command, "curl-flow": curl_flow, "python": python_script}[kind](spec)


def export_connection(args: argparse.Namespace) -> tuple[str | None, str, bool]:
    """(account, scheme, bearer) from the flags, the environment and the profile; no sandbox is
    started (the built-in one's account and plain http on this machine)."""
    from urllib.parse import urlsplit

    from lp_tui import paths
    from lp_tui.cli.common import chosen_profile, connection_flags
    from lp_tui.model.connection import SANDBOX_PROFILE, resolve
    from lp_tui.store import settings as settings_store

    stored = settings_store.load(paths.settings_file())
    for problem in stored.problems:
        warn(problem)
    profile = chosen_profile(args, stored)
    flags = connection_flags(args)
    if profile == SANDBOX_PROFILE:
        from lp_tui.sandbox import DEMO_ACCOUNT

        conn, _ = resolve(profile, stored.values(profile), flags=flags,
                          sandbox={"account_id": DEMO_ACCOUNT, "csds_url": "http://127.0.0.1"})
    else:
        conn, problems = resolve(profile, stored.values(profile), flags=flags)
        for problem in problems:
            warn(problem)
    return conn.account_id or None, urlsplit(conn.csds_url).scheme, conn.auth_scheme == "bearer"


def cmd_export(args: argparse.Namespace) -> int:
    from lp_tui.export import spec_from_draft, spec_from_text
    from lp_tui.export.curl import too_long
    from lp_tui.limits import TooDeep, loads_json
    from lp_tui.model.build import build_payload, client_properties, client_properties_header, dumps, first_message_facts
    from lp_tui.model.validate import ERROR, validate

    draft, raw = make_request(args)
    account, scheme, bearer = export_connection(args)
    source = f"preset {args.preset}" if args.preset else "the command line"
    findings: list[Any] = []
    if raw is not None:  # a raw preset: its body exactly as written
        spec = spec_from_text(raw, account, client_properties=client_properties_header(draft), bearer=bearer,
                              source=source, scheme=scheme)
        try:
            findings = validate(loads_json(raw), account)
        except (TooDeep, ValueError) as exc:
            warn(f"the preset's raw body is not valid JSON ({exc}); the export sends it exactly as written")
    else:
        spec = spec_from_draft(draft, account, bearer=bearer, source=source, scheme=scheme)
        payload = build_payload(draft, account)
        if args.compact:
            spec.body = dumps(payload, compact=True)
        findings = validate(payload, account, client_properties(draft), first_message_facts(draft))
    out(export_text(args.as_, spec).rstrip("\n"), block=True)
    if args.as_ == "curl":
        warn(f"the URL is {scheme}://$LP_HOST/...: `eval \"$(lp-tui token)\"` sets LP_HOST, LP_APP_JWT and "
             "LP_CONSUMER_JWS (or use --as curl-flow, which does the whole flow)")
    if args.as_ != "python" and too_long(spec):
        warn("the body is longer than one command-line argument may be (128 KiB on Linux): curl cannot be given "
             "it this way; use --as python")
    if spec.push_tokens:
        warn("the body carries a push token: the export reads it from $LP_PUSH_TOKEN instead of holding it")
    print_findings(findings)
    if args.strict and any(f.level == ERROR for f in findings):
        return EXIT_API
    return EXIT_OK
