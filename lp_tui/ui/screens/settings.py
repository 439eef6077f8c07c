"""Settings: profiles and their connection settings, every row from the one connection table.

Values from the environment are shown as such, read-only, and never written; the profile's own
stored value stays in the file. Secrets are masked and cannot be copied out of their fields.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from lp_tui.model.connection import (
    FLAG,
    SANDBOX_PROFILE,
    SETTINGS,
    Setting,
    SettingError,
    check_profile_name,
)
from lp_tui.ui.plain import plain
from lp_tui.ui.screens.dialogs import DIALOG_CSS, PromptScreen
from lp_tui.ui.session import Session, new_consumer_id

NEW_PROFILE = "__new__"


class SecretInput(Input):
    """A password field whose value never leaves it: copy and cut are refused."""

    def action_copy(self) -> None:
        self.notify("Secrets are not copied out of lp-tui.", severity="warning")

    def action_cut(self) -> None:
        self.notify("Secrets are not copied out of lp-tui.", severity="warning")


class SettingsScreen(ModalScreen[tuple[str, dict[str, Any], bool] | None]):
    """Dismisses with (profile, changes by setting name, use it now) or None."""

    CSS_PATH = "settings.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.profiles = list(session.settings.names())
        if session.profile not in self.profiles:
            self.profiles.append(session.profile)
        self.profile = session.profile

    # --- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="settings-box"):
            with Horizontal(id="settings-head"):
                yield Label("Profile", id="profile-label")
                yield Select(self._profile_options(), value=self.profile, allow_blank=False, id="s-profile",
                             compact=True)
                yield Checkbox("Use it now", value=True, id="s-use", compact=True,
                               tooltip="Switch to this profile when saving, and start with it next time")
            yield Static(id="settings-note")
            yield VerticalScroll(id="settings-rows", can_focus=False)  # a Tab stop nobody could see
            yield Static("", id="settings-error")
            yield Static("", id="settings-help")  # the focused setting's help, whole (a placeholder is cut)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Save", id="save", variant="primary", compact=True)

    def _profile_options(self) -> list[tuple[str, str]]:
        options = [(("sandbox (built in)" if name == SANDBOX_PROFILE else name), name) for name in self.profiles]
        return options + [("New profile…", NEW_PROFILE)]

    async def on_mount(self) -> None:
        await self._show_profile()

    async def _show_profile(self) -> None:
        rows = self.query_one("#settings-rows", VerticalScroll)
        await rows.remove_children()
        stored = self.session.settings.values(self.profile)
        sandbox = self.profile == SANDBOX_PROFILE
        note = self.query_one("#settings-note", Static)
        if sandbox:
            note.update("The built-in sandbox supplies the account, the address and the credentials; "
                        "here you set how lp-tui talks to it.")
        else:
            note.update("A flag beats an LP_* environment variable, which beats what is saved here.")
        widgets = []
        env = self.session.environ
        import os

        environ = os.environ if env is None else env
        for setting in SETTINGS:
            if sandbox and setting.connection and setting.name != "ext_consumer_id":
                continue
            from_env = bool(setting.env and environ.get(setting.env)) and not (sandbox and setting.connection
                                                                                  and setting.name != "ext_consumer_id")
            value = stored.get(setting.name)
            text = setting.text(value) if value is not None else ""
            if from_env:  # what is in force; the profile's own value stays in the file, untouched
                text = str(environ.get(setting.env or "", ""))
            row = Horizontal(classes="row")
            field = self._field(setting, text, from_env)
            parts: list[Any] = [Label(setting.label), field]
            if from_env:
                parts.append(Static(plain(f"from ${setting.env}", one_line=True), classes="source"))
            elif setting.name == "ext_consumer_id":
                parts.append(Button("Generate", id="generate", compact=True))
            widgets.append((row, parts))
        for row, parts in widgets:
            await rows.mount(row)
            await row.mount_all(parts)

    def _field(self, setting: Setting, text: str, from_env: bool) -> Any:
        ident = f"s-{setting.name.replace('.', '-')}"
        if setting.kind == FLAG:
            return Checkbox(value=text == "true", id=ident, compact=True, disabled=from_env, tooltip=setting.help)
        if setting.choices:
            return Select([(c, c) for c in setting.choices], value=text or setting.default, allow_blank=False,
                          id=ident, compact=True, disabled=from_env, tooltip=setting.help)
        cls = SecretInput if setting.secret else Input
        default = setting.text(setting.default) if setting.default not in (None, "", []) else ""
        hint = f"default {default} · {setting.help}" if default else setting.help  # what an empty field means
        return cls(text, password=setting.secret, id=ident, placeholder=hint, disabled=from_env,
                   tooltip=setting.help, compact=True)

    def on_descendant_focus(self, event: Any) -> None:
        """The help line shows what the focused setting is for, with its default."""
        ident = getattr(event.widget, "id", None) or ""
        setting = next((s for s in SETTINGS if f"s-{s.name.replace('.', '-')}" == ident), None)
        text = ""
        if setting is not None:
            default = setting.text(setting.default) if setting.default not in (None, "", []) else ""
            text = f"{setting.label}: {setting.help}" + (f" Empty means {default}." if default else "")
        elif ident == "s-use":
            text = "Use it now: switch to this profile when saving, and start with it next time."
        self.query_one("#settings-help", Static).update(plain(text))

    # --- actions --------------------------------------------------------------------------------
    @on(Select.Changed, "#s-profile")
    async def _profile_changed(self, event: Select.Changed) -> None:
        value = str(event.value)
        if value == NEW_PROFILE:
            self.app.push_screen(PromptScreen("New profile", "Name (letters, digits, . _ -):",
                                              placeholder="qa", ok="Create"), self._new_profile)
            return
        if value != self.profile:
            self.profile = value
            await self._show_profile()

    def _new_profile(self, name: str | None) -> None:
        select = self.query_one("#s-profile", Select)
        if not name:
            select.value = self.profile
            return
        try:
            check_profile_name(name.strip())
        except SettingError as exc:
            self.query_one("#settings-error", Static).update(plain(str(exc)))
            select.value = self.profile
            return
        name = name.strip()
        if name not in self.profiles:
            self.profiles.append(name)
        select.set_options(self._profile_options())
        select.value = name

    @on(Button.Pressed, "#generate")
    def _generate(self) -> None:
        self.query_one("#s-ext_consumer_id", Input).value = new_consumer_id()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            changes = self._collect()
        except SettingError as exc:
            self.query_one("#settings-error", Static).update(Text.assemble(("Not saved: ", "bold"), plain(str(exc))))
            return
        self.dismiss((self.profile, changes, self.query_one("#s-use", Checkbox).value))

    def _collect(self) -> dict[str, Any]:
        """What the user changed, typed; values left alone are not touched in the file."""
        stored = self.session.settings.values(self.profile)
        changes: dict[str, Any] = {}
        for setting in SETTINGS:
            found = self.query(f"#s-{setting.name.replace('.', '-')}")
            if not found:
                continue
            widget: Any = found.first()
            if widget.disabled:
                continue
            if isinstance(widget, Checkbox):
                value: Any = widget.value
                if value == bool(stored.get(setting.name, setting.default)):
                    continue
            else:
                text = str(widget.value) if not isinstance(widget, Select) else str(widget.value)
                before = stored.get(setting.name)
                if text == (setting.text(before) if before is not None else ""):
                    continue
                try:
                    value = setting.parse(text, "") if text.strip() else None
                except SettingError as exc:
                    raise SettingError(f"{setting.label}: {exc}") from None
            changes[setting.name] = value
        return changes


class SettingsConflictScreen(ModalScreen[str | None]):
    """Another lp-tui saved some of the same settings since this window read them: whose wins?

    Dismisses with "mine", "theirs", or None (nothing written; this window's values apply to this
    session only). Secrets are shown masked."""

    DEFAULT_CSS = DIALOG_CSS.replace("{name}", "SettingsConflictScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, conflicts: list[Any]) -> None:
        super().__init__()
        self.conflicts = conflicts

    def compose(self) -> ComposeResult:
        lines = [f"{c.where}: mine {c.mine} · theirs {c.theirs}" for c in self.conflicts[:12]]
        if len(self.conflicts) > 12:
            lines.append(f"… and {len(self.conflicts) - 12} more")
        with Vertical():
            yield Label("Settings changed in another window", classes="title")
            yield Static(plain("Another lp-tui saved these settings since this window read them, to other "
                               "values than yours:\n" + "\n".join(lines) + "\nEverything else is merged."))
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Take theirs", id="theirs", compact=True)
                yield Button("Keep mine", id="mine", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#mine")
    def keep_mine(self) -> None:
        self.dismiss("mine")

    @on(Button.Pressed, "#theirs")
    def take_theirs(self) -> None:
        self.dismiss("theirs")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
