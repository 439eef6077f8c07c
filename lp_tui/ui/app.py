"""The Textual application: screens, global keys, command palette. No request building or HTTP here."""

from __future__ import annotations

from typing import Any, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from lp_tui.lp.config import Connection
from lp_tui.model import presets
from lp_tui.model.draft import Draft
from lp_tui.store.drafts import SavedDraft
from lp_tui.ui.commands import HistoryCommands, PresetCommands
from lp_tui.ui.screens.compose import ComposeScreen
from lp_tui.ui.screens.help import HelpScreen
from lp_tui.ui.session import Session


class LpTuiApp(App[int]):
    TITLE = "lp-tui"
    COMMANDS = App.COMMANDS | {PresetCommands, HistoryCommands}
    CSS_PATH = ["screens/compose.tcss"]  # the default screen's stylesheet (Textual loads Screen.CSS_PATH only on push)
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "settings", "Setup", tooltip="Connection settings"),
        Binding("f3", "presets", "Presets"),
        Binding("f4", "history", "History"),
    ]

    def __init__(self, session: Session, saved: SavedDraft | None = None) -> None:
        super().__init__()
        self.session = session
        self.saved = saved

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

    # --- actions ------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_settings(self) -> None:
        from lp_tui.ui.screens.settings import SettingsScreen

        note = ""
        if self.session.use_sandbox:
            note = ("This session runs on the built-in sandbox. Saved credentials take effect now if they are "
                    "complete" + (" (started with --sandbox: on the next start without it)." if
                                  self.session.forced_sandbox else "."))
        self.push_screen(SettingsScreen(self.session.file_conn, note), self._settings_done)

    def _settings_done(self, conn: Connection | None) -> None:
        if conn is not None:
            self.save_settings(conn)

    @work(exclusive=True, group="settings", exit_on_error=False)
    async def save_settings(self, conn: Connection) -> None:
        from lp_tui.store import settings
        from lp_tui.store.atomic import StoreError

        self.session.file_conn = conn
        if not self.session.forced_sandbox:
            self.session.use_sandbox = not conn.is_configured()
        await self.session.reconnect()
        composer = self.composer
        composer.update_status()
        composer.refresh_preview()
        try:
            await self.run_in_thread(settings.save, conn, self.session.settings_path, self.session.settings_bad_file)
        except StoreError as exc:
            self.notify(f"{exc}. The settings apply to this session only.", title="Settings not saved",
                        severity="error", timeout=10)
            return
        self.session.settings_bad_file = False
        self.notify(f"Saved to {self.session.settings_path} (mode 0600).", title="Settings saved")

    async def run_in_thread(self, fn: Any, *args: Any) -> Any:
        import asyncio

        return await asyncio.to_thread(fn, *args)

    def action_presets(self) -> None:
        from lp_tui.ui.screens.presets import PresetsScreen

        self.push_screen(PresetsScreen(self.session.presets_dir, self.composer.draft), self._preset_chosen)

    def _preset_chosen(self, preset: presets.Preset | None) -> None:
        if preset is not None:
            self.load_preset(preset)

    def load_preset(self, preset: presets.Preset) -> None:
        self.run_worker(self.composer.load_draft(preset.draft, f"Loaded preset {preset.name}."), group="fill")

    def action_history(self) -> None:
        from lp_tui.ui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(self.session.history), self._history_chosen)

    def _history_chosen(self, choice: tuple[str, dict[str, Any]] | None) -> None:
        if choice is not None:
            self.history_action(*choice)

    def history_action(self, what: str, entry: dict[str, Any]) -> None:
        """Load a history entry into the form, or re-send its exact body."""
        body = entry.get("request", {}).get("body", "")
        if entry.get("action") != "create conversation":
            self.notify("Only 'create conversation' entries can be loaded or re-sent.", severity="warning")
            return
        if what == "resend":
            self.composer.resend_raw(body)
            return
        import json

        from lp_tui.model.reverse import draft_from_payload

        try:
            payload = json.loads(body)
        except ValueError:
            self.notify("That entry's body is not valid JSON; re-send it instead.", severity="warning")
            return
        draft, lost = draft_from_payload(payload, self.session.conn.account_id or None)
        note = "Loaded the request from history." + (" Not representable: " + "; ".join(lost) if lost else "")
        self.run_worker(self.composer.load_draft(draft, note), group="fill")

    # --- command palette ------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        composer = self.composer
        yield SystemCommand("Send request", "Domain lookup, AppJWT, ConsumerJWS, then POST (Ctrl+S)", composer.action_send)
        yield SystemCommand("Close conversation", "Close the conversation this session opened (Ctrl+R)",
                            composer.action_close_conversation)
        yield SystemCommand("Send a message", "Publish a text message to the open conversation (Ctrl+T)",
                            composer.action_message)
        yield SystemCommand("New consumer id", "Switch to a fresh external consumer id (Ctrl+N)",
                            composer.action_new_consumer)
        yield SystemCommand("Copy conversationId", "Copy the last conversationId (Ctrl+B)", composer.action_copy_id)
        yield SystemCommand("Toggle raw mode", "Edit the JSON body directly (F6)", composer.action_toggle_raw)
        yield SystemCommand("Clear the form", "Start a new, empty draft (F7)", composer.action_clear_draft)
        yield SystemCommand("Settings", "Account, credentials, timeouts, retries (F2)", self.action_settings)
        yield SystemCommand("Presets", "Load, save as, duplicate, delete (F3)", self.action_presets)
        yield SystemCommand("History", "Past sends: view, load, re-send (F4)", self.action_history)
        yield SystemCommand("Help", "Every key (F1)", self.action_help)

    def on_unmount(self) -> None:
        """Last save of the draft on the way out (the autosave normally has it already)."""
        try:
            from lp_tui.store import drafts

            drafts.write(self.session.draft_path, self.composer.snapshot())
        except Exception:
            pass


def make_app(session: Session, saved: SavedDraft | None = None) -> LpTuiApp:
    return LpTuiApp(session, saved)


__all__ = ["LpTuiApp", "make_app", "Draft"]
