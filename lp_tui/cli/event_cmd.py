"""``lp-tui event``: speak for the consumer after the create (SEND): chat states, receipts, a message with
metadata or as a quick-reply answer, the TTR change, any raw body.

Each SEND goes through the same pipeline as ``send`` (steps with timings, the answer explained, history).
A raw body is checked against LivePerson's schemas first (``validate.validate_send``): findings are
printed, and on a terminal lp-tui asks before sending one that breaks them (``--yes`` skips the question).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lp_tui.cli.common import UsageError, add_connection_options, add_draft_options, err, make_draft, parse_json, \
    print_findings
from lp_tui.lp.errors import EXIT_API, EXIT_OK, EXIT_USAGE


def register(sub: Any) -> None:
    from lp_tui.model.events import CHAT_STATES

    e = sub.add_parser(
        "event", help="send a chat state, receipt, metadata, quick-reply answer, TTR change or any SEND body",
        description="Speak for the consumer of an open conversation (LivePerson's SEND call): typing states, "
                    "ACCEPT and READ receipts for the agent's messages, a message with conversation metadata or "
                    "answering a quick reply, the TTR change, or any raw SEND body. Without an ID, the open "
                    "conversation lp-tui remembers. Several flags send several SENDs, in the order listed here.")
    e.add_argument("conversation_id", nargs="?", metavar="ID", help="the conversation (default: the remembered one)")
    e.add_argument("--chat-state", metavar="STATE", type=str.upper,
                   help="publish a ChatStateEvent: " + ", ".join(CHAT_STATES))
    e.add_argument("--accept", metavar="SEQ[,SEQ…]", help="ACCEPT receipt for the agent's messages at these sequences")
    e.add_argument("--read", metavar="SEQ[,SEQ…]", help="READ receipt for the agent's messages at these sequences")
    e.add_argument("--text", metavar="TEXT", help="publish a text message (with --metadata, --quick-reply)")
    e.add_argument("--metadata", metavar="FILE|JSON",
                   help="conversation metadata on the --text message: a JSON array of objects (or a file holding "
                        "one), e.g. '[{\"type\":\"ExternalId\",\"id\":\"order-1234\"}]'")
    e.add_argument("--quick-reply", metavar="SEQ", type=_sequence_arg,
                   help="the --text answers the agent's quick reply at this sequence: an ACTION receipt for it "
                        "(with --metadata, the button's click metadata) is sent first, as LivePerson documents")
    e.add_argument("--urgent", action="store_true", help="mark the conversation urgent (TTR URGENT)")
    e.add_argument("--raw", metavar="FILE|-", help="send this SEND body exactly as given (- for stdin), after "
                   "checking it against LivePerson's schemas")
    e.add_argument("--yes", action="store_true", help="send a --raw body that breaks the schema without asking")
    e.add_argument("--evidence", metavar="FILE", help="also write evidence of the last SEND for a bug report: "
                   "FILE.md as Markdown, FILE.json as JSON (no secrets)")
    e.add_argument("--as", dest="as_", choices=("curl", "curl-flow", "python"), help="print the SEND(s) as a curl "
                   "command, a sh script or a Python script (both the whole flow) instead of sending")
    add_draft_options(e)
    from lp_tui.cli.send import add_client_properties_option

    add_client_properties_option(e)
    add_connection_options(e)
    e.set_defaults(func=cmd_event)


def _sequence_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a sequence: a whole number, 0 or more") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a sequence: a whole number, 0 or more")
    return value


def _sequences(flag: str, text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or len(part) > 18:
            raise UsageError(f"{flag} {text!r}: give message sequences, whole numbers separated by commas, e.g. 1,2")
        out.append(int(part))
    return out[:1000]


def _metadata(given: str) -> list[Any]:
    """--metadata: JSON itself, or a file holding it (read bounded, only from a file no one else can change)."""
    from lp_tui.limits import TooDeep, loads_json, read_bytes
    from lp_tui.model.events import metadata_list
    from lp_tui.paths import untrusted

    text = given.strip()
    if text.startswith(("[", "{")):
        value = parse_json("--metadata", text)
    else:
        path = Path(given).expanduser()
        refused = untrusted(path)
        if refused:
            raise UsageError(f"--metadata {given}: {refused}")
        try:
            data = read_bytes(path, regular_only=True)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--metadata {given}: cannot read it ({getattr(exc, 'strerror', None) or exc}); give "
                             "a file holding a JSON array, or the JSON itself") from None
        try:
            value = loads_json(data, strict_numbers=True)
        except TooDeep as exc:
            raise UsageError(f"--metadata {given}: the JSON is {exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"--metadata {given}: the file is not JSON ({exc})") from None
    try:
        return metadata_list(value)
    except ValueError as exc:
        raise UsageError(f"--metadata: {exc}") from None


def _raw(args: argparse.Namespace) -> bytes:
    """The --raw body, checked: findings printed; one that breaks the schema is sent only when confirmed."""
    from lp_tui.cli.send import _read_raw
    from lp_tui.limits import TooDeep, loads_json
    from lp_tui.model.validate import ERROR, WARNING, Finding, validate_send

    data = _read_raw(args.raw)
    try:
        findings = validate_send(loads_json(data))
    except TooDeep as exc:
        findings = [Finding(ERROR, "$", f"the body is {exc}")]
    except (ValueError, UnicodeDecodeError) as exc:
        findings = [Finding(ERROR, "$", f"the body is not JSON ({exc})", "LivePerson will answer 400 Bad Request")]
    print_findings(findings)
    if not any(f.level in (ERROR, WARNING) for f in findings) or args.yes:
        return data
    errors = sum(f.level == ERROR for f in findings)
    what = f"{errors} error(s)" if errors else "warnings"
    if not sys.stdin.isatty():
        raise UsageError(f"--raw {args.raw}: the body breaks LivePerson's SEND schema ({what} above); add --yes to "
                         "send it as it is")
    try:
        sys.stderr.write(f"The body breaks LivePerson's SEND schema ({what} above). Send it anyway? [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline(100)
    except (OSError, KeyboardInterrupt):
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise _NotSent()
    return data


class _NotSent(Exception):
    """The user said no to sending a raw body."""


def _requests(args: argparse.Namespace, target: str) -> list[tuple[Any, str]]:
    """The SENDs the flags ask for, in order, each with a short description."""
    from lp_tui.model import events as E

    out: list[tuple[Any, str]] = []
    number = iter(range(1, 100))
    if args.chat_state is not None:
        out.append((E.chat_state_request(target, args.chat_state, str(next(number))), ""))
    for sequences, status in ((args.accept_list, "ACCEPT"), (args.read_list, "READ")):
        if sequences is not None:
            out.append((E.receipt_request(target, status, sequences, str(next(number))), ""))
    if args.text is not None:
        metadata = args.metadata_list
        if args.quick_reply is not None:
            out.append((E.receipt_request(target, "ACTION", [args.quick_reply], str(next(number)),
                                          metadata=metadata), "the quick reply's ACTION"))
        out.append((E.text_request(target, args.text, str(next(number)), metadata), ""))
    if args.urgent:
        out.append((E.ttr_request(target, "URGENT", E.URGENT_SECONDS, str(next(number))), ""))
    return out


def cmd_event(args: argparse.Namespace) -> int:
    from lp_tui.cli.send import (THROWAWAY, _evidence_path, _record_history, _send_header, _target, _write_evidence,
                                 client_properties, print_result)
    from lp_tui.cli.common import run_with_connection
    from lp_tui.model.events import CHAT_STATES, describe

    if args.chat_state is not None and args.chat_state not in CHAT_STATES:
        raise UsageError(f"--chat-state {args.chat_state!r}: one of {', '.join(CHAT_STATES)}")
    if (args.metadata is not None or args.quick_reply is not None) and args.text is None:
        raise UsageError("--metadata and --quick-reply go with --text (the message they travel on)")
    asked = [args.chat_state, args.accept, args.read, args.text, args.urgent or None, args.raw]
    if all(a is None for a in asked):
        raise UsageError("say what to send: --chat-state, --accept, --read, --text, --urgent or --raw")
    if getattr(args, "sandbox", False) or getattr(args, "profile", None) == "sandbox":
        raise UsageError(THROWAWAY.format(what="speak in"))
    # everything given is read and checked before anything is sent
    args.accept_list = _sequences("--accept", args.accept) if args.accept is not None else None
    args.read_list = _sequences("--read", args.read) if args.read is not None else None
    args.metadata_list = _metadata(args.metadata) if args.metadata is not None else None
    raw = None
    if args.raw is not None:
        try:
            raw = _raw(args)
        except _NotSent:
            err("Not sent.")
            return EXIT_USAGE
    draft = make_draft(args)
    header = client_properties(args, draft)
    if args.as_ is not None:
        return _print_exports(args, raw, header)
    evidence = _evidence_path(args.evidence) if args.evidence else None

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        target = _target(args.conversation_id, conn, sandbox, "speak in")
        sends: list[tuple[Any, str]] = _requests(args, target)
        if raw is not None:
            sends.append((raw, "raw body"))
        code = EXIT_OK
        for body, note in sends:
            what = note or describe(body)
            err(f"SEND {what}:")
            result = await client.send_event(body, _send_header(header, conn, sandbox, target), action=f"send {what}")
            code = max(code, print_result(result))
            history_id = _record_history(result, conn)
            if evidence is not None and body is sends[-1][0]:
                from lp_tui.export.evidence import from_result

                _write_evidence(evidence, from_result(result, profile=conn.profile, account=conn.account_id,
                                                      client_properties=result.request_headers.get(
                                                          "Client-Properties"), history_id=history_id))
        return EXIT_API if code else EXIT_OK

    return run_with_connection(args, job)


def _print_exports(args: argparse.Namespace, raw: bytes | None, header: str | None) -> int:
    """--as: each SEND the flags ask for, as curl or Python, on stdout (nothing is sent, no token is printed)."""
    import json
    from urllib.parse import urlsplit

    from lp_tui.cli.common import out, resolve_connection
    from lp_tui.cli.send import _send_header, _target
    from lp_tui.export import SEND_PATH, spec_from_text
    from lp_tui.cli.export import export_text

    conn, sandbox = resolve_connection(args)
    target = _target(args.conversation_id, conn, sandbox, "speak in")
    bodies = [json.dumps(body, ensure_ascii=False) for body, _ in _requests(args, target)]
    if raw is not None:
        try:
            bodies.append(raw.decode("utf-8", errors="surrogatepass"))
        except UnicodeDecodeError as exc:
            raise UsageError(f"--raw {args.raw}: the body is not UTF-8 text (byte {exc.start}), and a curl or Python "
                             "copy holds text; send it without --as") from None
    for text in bodies:
        spec = spec_from_text(text, conn.account_id or None, client_properties=_send_header(header, conn, sandbox,
                                                                                             target),
                              bearer=conn.auth_scheme == "bearer", source="lp-tui event",
                              scheme=urlsplit(conn.csds_url).scheme, path=SEND_PATH)
        out(export_text(args.as_, spec).rstrip("\n"), block=True)
    if args.as_ == "curl":
        from lp_tui.cli.common import warn

        warn(f"the URL is {urlsplit(conn.csds_url).scheme}://$LP_HOST/...: `eval \"$(lp-tui token)\"` sets LP_HOST, "
             "LP_APP_JWT and LP_CONSUMER_JWS (or use --as curl-flow, which does the whole flow)")
    return EXIT_OK
