"""The app driven as a user would, with Pilot: typing, sending, errors, settings, presets, drafts."""

from __future__ import annotations

import json
import os
import stat

import pytest

from lp_tui.lp.config import Connection
from lp_tui.model.build import build_payload, dumps
from lp_tui.model.draft import Draft
from lp_tui.store import drafts
from lp_tui.store.history import History
from lp_tui.ui.app import make_app
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.fields import FieldInput
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView

from .fakes import make_session, palette_top, until

pytestmark = pytest.mark.asyncio
SIZE = (120, 40)


def real_session(tmp_path, sandbox_box=None, conn=None) -> Session:
    """A session on a real sandbox over loopback (the one the app would start)."""
    session = Session(conn or Connection(ext_consumer_id="pilot-consumer"), use_sandbox=conn is None,
                      settings_path=tmp_path / "settings.toml", presets_dir=tmp_path / "presets",
                      draft_path=tmp_path / "draft.toml", history=History(tmp_path / "history.jsonl"))
    return session


async def wait_send(pilot, app, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        await pilot.pause(0.05)
        if not app.composer.sending:
            return
    raise AssertionError("the send did not finish")


def summary_text(app) -> str:
    view = app.composer.query_one(ResponseView)
    return str(view.query_one("#summary").render()) + str(view.query_one("#conversation-id").render())


async def test_typing_updates_the_preview_to_exactly_the_builder_output(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#f-consumer-ctype")
        await pilot.press(*"vip")
        await pilot.pause()
        expected = Draft()
        expected.set_text("consumer.ctype", "vip")
        assert app.composer.query_one(RequestPreview).body_text == dumps(build_payload(expected, "12345678"))
        await pilot.press("backspace", "backspace", "backspace")
        await pilot.pause()
        assert app.composer.query_one(RequestPreview).body_text == dumps(build_payload(Draft(), "12345678"))


async def test_numbers_are_typed_and_wrong_types_kept_with_a_warning(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#f-consumer-companySize")
        await pilot.press(*"500")
        await pilot.pause()
        assert app.composer.draft.get("consumer.companySize") == 500
        await pilot.press(*"x")
        await pilot.pause()
        assert app.composer.draft.get("consumer.companySize") == "500x"
        assert any(f.field == "consumer.companySize" for f in app.composer.findings)


async def test_send_against_the_sandbox_shows_id_and_routing_then_errors_close_and_resend(tmp_path):
    session = real_session(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.click("#f-consumer-ctype")
            await pilot.press(*"vip")
            await pilot.press("ctrl+s")
            await wait_send(pilot, app)
            conv = app.composer.conversation_id
            assert conv and conv in summary_text(app)
            assert "VIP Support" in summary_text(app)
            await pilot.press("ctrl+s")
            await wait_send(pilot, app)
            assert "already has an open conversation" in summary_text(app)
            await pilot.press("ctrl+r")
            await wait_send(pilot, app)
            assert app.composer.conversation_id is None
            await pilot.press("ctrl+s")
            await wait_send(pilot, app)
            assert app.composer.conversation_id not in (None, conv)
            entries, _ = session.history.load()
            assert len(entries) == 4
            assert stat.S_IMODE(os.stat(session.history.path).st_mode) == 0o600
    finally:
        session.close()


async def test_transport_errors_are_shown_not_raised_and_the_draft_is_untouched(tmp_path):
    conn = Connection(account_id="1", client_id="c", client_secret="s", ext_consumer_id="x",
                      csds_url="http://127.0.0.1:9", connect_timeout=1, read_timeout=1)
    session = real_session(tmp_path, conn=conn)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#f-consumer-ctype")
        await pilot.press(*"gold")
        before = app.composer.draft.copy()
        await pilot.press("ctrl+s")
        await wait_send(pilot, app)
        text = summary_text(app)
        assert "failed" in text and "connection refused" in text and "What to do" in text
        assert app.composer.draft == before and app.is_running


async def test_a_second_send_while_one_runs_is_refused(tmp_path):
    session = make_session(tmp_path, script=["hang"])
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert app.composer.sending
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert any("already running" in n.message for n in app._notifications)
        assert len(session.client.sent) == 1
        session.client.release.set()
        await wait_send(pilot, app)
        assert app.composer.conversation_id


async def test_settings_persist_with_mode_0600(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#s-account_id").value = "555"
        screen.query_one("#s-client_id").value = "cid"
        screen.query_one("#s-client_secret").value = "top-secret"
        screen.query_one("#s-read_timeout").value = "7"
        await pilot.press("ctrl+s")
        for _ in range(40):
            await pilot.pause(0.05)
            if session.settings_path.exists():
                break
    from lp_tui.store import settings

    loaded = settings.load(session.settings_path)
    assert loaded.connection.account_id == "555" and loaded.connection.client_secret == "top-secret"
    assert loaded.connection.read_timeout == 7
    assert stat.S_IMODE(os.stat(session.settings_path).st_mode) == 0o600


async def test_bad_settings_input_is_explained_in_the_dialog(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#s-read_timeout").value = "soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "is not a number of seconds" in str(app.screen.query_one("#settings-error").render())


async def test_presets_load_and_save_as(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.items)
        names = [p.name for p in app.screen.items]
        app.screen.query_one("#preset-list").highlighted = names.index("sde-companybranch")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.composer.draft.get("consumer.companyBranch") == "ACME"
        assert app.composer.query_one("#f-consumer-companyBranch", FieldInput).value == "ACME"
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.items)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press(*"my-case", "enter")
        for _ in range(40):
            await pilot.pause(0.05)
            if (session.presets_dir / "my-case.toml").exists():
                break
    assert (session.presets_dir / "my-case.toml").exists()
    from lp_tui.model.presets import load

    assert load("my-case", session.presets_dir).draft.get("consumer.companyBranch") == "ACME"


async def test_the_draft_is_restored_as_it_was_left(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        app.composer.query_one("#forms").active = "tab-personal"
        await pilot.pause()
        await pilot.click("#f-personal-firstname")
        await pilot.press(*"Zoë")
        await pilot.pause(0.5)
        left = app.composer.draft.copy()
    saved, problem = drafts.load(session.draft_path)
    assert problem is None and saved.draft == left
    app2 = make_app(make_session(tmp_path), saved)
    async with app2.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app2.composer.draft == left
        assert app2.composer.query_one("#f-personal-firstname", FieldInput).value == "Zoë"


async def test_contacts_add_and_remove(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.composer.query_one("#forms").active = "tab-personal"
        await pilot.pause()
        await pilot.click("#add-contact")
        await pilot.pause()
        await pilot.press(*"a@b.co")
        await pilot.pause()
        assert app.composer.draft.get("personal.contacts") == [{"email": "a@b.co"}]
        app.composer.query_one("#add-contact").press()
        await pilot.pause(0.2)
        assert len(app.composer.draft.contacts()) == 2
        await pilot.press(*"+1 555")  # focus moved to the new contact's e-mail
        await pilot.pause()
        assert app.composer.draft.contacts() == [{"email": "a@b.co"}, {"email": "+1 555"}]
        app.composer.query_one("#contact-prev").press()
        await pilot.pause(0.2)
        assert app.composer.query_one("#f-contact-email", FieldInput).value == "a@b.co"
        app.composer.query_one("#remove-contact").press()
        await pilot.pause(0.2)
        assert app.composer.draft.contacts() == [{"email": "+1 555"}]
        assert app.composer.query_one("#f-contact-email", FieldInput).value == "+1 555"


async def test_a_finding_jumps_to_its_field(tmp_path):
    draft = Draft()
    draft.set_value("personal.gender", "male")
    app = make_app(make_session(tmp_path), drafts.SavedDraft(draft))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        findings = app.composer.query_one("#findings")
        index = next(i for i, f in enumerate(app.composer.findings) if f.field == "personal.gender")
        findings.focus()
        findings.highlighted = index
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.focused is app.composer.query_one("#f-personal-gender")
        assert app.composer.query_one("#forms").active == "tab-personal"


async def test_raw_mode_invalid_json_confirms_and_back_to_forms_reports_losses(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        editor = app.composer.query_one("#raw-editor")
        editor.load_text('[{"kind": "req"')
        await pilot.pause(0.2)
        assert app.composer.findings[0].level == "error" and "line 1" in app.composer.findings[0].message
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("y")
        await pilot.pause(0.3)
        assert session.client.sent[-1] == b'[{"kind": "req"'
        await pilot.press("f6")  # invalid JSON: stays in raw mode, nothing lost
        await pilot.pause()
        assert app.composer.raw_mode and editor.text == '[{"kind": "req"'
        body = build_payload(Draft(), "12345678")
        body[0]["body"] = {"authenticatedData": {"lp_sdes": [{"type": "ctmrinfo", "info": {"ctype": "vip",
                                                                                          "shoe": 44}}]}}
        editor.load_text(json.dumps(body))
        await pilot.pause(0.2)
        await pilot.press("f6")
        await pilot.pause(0.3)
        assert not app.composer.raw_mode and app.composer.draft.get("consumer.ctype") == "vip"
        assert any("shoe" in n.message for n in app._notifications)


async def test_history_lists_and_loads_back(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#f-consumer-ctype")
        await pilot.press(*"vip")
        await pilot.press("ctrl+s")
        await wait_send(pilot, app)
        for _ in range(40):
            await pilot.pause(0.05)
            if session.history.path.exists():
                break
        await pilot.press("f7")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause(0.3)
        assert app.composer.draft.get("consumer.ctype") is None
        await pilot.press("f4")
        await until(pilot, lambda: app.screen.entries)
        assert len(app.screen.entries) == 1
        await pilot.press("l")
        await pilot.pause(0.3)
        assert app.composer.draft.get("consumer.ctype") == "vip"


async def test_command_palette_lists_every_action(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for needed in ("Send request", "Close conversation", "Send a message", "New consumer id", "Settings",
                       "Presets", "History", "Toggle raw mode", "Help", "Clear the form", "Copy conversationId"):
            assert needed in titles


async def run_from_palette(pilot, query: str, expected_top: str) -> None:
    """Open the command palette, search, wait for the right first hit, run it."""
    await pilot.press("ctrl+p")
    await pilot.pause(0.2)
    await pilot.press(*query)
    await until(pilot, lambda: palette_top(pilot.app, expected_top))
    await pilot.press("enter")
    await pilot.pause(0.3)


async def test_palette_loads_presets_and_history_entries(tmp_path):
    session = make_session(tmp_path)
    (session.presets_dir).mkdir(parents=True)
    (session.presets_dir / "mine.toml").write_text('name = "mine"\n[draft.consumer]\nctype = "gold"\n')
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await run_from_palette(pilot, "preset: mine", "Load preset: mine")
        assert app.composer.draft.get("consumer.ctype") == "gold"
        await pilot.press("ctrl+s")
        await wait_send(pilot, app)
        for _ in range(40):
            await pilot.pause(0.05)
            if session.history.path.exists():
                break
        app.composer.query_one("#f-consumer-ctype").value = "changed"
        await run_from_palette(pilot, "history: load", "History: load")
        assert app.composer.draft.get("consumer.ctype") == "gold"


async def test_new_consumer_id_switches_consumer(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        before = session.conn.ext_consumer_id
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert session.conn.ext_consumer_id != before and session.conn.ext_consumer_id.startswith("lp-tui-")
