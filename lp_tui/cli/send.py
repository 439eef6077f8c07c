"""``lp-tui send``, ``close`` and ``message``: the calls, from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lp_tui.cli.common import (
    UsageError,
    add_connection_options,
    add_draft_options,
    conversation_key,
    conversations,
    err,
    make_draft,
    make_request,
    out,
    parse_json,
    print_findings,
    run_with_connection,
    warn,
)
from lp_tui.cli.follow import Follow, add_follow_options, check_follow_options
from lp_tui.lp.errors import EXIT_API, EXIT_OK, FollowUp, LpError, Why
from lp_tui.lp.results import StepCode
from lp_tui.text import ident


def register(sub: Any) -> None:
    s = sub.add_parser("send", help="send the request and print the response body",
                       description="Send the create-conversation request: domain lookup, AppJWT, ConsumerJWS, "
                                   "POST. The answer's body goes to stdout, the steps and the explanation to stderr.")
    add_draft_options(s)
    s.add_argument("--raw", metavar="FILE|-", help="send this body exactly as given (- for stdin)")
    s.add_argument("--evidence", metavar="FILE", help="also write evidence of the send for a bug report: "
                   "FILE.md as Markdown, FILE.json as JSON (no secrets)")
    s.add_argument("--save-preset", metavar="NAME", help="also save what was sent as your preset NAME: the draft, "
                   "or the --raw body exactly as written (invalid JSON included)")
    s.add_argument("--description", metavar="TEXT", help="the saved preset's description (with --save-preset)")
    s.add_argument("--expect", action="store_true", help="with --save-preset: write an [expect] table from the "
                   "answer (status, codes, conversation, skill, errorCode), for `lp-tui check`")
    add_client_properties_option(s)
    add_follow_options(s)
    add_connection_options(s)
    s.set_defaults(func=cmd_send)

    c = sub.add_parser("close", help="close a conversation (by default the one lp-tui remembers)",
                       description="Close a conversation. Without an ID, the open conversation lp-tui remembers "
                                   "for this profile, account and consumer.")
    c.add_argument("conversation_id", nargs="?", help="the conversation to close")
    add_draft_options(c)
    add_client_properties_option(c)
    add_connection_options(c)
    c.set_defaults(func=cmd_close)

    m = sub.add_parser("message", help="send a text message to a conversation",
                       description="Send a text message. Without an ID, to the open conversation lp-tui remembers.")
    m.add_argument("args", nargs="+", metavar="[CONVERSATION_ID] TEXT")
    add_draft_options(m)
    add_client_properties_option(m)
    add_connection_options(m)
    m.set_defaults(func=cmd_message)


def add_client_properties_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client-properties", metavar="JSON",
                   help="the Client-Properties header as JSON (otherwise from --preset/--set clientProperties...; "
                        "close and message then send those the remembered conversation was created with): "
                        "LivePerson wants the same header on every call after the create")


def client_properties(args: argparse.Namespace, draft: Any) -> str | None:
    from lp_tui.model.build import client_properties_header, header_json

    given = getattr(args, "client_properties", None)
    if given is not None:
        value = parse_json("--client-properties", given)
        if not isinstance(value, dict):
            raise UsageError("--client-properties: give a JSON object, e.g. '{\"type\":\".ClientProperties\"}'")
        return header_json(value)
    return client_properties_header(draft)


def _read_raw(source: str) -> bytes:
    import sys

    from lp_tui.limits import MAX_FILE_BYTES, read_bytes

    try:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB (lp-tui reads at most that)")
            return data
        return read_bytes(Path(source).expanduser())
    except (OSError, ValueError) as exc:
        raise UsageError(f"--raw {source}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None


def print_result(result: Any) -> int:
    """The answer: its body on stdout (safe JSON or safe text), the rest on stderr."""
    from lp_tui.model.build import dumps

    if result.body_json is not None:
        out(dumps(result.body_json), json_text=True)
    elif result.body_text:
        out(result.body_text, continued=True)
    for step in result.steps:
        err(f"  {step.line()}")
    err(f"HTTP {result.status} in {result.elapsed * 1000:.0f} ms")
    for sub in result.subs:
        err(f"  [{sub.position}] reqId {_req_id(sub.req_id)}: {sub.code_text} {sub.message}")
    if result.conversation_id:
        err(f"conversationId: {ident(result.conversation_id)}")
    message = result.first_message
    if message is not None:  # the SEND after the create
        err(f"first message: HTTP {message.status}" + "".join(
            f"; [{sub.position}] reqId {_req_id(sub.req_id)}: {sub.code_text} {sub.message}" for sub in message.subs))
    if result.sequence is not None:
        err(f"sequence: {result.sequence}")
    if result.truncated:
        err("the answer was cut at the answer size cap (--max-answer-mb)")
    for exp in result.explanations:
        err(f"{exp.title}: {exp.detail}" + (f" What to do: {exp.action}" if exp.action else ""))
    return EXIT_OK if result.ok else EXIT_API


def cmd_send(args: argparse.Namespace) -> int:
    from lp_tui.limits import TooDeep, loads_json
    from lp_tui.model.build import (build_payload, client_properties as props_of, dumps, first_message_after,
                                    first_message_facts)
    from lp_tui.model.validate import validate

    check_follow_options(args)
    evidence = _evidence_path(args.evidence) if args.evidence else None
    raw = _read_raw(args.raw) if args.raw else None
    draft, preset_raw = make_request(args)
    if preset_raw is not None:
        if raw is not None:
            raise UsageError(f"--raw and --preset {args.preset} (a raw preset) both give the body: choose one")
        raw = preset_raw.encode("utf-8", "surrogatepass")
    saving = _check_save_options(args, raw)
    header = client_properties(args, draft)

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        if not args.follow:
            return await send(client, conn, sandbox)
        follow = Follow(args, client, conn, sandbox)
        await follow.start()
        try:
            return await send(client, conn, sandbox, follow)
        finally:
            await follow.stop()

    async def send(client: Any, conn: Any, sandbox: Any, follow: Follow | None = None) -> int:
        import time

        key = conversation_key(conn, sandbox)
        steps: list[Any] = []
        if raw is not None:
            try:
                print_findings(validate(loads_json(raw.decode("utf-8")), conn.account_id))
            except (TooDeep, ValueError, UnicodeDecodeError) as exc:
                warn(f"--raw body is not valid JSON ({exc}); sending it as given")
            payload, body = None, raw
        else:
            payload = build_payload(draft, conn.account_id)
            print_findings(validate(payload, conn.account_id, props_of(draft), first_message_facts(draft)))
            body = dumps(payload).encode("utf-8")
        first = first_message_after(draft) if raw is None else None
        message_id = draft.get("ids.message") if draft.has("ids.message") else "1"
        try:
            result = await client.create_conversation(payload, header, _collect(steps), raw=raw,
                                                      first_message=first, message_id=message_id)
        except LpError as exc:
            if saving:
                if args.expect:
                    warn("no answer came back, so the preset is saved without an [expect] table")
                _save_preset(args, draft, raw, None)
            if evidence is not None:
                from lp_tui.export.evidence import from_error

                _write_evidence(evidence, from_error(
                    StepCode.CREATE, exc, steps, profile=conn.profile, account=conn.account_id,
                    body=body.decode("utf-8", "replace"), client_properties=header))
            raise
        opened = time.monotonic()
        code = print_result(result)
        store = conversations()
        if result.conversation_id:
            try:
                store.remember(key, result.conversation_id, header)  # its Client-Properties go with every SEND
            except OSError as exc:
                warn(f"the conversation is not remembered for `lp-tui close`: {exc}")
        elif any(e.follow_up is FollowUp.CLOSE for e in result.explanations):
            known = store.get(key)
            if known:
                err(f"The open conversation is {ident(known)}: `lp-tui close` closes it.")
            else:
                err("lp-tui did not open that conversation, so its id is unknown here; use another "
                    "--ext-consumer-id, or close it where it was opened.")
        routed = None
        if result.sandbox and result.conversation_id:
            routed = await client.sandbox_conversation(result.conversation_id)
            if routed:
                err(f"sandbox routed it to {routed.get('skill')!r} by rule: {routed.get('rule')}")
            elif client.sandbox_locked:
                from lp_tui.lp.client import SANDBOX_TOKEN_NEEDED

                warn(SANDBOX_TOKEN_NEEDED)
        elif result.conversation_id and follow is None:
            err("Routing: LivePerson does not say where a conversation was routed through the Connector API "
                "(webhooks do: --follow shows them).")
        history_id = _record_history(result, conn, routed)
        if saving:
            _save_preset(args, draft, raw, result.to_record(routed if isinstance(routed, dict) else None)
                         if args.expect else None)
        if evidence is not None:
            from lp_tui.export.evidence import from_result

            _write_evidence(evidence, from_result(result, profile=conn.profile, account=conn.account_id,
                                                  routing=routed, client_properties=header, history_id=history_id))
        if follow is not None and result.conversation_id:
            await follow.run(result.conversation_id, header, opened)
            timeline = follow.inbox.timelines.get(result.conversation_id)
            if timeline is not None and timeline.closed and key is not None:
                try:
                    store.forget(key, result.conversation_id)
                except OSError:
                    pass
        return code

    return run_with_connection(args, job)


def _check_save_options(args: argparse.Namespace, raw: bytes | None) -> bool:
    """Whether to save a preset after the send; a bad name or a body a preset cannot hold is said
    before anything is sent."""
    from lp_tui.model.presets import MAX_DESCRIPTION, check_name

    if not args.save_preset:
        if args.expect or args.description is not None:
            raise UsageError("--expect and --description go with --save-preset NAME")
        return False
    problem = check_name(args.save_preset)
    if problem:
        raise UsageError(f"--save-preset: {problem}")
    if args.description is not None and len(args.description) > MAX_DESCRIPTION:
        raise UsageError(f"--description: at most {MAX_DESCRIPTION} characters")
    if raw is not None:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"--save-preset: the body is not UTF-8 text (byte {exc.start}), and a preset holds "
                             "text; it is not saved (send it without --save-preset)") from None
    return True


def _save_preset(args: argparse.Namespace, draft: Any, raw: bytes | None, record: dict[str, Any] | None) -> None:
    """Save what was sent (the draft, or the raw body exactly) as the user's preset."""
    from lp_tui import paths
    from lp_tui.model.expect import expect_from_record
    from lp_tui.model.presets import Preset, PresetError
    from lp_tui.store import presets as preset_files

    text = raw.decode("utf-8") if raw is not None else None
    description = args.description if args.description is not None else (
        "Saved by lp-tui send" + (" (raw body, sent as written)" if text is not None else ""))
    expect = expect_from_record(record) if record is not None else None
    preset = Preset(args.save_preset, description, draft.copy(), raw=text, expect=expect or None)
    try:
        path = preset_files.save(preset, paths.presets_dir())
    except (PresetError, OSError) as exc:
        warn(f"preset not saved: {exc}")
        return
    err(f"Saved preset {preset.name} to {path}" + (" with an [expect] table" if expect else ""))


def _record_history(result: Any, conn: Any, routed: Any = None) -> str | None:
    """Every send is in the history the app shows (F4) and `lp-tui diff` reads, from the CLI too;
    the entry's id, or None when it could not be written."""
    from lp_tui import paths
    from lp_tui.store.history import History

    entry = result.to_record(routed if isinstance(routed, dict) else None)
    entry["profile"] = conn.profile
    try:
        History(paths.history_file()).append(entry)
    except OSError as exc:
        warn(f"history not saved: {exc}")
        return None
    return str(entry["id"])


def _evidence_path(given: str) -> Path:
    from lp_tui.store.evidence import kind_of

    path = Path(given).expanduser()
    if kind_of(path) is None:
        raise UsageError(f"--evidence {given}: name the file .md (Markdown) or .json (JSON)")
    if not path.parent.is_dir():
        raise UsageError(f"--evidence {given}: the folder {path.parent} does not exist")
    return path


def _collect(steps: list[Any]) -> Any:
    """An observer that keeps each step once, for the evidence of a send that fails."""
    def observe(step: Any) -> None:
        if not any(s is step for s in steps):
            steps.append(step)
    return observe


def _write_evidence(path: Path, ev: dict[str, Any]) -> None:
    from lp_tui.export.evidence import render
    from lp_tui.store import evidence as store
    from lp_tui.store.atomic import StoreError

    try:
        store.write(path, ev, render)
    except StoreError as exc:
        warn(f"evidence not written: {exc}")
        return
    err(f"Evidence written to {path}")


def _target(given: str | None, conn: Any, sandbox: Any, what: str) -> str:
    if sandbox is not None:
        raise UsageError(THROWAWAY.format(what=what))
    if given:
        return given
    known = conversations().get(conversation_key(conn, sandbox))
    if not known:
        raise UsageError(f"no open conversation is remembered for profile {conn.profile!r}, account "
                         f"{conn.account_id or '?'}, consumer {conn.ext_consumer_id or '?'}: give its ID")
    target: str = known
    return target


def _send_header(given: str | None, conn: Any, sandbox: Any, target: str) -> str | None:
    """The Client-Properties of a SEND: those given (--client-properties, --preset, --set), else those
    the conversation was created with, remembered with it: LivePerson wants the same header on every
    SEND after the create, as the app sends it."""
    if given is not None:
        return given
    try:
        header: str | None = conversations().client_properties(conversation_key(conn, sandbox), target)
        return header
    except OSError:
        return None


def cmd_close(args: argparse.Namespace) -> int:
    draft = make_draft(args)
    given = client_properties(args, draft)

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        target = _target(args.conversation_id, conn, sandbox, "close")
        result = await client.close_conversation(target, _send_header(given, conn, sandbox, target))
        code = print_result(result)
        _record_history(result, conn)
        if result.ok or any(e.why is Why.CLOSED_CONVERSATION for e in result.explanations):
            try:
                conversations().forget(conversation_key(conn, sandbox), target)
            except OSError:
                pass
        return code

    return _with_early_checks(args, job, "close")


def cmd_message(args: argparse.Namespace) -> int:
    if len(args.args) > 2:
        raise UsageError("give the text as one argument (quote it), optionally after the conversation ID")
    given, text = (args.args[0], args.args[1]) if len(args.args) == 2 else (None, args.args[0])
    draft = make_draft(args)
    header = client_properties(args, draft)

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        target = _target(given, conn, sandbox, "message")
        result = await client.send_message(target, text, _send_header(header, conn, sandbox, target))
        code = print_result(result)
        _record_history(result, conn)
        return code

    return _with_early_checks(args, job, "message")


THROWAWAY = ("a throwaway sandbox (--sandbox) starts empty, so it never holds the conversation to {what}: "
             "run `lp-tui sandbox` in another terminal and point lp-tui at it (its banner shows how)")


def _with_early_checks(args: argparse.Namespace, job: Any, what: str) -> int:
    """A throwaway sandbox can never hold the conversation asked for: say so before starting one."""
    if getattr(args, "sandbox", False) or getattr(args, "profile", None) == "sandbox":
        raise UsageError(THROWAWAY.format(what=what))
    return run_with_connection(args, job)


def _req_id(value: object) -> str:
    """A sub-answer's reqId as written: a string quoted, anything else as JSON (``null``, not None)."""
    import json

    return repr(value) if isinstance(value, str) else json.dumps(value)

