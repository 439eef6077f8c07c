"""``lp-tui build --as curl|python``: the create call to take away, never with a secret in it."""

from __future__ import annotations

import argparse
from typing import Any

from lp_tui.cli.common import err, make_draft, out, print_findings, resolve_connection, warn
from lp_tui.lp.errors import EXIT_API, EXIT_OK


async def conversation_base(conn: Any) -> str:
    """scheme://host[:port] of asyncMessagingEnt, through CSDS exactly as a send finds it."""
    from lp_tui.lp.client import LpClient

    client = LpClient(conn)
    try:
        return await client.service_base("asyncMessagingEnt")
    finally:
        await client.aclose()


def export_text(kind: str, spec: Any) -> str:
    from lp_tui.export.curl import curl_command
    from lp_tui.export.python import python_script

    return curl_command(spec) if kind == "curl" else python_script(spec)


def cmd_export(args: argparse.Namespace) -> int:
    import asyncio

    from lp_tui.export import spec_from_draft
    from lp_tui.lp.errors import LpError
    from lp_tui.model.build import build_payload, client_properties, dumps, first_message_facts
    from lp_tui.model.validate import ERROR, validate

    draft = make_draft(args)
    conn, sandbox = resolve_connection(args)
    try:
        base = None
        if sandbox is not None:
            warn("--sandbox starts a throwaway sandbox that stops when this command ends, so the URL will point at "
                 "nothing: run `lp-tui sandbox` and export the variables its banner shows instead")
        if sandbox is not None or conn.is_configured():
            try:
                base = asyncio.run(conversation_base(conn))
            except LpError as exc:
                err(f"lp-tui: {exc}")
                return exc.exit_code
        elif args.as_ == "curl":
            warn("no connection is configured, so the URL is https://$LP_HOST/...: set LP_HOST to the account's "
                 "asyncMessagingEnt host (or configure a connection to resolve it through CSDS)")
    finally:
        if sandbox is not None:
            sandbox.stop()
    account = conn.account_id or None
    source = f"preset {args.preset}" if args.preset else "the command line"
    spec = spec_from_draft(draft, account, base, bearer=conn.auth_scheme == "bearer", source=source)
    payload = build_payload(draft, account)
    if args.compact:
        spec.body = dumps(payload, compact=True)
    out(export_text(args.as_, spec).rstrip("\n"), block=True)
    if spec.push_tokens:
        warn("the body carries a push token: the export reads it from $LP_PUSH_TOKEN instead of holding it")
    findings = validate(payload, account, client_properties(draft), first_message_facts(draft))
    print_findings(findings)
    if args.strict and any(f.level == ERROR for f in findings):
        return EXIT_API
    return EXIT_OK
