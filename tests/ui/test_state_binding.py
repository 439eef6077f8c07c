"""State that binds itself: the status bar and the Timeline follow the send controller's reactives,
the request pane follows the draft's change event (the body at once, the checks after a pause), and
the draft saved as you type comes back after a kill."""

from __future__ import annotations

from lp_tui.model.validate import Finding
from lp_tui.store import drafts
from lp_tui.ui.app import make_app
from lp_tui.ui.draft_state import Change
from lp_tui.ui.widgets.status import StatusBar
from lp_tui.ui.widgets.timeline import TimelineView
from tests.ui.fakes import make_session, settled, typed, until

SIZE = (120, 40)


def status_text(app) -> str:
    return str(app.composer.query_one(StatusBar).render())


async def test_the_status_bar_follows_busy_and_the_conversation_without_being_told(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        sender = app.composer.sender
        assert "open " not in status_text(app)
        sender.conversation_id = "conv-bound-1"  # nothing else: no update call
        await until(pilot, lambda: "conv-bound-1" in status_text(app), "the status bar to show the conversation")
        assert app.composer.query_one(StatusBar).state.conversation_id == "conv-bound-1"
        sender.busy = "create"
        await until(pilot, lambda: "create…" in status_text(app), "the status bar to show the send running")
        sender.busy = ""
        sender.conversation_id = None
        await until(pilot, lambda: "create…" not in status_text(app) and "conv-bound-1" not in status_text(app),
                    "the status bar to clear")


async def test_the_status_bar_says_raw_mode_when_the_draft_enters_it(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        assert "RAW MODE" not in status_text(app)
        await pilot.press("f6")
        await until(pilot, lambda: "RAW MODE" in status_text(app), "the status bar to say raw mode")
        await pilot.press("f6")
        await until(pilot, lambda: "RAW MODE" not in status_text(app), "the status bar to leave raw mode")


async def test_the_timeline_follows_the_conversation_the_controller_opens(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        app.composer.action_timeline()
        await until(pilot, lambda: app.composer.query(TimelineView), "the Timeline to mount")
        timeline = app.composer.query_one(TimelineView)
        app.composer.sender.conversation_id = "conv-bound-2"
        await until(pilot, lambda: timeline.focus_id == "conv-bound-2", "the Timeline to follow the conversation")


async def test_the_body_shows_a_key_at_once_and_the_checks_catch_up_after_the_pause(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        composer = app.composer
        preview = composer.preview
        before = preview.prediction
        assert before is not None and not any(f.field == "consumer.companySize" for f in preview.findings)
        # a key as the forms announce it; the rebuild then runs with no await in between, so the
        # debounce timer cannot have fired yet, however slow the machine
        composer.draft.set_value("consumer.companySize", "many")
        composer.draft.set_text("consumer.companyBranch", "Boston")
        composer.state.changed(Change.TYPED)
        preview.build()
        assert '"companySize": "many"' in preview.body  # the echo: the body holds the key
        assert not any(f.field == "consumer.companySize" for f in preview.findings)  # not yet checked
        assert preview.pending and composer.checking
        await until(pilot, lambda: any(f.field == "consumer.companySize" for f in composer.findings),
                    "the findings to catch up")
        assert not preview.pending
        assert preview.prediction is not None


async def test_typing_shows_the_value_and_then_its_finding(tmp_path):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-companySize", "lots")
        await until(pilot, lambda: '"companySize": "lots"' in app.composer.body_text, "the body")
        await until(pilot, lambda: any(f.field == "consumer.companySize" for f in app.composer.findings),
                    "the finding")
        finding = next(f for f in app.composer.findings if f.field == "consumer.companySize")
        assert isinstance(finding, Finding)


async def test_a_context_change_checks_at_once(tmp_path):
    """Only keys wait for a pause: a new consumer, a profile or a loaded draft are checked at once."""
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        composer = app.composer
        composer.draft.set_value("consumer.companySize", "many")
        composer.state.changed(Change.CONTEXT)
        composer.preview.build()
        assert any(f.field == "consumer.companySize" for f in composer.findings)
        assert not composer.checking


def ctype_on_disk(path) -> object:
    if not path.exists():
        return None
    saved, _problem = drafts.load(path)
    return saved.draft.get("consumer.ctype") if saved is not None else None


async def test_a_draft_typed_then_killed_is_restored_in_the_form(tmp_path):
    """The save follows the typing by itself. The file is read while the app still runs, as a kill
    would leave it (the last save on the way out never happens), and the next start shows it."""
    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "survivor")
        await until(pilot, lambda: ctype_on_disk(session.draft_path) == "survivor", "the draft on disk")
        saved, problem = drafts.load(session.draft_path)  # what a kill now would leave
    assert problem is None and saved is not None
    app = make_app(make_session(tmp_path / "again"), saved)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.composer.query("#f-consumer-ctype")
                    and app.composer.query_one("#f-consumer-ctype").value == "survivor", "the restored field")
        await until(pilot, lambda: '"ctype": "survivor"' in app.composer.body_text, "the restored body")


async def test_typing_in_a_field_does_not_lay_the_screen_out_on_every_key(tmp_path, monkeypatch):
    """A key changes no size: the screen is not laid out again for it (Textual's Input would ask for a
    layout on each key; FieldInput declares its virtual size without one)."""
    from textual._compositor import Compositor

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await typed(pilot, "#f-consumer-ctype", "a")
        await settled(pilot)
        reflows = 0
        original = Compositor.reflow

        def counted(self, parent, size):
            nonlocal reflows
            reflows += 1
            return original(self, parent, size)

        monkeypatch.setattr(Compositor, "reflow", counted)
        # long enough for its line of the body to become the longest (the body's width grows each key)
        keys = "bcdefghijklmnopqrstuvwxyz" * 3
        await pilot.press(*keys)
        await until(pilot, lambda: f'"ctype": "a{keys}"' in app.composer.body_text, "the body")
        await settled(pilot)
        # the findings may change once, a scrollbar may appear once (a layout each); never once a key
        assert reflows <= 4, f"{reflows} whole-screen layouts for {len(keys)} keys"
