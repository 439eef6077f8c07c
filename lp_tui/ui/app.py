"""The Textual application: screens, global keys, command palette. No request building or HTTP here."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Iterable

from textual import events, work
from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from lp_tui import paths
from lp_tui.lp.results import StepCode
from lp_tui.model import presets
from lp_tui.store.drafts import SavedDraft
from lp_tui.text import safe
from lp_tui.ui.commands import HistoryCommands, PresetCommands, ProfileCommands
from lp_tui.ui.exports import export_commands, save_evidence
from lp_tui.ui.keys import build as build_keymap
from lp_tui.ui.keys import current as keys_in_force
from lp_tui.ui.keys import key, show_key, use
from lp_tui.ui.screens.compose import ComposeScreen
from lp_tui.ui.screens.help import HelpScreen
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.timeline import palette_commands as timeline_commands


FORM, SCREEN = "form", "screen"  # who holds the keys (App._hold)
KEY_HOLD_LIMIT = 10.0  # seconds keys wait at most for a form's first field (a last resort: see hold_keys)
MAX_HELD_KEYS = 1000


class LpTuiApp(App[int]):
    TITLE = "lp-tui"
    COMMANDS = App.COMMANDS | {PresetCommands, HistoryCommands, ProfileCommands}
    CSS_PATH = ["screens/compose.tcss"]
    # Focus always shows, on every screen: a tab strip, a scrolling pane, a list (no layout change: colours only)
    CSS = """
    Tabs:focus Tab.-active { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    JsonView:focus, VerticalScroll:focus, OptionList:focus, DataTable:focus, ListView:focus {
        background-tint: $accent 12%;
    }
    Select:focus > SelectCurrent { background-tint: $accent 20%; }
    /* a compact field (no border) showed focus only by a 5 % tint, the blinking cursor aside */
    Input.-textual-compact:focus { background-tint: $accent 25%; }
    /* Notices: top right, under the status bar and tab strips, small: clear of the request pane's
       routing and findings lines, of the dialogs' buttons and of the key bar (Textual puts them
       bottom right, over all three). When that would cover the focused widget (a top form field on
       a small terminal), "-low" puts them above the bottom lines (App._place_notices). */
    ToastRack { dock: top; align: right top; margin-top: 2; margin-bottom: 0; }
    ToastRack.-low { dock: bottom; align: right bottom; margin-top: 0; margin-bottom: 5; }
    Toast { width: 48; max-width: 45%; padding: 0 1; margin-top: 0; margin-bottom: 1; }
    """  # the default screen's stylesheet (Textual loads Screen.CSS_PATH only on push)
    BINDINGS = [  # keys: lp_tui/ui/keys.py ([keys] in settings.toml replaces them)
        Binding(key("help"), "help", "Help", id="help"),
        Binding(key("settings"), "settings", "Setup", tooltip="Connection settings and profiles", id="settings"),
        Binding(key("presets"), "presets", "Presets", id="presets"),
        Binding(key("history"), "history", "History", id="history"),
        Binding(key("evidence"), "save_evidence", "Evidence", show=False, tooltip="Save evidence of the last send",
                id="evidence"),
        Binding(key("quit"), "quit", "Quit", priority=True, id="quit"),
        Binding(key("jump"), "jump", "Jump", show=False, priority=True, id="jump"),
        # priority: a terminal sends Alt+W as Escape and "w", which a focused field would type
        Binding(key("explain-routing"), "explain_routing", "Why", show=False, priority=True, id="explain-routing"),
        Binding(key("presenter"), "presenter", "Presenter", show=False, priority=True, id="presenter"),
        # priority: Tab moves focus before the next key is handed on, on every screen (see action_step_focus)
        Binding("tab", "step_focus(1)", "Next", show=False, priority=True),
        Binding("shift+tab", "step_focus(-1)", "Previous", show=False, priority=True),
    ]

    def __init__(self, session: Session, saved: SavedDraft | None = None) -> None:
        super().__init__()
        self.session = session
        self.saved = saved
        self._held: list[events.Event] | None = None  # keys waiting for a field (see hold_keys)
        self._hold_owner = FORM  # who holds them (see _hold)
        self._awaiting: Screen[Any] | None = None  # a pushed screen whose focus releases the held keys
        self._hold_timer: Any = None
        self.last_copy: tuple[str, str] | None = None  # (text, what): "Write the last copy to a file"
        self._settings_stamp = settings_stamp(session.settings.path)  # the file as the session read it
        self._settings_polling = False
        settings = session.settings
        keymap = build_keymap(settings.keys, settings.keymap, str(settings.path), settings.key_lines)
        use(keymap)
        self.set_keymap(keymap.overrides())
        session.startup_notes.extend(keymap.problems)
        if session.settings.theme:
            self.theme = session.settings.theme if session.settings.theme in self.available_themes else self.theme

    demo_start: Any = None  # set by `lp-tui demo`: called once the first screen is painted

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.session.on_sandbox_started = lambda: self._post_from_thread(self.SandboxStarted())
        self.call_after_refresh(self._after_first_paint)

    # --- start-up: what waits until the first screen is painted -----------------------------------
    class SandboxStarted(Message):
        """The deferred built-in sandbox runs (or could not start: ``problem``)."""

        def __init__(self, problem: str = "") -> None:
            super().__init__()
            self.problem = problem

    def _after_first_paint(self) -> None:
        """Garbage collection back on, and the built-in sandbox started off the UI thread."""
        from lp_tui import gcpause

        gcpause.resume(freeze=True)
        self.set_interval(SETTINGS_POLL, self._poll_settings)
        if self.session.sandbox_pending:
            import threading

            threading.Thread(target=self._start_sandbox, name="lp-sandbox-start", daemon=True).start()
        else:
            self.session.start_sandbox()  # nothing to start now: later, a sandbox starts when needed
        if self.demo_start is not None:  # `lp-tui demo SCRIPT`: the presenter view plays it (ui/run.py)
            self.call_after_refresh(self.demo_start)

    # --- settings.toml edited by hand: picked up while the app runs (as the routing rules are) ------
    def _poll_settings(self) -> None:
        if not self._settings_polling:
            self._settings_polling = True
            self.run_worker(self._read_settings_if_changed, thread=True, group="settings-watch",
                            exit_on_error=False)

    def _read_settings_if_changed(self) -> None:
        """In a thread: when the file's time or size changed, read it and hand it to the UI."""
        from lp_tui.store import settings as store

        try:
            path = self.session.settings.path
            stamp = settings_stamp(path)
            if stamp == self._settings_stamp:
                return
            self._settings_stamp = stamp
            fresh = store.load(path)
            self.call_from_thread(self._settings_changed, fresh)
        finally:
            self._settings_polling = False

    def _settings_changed(self, fresh: Any) -> None:
        """Use the file as it is now: new profiles appear at once; the profile in use reconnects when its
        values changed. A broken edit keeps what is in force and names the file."""
        session = self.session
        current = session.settings
        if fresh.bad_file or fresh.problems:
            self.notify("; ".join(fresh.problems[:3]) or f"{fresh.path} cannot be read",
                        title="settings.toml changed: not all of it is used", severity="warning", timeout=10)
            if fresh.bad_file:
                return
        if fresh.profiles == current.profiles and fresh.active == current.active:
            return  # our own save, or a change that changes nothing
        added = [n for n in fresh.profiles if n not in current.profiles]
        removed = [n for n in current.profiles if n not in fresh.profiles]
        changed_here = fresh.values(session.profile) != current.values(session.profile)
        fresh.active = current.active  # the profile in use stays the one chosen in this window
        session.settings = fresh
        parts = ([f"new profile {', '.join(added)}"] if added else []) + \
                ([f"removed {', '.join(removed)}"] if removed else [])
        if session.profile in removed:
            parts.append(f"profile {session.profile} is no longer in the file; this window keeps using it until "
                         "you choose another")
        elif changed_here:
            parts.append(f"profile {session.profile} changed and is used from now on")
            self.run_worker(self.switch_profile(session.profile, say=False), group="profile", exit_on_error=False)
        self.notify(f"{paths.shown(fresh.path)}: " + ("; ".join(parts) or "reloaded") + ".",
                    title="Settings reloaded")

    def _start_sandbox(self) -> None:
        """In a thread. A failure is a notification, never printed over the screen; a start (by this
        thread or by a send that came first) is announced by the session's hook."""
        try:
            self.session.start_sandbox()
        except Exception as exc:  # no loopback port, most likely: the first send tries again and says why
            self._post_from_thread(self.SandboxStarted(f"The sandbox did not start: {exc}"))

    def _post_from_thread(self, message: Message) -> None:
        try:
            self.post_message(message)  # thread-safe; dropped once the app is closing
        except RuntimeError:  # the event loop closed in between: the app has gone, nothing to show
            pass

    def on_lp_tui_app_sandbox_started(self, event: SandboxStarted) -> None:
        if event.problem:
            self.notify(event.problem, title="Sandbox", severity="error", timeout=10)
        else:
            self.composer.sandbox_started()

    def get_default_screen(self) -> Screen[Any]:
        draft = self.saved.draft if self.saved else None
        raw = self.saved.raw_body if self.saved else None
        return ComposeScreen(self.session, draft, raw)

    @property
    def composer(self) -> ComposeScreen:
        for screen in self.screen_stack:
            if isinstance(screen, ComposeScreen):
                return screen
        raise RuntimeError("the compose screen is not on the stack")

    # --- keys typed while a form is being shown -------------------------------------------------------
    class ReleaseKeys(Message):
        """The field is there: the held keys go on (queued behind every key held before it)."""

    def hold_keys(self) -> None:
        """Keys (and pastes) typed from now on wait, in order, until ``release_keys``.

        Choosing a form tab (Alt+2, a finding, the palette) shows a form that may still have to be
        built; until its first field has focus, nothing has, and keys typed then would be lost, or a
        Tab among them would move focus from nowhere. Held keys then go through the usual path,
        bindings included, as if typed just then. The hold ends when something on the screen takes
        focus or another screen shows; Ctrl+Q is never held. Should neither happen (a form that
        never comes), it ends after ``KEY_HOLD_LIMIT`` seconds: long, since building a form on a
        busy machine takes seconds, and keys released before their field has focus are lost.
        """
        self._hold(FORM)

    def _hold(self, owner: str) -> None:
        """Hold keys for ``owner``: FORM (a form being shown) or SCREEN (a screen pushed, till it takes
        focus). A screen pushed while keys wait takes the hold over: its focus releases them."""
        if self._held is None:
            self._held = []
            self._hold_owner = owner
            self._hold_timer = self.set_timer(KEY_HOLD_LIMIT, self.release_keys)
        elif owner == SCREEN:
            self._hold_owner = SCREEN

    def release_keys(self, owner: str | None = None) -> None:
        """Let the held keys go (all of them, in order); with ``owner``, only if the hold is its own."""
        if self._held is not None and (owner is None or owner == self._hold_owner):
            self.post_message(self.ReleaseKeys())

    def _bound_away(self, event: events.Key) -> Any:
        """The binding of a key bound by something other than the focused widget (the screen, an
        ancestor such as the Timeline), or None. Textual hands such a key to the focused widget and
        runs the binding once the key has come back up, while the keys typed after it are already
        handed on: Ctrl+T's text went into the field, a Timeline letter's text into nothing."""
        from textual.widgets import Input, TextArea

        focused = self.focused
        if event.is_printable and isinstance(focused, (Input, TextArea)):
            return None  # typing: the field takes it
        if isinstance(focused, TextArea) and event.key in ("enter", "tab", "shift+tab"):
            return None  # the editor takes these itself
        try:
            if event.key == "escape" and self.screen.maximized is not None and self.escape_to_minimize:
                return None  # Textual's own: Escape minimizes first
            active = self.screen.active_bindings.get(event.key)
        except Exception:  # no screen yet
            return None
        if active is None or not active.enabled or active.binding.priority or active.node is focused:
            return None
        return active

    async def on_event(self, event: events.Event) -> None:
        if (self._held is not None and isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded
                and not (isinstance(event, events.Key) and event.key == "ctrl+q")):
            if len(self._held) < MAX_HELD_KEYS:
                self._held.append(event)
            return
        if (isinstance(event, events.Key) and not event.is_forwarded and event.key != "ctrl+q"
                and getattr(self.screen, "TAKES_ONE_KEY", False)):
            await super().on_event(event)  # the one key (a jump letter) goes to its screen;
            self.hold_keys()  # those typed with it wait for the place it chooses (released by action_jump)
            return
        if isinstance(event, events.Key) and not event.is_forwarded:
            # run its binding now (as Textual would once the key came back up, from the focused
            # widget up), before the next key is handed on; a dialog it opens holds the keys after
            # it until it has focus (push_screen)
            if self._bound_away(event) is not None and await self._check_bindings(event.key, priority=False):
                return
        await super().on_event(event)

    async def on_lp_tui_app_release_keys(self, message: ReleaseKeys) -> None:
        held, self._held = self._held, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        for i, event in enumerate(held or []):
            if self._held is not None:  # a held key chose another form tab: the rest wait for its field
                self._held.extend(held[i:])
                return
            await self.on_event(event)  # as if typed just now (a jump letter, a bound key, a dialog's key)

    # --- the display boundary for notifications and crashes ----------------------------------------
    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification is plain text: no markup, control characters shown as escapes.

        Messages often quote outside text (a file name, an answer, an id); none of it may act.
        """
        if timeout is None:
            timeout = 5 if self.size.width < 100 else 8  # shorter on a small terminal
        super().notify(safe(message, limit=2000), title=safe(title, one_line=True, limit=120), severity=severity,
                       timeout=timeout, markup=False)

    def _on_notify(self, event: Any) -> None:
        """A new notice replaces the ones before it (an error stays till its time is up, unless one
        with its title follows): notices never stack up over the screen."""
        new = event.notification
        for old in list(self._notifications):
            if old.severity != "error" or old.title == new.title:
                self._unnotify(old, refresh=False)
        super()._on_notify(event)
        self._place_notices()

    # --- where notices sit: never over the focused widget ---------------------------------------
    NOTICE_CLEARANCE = 5  # rows kept free at the bottom: the routing, findings and help lines and the key bar

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._place_notices()
        try:
            screen = event.widget.screen
        except Exception:  # the widget left before its focus event came (NoScreen)
            return
        if self._awaiting is not None and screen is self._awaiting:
            self._awaiting = None  # the pushed screen has focus: the keys typed with its key go there
            self.release_keys(SCREEN)

    def _place_notices(self) -> None:
        """Notices sit at the top right; when that would cover the focused widget (a top form field
        on a small terminal), they move above the bottom lines instead."""
        from textual.css.query import NoMatches
        from textual.geometry import Region
        from textual.widgets._toast import ToastRack

        if not self.screen_stack:  # a notice while the app closes
            return
        screen = self.screen
        try:
            rack = screen.get_child_by_type(ToastRack)
        except NoMatches:
            return
        width, height = screen.size
        focused = screen.focused
        low = False
        if focused is not None and width and height:
            band = min(48, int(width * 0.45)) + 1  # a toast's width (App CSS) and its right margin
            top = Region(width - band, 2, band, min(10, height // 2))
            bottom = Region(width - band, max(0, height - self.NOTICE_CLEARANCE - 8), band, 8)
            region = focused.region
            low = region.overlaps(top) and not region.overlaps(bottom)
        if low == rack.has_class("-low"):
            return
        rack.set_class(low, "-low")

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """A notice belongs to what it was about: a new screen (a dialog, Settings, History, jump mode)
        starts clear of the information notices raised before it; errors stay their time. Keys
        typed with the key that opened it wait until it has focus (they would be lost before)."""
        for old in list(self._notifications):
            if old.severity != "error":
                self._unnotify(old, refresh=False)
        self._hold(SCREEN)
        self._awaiting = screen
        result = super().push_screen(screen, *args, **kwargs)
        self.call_after_refresh(self._settle_pushed, screen)
        return result

    def _settle_pushed(self, screen: Any) -> None:
        """After the pushed screen's first refresh: release the keys if it has focus, or nothing on it
        can take focus, or it is gone; else its first focus does (``on_descendant_focus``)."""
        if self._awaiting is not screen:
            return
        if self.screen is not screen or screen.focused is not None or not screen.focus_chain:
            self._awaiting = None
            self.release_keys(SCREEN)

    def _fatal_error(self) -> None:
        """A crash report without local variables: they can hold the client secret and tokens."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    # --- settings and profiles ---------------------------------------------------------------------
    def action_settings(self) -> None:
        from lp_tui.ui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.session), self._settings_done)

    def _settings_done(self, result: Any) -> None:
        if result is not None:
            self.save_settings(*result)

    @work(exclusive=True, group="settings", exit_on_error=False)
    async def save_settings(self, profile: str, changes: dict[str, Any], switch: bool) -> None:
        """Apply the Settings screen's changes now, then write them (off the UI thread)."""
        from lp_tui.store import settings as store
        from lp_tui.store.atomic import StoreError

        session = self.session
        new = store.with_changes(session.settings, profile, changes)
        if switch:
            new.active = profile
        session.settings = new
        if switch or profile == session.profile:
            await self.switch_profile(profile, say=False)
        before = new.values(profile)
        try:
            try:
                await self.run_in_thread(store.save, new)
            except store.SettingsConflict as conflict:  # another window saved the same keys: ask
                from lp_tui.ui.screens.settings import SettingsConflictScreen

                choice = await self.push_screen_wait(SettingsConflictScreen(conflict.conflicts))
                if choice is None:
                    self.notify("Nothing was written; your values apply to this session only.",
                                title="Settings not saved", severity="warning", timeout=10)
                    return
                await self.run_in_thread(functools.partial(store.save, new, prefer=choice))
        except StoreError as exc:
            self.notify(f"{exc}. The settings apply to this session only.", title="Settings not saved",
                        severity="error", timeout=10)
            return
        if new.values(profile) != before and (switch or profile == session.profile):
            await self.switch_profile(profile, say=False)  # what the other window saved applies too
        backup = f" The file as it was is kept as {paths.shown(new.backup)}." if new.backup else ""
        self.notify(f"Saved to {paths.shown(new.path)} (mode 0600).{backup}", title="Settings saved")

    async def switch_profile(self, profile: str, say: bool = True) -> None:
        await self.session.switch(profile)
        composer = self.composer
        composer.connection_changed()
        for problem in self.session.problems + self.session.conn.warnings():
            self.notify(problem, title=f"Profile {profile}", severity="warning", timeout=10)
        if say:
            self.notify(f"Now using profile {profile}: {self.session.describe()}", title="Profile")

    def choose_profile(self, profile: str) -> None:
        """The palette's "Profile: NAME": switch now, and start on it next time."""
        self.run_worker(self.switch_profile(profile), group="profile", exit_on_error=False)
        from lp_tui.store import settings as store

        self.session.settings.active = profile
        path = self.session.settings.path

        def write() -> None:
            current = store.load(path)  # as it is on disk now: only the chosen profile changes
            if current.bad_file or current.active == profile:
                return
            current.active = profile
            try:
                store.save(current)
            except OSError as exc:
                self.call_from_thread(self.notify, f"{exc}. Profile {profile} applies to this session only.",
                                      title="Profile not remembered", severity="warning")

        self.run_worker(write, thread=True, group="profile-save", exit_on_error=False)

    def _theme_changed(self, theme: Any) -> None:
        """Remember the chosen theme for the next start."""
        from lp_tui.store import settings as store

        if self.session.settings.theme == self.theme:
            return
        self.session.settings.theme = theme_name = self.theme
        path = self.session.settings.path

        def write() -> None:
            current = store.load(path)  # as it is on disk now: only the theme changes
            if current.bad_file:
                return  # never move a damaged file aside for a theme; it applies to this session
            current.theme = theme_name
            try:
                store.save(current)
            except OSError:
                pass

        self.run_worker(write, thread=True, group="theme", exit_on_error=False)

    async def run_in_thread(self, fn: Any, *args: Any) -> Any:
        import asyncio

        return await asyncio.to_thread(fn, *args)

    # --- presets and history -----------------------------------------------------------------------
    # --- demos (ui/presenter.py) -------------------------------------------------------------------------
    def action_explain_routing(self) -> None:
        from lp_tui.ui.presenter import explain_draft

        explain_draft(self)

    def action_presenter(self, script: Any = None) -> None:
        from lp_tui.ui.presenter import PresenterScreen

        if not isinstance(self.screen, PresenterScreen):
            self.push_screen(PresenterScreen(self.session, self.composer, script))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_jump(self) -> None:
        """Jump mode (as in Posting): a letter on every place that takes focus; the letter goes there."""
        from lp_tui.ui.screens.jump import JumpScreen, land, targets

        if isinstance(self.screen, JumpScreen):
            return
        def landed(widget: Any) -> None:
            land(widget)
            self.release_keys()  # the keys typed after the letter, held by JumpScreen, go to the place

        self.push_screen(JumpScreen(targets(self.screen)), landed)

    def action_step_focus(self, step: int) -> None:
        """Tab and Shift+Tab, on every screen and dialog.

        Textual hands a key to the focused widget and moves focus only once the Tab has come back
        from it: in a burst of keys (a fast typist, a paste of "name<Tab>description", keys held
        while a form is built) what followed a Tab went to the field being left. As a priority
        binding the focus moves before the next key is handed on. Where Tab is typed (the raw
        editor indents with it) it is left to the widget.
        """
        focused = self.focused
        if focused is None or getattr(focused, "tab_behavior", "focus") == "indent":
            raise SkipAction()
        if step > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def action_help_quit(self) -> None:
        """Ctrl+C: how to quit, in plain words (Textual's own notice carries markup, which lp-tui's
        notifications show as it is)."""
        self.notify(f"Press {keys_in_force().first('quit')} to quit lp-tui (the draft is saved as you type).",
                    title="Do you want to quit?", timeout=4)

    def get_key_display(self, binding: Binding) -> str:
        """Keys as the help and README spell them (Ctrl+/ rather than ^_)."""
        if binding.key in ("ctrl+underscore", "ctrl+question_mark", "hyper+f24"):
            return show_key(binding.key)
        return super().get_key_display(binding)

    def action_save_preset(self) -> None:
        """Save the draft as a preset (Posting's Ctrl+S): the save dialog at once, so keys typed with
        the key reach its name field; in raw mode the body exactly as written."""
        self.save_preset()

    def action_presets(self) -> None:
        from lp_tui.ui.screens.presets import PresetsScreen

        composer = self.composer
        self.push_screen(PresetsScreen(self.session.presets_dir, composer.draft,
                                       composer.raw_text if composer.raw_mode else None), self._preset_chosen)

    def _preset_chosen(self, preset: presets.Preset | None) -> None:
        if preset is not None:
            self.load_preset(preset)

    def load_preset(self, preset: presets.Preset) -> None:
        if preset.raw is not None:  # saved in raw mode: back into raw mode, exactly as written
            self.composer.replace_raw(preset.raw, f"Loaded preset {preset.name} (a raw body, sent as written).")
        else:
            self.composer.replace_draft(preset.draft, f"Loaded preset {preset.name}.")

    def save_preset(self) -> None:
        from lp_tui.ui.save_preset import save_current

        save_current(self)

    def save_preset_with_expectations(self) -> None:
        """From the response pane: the last create call as sent, with what came back as [expect]."""
        from lp_tui.ui.exports import record_of
        from lp_tui.ui.save_preset import save_with_expectations

        outcome = self.composer.outcome
        record = record_of(outcome) if outcome is not None and outcome.result is not None else None
        save_with_expectations(self, record, "The response pane")

    def action_history(self) -> None:
        from lp_tui.ui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(self.session.history), self._history_chosen)

    def _history_chosen(self, choice: tuple[str, dict[str, Any]] | None) -> None:
        if choice is not None:
            self.history_action(*choice)

    def history_action(self, what: str, entry: dict[str, Any]) -> None:
        """Load a history entry into the form, re-send its exact body, or act on its conversation."""
        composer = self.composer
        conversation = entry.get("conversation_id")
        if what in ("close", "message"):
            if not isinstance(conversation, str) or not conversation:
                self.notify("That entry opened no conversation.", severity="warning")
            elif what == "close":
                composer.close_conversation(conversation)
            else:
                composer.message_conversation(conversation)
            return
        body = entry.get("request", {}).get("body", "") if isinstance(entry.get("request"), dict) else ""
        if entry.get("action") != StepCode.CREATE or not isinstance(body, str):
            self.notify("Only 'create conversation' entries can be loaded or re-sent.", severity="warning")
            return
        if entry.get("request", {}).get("truncated"):
            self.notify("That entry's body was too large to keep whole; it cannot be loaded or re-sent.",
                        severity="warning")
            return
        from lp_tui.redact import REDACTED

        masked = f'"{REDACTED}"' in body  # the push token is masked in history: it cannot come back
        if masked:
            self.notify("The entry's push token was masked in history; type it again if the request needs it.",
                        title="Push token", severity="warning", timeout=10)
        first = first_message_of(entry)  # a first message the entry sent after the create, as a SEND
        if what == "resend":
            composer.resend_raw(body, first)
            return
        from lp_tui.limits import loads_json
        from lp_tui.model.reverse import draft_from_payload

        try:
            payload = loads_json(body)
        except ValueError:
            self.notify("That entry's body is not valid JSON; re-send it instead.", severity="warning")
            return
        draft, lost = draft_from_payload(payload, self.session.conn.account_id or None)
        if first is not None and not draft.data.get("firstMessage"):
            draft.data["firstMessage"] = {"text": first[0]}
            if first[1] != "1":
                draft.data.setdefault("ids", {})["message"] = first[1]
        note = "Loaded the request from history." + (" Not representable: " + "; ".join(lost) if lost else "")
        composer.replace_draft(draft, note)

    def action_save_evidence(self) -> None:
        """Evidence of the last send, as Markdown and JSON in the data folder (ui/exports.py)."""
        save_evidence(self)

    def action_lookup_engagements(self) -> None:
        """LivePerson's engagement lookup in a dialog; the ids chosen go into the draft (Routing form)."""
        from lp_tui.ui.screens.engagements import EngagementsScreen, sdes_of

        composer = self.composer
        if composer.raw_mode:
            self.notify("Raw mode sends the body as written: leave it (F6) to fill campaignInfo from the lookup, "
                        "or type the ids into the JSON.", severity="warning")
            return

        def fill(values: dict[str, str] | None) -> None:
            if not values or composer.raw_mode:
                return
            for path, value in values.items():
                composer.draft.set_text(path, value)
            composer.forms.fill()  # the forms show the ids; the request, the checks and the saved draft follow
            composer.state.changed()
            self.notify("Filled " + ", ".join(p.rsplit(".", 1)[-1] for p in values) + " from the engagement lookup.")

        self.push_screen(EngagementsScreen(self.session, sdes_of(composer.draft)), fill)

    # --- command palette ---------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        k = keys_in_force().shown
        yield from super().get_system_commands(screen)
        yield from self.composer.palette_commands()
        yield from export_commands(self)
        yield from timeline_commands(self)
        yield SystemCommand("Presenter view", f"The routing story of the conversation, large and plain ({k('presenter')})",
                            self.action_presenter)
        yield SystemCommand("Why this rule", f"Each routing rule for the draft: what matched or what did not "
                            f"({k('explain-routing')})", self.action_explain_routing)
        yield SystemCommand("Settings", f"Profiles, account, credentials, timeouts, retries ({k('settings')})", self.action_settings)
        yield SystemCommand("Presets", f"Load, save as, duplicate, delete ({k('presets')})", self.action_presets)
        yield SystemCommand("Save as preset…", f"The current draft, or in raw mode the body exactly as written "
                            f"({k('save-preset')})", self.save_preset)
        yield SystemCommand("Save as preset with expectations…", "The last send and an \\[expect] table from its "
                            "answer (status, codes, conversation, skill), for `lp-tui check`",
                            self.save_preset_with_expectations)
        yield SystemCommand("History", f"Past sends: view, load, re-send, close, message ({k('history')})", self.action_history)
        yield SystemCommand("Look up campaigns and engagements…", "LivePerson's engagement lookup (Monitoring API); "
                            f"fills campaignInfo, and conversationContext if asked ({k('lookup-engagements')} in the "
                            "Routing form)", self.action_lookup_engagements)
        yield SystemCommand("Jump", f"A letter on every field, button and tab; press one to go there ({k('jump')})",
                            self.action_jump)
        yield SystemCommand("Help", f"Every key ({k('help')})", self.action_help)

    async def on_unmount(self) -> None:
        """Last save of the draft on the way out (the autosave normally has it already), then the
        connections closed: the server sees them end instead of waiting out its keep-alive."""
        try:
            from lp_tui.store import drafts

            drafts.write(self.session.draft_path, self.composer.snapshot())
        except Exception:
            pass
        try:
            await asyncio.wait_for(self.session.close_client(), timeout=1.0)
        except Exception:  # a quit is never held up or broken by a connection that will not close
            pass


SETTINGS_POLL = 1.0  # seconds between two looks at settings.toml's time and size


def settings_stamp(path: Any) -> tuple[float, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime, info.st_size)


def alt_digits_as_alt_keys() -> None:
    """Alt+digit arrives as ESC followed by the digit (xterm, tmux, GNOME, Windows Terminal).

    Textual reads those sequences as the characters macOS's Option key types (ESC 2 as "™"), so
    the Alt+1 … Alt+6 form keys never fire and a field gets a "™" instead. Without that mapping
    the parser reports them as ``alt+1`` … ``alt+0``; a "™" typed as itself is still a "™".
    """
    from textual import _ansi_sequences

    sequences: Any = _ansi_sequences.ANSI_SEQUENCES_KEYS  # a dict, typed as a read-only Mapping
    for digit in "0123456789":
        sequences.pop(f"\x1b{digit}", None)


def own_bindings_in_order() -> None:
    """A focused widget's own key bindings run in its turn, in the order the keys were typed.

    Textual hands every key to the focused widget's queue; a key the widget does not take itself
    (Down, End, Backspace in the raw editor or a field) then bubbles up to the app, which runs the
    binding only once the key is back: by then the keys after it, already queued, were handled.
    So a burst of Down×10 End Enter XX wrote XX on line 1 (at 50 ms a key it was right). Here the
    widget runs a binding of its own at once, where the key is in its queue, and the key stops there.
    Keys bound by the screen or the app, and priority bindings (Tab, see ``action_step_focus``), go
    as before.
    """
    from textual.widget import Widget

    if getattr(Widget, "_lp_own_bindings", False):
        return
    handle_key = Widget.handle_key

    async def handle_own(self: Widget, event: events.Key) -> bool:
        if await handle_key(self, event):
            return True
        app = self.app
        if event._stop_propagation or self is not app.focused:
            return False
        for namespace, bindings in self.screen._modal_binding_chain:
            if namespace is not self:
                continue
            for binding in bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return True
            break
        return False

    Widget.handle_key = handle_own  # type: ignore[method-assign]
    Widget._lp_own_bindings = True  # type: ignore[attr-defined]


def make_app(session: Session, saved: SavedDraft | None = None) -> LpTuiApp:
    alt_digits_as_alt_keys()
    own_bindings_in_order()
    return LpTuiApp(session, saved)


__all__ = ["LpTuiApp", "make_app"]


def first_message_of(entry: dict[str, Any]) -> tuple[Any, Any] | None:
    """(message, request id) of the first message a history entry sent right after its create, or None."""
    from lp_tui.limits import loads_json

    first = entry.get("first_message")
    request = first.get("request") if isinstance(first, dict) else None
    body = request.get("body") if isinstance(request, dict) else None
    try:
        sent = loads_json(body) if isinstance(body, str) else None
    except ValueError:
        return None
    if not isinstance(sent, dict) or not isinstance(sent.get("body"), dict):
        return None
    event = sent["body"].get("event")
    if not isinstance(event, dict) or "message" not in event:
        return None
    return event["message"], sent.get("id", "1")
