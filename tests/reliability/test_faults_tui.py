"""Faults in the app: the explanation is shown, the UI keeps answering keys, the draft is untouched."""

from __future__ import annotations

import asyncio
import socket

import pytest

from lp_tui.lp.config import Connection, RetryPolicy
from lp_tui.model.draft import Draft
from lp_tui.sandbox.state import Fault
from lp_tui.store.drafts import SavedDraft
from lp_tui.store.history import History
from lp_tui.ui.app import make_app
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView

pytestmark = pytest.mark.asyncio


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def session_for(box, tmp_path, **conn_overrides) -> Session:
    conn = Connection(ext_consumer_id="tui-consumer", connect_timeout=0.5, read_timeout=1)
    conn.apply(box.connection_values(), "test")
    conn.retry = RetryPolicy(retry_429=1, wait_429=0.2, delays_5xx=[0.2, 0.2, 0.2])
    for key, value in conn_overrides.items():
        setattr(conn, key, value)
    return Session(conn, settings_path=tmp_path / "s.toml", presets_dir=tmp_path / "p",
                   draft_path=tmp_path / "d.toml", history=History(tmp_path / "h.jsonl"))


def summary(app) -> str:
    view = app.composer.query_one(ResponseView)
    return str(view.query_one("#summary").render()) + str(view.query_one("#conversation-id").render())


async def send_and_type(pilot, app) -> None:
    """Send, and type while it runs: the preview must follow the keys before the send ends."""
    expected = f'"ctype": "{app.composer.draft.get("consumer.ctype")}x"'
    await pilot.press("ctrl+s")
    await pilot.pause(0.05)
    app.composer.query_one("#f-consumer-ctype").focus()
    await pilot.press("end", "x")
    await pilot.pause(0.05)
    assert expected in app.composer.query_one(RequestPreview).body_text
    for _ in range(400):
        if not app.composer.sending:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the send never finished")


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
    "connector slow": (lambda box: box.state.add_fault("conversation", Fault(delay=3)), "create conversation",
                       "timed out"),
    "sentinel 500": (lambda box: box.state.add_fault("sentinel", Fault(status=500, times=-1)), "AppJWT",
                     "Sentinel answered 500"),
    "sentinel non-JSON": (lambda box: box.state.add_fault("sentinel", Fault(body="<html>", content_type="text/html")),
                          "AppJWT", "without an access token"),
    "no idp service": (lambda box: box.state.hosts.pop("idp"), "domain lookup", "no 'idp' service"),
    "connector 503 always": (lambda box: box.state.add_fault("conversation", Fault(status=503, times=-1)),
                             "HTTP 503", "server error"),
    "connector drips": (lambda box: box.state.add_fault("conversation", Fault(body="[" + " " * 400 + "]", drip=0.1)),
                        "create conversation", "timed out"),
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_fault_is_explained_ui_answers_draft_untouched(box, tmp_path, name):
    setup, where, words = SCENARIOS[name]
    setup(box)
    app = make_app(session_for(box, tmp_path), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await send_and_type(pilot, app)
        text = summary(app)
        assert where in text and words in text, text
        assert "What to do" in text
        expected = base_draft()
        expected.set_text("consumer.ctype", "vipx")
        assert app.composer.draft == expected and app.is_running


@pytest.mark.parametrize("fault,attempts", [(Fault(status=429, times=1), "2 attempts"),
                                            (Fault(status=502, times=2), "3 attempts")])
async def test_throttled_or_failing_then_success(box, tmp_path, fault, attempts):
    box.state.add_fault("conversation", fault)
    app = make_app(session_for(box, tmp_path), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await send_and_type(pilot, app)
        assert app.composer.conversation_id and attempts in summary(app)


async def test_huge_body_does_not_freeze_the_ui(box, tmp_path):
    box.state.add_fault("conversation", Fault(body="[" + " " * 10_000_000 + "]"))
    app = make_app(session_for(box, tmp_path, read_timeout=20), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await send_and_type(pilot, app)
        assert "larger than 2 MB" in summary(app)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await pilot.press("end", "y")
        await pilot.pause()
        assert '"ctype": "vipxy"' in app.composer.query_one(RequestPreview).body_text
        assert loop.time() - started < 1.0


async def test_appjwt_expiring_between_two_sends_is_renewed(box, tmp_path):
    app = make_app(session_for(box, tmp_path), SavedDraft(base_draft()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await send_and_type(pilot, app)
        first = app.composer.conversation_id
        await pilot.press("ctrl+r")
        for _ in range(200):
            await asyncio.sleep(0.02)
            if not app.composer.sending:
                break
        box.state.clock_offset = 3700  # the cached AppJWT has now expired for LivePerson
        await send_and_type(pilot, app)
        assert app.composer.conversation_id not in (None, first)
        assert "AppJWT refused (40102); renewing once" in summary(app)
