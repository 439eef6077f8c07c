"""Keyboard first: the request follows the focused field, the panes take focus and scroll with keys,
keys from settings.toml are the ones in force (and shown), Ctrl+R asks on a production profile."""

from __future__ import annotations

import pytest

from lp_tui.model.build import build_payload, dumps
from lp_tui.model.draft import Draft
from lp_tui.ui.app import make_app
from lp_tui.ui.keys import Keymap, use
from lp_tui.ui.widgets.json_view import JsonView
from lp_tui.ui.widgets.keybar import KeyBar
from lp_tui.ui.widgets.preview import json_path_of, line_of

from .fakes import make_session, settled, typed, until



@pytest.fixture(autouse=True)
def default_keys():
    yield
    use(Keymap())  # the keys in force are module-wide: the next test starts from the defaults


def body_view(app) -> JsonView:
    return app.composer.query_one("#request-body", JsonView)


def visible_lines(view: JsonView) -> list[str]:
    top = round(view.scroll_offset.y)
    return view.text.split("\n")[top:top + view.scrollable_content_region.height]


def test_the_line_of_a_field_is_where_dumps_puts_it():
    draft = Draft()
    for path, value in [("consumer.ctype", "vip"), ("personal.age.year", 1980), ("profile.firstName", "Ada"),
                        ("conversation.ttrDefName", "URGENT"), ("conversation.skillId", "42"), ("ids.conversation", "2,")]:
        draft.set_value(path, value)
    payload = build_payload(draft, "123")
    lines = dumps(payload).split("\n")
    for path, needle in [("consumer.ctype", '"ctype": "vip"'), ("personal.age.year", '"year": 1980'),
                         ("profile.firstName", '"firstName": "Ada"'), ("conversation.ttrDefName", '"ttrDefName": "URGENT"'),
                         ("conversation.skillId", '"skillId": "42"'), ("ids.conversation", '"id": "2,"')]:
        assert needle in lines[line_of(payload, json_path_of(path, payload))], path
    # a field left out of the body marks the deepest part the body holds
    assert '"body"' in lines[line_of(payload, json_path_of("conversation.campaignInfo.campaignId", payload))]


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["narrow", "wide"])
async def test_choosing_urgent_shows_its_line_of_the_request(tmp_path, size):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=size) as pilot:
        await settled(pilot)
        await pilot.press("alt+4")
        await until(pilot, lambda: app.focused is not None and getattr(app.focused, "path", "") == "conversation.ttrDefName",
                    "the ttrDefName select")
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query("SelectOverlay"), "the choices")
        for _ in range(8):
            if app.focused.highlighted is not None and "URGENT" in str(app.focused.get_option_at_index(app.focused.highlighted).prompt):
                break
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: app.composer.draft.get("conversation.ttrDefName") == "URGENT")
        view = body_view(app)
        await until(pilot, lambda: view.marked is not None and '"ttrDefName": "URGENT"' in view.text.split("\n")[view.marked],
                    "the mark on ttrDefName")
        if size == (120, 40):
            await until(pilot, lambda: any('"ttrDefName": "URGENT"' in line for line in visible_lines(view)),
                        "the line in view")
        else:  # narrow: the request pane is hidden while the forms show; the line shows under the form
            await until(pilot, lambda: '"ttrDefName": "URGENT"' in app.composer.query_one("#field-line").text)
            line = app.composer.query_one("#field-line")
            assert line.display and line.region.height == 1 and line.region.width > 0  # on screen


@pytest.mark.asyncio
async def test_the_request_pane_takes_focus_with_a_key_and_scrolls_with_page_keys(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        for i in range(12):  # a body longer than the pane
            app.composer.draft.add_contact()
            app.composer.draft.set_value(f"personal.contacts.{i}.email", f"c{i}@example.com")
        app.composer.state.changed()  # the draft was changed behind the forms' back: say so
        await pilot.press("alt+r")
        view = body_view(app)
        await until(pilot, lambda: app.focused is view, "focus on the request body")
        await pilot.press("pagedown")
        await until(pilot, lambda: view.scroll_offset.y > 0, "a page down")
        await pilot.press("end")
        await until(pilot, lambda: view.scroll_offset.y == view.max_scroll_y, "the end")
        await pilot.press("home")
        await until(pilot, lambda: view.scroll_offset.y == 0, "the top")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.composer.query_one("#panes").active == "pane-response"
                    and app.focused is not None and "pane-response" in [n.id for n in app.focused.ancestors],
                    "focus in the response pane")


@pytest.mark.asyncio
async def test_a_key_from_settings_sends_and_is_shown_in_the_key_bar_and_help(tmp_path):
    session = make_session(tmp_path)
    session.settings.keys = {"send": "ctrl+b"}
    session.settings.key_lines = {"send": 2}
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        bar = app.composer.query_one(KeyBar)
        await until(pilot, lambda: any(h.action == "send" and h.key == "ctrl+b" for h in bar.hints), "^b in the bar")
        assert "^b Send" in bar.render().plain
        await pilot.press("ctrl+j")  # no longer the send key
        await pilot.pause()
        assert not session.client.sent
        await pilot.press("ctrl+b")
        await until(pilot, lambda: len(session.client.sent) == 1, "the send")
        await settled(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        from lp_tui.ui.screens.help import rows

        assert ("Ctrl+B", rows()[0][1]) == rows()[0] and "[send]" in rows()[0][1]


@pytest.mark.asyncio
async def test_ctrl_s_opens_the_save_preset_dialog(tmp_path):
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "SavePresetScreen", "the save dialog")
        assert not session.client.sent


@pytest.mark.asyncio
async def test_the_first_send_on_a_connection_without_its_secret_says_so(tmp_path):
    from lp_tui.model.connection import Connection

    from .fakes import session_for

    session = session_for(tmp_path, Connection(account_id="123", csds_url="https://example.invalid",
                                               ext_consumer_id="x"), profile="qa")
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("ctrl+j")
        await until(pilot, lambda: any("Not sent: profile 'qa' is missing client id and secret" in n.message
                                       for n in app._notifications), "the notice")
        assert not app.composer.busy and app.composer.outcome is None


@pytest.mark.asyncio
async def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settled(pilot)
        app.set_focus(None)
        await pilot.press("ctrl+c")
        await until(pilot, lambda: app._notifications, "the notice")
        message = list(app._notifications)[-1].message
        assert "Ctrl+Q" in message and "[b]" not in message


@pytest.mark.parametrize("width", [68, 60, 50, 40, 34, 30, 16])
def test_the_connection_line_drops_whole_parts_and_never_runs_the_account_into_the_port(width):
    from lp_tui.ui.widgets.status import shorten

    line = "account 12345678 · consumer lp-tui-abcdef12 · http://127.0.0.1:36051"
    short = shorten(line, width)
    assert len(short) <= width
    parts = short.split(" · ")
    assert parts[0] == "account 12345678"  # the account is whole, never joined to what follows
    for part in parts[1:]:
        assert part.startswith("consumer ") or part.endswith("127.0.0.1:36051"), short
    if width >= 34:
        assert short.endswith("127.0.0.1:36051")  # the host and port stay while there is room


def test_a_long_url_loses_its_middle_and_keeps_its_host_and_port():
    from lp_tui.ui.widgets.status import shorten

    line = "account 1 · consumer c · https://very-long-host-name.example.internal.company.com:8443"
    short = shorten(line, 50)
    assert len(short) <= 50 and short.startswith("account 1 · consumer c · ") and short.endswith(":8443") and "…" in short


@pytest.mark.asyncio
async def test_a_new_notice_replaces_the_last_and_they_sit_clear_of_the_findings(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        app.notify("first", title="One")
        app.notify("second", title="Two")
        await until(pilot, lambda: [n.message for n in app._notifications] == ["second"], "one notice, the last")
        app.notify("broken", title="Err", severity="error")
        app.notify("third", title="Three")
        await until(pilot, lambda: [n.message for n in app._notifications] != ["second"], "the new notices")
        assert [n.message for n in app._notifications] == ["broken", "third"]  # errors stay their time
        await until(pilot, lambda: app.screen.query("Toast"), "the toasts")
        await pilot.pause()
        assert_notices_clear(app)


def assert_notices_clear(app):
    """No toast covers the focused widget, the routing/findings/help lines or the key bar."""
    screen = app.screen
    keep_clear = [screen.focused] if screen.focused is not None else []
    keep_clear += [w for w in screen.query("#field-line, #help-line, #narrow-summary, KeyBar") if w.display]
    toasts = list(screen.query("Toast"))
    assert toasts
    for toast in toasts:
        for widget in keep_clear:
            assert not toast.region.overlaps(widget.region), f"a notice covers {widget!r}"


@pytest.mark.asyncio
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_notice_never_covers_the_focused_field_top_or_bottom(tmp_path, size):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=size, notifications=True) as pilot:
        await settled(pilot)
        fields = [w for w in app.screen.query("Input") if w.display and w.region.height]
        first, last = fields[0], fields[-1]
        for field in (first, last):
            field.focus()
            await pilot.pause()
            app.notify("Saved the draft in a file with a long name so the notice takes two lines", title="Saved")
            await until(pilot, lambda: app.screen.query("Toast"), "the toast")
            await pilot.pause()
            assert app.screen.focused is field
            assert_notices_clear(app)


@pytest.mark.asyncio
async def test_the_routing_view_goes_full_screen_with_f(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: app.composer.query("#routing-run") and app.focused is not None
                    and app.focused.id == "routing-run", "the Routing view")
        await pilot.press("f")
        view = app.composer.query_one("RoutingView")
        await until(pilot, lambda: app.composer.maximized is view, "full screen")
        await pilot.pause()
        assert view.region.width == 80
        await pilot.press("escape")
        await until(pilot, lambda: app.composer.maximized is None, "back")


@pytest.mark.asyncio
async def test_jump_mode_puts_a_letter_on_each_place_and_goes_there(tmp_path):
    from lp_tui.ui.screens.jump import LETTERS

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: type(app.screen).__name__ == "JumpScreen", "jump mode")
        jump = app.screen
        response = next(i for i, (w, _) in enumerate(jump.places) if (w.id or "").endswith("pane-response"))
        ctype = next(i for i, (w, _) in enumerate(jump.places) if w.id == "f-consumer-ctype")
        await pilot.press(LETTERS[response])
        await until(pilot, lambda: app.composer.query_one("#panes").active == "pane-response", "the Response tab")
        await pilot.press("ctrl+g")
        await until(pilot, lambda: type(app.screen).__name__ == "JumpScreen", "jump mode again")
        await pilot.press(LETTERS[ctype])
        await until(pilot, lambda: app.focused is not None and app.focused.id == "f-consumer-ctype", "the ctype field")
        await pilot.press("ctrl+g")
        await until(pilot, lambda: type(app.screen).__name__ == "JumpScreen", "jump mode a third time")
        await pilot.press("escape")  # nothing chosen: focus stays
        await until(pilot, lambda: type(app.screen).__name__ == "ComposeScreen")
        assert app.focused.id == "f-consumer-ctype"


@pytest.mark.asyncio
async def test_the_open_conversation_advice_names_the_keys_in_force(tmp_path):
    from .fakes import OK, OPEN, result

    session = make_session(tmp_path, [result(200, OK), result(400, OPEN)])
    session.settings.keys = {"close-conversation": "ctrl+k", "new-consumer": "ctrl+e"}
    session.settings.key_lines = {"close-conversation": 2, "new-consumer": 3}
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        for _ in range(2):
            before = app.composer.outcome
            await pilot.press("ctrl+j")
            await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy, "the send")
        shown = " ".join(str(w.render()) for w in app.composer.query("ResponseView Static"))
        assert "Press Ctrl+K to close" in shown and "or Ctrl+E for a fresh consumer id" in shown, shown


@pytest.mark.asyncio
async def test_a_dialog_opens_clear_of_earlier_notices_and_settings_shows_each_help_whole(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settled(pilot)
        app.notify("A real problem", title="Broken", severity="error")
        app.notify("Restored the draft you were editing.")
        await until(pilot, lambda: len(app._notifications) == 2, "both notices")
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen", "Settings")
        assert [n.message for n in app._notifications] == ["A real problem"]  # the error stays its time
        read_timeout = app.screen.query_one("#s-read_timeout")
        read_timeout.focus()
        help_line = app.screen.query_one("#settings-help")
        await until(pilot, lambda: "each part of an answer" in str(help_line.render()), "the help line")
        assert "Empty means 30" in str(help_line.render())
