"""Preset picker: built-in and user presets with descriptions; load, save as, duplicate, delete."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from lp_tui.model import presets
from lp_tui.model.draft import Draft
from lp_tui.ui.screens.dialogs import ConfirmScreen, PromptScreen


class PresetsScreen(ModalScreen[presets.Preset | None]):
    CSS_PATH = "presets.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("enter", "load", "Load", show=False),
        Binding("s", "save_as", "Save current as…"),
        Binding("d", "duplicate", "Duplicate"),
        Binding("delete", "delete", "Delete"),
    ]

    def __init__(self, directory: Path, current: Draft) -> None:
        super().__init__()
        self.directory = directory
        self.current = current
        self.items: list[presets.Preset] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Presets (Enter loads; user presets live in " + str(self.directory) + ")", classes="title")
            yield OptionList(id="preset-list")
            yield Static("", id="preset-problems")
            with Horizontal(classes="buttons"):
                yield Button("Load", id="load", variant="primary")
                yield Button("Save current as…", id="save-as")
                yield Button("Duplicate…", id="duplicate")
                yield Button("Delete", id="delete", variant="error")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.refresh_list()

    @work(thread=True, exclusive=True, group="presets-io", exit_on_error=False)
    def refresh_list(self, select: str | None = None) -> None:
        items, problems = presets.all_presets(self.directory)
        self.app.call_from_thread(self._show, items, problems, select)

    def _show(self, items: list[presets.Preset], problems: list[str], select: str | None) -> None:
        self.items = items
        options = self.query_one(OptionList)
        options.clear_options()
        for preset in items:
            text = Text()
            text.append(preset.name, style="bold")
            text.append("  built-in" if preset.builtin else "  user", style="dim")
            text.append(f"\n  {preset.description}")
            options.add_option(Option(text, id=preset.name))
        self.query_one("#preset-problems", Static).update("\n".join(problems))
        names = [p.name for p in items]
        if select in names:
            options.highlighted = names.index(select)
        elif items:
            options.highlighted = 0
        options.focus()

    def _chosen(self) -> presets.Preset | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    @on(OptionList.OptionSelected)
    @on(Button.Pressed, "#load")
    def action_load(self) -> None:
        preset = self._chosen()
        if preset:
            self.dismiss(preset)

    @on(Button.Pressed, "#close")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save-as")
    def action_save_as(self) -> None:
        def done(name: str | None) -> None:
            if name:
                self._save(presets.Preset(name.strip(), "Saved from the form", self.current.copy()))

        self.app.push_screen(PromptScreen("Save the current draft as a preset", "Name (letters, digits, . _ -):",
                                          placeholder="my-edge-case", ok="Save"), done)

    @on(Button.Pressed, "#duplicate")
    def action_duplicate(self) -> None:
        source = self._chosen()
        if source is None:
            return

        def done(name: str | None) -> None:
            if name:
                self._save(presets.Preset(name.strip(), source.description, source.draft.copy()))

        self.app.push_screen(PromptScreen(f"Duplicate {source.name}", "New name:", f"{source.name}-copy", ok="Duplicate"),
                             done)

    @work(thread=True, group="presets-io", exit_on_error=False)
    def _save(self, preset: presets.Preset) -> None:
        try:
            path = presets.save(preset, self.directory)
        except (presets.PresetError, OSError) as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Preset not saved", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Saved {path}", title="Preset saved")
        self.refresh_list(preset.name)

    @on(Button.Pressed, "#delete")
    def action_delete(self) -> None:
        preset = self._chosen()
        if preset is None:
            return
        if preset.builtin:
            self.notify("Built-in presets cannot be deleted; duplicate one to change it.", severity="warning")
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._delete(preset.name)

        self.app.push_screen(ConfirmScreen("Delete preset", f"Delete the user preset {preset.name!r}? "
                                           "This cannot be undone.", yes="Delete"), done)

    @work(thread=True, group="presets-io", exit_on_error=False)
    def _delete(self, name: str) -> None:
        try:
            presets.delete(name, self.directory)
        except (presets.PresetError, OSError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.refresh_list()
