"""The app driven as a user would, with Pilot: typing, sending, errors, settings, presets, drafts.

Every wait is on a condition (``until``, ``settled``): never on a fixed pause.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from lp_tui.model.build import build_payload, dumps
from lp_tui.model.connection import Connection
from lp_tui.model.draft import Draft
from lp_tui.store import drafts
from lp_tui.ui.app import make_app
from lp_tui.ui.widgets.fields import FieldInput, widget_id
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView

from .fakes import make_session, run_from_palette, session_for, settled, typed, until

pytestmark = pytest.mark.asyncio
SIZE = (120, 40)


def summary_text(app) -> str:
    view = app.composer.query_one(ResponseView)
    return str(view.query_one("#summary").render()) + str(view.query_one("#conversation-id").render())


def preview_body(app) -> str:
    return app.composer.query_one(RequestPreview).body_text


async def send(pilot, key: str = "ctrl+j") -> None:
    """Press a send key and wait until that send has finished and been drawn."""
    app = pilot.app
    before = app.composer.outcome
    await pilot.press(key)
    await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy, "the send to finish")
    await until(pilot, lambda: app.composer.query(ResponseView), "the response pane")
    await pilot.pause()


async def test_typing_updates_the_preview_to_exactly_the_builder_output(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "vip")
        expected = Draft()
        expected.set_text("consumer.ctype", "vip")
        await until(pilot, lambda: preview_body(app) == dumps(build_payload(expected, "12345678")))
        await pilot.press("backspace", "backspace", "backspace")
        await until(pilot, lambda: preview_body(app) == dumps(build_payload(Draft(), "12345678")))


async def test_focus_starts_on_the_first_field(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.focused is not None and app.focused.id == "f-consumer-customerId")


async def test_numbers_are_typed_and_wrong_types_kept_with_a_warning(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-companySize", "500")
        await until(pilot, lambda: app.composer.draft.get("consumer.companySize") == 500)
        await pilot.press("x")
        await until(pilot, lambda: app.composer.draft.get("consumer.companySize") == "500x")
        await until(pilot, lambda: any(f.field == "consumer.companySize" for f in app.composer.findings))


async def test_send_against_the_sandbox_shows_id_and_routing_then_errors_close_and_resend(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await typed(pilot, "#f-consumer-ctype", "vip")
            await until(pilot, lambda: "VIP Support" in str(app.composer.query_one("#prediction").render()))
            await send(pilot)
            conv = app.composer.conversation_id
            assert conv and conv in summary_text(app)
            assert "VIP Support" in summary_text(app)
            await send(pilot)
            assert "already has an open conversation" in summary_text(app)
            await send(pilot, "ctrl+r")
            assert app.composer.conversation_id is None
            await send(pilot)
            assert app.composer.conversation_id not in (None, conv)
            await until(pilot, lambda: len(session.history.load()[0]) == 4, "four history entries")
            assert stat.S_IMODE(os.stat(session.history.path).st_mode) == 0o600
    finally:
        session.close()


async def test_transport_errors_are_shown_not_raised_and_the_draft_is_untouched(tmp_path):
    conn = Connection(account_id="1", client_id="c", client_secret="s", ext_consumer_id="x",
                      csds_url="http://127.0.0.1:9")
    app = make_app(session_for(tmp_path, conn))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "gold")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "gold")
        before = app.composer.draft.copy()
        await send(pilot)
        text = summary_text(app)
        assert "failed" in text and "connection refused" in text and "What to do" in text
        assert app.composer.draft == before and app.is_running


async def test_a_second_send_while_one_runs_is_refused_and_escape_cancels(tmp_path):
    session = make_session(tmp_path, script=["hang", "hang"])
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.busy == "create" and len(session.client.sent) == 1)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: any("already running" in n.message for n in app._notifications))
        assert len(session.client.sent) == 1
        await pilot.press("escape")
        await until(pilot, lambda: not app.composer.busy and app.composer.outcome is not None)
        assert app.composer.outcome.cancelled
        await until(pilot, lambda: "cancelled" in summary_text(app))
        await until(pilot, lambda: any(n.title == "Cancelled" for n in app._notifications))
        await pilot.press("ctrl+j")  # the UI is free at once: a new send starts
        await until(pilot, lambda: len(session.client.sent) == 2 and app.composer.busy == "create")
        session.client.release.set()
        await until(pilot, lambda: not app.composer.busy and app.composer.conversation_id)


async def test_settings_persist_with_mode_0600(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen"
                    and app.screen.query("#s-ext_consumer_id"))  # mounted whole: its rows are there
        screen = app.screen
        screen.query_one("#s-profile").value = "__new__"
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press(*"qa", "enter")
        await until(pilot, lambda: app.screen is screen and screen.profile == "qa" and screen.query("#s-account_id"))
        screen.query_one("#s-account_id").value = "555"
        screen.query_one("#s-client_id").value = "cid"
        screen.query_one("#s-client_secret").value = "top-secret"
        screen.query_one("#s-read_timeout").value = "7"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(n.title == "Settings saved" for n in app._notifications))
        assert session.profile == "qa" and session.conn.account_id == "555"
    from lp_tui.store import settings

    loaded = settings.load(session.settings.path)
    assert loaded.values("qa")["client_secret"] == "top-secret" and loaded.values("qa")["read_timeout"] == 7
    assert loaded.active == "qa"
    assert stat.S_IMODE(os.stat(session.settings.path).st_mode) == 0o600


async def test_bad_settings_input_is_explained_in_the_dialog(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-read_timeout"))
        app.screen.query_one("#s-read_timeout").value = "soon"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "is not a number" in str(app.screen.query_one("#settings-error").render()))


async def test_presets_load_and_save_as_with_a_description(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.items)
        names = [p.name for p in app.screen.items]
        app.screen.query_one("#preset-list").highlighted = names.index("sde-companybranch")
        await pilot.press("enter")
        await until(pilot, lambda: app.composer.draft.get("consumer.companyBranch") == "ACME")
        await until(pilot, lambda: app.composer.query_one("#f-consumer-companyBranch", FieldInput).value == "ACME")
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen")
        await pilot.press(*"bad name!", "enter")  # a bad name keeps the dialog open and says why
        await until(pilot, lambda: "preset name" in str(app.screen.query_one("#save-error").render()))
        app.screen.query_one("#save-name").value = "my-case"
        app.screen.query_one("#save-description").value = "ACME branch, for the routing demo"
        await pilot.press("enter")
        await until(pilot, lambda: (session.presets_dir / "my-case.toml").exists(), "the preset file")
    from lp_tui.model.presets import load

    mine = load("my-case", session.presets_dir)
    assert mine.draft.get("consumer.companyBranch") == "ACME" and mine.description == "ACME branch, for the routing demo"


async def test_loading_over_an_edited_draft_asks_first(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "gold")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "gold")
        from lp_tui.model.presets import load

        app.load_preset(load("sde-companybranch", tmp_path))
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.composer)
        assert app.composer.draft.get("consumer.ctype") == "gold"  # kept
        app.load_preset(load("sde-companybranch", tmp_path))
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: app.composer.draft.get("consumer.companyBranch") == "ACME")


async def test_the_draft_is_restored_as_it_was_left(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+2")
        await typed(pilot, "#f-personal-firstname", "Zoë")
        await until(pilot, lambda: app.composer.draft.get("personal.firstname") == "Zoë")
        await settled(pilot)
        left = app.composer.draft.copy()
    saved, problem = drafts.load(session.draft_path)
    assert problem is None and saved.draft == left
    app2 = make_app(make_session(tmp_path), saved)
    async with app2.run_test(size=SIZE) as pilot:
        assert app2.composer.draft == left
        await pilot.press("alt+2")
        await until(pilot, lambda: app2.composer.query_one("#f-personal-firstname", FieldInput).value == "Zoë")


async def test_contacts_add_and_remove(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+2")
        await until(pilot, lambda: app.composer.query("#add-contact"))
        app.composer.query_one("#add-contact").press()
        await until(pilot, lambda: app.focused is app.composer.query_one("#f-contact-email"))
        await pilot.press(*"a@b.co")
        await until(pilot, lambda: app.composer.draft.get("personal.contacts") == [{"email": "a@b.co"}])
        app.composer.query_one("#add-contact").press()
        await until(pilot, lambda: len(app.composer.draft.contacts()) == 2
                    and app.focused is app.composer.query_one("#f-contact-email")
                    and app.composer.query_one("#f-contact-email").value == "")
        await pilot.press(*"+1 555")  # focus moved to the new contact's e-mail
        await until(pilot, lambda: app.composer.draft.contacts() == [{"email": "a@b.co"}, {"email": "+1 555"}])
        app.composer.query_one("#contact-prev").press()
        await until(pilot, lambda: app.composer.query_one("#f-contact-email", FieldInput).value == "a@b.co")
        app.composer.query_one("#remove-contact").press()
        await until(pilot, lambda: app.composer.draft.contacts() == [{"email": "+1 555"}])
        await until(pilot, lambda: app.composer.query_one("#f-contact-email", FieldInput).value == "+1 555")


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["wide", "narrow"])
async def test_a_finding_jumps_to_its_field(tmp_path, size):
    """Also on a narrow screen showing the request: the forms come back with the field focused."""
    draft = Draft()
    draft.set_value("personal.gender", "male")
    app = make_app(make_session(tmp_path), drafts.SavedDraft(draft))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: any(f.field == "personal.gender" for f in app.composer.findings))
        if size != SIZE:
            await pilot.press("f8")
            await until(pilot, lambda: app.composer.has_class("-show-right"), "the request side")
        findings = app.composer.query_one("#findings")
        index = next(i for i, f in enumerate(app.composer.findings) if f.field == "personal.gender")
        findings.focus()
        findings.highlighted = index
        await pilot.press("enter")
        await until(pilot, lambda: app.focused is not None and app.focused.id == "f-personal-gender")
        assert app.composer.query_one("#forms").active == "tab-personal"
        assert not app.composer.has_class("-show-right")  # the field is on screen, not behind the request


async def test_focus_on_the_findings_highlights_the_first_and_enter_jumps_to_it(tmp_path):
    draft = Draft()
    draft.set_value("personal.gender", "male")
    app = make_app(make_session(tmp_path), drafts.SavedDraft(draft))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any(f.field == "personal.gender" for f in app.composer.findings))
        first = app.composer.findings[0]
        findings = app.composer.query_one("#findings")
        findings.focus()
        await until(pilot, lambda: findings.highlighted == 0, "the first finding highlighted")
        await pilot.press("enter")  # no Down first
        await until(pilot, lambda: app.focused is not None and app.focused.id == widget_id(first.field))


async def test_a_restored_draft_without_findings_says_so(tmp_path):
    draft = Draft()
    draft.set_text("consumer.ctype", "vip")
    app = make_app(make_session(tmp_path), drafts.SavedDraft(draft))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert app.composer.findings == []
        await until(pilot, lambda: "Findings: no findings" in str(
            app.composer.query_one("#findings-title").render()), "the findings title")


async def test_raw_mode_keeps_what_the_forms_cannot_show_and_invalid_json_confirms(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode and app.composer.query("#raw-editor"))
        editor = app.composer.query_one("#raw-editor")
        editor.load_text('[{"kind": "req"')
        await until(pilot, lambda: app.composer.findings and "line 1" in app.composer.findings[0].message)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: session.client.sent and session.client.sent[-1] == b'[{"kind": "req"')
        await until(pilot, lambda: not app.composer.busy)
        await pilot.press("f6")  # invalid JSON: stays in raw mode, nothing lost
        await until(pilot, lambda: any(n.title == "Still in raw mode" for n in app._notifications))
        assert app.composer.raw_mode and editor.text == '[{"kind": "req"'
        body = build_payload(Draft(), "12345678")
        body[0]["body"] = {"authenticatedData": {"lp_sdes": [{"type": "ctmrinfo", "info": {"ctype": "vip",
                                                                                          "shoe": 44}}]}}
        body[1]["body"]["zone"] = "unknown key"
        body.append({"kind": "req", "id": "9", "type": "ms.Custom", "body": {"x": 1}})
        editor.load_text(json.dumps(body))
        await until(pilot, lambda: app.composer.raw_text == json.dumps(body))
        await pilot.press("f6")
        await until(pilot, lambda: not app.composer.raw_mode and app.composer.draft.get("consumer.ctype") == "vip")
        await until(pilot, lambda: app.composer.query_one("#f-consumer-ctype", FieldInput).value == "vip")
        await typed(pilot, "#f-consumer-ctype", "")
        await pilot.press("end", "X")  # an edit in the forms keeps the rest
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "vipX")
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode)
        again = json.loads(app.composer.raw_text)
        body[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]["ctype"] = "vipX"
        assert again == body


async def test_f6_out_of_raw_mode_returns_to_the_form_it_was_pressed_in(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-profile-firstName", "Ada")
        assert app.composer.query_one("#forms").active == "tab-profile"
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode and app.focused is not None and app.focused.id == "raw-editor")
        await pilot.press("f6")
        await until(pilot, lambda: not app.composer.raw_mode)
        await until(pilot, lambda: app.composer.query_one("#forms").active == "tab-profile")
        await until(pilot, lambda: app.focused is not None and app.focused.id.startswith("f-profile-"), "a Profile field")
        assert app.composer.draft.get("profile.firstName") == "Ada"


async def test_raw_mode_asks_before_dropping_what_cannot_be_held(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode and app.composer.query("#raw-editor"))
        text = json.dumps(list(reversed(build_payload(Draft(), "12345678"))))
        app.composer.query_one("#raw-editor").load_text(text)
        await until(pilot, lambda: app.composer.raw_text == text)
        await pilot.press("f6")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("escape")  # stay
        await until(pilot, lambda: app.screen is app.composer)
        assert app.composer.raw_mode and app.composer.raw_text == text


async def test_history_lists_loads_back_and_closes(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "vip")
        await send(pilot)
        await until(pilot, lambda: session.history.path.exists())
        await pilot.press("f7")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") is None)
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.entries)
        assert len(app.screen.entries) == 1
        await pilot.press("l")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "vip")
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.entries)
        await pilot.press("c")  # close the entry's conversation
        await until(pilot, lambda: app.composer.outcome and app.composer.outcome.kind == "close"
                    and not app.composer.busy)
        assert app.composer.conversation_id is None


async def test_command_palette_lists_every_action(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for needed in ("Send request", "Cancel the send", "Close conversation", "Send a message", "New consumer id",
                       "Settings", "Presets", "History", "Toggle raw mode", "Help", "Clear the form",
                       "Copy conversationId", "Copy request body", "Copy response body", "Copy sub-response 1",
                       "Form: Profile"):
            assert needed in titles, needed


async def test_palette_loads_presets_and_history_entries(tmp_path):
    session = make_session(tmp_path)
    (session.presets_dir).mkdir(parents=True)
    (session.presets_dir / "mine.toml").write_text('name = "mine"\n[draft.consumer]\nctype = "gold"\n')
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await run_from_palette(pilot, "preset: mine", "Load preset: mine")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "gold")
        await send(pilot)
        await until(pilot, lambda: session.history.path.exists())
        app.composer.load_draft(Draft())
        await run_from_palette(pilot, "history: load", "History: load")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "gold")


async def test_new_consumer_id_switches_consumer(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        before = session.conn.ext_consumer_id
        await pilot.press("ctrl+n")
        await until(pilot, lambda: session.conn.ext_consumer_id != before)
        assert session.conn.ext_consumer_id.startswith("lp-tui-")


async def test_form_tabs_switch_with_keys_and_focus_their_first_field(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+3")
        await until(pilot, lambda: app.composer.query_one("#forms").active == "tab-profile"
                    and app.focused is not None and app.focused.id == "f-profile-firstName")
        await pilot.press("ctrl+pagedown")
        await until(pilot, lambda: app.composer.query_one("#forms").active == "tab-conversation")
        await pilot.press("alt+6")
        await until(pilot, lambda: app.composer.raw_mode)


async def test_an_answer_that_cannot_be_drawn_never_leaves_the_app_busy(tmp_path, monkeypatch):
    """Any failure while showing a result: the app says so, stays up, and the next send starts."""
    def broken(self, *args, **kwargs):
        raise TypeError("a shape nobody expected")

    monkeypatch.setattr(ResponseView, "show_result", broken)
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot)
        await until(pilot, lambda: "could not draw this answer" in summary_text(app))
        assert app.is_running and not app.composer.busy
        await send(pilot)
        assert len(session.client.sent) == 2


# --- daily use: restarts, remembered conversations, the chosen profile ---------------------------------
def _external_box():
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    return Sandbox(SandboxState()).start()


async def _open_then_restart(tmp_path, box, consumer: str) -> tuple[str, object]:
    """Open a conversation in one app, quit, start a second app on the same files."""
    def session():
        conn = Connection(ext_consumer_id=consumer)
        conn.apply(box.connection_values(), "test")
        if not consumer:
            conn.set("ext_consumer_id", "", "test")
        return session_for(tmp_path, conn, profile="qa")

    first = session()
    app = make_app(first)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "SANDBOX" in str(app.composer.query_one("#status-bar").render()))
        await send(pilot)
        opened = app.composer.conversation_id
        assert opened
        await until(pilot, lambda: first.conversations.get(first.conversation_key()) == opened, "remembered")
    first.close()
    return opened, session()


@pytest.mark.parametrize("consumer", ["configured-consumer", ""], ids=["configured consumer", "made-up consumer"])
async def test_after_a_restart_ctrl_r_closes_the_conversation_the_last_session_opened(tmp_path, consumer):
    box = _external_box()
    try:
        opened, second = await _open_then_restart(tmp_path, box, consumer)
        app = make_app(second)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: app.composer.conversation_id == opened, "the remembered conversation")
            if not consumer:  # the made-up consumer of the last session is taken again, and said so
                await until(pilot, lambda: any("from the last session" in n.message for n in app._notifications),
                            "the notice that the last session's consumer is taken again")
            await send(pilot, "ctrl+r")
            assert app.composer.conversation_id is None
            assert box.state.conversations[opened].state == "CLOSE"
            await send(pilot)  # the same consumer can open a new one now
            assert app.composer.conversation_id not in (None, opened)
        second.close()
    finally:
        box.stop()


async def test_a_profile_chosen_in_the_palette_is_the_one_next_start_uses(tmp_path):
    from lp_tui.store import settings as store

    session = session_for(tmp_path, Connection(ext_consumer_id="p"), profile="qa")
    session.settings.profiles["prod"] = {"account_id": "87654321"}
    store.save(session.settings)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        app.choose_profile("prod")
        await until(pilot, lambda: session.profile == "prod", "the switch")
        await until(pilot, lambda: store.load(session.settings.path).active == "prod", "the choice saved")
    session.close()
    saved = store.load(session.settings.path)
    assert saved.chosen() == "prod"
    assert saved.profiles["prod"]["account_id"] == "87654321"


async def test_alt_digit_with_its_character_switches_form_and_types_nothing(tmp_path):
    """A real terminal's Alt+3 carries the character "3": it shows the Profile form, the field keeps its text."""
    from textual import events

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-customerId", "abc")
        await until(pilot, lambda: app.composer.draft.get("consumer.customerId") == "abc")
        app.post_message(events.Key("alt+3", "3"))
        await until(pilot, lambda: app.composer.query_one("#forms").active == "tab-profile", "the Profile form")
        await settled(pilot)
        assert app.composer.draft.get("consumer.customerId") == "abc"


async def test_a_production_profile_asks_once_before_anything_is_sent_and_says_what(tmp_path):
    box = _external_box()
    conn = Connection(ext_consumer_id="prod-consumer", production=True)
    conn.apply(box.connection_values(), "test")
    session = session_for(tmp_path, conn, profile="prod")
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: "SANDBOX" in str(app.composer.query_one("#status-bar").render()))
            app.composer.start_send("close", conversation_id="c-123")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question")
            assert "closes conversation c-123" in app.screen.message
            await pilot.press("escape")  # cancelled: nothing goes out
            await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen")
            assert not any("/messaging/" in path for _, path in box.state.log) and app.composer.outcome is None
            await pilot.press("ctrl+j")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the question again")
            assert "opens a real conversation" in app.screen.message
            await pilot.press("y")
            await until(pilot, lambda: app.composer.conversation_id is not None, "the send")
            opened = app.composer.conversation_id
            await settled(pilot)
            await pilot.press("ctrl+r")  # closing on production asks every time, not once per session
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the close question")
            assert f"Close conversation {opened}?" in app.screen.message
            await pilot.press("escape")
            await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen")
            await settled(pilot)
            assert box.state.conversations[opened].state != "CLOSE" and app.composer.conversation_id == opened
            await pilot.press("ctrl+r")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", "the close question again")
            await send(pilot, "y")
            assert box.state.conversations[opened].state == "CLOSE"
    finally:
        session.close()
        box.stop()


async def test_the_preview_masks_a_push_token_json_has_to_escape(tmp_path):
    """The preview shows the body as sent, with the push token masked, also in its escaped form."""
    token = 'Tok"en\\7Qz9-secret'
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+3")
        await typed(pilot, "#f-profile-privateData-pushNotificationData-token", token)
        await until(pilot, lambda: app.composer.draft.get("profile.privateData.pushNotificationData.token") == token)
        await settled(pilot)
        shown = app.composer.query_one("#request-body")._text
        assert '"token": "(redacted)"' in shown and "7Qz9" not in shown
        assert json.dumps(token)[1:-1] in app.composer.body_text  # what is sent keeps it


async def test_opening_the_routing_tab_keeps_the_drafts_ttrdefname(tmp_path):
    """The ttrDefName select posts its initial "omit" after the form is filled: that must not drop
    the draft's value. Choosing another value still changes it."""
    from lp_tui.model.presets import load
    from lp_tui.ui.widgets.fields import TtrSelect

    draft = load("sde-ctype-gender", tmp_path / "none").draft
    assert draft.get("conversation.ttrDefName") == "NORMAL"
    app = make_app(make_session(tmp_path), drafts.SavedDraft(draft, None))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await pilot.press("alt+4")
        await until(pilot, lambda: app.composer.query(TtrSelect) and app.focused is not None, "the Routing form")
        await settled(pilot)
        assert app.composer.draft.get("conversation.ttrDefName") == "NORMAL"
        assert '"ttrDefName": "NORMAL"' in preview_body(app)
        app.composer.query_one(TtrSelect).value = "URGENT"
        await until(pilot, lambda: app.composer.draft.get("conversation.ttrDefName") == "URGENT")
        await until(pilot, lambda: '"ttrDefName": "URGENT"' in preview_body(app))


async def test_quitting_closes_the_connections_the_sends_left_open(tmp_path, monkeypatch):
    """The HTTP client keeps its connections open between sends; on the way out the app closes
    them, so the server sees them end instead of holding a thread for each until its timeout."""
    import threading

    from lp_tui.sandbox import server as sandbox_module

    monkeypatch.setattr(sandbox_module.Handler, "timeout", 3600)  # only the client's close ends them
    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await send(pilot)
        assert app.composer.conversation_id
        servers = session.sandbox.servers
        assert sum(server.open_connections for server in servers) >= 1
        serving = [t for t in threading.enumerate() if t.name.endswith("Server-connection")]
        assert serving
    for thread in serving:  # each ends when its connection does
        thread.join(60)  # a hang guard: the close takes milliseconds
        assert not thread.is_alive(), "the app quit and left its connections open"
    assert sum(server.open_connections for server in servers) == 0
    assert session.sandbox is not None  # the sandbox itself is the caller's to stop (lp-tui: at exit)


async def test_the_key_bar_clicks_and_shows_tooltips(tmp_path):
    """The key hints at the bottom: a click presses the key (the palette's too, docked right) and
    hovering shows the hint's tooltip."""
    from lp_tui.ui.widgets.keybar import KeyBar

    app = make_app(session_for(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        bar = app.composer.query_one(KeyBar)
        await until(pilot, lambda: [h.description for h in bar.hints][:2] == ["Send", "Close"], "the hints")
        assert bar.palette is not None and bar.palette.key == "ctrl+p"
        bar.render()
        start = {hint.description: x for x, _end, hint in bar._spans}
        await pilot.hover(KeyBar, offset=(start["Close"] + 1, 0))
        await until(pilot, lambda: bar.tooltip == "Close the open conversation", "the tooltip")
        before = app.composer.outcome
        await pilot.click(KeyBar, offset=(start["Send"] + 1, 0))
        await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy, "the send")
        assert app.composer.conversation_id
        await pilot.click(KeyBar, offset=(bar.size.width - 2, 0))  # the palette, docked right
        await until(pilot, lambda: type(app.screen).__name__ == "CommandPalette", "the palette")


@pytest.fixture
def keys_wait_for_focus(monkeypatch):
    """Held keys wait for their field however slow the machine: KEY_HOLD_LIMIT is only a last resort."""
    from lp_tui.ui import app as app_module

    monkeypatch.setattr(app_module, "KEY_HOLD_LIMIT", 3600)


@pytest.mark.parametrize("tab_built", [False, True], ids=["tab never shown", "tab shown before"])
async def test_keys_typed_right_after_choosing_a_form_tab_reach_its_first_field(tmp_path, tab_built, keys_wait_for_focus):
    """Alt+2 and a name typed at once, as a fast typist does: the keys arrive before the tab's first
    field has focus (before the form is even built, the first time) and must not be lost."""
    from textual import events

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        if tab_built:
            await pilot.press("alt+2")
            await until(pilot, lambda: app.focused is not None and app.focused.id == "f-personal-firstname")
            await pilot.press("alt+1")
            await until(pilot, lambda: app.focused is not None and app.focused.id == "f-consumer-customerId")
        keys = [("alt+2", None), *chars("Tim"), ("tab", "\t"), *chars("Berners"), ("tab", "\t"), *chars("42"),
                ("shift+tab", None), *chars("Berners-")]
        for key, character in keys:
            app.post_message(events.Key(key, character))  # all queued before any is handled
        draft = app.composer.draft
        await until(pilot, lambda: draft.get("personal.firstname") == "Tim" and draft.get("personal.lastname")
                    == "Berners-" and draft.get("personal.age.age") in (42, "42"), "the keys typed")
        assert app.focused.id == "f-personal-lastname"


def chars(text: str) -> list[tuple[str, str]]:
    from textual.keys import _character_to_key

    return [(c if c.isalnum() else _character_to_key(c), c) for c in text]


async def test_keys_typed_right_after_a_tab_go_to_the_next_field(tmp_path):
    """Textual hands a key to the focused field and moves focus when the Tab comes back from it:
    in a burst of keys (a fast typist, a slow machine) what followed a Tab went to the field being left."""
    from textual import events

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await until(pilot, lambda: app.focused is not None and app.focused.id == "f-consumer-customerId")
        for key, character in [*chars("c-1"), ("tab", "\t"), *chars("s-2"), ("tab", "\t"), *chars("i-3")]:
            app.post_message(events.Key(key, character))  # all queued before any is handled
        draft = app.composer.draft
        await until(pilot, lambda: draft.get("consumer.imei") == "i-3", "the last field typed")
        assert (draft.get("consumer.customerId"), draft.get("consumer.socialId")) == ("c-1", "s-2")


async def test_at_80_columns_the_key_bar_keeps_help_and_quit(tmp_path):
    from lp_tui.ui.widgets.keybar import KeyBar

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        bar = app.composer.query_one(KeyBar)
        await until(pilot, lambda: bar.hints, "the hints")
        line = bar.render().plain
        assert len(line) == 80 and line.rstrip().endswith("^p palette")
        shown = {hint.key for _start, _end, hint in bar._spans}
        assert {"f1", "ctrl+q", "ctrl+j", "ctrl+p"} <= shown
        assert len(shown) < len(bar.hints) + 1  # some were left out, whole
        for start, end, hint in bar._spans:  # each hint drawn where a click finds it
            assert line[start:end].startswith(hint.display)


async def test_an_example_wider_than_its_field_ends_in_an_ellipsis_not_cut_to_e_g(tmp_path):
    # Input wraps a placeholder at its width and shows the first line: a long URL example showed "e.g." alone
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("alt+3")
        await until(pilot, lambda: app.composer.query("#f-profile-avatarUrl"), "the Profile form")
        field = app.composer.query_one("#f-profile-avatarUrl", FieldInput)

        def shown() -> str:
            return field.render_line(0).text.strip()

        await until(pilot, lambda: shown().endswith("…"), "the example cut with an ellipsis")
        assert shown().startswith("e.g. https://example.com/") and len(shown()) <= field.size.width
        await pilot.resize_terminal(80, 24)  # one pane: the field is wide enough for all of it
        await until(pilot, lambda: shown() == "e.g. https://example.com/avatar.png", "the whole example")


async def test_a_form_tab_chosen_inside_a_burst_of_keys_gets_the_keys_after_it(tmp_path, keys_wait_for_focus):
    from textual import events

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        for key, character in [("alt+2", None), *chars("Tim"), ("alt+3", None), *chars("Ada"), ("tab", "\t"),
                               *chars("Lovelace")]:
            app.post_message(events.Key(key, character))  # all queued before any is handled
        draft = app.composer.draft
        await until(pilot, lambda: draft.get("profile.lastName") == "Lovelace", "the last field typed")
        assert (draft.get("personal.firstname"), draft.get("profile.firstName")) == ("Tim", "Ada")


async def test_keys_held_for_a_field_that_never_comes_go_on_by_themselves(tmp_path, monkeypatch):
    from textual import events

    from lp_tui.ui import app as app_module

    monkeypatch.setattr(app_module, "KEY_HOLD_LIMIT", 0.05)
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        app.hold_keys()  # as a form tab does; no field takes focus after it
        app.post_message(events.Key("f1", None))
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", "the held F1 to open Help")


async def test_keys_held_for_a_field_go_to_a_screen_that_shows_meanwhile(tmp_path, keys_wait_for_focus):
    """Not the last resort: the screen that shows ends the hold."""
    from textual import events

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        app.hold_keys()  # as a form tab does
        app.post_message(events.Key("escape", None))
        app.action_history()  # a screen shows before any field takes focus
        assert type(app.screen).__name__ == "HistoryScreen"
        await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen", "the held Escape to close History")


async def test_a_first_message_is_sent_right_after_the_create_as_one_more_step(tmp_path):
    """The documented way: the create (two requests), then a SEND to the new conversation; in the steps,
    the response pane, History, and on the sandbox's conversation."""
    session = session_for(tmp_path)
    app = make_app(session)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await typed(pilot, "#" + widget_id("firstMessage.text"), "Hello there")
            await until(pilot, lambda: any(f.field == "firstMessage.text" and "SEND" in f.message
                                           for f in app.composer.findings), "the finding that says how it goes")
            assert len(json.loads(preview_body(app))) == 2  # not in the create call
            await send(pilot)
            conv = app.composer.conversation_id
            result = app.composer.outcome.result
            assert conv and result.ok and result.first_message.ok
            assert [s.name for s in result.steps][-2:] == ["create conversation", "send first message"]
            assert "send first message" in summary_text(app) and "first message (SEND): HTTP 200" in summary_text(app)
            box = session.sandbox
            assert [m["text"] for m in box.state.conversations[conv].messages if m["role"] == "CONSUMER"] == \
                ["Hello there"]
            await until(pilot, lambda: len(session.history.load()[0]) == 1, "the history entry")
            entry = session.history.load()[0][0]
            assert json.loads(entry["first_message"]["request"]["body"])["body"]["dialogId"] == conv
            await pilot.press("f7")  # a fresh draft, then the entry loaded back: its first message too
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
            await pilot.press("y")
            await until(pilot, lambda: app.composer.draft.get("firstMessage.text") is None)
            app.history_action("load", entry)
            await until(pilot, lambda: app.composer.draft.get("firstMessage.text") == "Hello there")
    finally:
        session.close()


async def test_a_first_message_sent_after_the_create_survives_a_trip_through_raw_mode(tmp_path):
    """Raw mode edits the create's body, which does not hold it: back in the forms it is still there."""
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#" + widget_id("firstMessage.text"), "Hi")
        await until(pilot, lambda: app.composer.draft.get("firstMessage.text") == "Hi")
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode and app.composer.query("#raw-editor"))
        assert "Hi" not in app.composer.raw_text  # not in the create call
        await pilot.press("f6")
        await until(pilot, lambda: not app.composer.raw_mode)
        assert app.composer.draft.get("firstMessage.text") == "Hi"
