"""Snapshots of every screen, dialog and important state, at 120x40 and at 80x24, deterministic.

Fixed sandbox address, consumer id, conversationId and answers (tests/ui/fakes.py); no
timings in the picture; a temporary lp-tui home per test (paths show as $LP_TUI_HOME). Every
run_before waits on conditions, never on time. Baselines live in tests/ui/__snapshots__ and
were checked by eye. Update them on purpose with:
    pytest tests/ui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import inspect
import json
import time

import pytest

from lp_tui.lp.errors import TransportError
from lp_tui.model.draft import Draft
from lp_tui.model.presets import load
from lp_tui.store.drafts import SavedDraft
from lp_tui.ui.app import make_app

from .fakes import AUTH, OK, OPEN, make_session, result, timeline_story, until

SIZES = {"wide": (120, 40), "narrow": (80, 24)}


@pytest.fixture(params=list(SIZES))
def size(request):
    return SIZES[request.param]


@pytest.fixture(autouse=True)
def steady_cursors(monkeypatch):
    """A blinking cursor would make each picture depend on when it was taken: no blinking here."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch, lp_home):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    time.tzset()


@pytest.fixture
def snap_compare(snap_compare):
    """The plugin's snap_compare, taken once every table on screen has measured its rows.

    A DataTable sizes its columns and its scrollable area on its own idle turn, after rows are
    added: a picture taken before that would show the columns of fewer rows.
    """

    def compare(app, *, run_before=None, **options):
        async def then_settle(pilot):
            if run_before is not None:
                waited = run_before(pilot)
                if inspect.isawaitable(waited):
                    await waited
            await until(pilot, lambda: tables_measured(pilot.app.screen), "the tables to measure their rows")

        return snap_compare(app, run_before=then_settle, **options)

    return compare


def tables_measured(screen) -> bool:
    """Each DataTable's scrollable height covers its header and every row: all rows were measured."""
    from textual.widgets import DataTable

    return all(table.virtual_size.height == sum(row.height for row in table.rows.values())
               + (table.header_height if table.show_header else 0) for table in screen.query(DataTable))


@pytest.fixture
def home(lp_home):
    lp_home.mkdir(parents=True, exist_ok=True)
    return lp_home


def app_with(home, script=(), draft: Draft | None = None, raw: str | None = None):
    session = make_session(home, script)
    session.presets_dir = home / "config" / "presets"
    return make_app(session, SavedDraft(draft or Draft(), raw) if draft is not None or raw is not None else None)


def preset(name: str) -> Draft:
    return load(name, __import__("pathlib").Path("/nonexistent")).draft


async def ready(pilot) -> None:
    """The first screen is complete: the forms filled, the request drawn, nothing in flight."""
    app = pilot.app
    await until(pilot, lambda: app.composer.query("SectionForm") and app.composer.body_text, "the first screen")
    await until(pilot, lambda: all(w.is_finished for w in app.workers), "start-up work")
    await pilot.pause()


async def send(pilot) -> None:
    app = pilot.app
    await ready(pilot)
    before = app.composer.outcome
    await pilot.press("ctrl+j")
    await until(pilot, lambda: app.composer.outcome is not before and not app.composer.busy, "the send")
    await until(pilot, lambda: app.composer.query("ResponseView"), "the response pane")
    # built with the send: its tab strip marks the active tab once laid out
    await until(pilot, lambda: app.composer.query_one("#response-tabs Underline").highlight_end > 0,
                "the response pane's tabs")
    await until(pilot, lambda: all(w.is_finished for w in app.workers), "the history write")
    await pilot.pause()


async def form(pilot, key: str) -> None:
    await ready(pilot)
    await pilot.press(key)
    await until(pilot, lambda: pilot.app.focused is not None and getattr(pilot.app.focused, "path", None), "the form")
    await pilot.pause()


async def modal(pilot, key: str, name: str, loaded=lambda screen: True) -> None:
    await ready(pilot)
    await pilot.press(key)
    await until(pilot, lambda: type(pilot.app.screen).__name__ == name and loaded(pilot.app.screen), name)
    await pilot.pause()


def test_empty(snap_compare, home, size):
    assert snap_compare(app_with(home), terminal_size=size, run_before=ready)


def test_filled_from_preset(snap_compare, home, size):
    assert snap_compare(app_with(home, draft=preset("sde-ctype-gender")), terminal_size=size, run_before=ready)


def test_findings_shown(snap_compare, home, size):
    draft = preset("campaign-routing")
    draft.set_value("personal.gender", "male")
    draft.set_value("consumer.companySize", "many")
    draft.unset("conversation.campaignInfo.engagementId")
    draft.set_value("consumer.lastPaymentDate", {"day": 31, "month": 2, "year": 2024})
    assert snap_compare(app_with(home, draft=draft), terminal_size=size, run_before=ready)


def test_personal_tab_with_contacts(snap_compare, home, size):
    draft = Draft()
    draft.set_text("personal.firstname", "Zoë")
    draft.set_text("personal.contacts.0.email", "zoe@example.com")
    draft.set_text("personal.contacts.0.phoneType", "MOBILE")
    draft.set_text("personal.contacts.1.phone", "+1 212-788-8877")
    assert snap_compare(app_with(home, draft=draft), terminal_size=size, run_before=lambda p: form(p, "alt+2"))


def test_profile_tab(snap_compare, home, size):
    assert snap_compare(app_with(home, draft=preset("demo-app-profile")), terminal_size=size,
                        run_before=lambda p: form(p, "alt+3"))


def test_routing_tab(snap_compare, home, size):
    assert snap_compare(app_with(home, draft=preset("first-message")), terminal_size=size,
                        run_before=lambda p: form(p, "alt+4"))


def test_envelope_tab(snap_compare, home, size):
    assert snap_compare(app_with(home, draft=preset("auto-messages")), terminal_size=size,
                        run_before=lambda p: form(p, "alt+5"))


def test_narrow_request_view(snap_compare, home):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("f8")
        await until(pilot, lambda: pilot.app.composer.has_class("-show-right"))
        await pilot.pause()

    assert snap_compare(app_with(home, draft=preset("sde-ctype-gender")), terminal_size=SIZES["narrow"],
                        run_before=run_before)


def test_sending_in_progress(snap_compare, home, size):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("ctrl+j")
        await until(pilot, lambda: "create conversation" in str(
            pilot.app.composer.query_one("#summary").render()), "the pending step")
        await until(pilot, lambda: pilot.app.composer.query_one("#response-tabs Underline").highlight_end > 0,
                    "the response pane's tabs")
        await pilot.pause()

    assert snap_compare(app_with(home, ["hang"], preset("sde-ctype-gender")), terminal_size=size,
                        run_before=run_before)


def test_success_with_routing(snap_compare, home, size):
    assert snap_compare(app_with(home, [result(200, OK)], preset("sde-ctype-gender")), terminal_size=size,
                        run_before=send)


def test_error_open_conversation(snap_compare, home, size):
    async def run_before(pilot):
        await send(pilot)
        await send(pilot)

    app = app_with(home, [result(200, OK), result(400, OPEN)], preset("sde-ctype-gender"))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_error_401(snap_compare, home, size):
    assert snap_compare(app_with(home, [result(401, AUTH)], preset("minimal")), terminal_size=size, run_before=send)


def test_error_transport(snap_compare, home, size):
    error = TransportError("domain lookup", "connection refused",
                    "nothing listens there: check the CSDS URL (is the sandbox running?)", "api.liveperson.net")
    assert snap_compare(app_with(home, [error], preset("minimal")), terminal_size=size, run_before=send)


def test_error_server(snap_compare, home, size):
    body = {"code": 503, "body": {"msg": "Service Unavailable"}}
    assert snap_compare(app_with(home, [result(503, body)], preset("minimal")), terminal_size=size, run_before=send)


def test_error_throttled(snap_compare, home, size):
    body = {"code": 429, "body": {"msg": "Too Many Requests"}}
    assert snap_compare(app_with(home, [result(429, body)], preset("minimal")), terminal_size=size, run_before=send)


def test_hostile_answer_is_plain_text(snap_compare, home, size):
    """Escapes and markup from a server are shown as text, never obeyed."""
    body = [{"code": "OK", "body": {"msg": "\x1b]2;PWNED\x07 [bold red]x[/] \u202eevil"}, "reqId": "1"},
            {"code": "BAD_REQUEST", "body": {"msg": "\x1b[2J[link=https://evil.example]click[/link]"}, "reqId": "2"}]
    assert snap_compare(app_with(home, [result(400, body)], preset("minimal")), terminal_size=size, run_before=send)


def test_raw_mode_invalid(snap_compare, home, size):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("f6")
        await until(pilot, lambda: pilot.app.composer.raw_mode and pilot.app.composer.query("#raw-editor"))
        editor = pilot.app.composer.query_one("#raw-editor")
        editor.load_text('[\n  {"kind": "req", "id": 1,\n')
        await until(pilot, lambda: "not valid JSON" in " ".join(f.message for f in pilot.app.composer.findings))
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_settings(snap_compare, home, size):
    assert snap_compare(app_with(home), terminal_size=size,
                        run_before=lambda p: modal(p, "f2", "SettingsScreen", lambda s: s.query("#s-ext_consumer_id")))


def test_settings_of_a_profile_with_values_from_the_environment(snap_compare, home, size):
    async def run_before(pilot):
        await ready(pilot)
        session = pilot.app.session
        session.settings.profiles["qa"] = {"account_id": "12345678", "csds_url": "https://api.liveperson.net",
                                           "client_id": "qa-app", "ext_consumer_id": "qa-consumer", "production": False}
        session.environ = {"LP_CLIENT_SECRET": "not-shown-anywhere", "LP_ACCOUNT_ID": "87654321"}
        await pilot.app.switch_profile("qa", say=False)
        await modal(pilot, "f2", "SettingsScreen", lambda s: s.query("#s-client_secret"))

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_presets(snap_compare, home, size):
    assert snap_compare(app_with(home), terminal_size=size,
                        run_before=lambda p: modal(p, "f3", "PresetsScreen", lambda s: s.items))


def test_save_preset_dialog(snap_compare, home, size):
    async def run_before(pilot):
        await modal(pilot, "f3", "PresetsScreen", lambda s: s.items)
        await pilot.press("s")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "SavePresetScreen")
        await pilot.press(*"bad name", "enter")
        await until(pilot, lambda: "preset name" in str(pilot.app.screen.query_one("#save-error").render()))
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_history(snap_compare, home, size):
    entry = result(200, OK).to_record()
    entry["time"] = 1767225600
    entry["id"] = "0123456789ab"
    entry["profile"] = "sandbox"
    entry["request"]["body"] = json.dumps([{"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}}])
    (home / "history.jsonl").write_text(json.dumps(entry) + "\n")
    assert snap_compare(app_with(home), terminal_size=size,
                        run_before=lambda p: modal(p, "f4", "HistoryScreen", lambda s: s.entries))


def test_help(snap_compare, home, size):
    assert snap_compare(app_with(home), terminal_size=size, run_before=lambda p: modal(p, "f1", "HelpScreen"))


def test_confirm_dialog(snap_compare, home, size):
    assert snap_compare(app_with(home, draft=preset("minimal")), terminal_size=size,
                        run_before=lambda p: modal(p, "f7", "ConfirmScreen"))


def test_message_prompt(snap_compare, home, size):
    async def run_before(pilot):
        await send(pilot)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptScreen")
        await pilot.pause()

    assert snap_compare(app_with(home, [result(200, OK)], preset("sde-ctype-gender")), terminal_size=size,
                        run_before=run_before)


def test_routing_matrix_full_screen(snap_compare, home, size):
    async def run_before(pilot):
        from lp_tui.model.presets import builtin_presets

        await ready(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == "routing-run")
        await pilot.press("r")
        view = pilot.app.composer.query_one("RoutingView")
        await until(pilot, lambda: view.row_count == len(builtin_presets()) and not
                    view.query_one("#routing-run").disabled, "the matrix")
        await pilot.press("f")
        await until(pilot, lambda: pilot.app.composer.maximized is view, "full screen")
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_jump_mode(snap_compare, home, size):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "JumpScreen", "jump mode")
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_routing_view_with_the_matrix(snap_compare, home, size):
    async def run_before(pilot):
        from lp_tui.model.presets import builtin_presets

        await ready(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == "routing-run")
        await pilot.press("r")
        view = pilot.app.composer.query_one("RoutingView")
        await until(pilot, lambda: view.row_count == len(builtin_presets()) and not
                    view.query_one("#routing-run").disabled, "the matrix")
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_timeline_tab(snap_compare, home, size):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("f10")
        await until(pilot, lambda: pilot.app.composer.query("TimelineView"), "the Timeline pane")
        view = pilot.app.composer.query_one("TimelineView")
        await until(pilot, lambda: view.follower.running, "the receiver")
        story = timeline_story()  # fakes.py: the sandbox's own bodies, fixed times
        for delivery in story:
            view.follower.inbox.deliver(delivery)
        await until(pilot, lambda: view.shown is not None and view.shown.accepted == len(story) - 1
                    and view.shown.closed, "the whole story drawn")
        await until(pilot, lambda: all(w.is_finished for w in pilot.app.workers), "start-up work")
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)
