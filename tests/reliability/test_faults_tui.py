"""Faults in the app: the explanation is shown, the UI keeps answering keys, the draft is untouched."""

from __future__ import annotations

import socket

import pytest

from lp_tui.model.connection import Connection, RetryPolicy
from lp_tui.model.draft import Draft
from lp_tui.sandbox.state import Fault
from lp_tui.store.drafts import SavedDraft
from lp_tui.store.history import History
from lp_tui.ui.app import make_app
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView
from tests.ui import fakes
from tests.ui.fakes import until

pytestmark = pytest.mark.asyncio


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def session_for(box, tmp_path, **conn_overrides) -> Session:
    conn = Connection(ext_consumer_id="tui-consumer")
    conn.apply(box.connection_values(), "test")
    conn.retry = RetryPolicy(retry_429=1, wait_429=0.2, delays_5xx=[0.2, 0.2, 0.2])
    for key, value in conn_overrides.items():
        setattr(conn, key, value)
    return fakes.session_for(tmp_path, conn)


def summary(app) -> str:
    view = app.composer.query_one(ResponseView)
    return str(view.query_one("#summary").render()) + str(view.query_one("#conversation-id").render())


async def send_and_type(pilot, app, box, hold: bool = True) -> None:
    """Send, and type while it runs: the preview follows the keys before the send ends.

    The sandbox holds every request until released, so "while it runs" is a fact, not a race
    (``hold=False`` for the timeout scenarios: a held request would time out at the wrong step).
    """
    if hold:
        box.state.released.clear()
    expected = f'"ctype": "{app.composer.draft.get("consumer.ctype")}x"'
    before = app.composer.outcome
    await pilot.press("ctrl+j")
    await until(pilot, lambda: app.composer.busy == "create" or app.composer.outcome is not before, "the send")
    await fakes.typed(pilot, "#f-consumer-ctype", "")
    await pilot.press("end", "x")
    await until(pilot, lambda: expected in app.composer.query_one(RequestPreview).body_text, "the preview to follow")
    if hold:
        assert app.composer.busy, "the send was still held: the keys were answered during it"
    box.state.released.set()
    await until(pilot, lambda: not app.composer.busy and app.composer.outcome is not before, "the send to end")
    await until(pilot, lambda: app.composer.query(ResponseView) and summary(app).strip(), "the answer drawn")


def base_draft() -> Draft:
    draft = Draft()
    draft.set_text("consumer.ctype", "vip")
    draft.set_text("personal.firstname", "Ann")
    return draft


def setup_refused(box):
    box.state.hosts["idp"] = closed_port()


SCENARIOS = {
    "csds 500": (lambda box: box.state.add_fault("csds", Fault(status=500, times=-1)), "domain lookup",
                 "CSDS answered 500"),
    "idp refused": (setup_refused, "ConsumerJWS", "connection refused"),
    "connector slow": (lambda box: box.state.add_fault("conversation", Fault(hang=True)), "create conversation",
                       "timed out"),
    "sentinel 500": (lambda box: box.state.add_fault("sentinel", Fault(status=500, times=-1)), "AppJWT",
                     "Sentinel answered 500"),
    "sentinel non-JSON": (lambda box: box.state.add_fault("sentinel", Fault(body="<html>", content_type="text/html")),
                          "AppJWT", "without an access token"),
    "no idp service": (lambda box: box.state.hosts.pop("idp"), "domain lookup", "no 'idp' service"),
    "connector 503 always": (lambda box: box.state.add_fault("conversation", Fault(status=503, times=-1)),
                             "HTTP 503", "server error"),
    "connector drips": (lambda box: box.state.add_fault("conversation", Fault(body="[" + " " * 400 + "]", drip=1.0)),
                        "create conversation", "timed out"),
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_fault_is_explained_ui_answers_draft_untouched(box, tmp_path, name):
    setup, where, words = SCENARIOS[name]
    limits = {"read_timeout": 0.5} if name == "connector slow" else {"total_timeout": 1.0} if name == "connector drips" \
        else {}
    if not limits:
        setup(box)
    session = session_for(box, tmp_path)
    app = make_app(session, SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        if limits:  # a short limit applies to every step: on a loaded machine an earlier one could meet it,
            # so those steps are done (and cached) first, and the limit then meets only the POST
            client = session.client
            await client.domains()
            await client.consumer_jws(await client.app_jwt())
            setup(box)
            for key, value in limits.items():
                setattr(client.conn, key, value)
            if "read_timeout" in limits:
                import httpx

                client._client().timeout = httpx.Timeout(limits["read_timeout"], connect=client.conn.connect_timeout)
        await send_and_type(pilot, app, box, hold=not limits)
        await until(pilot, lambda: where in summary(app) and words in summary(app), f"{where!r} and {words!r}")
        assert "What to do" in summary(app)
        expected = base_draft()
        expected.set_text("consumer.ctype", "vipx")
        assert app.composer.draft == expected and app.is_running


@pytest.mark.parametrize("fault,attempts", [(Fault(status=429, times=1), "2 attempts"),
                                            (Fault(status=502, times=2), "3 attempts")])
async def test_throttled_or_failing_then_success(box, tmp_path, fault, attempts):
    box.state.add_fault("conversation", fault)
    app = make_app(session_for(box, tmp_path), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_type(pilot, app, box)
        assert app.composer.conversation_id and attempts in summary(app)
        assert "retry" not in summary(app).split("Steps")[-1].replace("retries", "")  # no stale "retry in" notes


async def test_huge_body_is_cut_at_the_cap_and_the_ui_still_answers(box, tmp_path):
    box.state.add_fault("conversation", Fault(body="[" + " " * 10_000_000 + "]"))
    app = make_app(session_for(box, tmp_path), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_type(pilot, app, box)
        assert "larger than 4 MB" in summary(app)
        await pilot.press("end", "y")
        await until(pilot, lambda: '"ctype": "vipxy"' in app.composer.query_one(RequestPreview).body_text)


async def test_appjwt_expiring_between_two_sends_is_renewed(box, tmp_path):
    app = make_app(session_for(box, tmp_path), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await send_and_type(pilot, app, box)
        first = app.composer.conversation_id
        assert first
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.composer.conversation_id is None and not app.composer.busy)
        box.state.clock_offset = 3700  # the cached AppJWT has now expired for LivePerson
        await send_and_type(pilot, app, box)
        assert app.composer.conversation_id not in (None, first)
        assert "AppJWT refused (40102); renewing once" in summary(app)
