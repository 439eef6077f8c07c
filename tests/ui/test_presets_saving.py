"""Presets hold what was on screen: a raw body saved exactly (invalid JSON included), loaded back into
raw mode and sent as written; "Save as preset with expectations" from the response pane and History.

Every wait is on a condition (``until``): never on a fixed pause.
"""

from __future__ import annotations

import pytest

from lp_tui.model import presets, tomlio
from lp_tui.ui.app import make_app

from .fakes import OPEN, make_session, result, run_from_palette, typed, until

pytestmark = pytest.mark.asyncio
SIZE = (120, 40)
BROKEN = '[\n  {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}}\n' \
         '  {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": "x"}}\n]\n'


async def test_a_raw_body_with_a_missing_comma_is_saved_exactly_loads_into_raw_mode_and_is_sent_as_written(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: app.composer.raw_mode and app.composer.query("#raw-editor"))
        app.composer.query_one("#raw-editor").load_text(BROKEN)
        await until(pilot, lambda: app.composer.raw_text == BROKEN)
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen")
        assert "raw body" in str(app.screen.query_one(".title").render())
        app.screen.query_one("#save-name").value = "broken"
        await pilot.press("enter")
        await until(pilot, lambda: (session.presets_dir / "broken.toml").exists(), "the preset file")
        saved = presets.load("broken", session.presets_dir)
        assert saved.raw == BROKEN  # byte for byte, not the form's draft
        assert "draft" not in tomlio.read(session.presets_dir / "broken.toml")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.composer)

        app.composer.query_one("#raw-editor").load_text("[]")  # something else, then load the preset back
        await until(pilot, lambda: app.composer.raw_text == "[]")
        app.load_preset(saved)
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")  # an edited draft: asks first
        await pilot.press("y")
        await until(pilot, lambda: app.composer.raw_mode and app.composer.raw_text == BROKEN, "raw mode")
        assert app.composer.query_one("#raw-editor").text == BROKEN
        await pilot.press("ctrl+j")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: session.client.sent and session.client.sent[-1] == BROKEN.encode())


async def test_the_palette_saves_the_current_draft_as_a_preset(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "gold")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "gold")
        await run_from_palette(pilot, "save as preset", "Save as preset…")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen")
        app.screen.query_one("#save-name").value = "gold"
        await pilot.press("enter")
        await until(pilot, lambda: (session.presets_dir / "gold.toml").exists())
    saved = presets.load("gold", session.presets_dir)
    assert saved.raw is None and saved.draft.get("consumer.ctype") == "gold"


async def test_save_as_preset_with_expectations_from_the_response_pane_writes_what_came_back(tmp_path):
    session = make_session(tmp_path, script=[result(400, OPEN)])
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "vip")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "vip")
        before = app.composer.outcome
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy)
        await run_from_palette(pilot, "with expectations", "Save as preset with expectations…")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen")
        editor = app.screen.query_one("#save-expect")
        shown = editor.text
        # refused for an open conversation: a two-send case, since `lp-tui check` uses a fresh consumer
        assert "conversation = true" in shown and "[second]" in shown
        second = shown.split("[second]", 1)[1]
        assert "status = 400" in second and '"BAD_REQUEST"' in second and "conversation = false" in second
        assert 'message = "already has open conversation"' in second
        app.screen.query_one("#save-name").value = "open-twice"
        editor.load_text("status = 40\n")  # a bad edit keeps the dialog open and says why
        app.screen.query_one("#save-ok").press()
        await until(pilot, lambda: "status" in str(app.screen.query_one("#save-error").render()))
        editor.load_text(shown)
        app.screen.query_one("#save-ok").press()
        await until(pilot, lambda: (session.presets_dir / "open-twice.toml").exists())
    saved = presets.load("open-twice", session.presets_dir)
    assert saved.expect["conversation"] is True
    assert saved.expect["second"]["status"] == 400 and saved.expect["second"]["codes"] == ["OK", "BAD_REQUEST"]
    assert saved.expect["second"]["message"] == "already has open conversation"
    assert saved.expect["second"]["conversation"] is False
    assert saved.expectation is not None


async def test_save_as_preset_with_expectations_from_history(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "vip")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "vip")
        before = app.composer.outcome
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy)
        await until(pilot, lambda: session.history.path.exists())
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.entries)
        await pilot.press("p")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen")
        assert "skill = \"VIP Support\"" in app.screen.query_one("#save-expect").text
        app.screen.query_one("#save-name").value = "vip-from-history"
        app.screen.query_one("#save-ok").press()
        await until(pilot, lambda: (session.presets_dir / "vip-from-history.toml").exists())
    saved = presets.load("vip-from-history", session.presets_dir)
    assert saved.expect == {"status": 200, "codes": ["OK", "OK"], "conversation": True, "skill": "VIP Support"}


async def test_history_shows_the_newest_entries_before_the_rest_is_read(tmp_path, monkeypatch):
    import threading

    from lp_tui.store.history import History

    session = make_session(tmp_path)
    for i in range(30):
        session.history.append({"id": f"entry{i:02d}", "time": 1_700_000_000 + i, "action": "create conversation",
                                "response": {"status": 200}, "request": {"body": "[]"}})
    release = threading.Event()
    real_load = History.load

    def slow_load(self):
        release.wait(60)  # the whole file is "still being read"
        return real_load(self)

    monkeypatch.setattr(History, "load", slow_load)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.entries)
        assert [e["id"] for e in app.screen.entries][:3] == ["entry29", "entry28", "entry27"]
        assert len(app.screen.entries) == 20  # the rest follows
        release.set()
        await until(pilot, lambda: len(app.screen.entries) == 30, "the rest of the history")
        assert app.screen.query_one("#history-list").option_count == 30


async def test_f7_starts_a_fresh_consumer_unless_the_id_was_given(tmp_path):
    from lp_tui.model.draft import Draft

    from .fakes import FakeClient, FakeWebhookSandbox, fake_follower, session_for

    made_up = session_for(tmp_path / "a", consumer="", client_factory=lambda c: FakeClient(()),
                          sandbox_factory=FakeWebhookSandbox, follower_factory=fake_follower)
    app = make_app(made_up)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        before = made_up.conn.ext_consumer_id
        await pilot.press("f7")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: made_up.conn.ext_consumer_id != before)
        assert any("fresh consumer id" in n.message and made_up.conn.ext_consumer_id in n.message
                   for n in app._notifications)
    given = make_session(tmp_path / "b")  # the profile names the consumer: kept, and said
    app = make_app(given)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        app.composer.load_draft(Draft())
        await pilot.press("f7")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
        await pilot.press("y")
        await until(pilot, lambda: any("stays snapshot-consumer" in n.message for n in app._notifications))
        assert given.conn.ext_consumer_id == "snapshot-consumer"


async def test_a_profile_added_to_settings_toml_by_hand_appears_without_a_restart(tmp_path):
    import os

    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        assert "qa" not in session.settings.names()
        path = session.settings.path
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write('[profiles.qa]\naccount_id = "99999999"\nclient_id = "qa-app"\n')
        await until(pilot, lambda: "qa" in session.settings.names(), "the new profile")
        await until(pilot, lambda: any(n.title == "Settings reloaded" and "new profile qa" in n.message
                                       for n in app._notifications))
        await run_from_palette(pilot, "profile: qa", "Profile: qa")
        await until(pilot, lambda: session.profile == "qa" and session.conn.account_id == "99999999")


async def test_the_presets_runner_folder_field_holds_a_real_folder_or_nothing(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        field = app.screen.query_one("#prompt-input")
        assert field.value == ""  # empty runs the built-in edge cases, and says so
        assert "built-in" in field.placeholder and "/" not in field.placeholder
        assert "built-in edge cases" in str(app.screen.query_one(".prompt-label").render())  # not cut
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.composer)
    session.presets_dir.mkdir(parents=True, exist_ok=True)
    (session.presets_dir / "mine.toml").write_text('name = "mine"\n[expect]\nstatus = 200\n')
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        assert app.screen.query_one("#prompt-input").value == str(session.presets_dir)


async def test_the_save_with_expectations_dialog_keeps_its_buttons_on_an_80x24_screen(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: app.composer.outcome is not None and not app.composer.busy, "the send")
        app.save_preset_with_expectations()
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen", "the dialog")
        await pilot.pause()
        for button in app.screen.query("Button"):
            assert button.region.height and button.region.bottom <= 24, (button.id, button.region)
        label = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "[expect] for `lp-tui check`: what came back" in label  # the table's name shows, not eaten as markup
