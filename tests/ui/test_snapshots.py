"""Snapshots of every screen and the important states, at 120x40, deterministic.

Fixed sandbox address, consumer id, conversationId and answers (tests/ui/fakes.py); no
timings in the picture. Baselines live in tests/ui/__snapshots__ and were checked by eye.
Update them on purpose with: pytest tests/ui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from lp_tui.lp.errors import LpError
from lp_tui.model.draft import Draft
from lp_tui.model.presets import load
from lp_tui.store.drafts import SavedDraft
from lp_tui.ui.app import make_app

from .fakes import AUTH, OK, OPEN, make_session, result

SIZE = (120, 40)
HOME = Path("/tmp/lp-tui-snapshot-home")


@pytest.fixture(autouse=True)
def fixed_home(monkeypatch):
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    monkeypatch.setenv("LP_TUI_HOME", str(HOME))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    shutil.rmtree(HOME, ignore_errors=True)


def app_with(script=(), draft: Draft | None = None, raw: str | None = None):
    session = make_session(HOME, script)
    return make_app(session, SavedDraft(draft, raw) if draft is not None else None)


def preset(name: str) -> Draft:
    return load(name, HOME / "none").draft


async def wait_idle(pilot):
    for _ in range(100):
        await pilot.pause(0.02)
        if not pilot.app.composer.sending:
            break
    await pilot.pause(0.1)


async def send(pilot):
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_idle(pilot)


def test_empty(snap_compare):
    assert snap_compare(app_with(), terminal_size=SIZE)


def test_filled_from_preset(snap_compare):
    assert snap_compare(app_with(draft=preset("sde-ctype-gender")), terminal_size=SIZE)


def test_findings_shown(snap_compare):
    draft = preset("campaign-routing")
    draft.set_value("personal.gender", "male")
    draft.set_value("consumer.companySize", "many")
    draft.unset("conversation.campaignInfo.engagementId")
    draft.set_value("consumer.lastPaymentDate", {"day": 31, "month": 2, "year": 2024})
    assert snap_compare(app_with(draft=draft), terminal_size=SIZE)


def test_personal_tab_with_contacts(snap_compare):
    draft = Draft()
    draft.set_text("personal.firstname", "Zoë")
    draft.set_text("personal.contacts.0.email", "zoe@example.com")
    draft.set_text("personal.contacts.0.phoneType", "MOBILE")
    draft.set_text("personal.contacts.1.phone", "+1 212-788-8877")

    async def run_before(pilot):
        await pilot.pause()
        pilot.app.composer.query_one("#forms").active = "tab-personal"
        await pilot.pause()

    assert snap_compare(app_with(draft=draft), terminal_size=SIZE, run_before=run_before)


def test_routing_tab(snap_compare):
    async def run_before(pilot):
        await pilot.pause()
        pilot.app.composer.query_one("#forms").active = "tab-conversation"
        await pilot.pause()

    assert snap_compare(app_with(draft=preset("auto-messages")), terminal_size=SIZE, run_before=run_before)


def test_sending_in_progress(snap_compare):
    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)

    assert snap_compare(app_with(["hang"], preset("sde-ctype-gender")), terminal_size=SIZE, run_before=run_before)


def test_success_with_routing(snap_compare):
    assert snap_compare(app_with([result(200, OK)], preset("sde-ctype-gender")), terminal_size=SIZE, run_before=send)


def test_error_open_conversation(snap_compare):
    async def run_before(pilot):
        await send(pilot)
        await send(pilot)

    app = app_with([result(200, OK), result(400, OPEN)], preset("sde-ctype-gender"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_error_401(snap_compare):
    assert snap_compare(app_with([result(401, AUTH)], preset("minimal")), terminal_size=SIZE, run_before=send)


def test_error_transport(snap_compare):
    error = LpError("transport", "domain lookup", "connection refused",
                    "nothing listens there: check the CSDS URL (is the sandbox running?)", "api.liveperson.net")
    assert snap_compare(app_with([error], preset("minimal")), terminal_size=SIZE, run_before=send)


def test_error_server(snap_compare):
    body = {"code": 503, "body": {"msg": "Service Unavailable"}}
    assert snap_compare(app_with([result(503, body)], preset("minimal")), terminal_size=SIZE, run_before=send)


def test_error_throttled(snap_compare):
    body = {"code": 429, "body": {"msg": "Too Many Requests"}}
    assert snap_compare(app_with([result(429, body)], preset("minimal")), terminal_size=SIZE, run_before=send)


def test_raw_mode_invalid(snap_compare):
    async def run_before(pilot):
        await pilot.pause()
        await pilot.press("f6")
        await pilot.pause()
        editor = pilot.app.composer.query_one("#raw-editor")
        editor.cursor_blink = False  # a blinking cursor would make the picture depend on timing
        editor.load_text('[\n  {"kind": "req", "id": 1,\n')
        await pilot.pause(0.2)

    assert snap_compare(app_with(), terminal_size=SIZE, run_before=run_before)


def test_settings(snap_compare):
    assert snap_compare(app_with(), terminal_size=SIZE, press=["f2"])


def test_presets(snap_compare):
    async def run_before(pilot):
        await pilot.press("f3")
        await pilot.pause(0.3)

    assert snap_compare(app_with(), terminal_size=SIZE, run_before=run_before)


def test_history(snap_compare):
    entry = result(200, OK).to_record()
    entry["time"] = 1767225600
    entry["request"]["body"] = json.dumps([{"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}}])
    (HOME / "history.jsonl").write_text(json.dumps(entry) + "\n")

    async def run_before(pilot):
        await pilot.press("f4")
        await pilot.pause(0.3)

    assert snap_compare(app_with(), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare):
    assert snap_compare(app_with(), terminal_size=SIZE, press=["f1"])


def test_settings_with_values_from_the_environment(snap_compare, monkeypatch):
    from lp_tui.lp.config import Connection

    async def run_before(pilot):
        await pilot.pause()
        conn = Connection(ext_consumer_id="snapshot-consumer")
        conn.apply_env({"LP_ACCOUNT_ID": "12345678", "LP_CLIENT_SECRET": "not-shown-anywhere"})
        pilot.app.session.file_conn = conn
        await pilot.press("f2")
        await pilot.pause()

    assert snap_compare(app_with(), terminal_size=SIZE, run_before=run_before)
