"""The app's way out: "Copy as curl", "Copy as Python", "Save evidence" (palette and Ctrl+O).

Thin over ``lp_tui.export`` (the text) and ``lp_tui.store.evidence`` (the files): the URL is
resolved through CSDS and files are written in workers, never on the UI thread, and each
action says what it did in a notification. Nothing copied or written carries a secret.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterable

from textual.app import SystemCommand

from lp_tui.lp.errors import LpError, SendCancelled
from lp_tui.ui.keys import current

LABELS = {"curl": "curl", "curl-flow": "curl (whole flow)", "python": "Python"}


def step_of(kind: str) -> str:
    """The client's step for a send of ``kind`` (lp.client is imported when needed, not at start-up)."""
    from lp_tui.lp.client import STEP_CLOSE, STEP_CREATE, STEP_EVENT, STEP_MESSAGE

    return {"create": STEP_CREATE, "close": STEP_CLOSE, "message": STEP_MESSAGE, "event": STEP_EVENT}[kind]


def record_of(outcome: Any) -> dict[str, Any]:
    """The history entry of a send that got an answer, with where a sandbox routed it."""
    record: dict[str, Any] = outcome.result.to_record(outcome.routing)
    return record


def export_commands(app: Any) -> Iterable[SystemCommand]:
    yield SystemCommand("Copy as curl", "The create call as one curl command (host and tokens as $LP_HOST, "
                        "$LP_APP_JWT, $LP_CONSUMER_JWS: `eval \"$(lp-tui token)\"` sets them)",
                        lambda: copy_export(app, "curl"))
    yield SystemCommand("Copy as curl, whole flow", "A sh script doing CSDS, AppJWT, ConsumerJWS and the create "
                        "with curl alone", lambda: copy_export(app, "curl-flow"))
    yield SystemCommand("Copy as Python", "A standalone script (standard library only) doing the whole flow: "
                        "CSDS, AppJWT, ConsumerJWS, create", lambda: copy_export(app, "python"))
    yield SystemCommand("Write the last copy to a file", "For when no clipboard took it: a file in the data "
                        "folder", lambda: write_last_copy(app))
    yield SystemCommand("Save evidence", "The last send as Markdown and JSON for a bug report, in the data "
                        "folder (Ctrl+O)", lambda: save_evidence(app))


def write_last_copy(app: Any) -> None:
    from lp_tui.ui.clipboard import write_last_copy as write

    write(app)


# --- copy as curl / Python ----------------------------------------------------------------------
def copy_export(app: Any, kind: str) -> None:
    app.run_worker(said(app, export_worker(app, kind), f"Copy as {LABELS[kind]}"), group="export", exclusive=True,
                   exit_on_error=False)


async def said(app: Any, work: Any, what: str) -> Any:
    """Run ``work``; an unplanned failure becomes a notification, never a silent dead worker."""
    try:
        return await work
    except Exception as exc:  # noqa: BLE001 (shown to the user, who can report it)
        app.notify(f"{type(exc).__name__}: {exc}. This is a bug in lp-tui; please report it.",
                   title=f"{what} failed", severity="error", timeout=10)
        return None


async def export_worker(app: Any, kind: str) -> str | None:
    """Build the export of the request as the request pane shows it, and copy it. Nothing is
    resolved: curl names the host $LP_HOST (never the built-in sandbox's temporary port), the
    whole-flow exports find it through CSDS when they run."""
    from urllib.parse import urlsplit

    from lp_tui.export import spec_from_text
    from lp_tui.export.curl import curl_command, curl_flow
    from lp_tui.export.python import python_script
    from lp_tui.model.build import client_properties_header
    from lp_tui.ui.clipboard import copy

    composer, session = app.composer, app.session
    body, header = composer.request_body(), client_properties_header(composer.draft)
    conn = session.conn
    spec = spec_from_text(body, conn.account_id or None, client_properties=header,
                          bearer=conn.auth_scheme == "bearer", source="the lp-tui app",
                          scheme=urlsplit(conn.csds_url).scheme)
    text = {"curl": curl_command, "curl-flow": curl_flow, "python": python_script}[kind](spec)
    extra = " The push token comes from $LP_PUSH_TOKEN." if spec.push_tokens else ""
    if kind == "curl":
        detail = ("It needs LP_HOST, LP_APP_JWT and LP_CONSUMER_JWS: run eval \"$(lp-tui token)\" in that shell "
                  "first (with the built-in sandbox, use `lp-tui sandbox` and its banner's variables).")
        what = "a curl command"
    else:
        detail = ("It reads LP_ACCOUNT_ID, LP_CLIENT_ID, LP_CLIENT_SECRET, LP_EXT_CONSUMER_ID and LP_CSDS_URL.")
        what = "a sh script (curl)" if kind == "curl-flow" else "a Python script (standard library only)"
    copy(app, text, what, title=f"Copied as {LABELS[kind]}", detail=detail + extra)
    return text


# --- evidence -----------------------------------------------------------------------------------
def evidence_of(outcome: Any, session: Any) -> dict[str, Any] | None:
    """Evidence of the last send, whatever its end (an answer, a failure, a cancel); None if none."""
    from lp_tui.export import evidence

    conn = session.conn
    if outcome.result is not None:
        result = outcome.result
        return evidence.from_result(result, profile=session.profile, account=conn.account_id,
                                    routing=outcome.routing, history_id=outcome.history_id,
                                    client_properties=result.request_headers.get("Client-Properties"))
    error = outcome.error
    if error is None and outcome.cancelled:
        last = outcome.steps[-1].name if outcome.steps else step_of(outcome.kind)
        error = SendCancelled(last, "the send was cancelled")
    if error is None:
        return None
    body = outcome.body.decode("utf-8", "replace") if outcome.body else ""
    return evidence.from_error(step_of(outcome.kind), error, outcome.steps, profile=session.profile,
                               account=conn.account_id, body=body, sandbox=session.is_sandbox)


def save_evidence(app: Any) -> None:
    outcome = app.composer.outcome
    ev = evidence_of(outcome, app.session) if outcome is not None else None
    if ev is None:
        app.notify(f"No send yet: send first ({current().first('send')}), then save its evidence.", severity="warning")
        return
    app.run_worker(said(app, write_evidence(app, ev), "Save evidence"), group="evidence", exit_on_error=False)


def save_entry_evidence(app: Any, entry: dict[str, Any]) -> None:
    """Evidence of a history entry (built and written off the UI thread)."""
    async def work() -> None:
        from lp_tui.export.evidence import from_entry

        ev = await asyncio.to_thread(from_entry, entry)
        await write_evidence(app, ev)

    app.run_worker(said(app, work(), "Save evidence"), group="evidence", exit_on_error=False)


async def write_evidence(app: Any, ev: dict[str, Any]) -> tuple[Any, Any] | None:
    from lp_tui import paths
    from lp_tui.export.evidence import render
    from lp_tui.store import evidence as store
    from lp_tui.store.atomic import StoreError

    try:
        md, js = await asyncio.to_thread(store.save_pair, ev, render)
    except StoreError as exc:
        app.notify(f"{exc}", title="Evidence not saved", severity="error", timeout=10)
        return None
    app.notify(f"Saved {paths.shown(md)} (and {js.name} beside it).", title="Evidence saved")
    return md, js
