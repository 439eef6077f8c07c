"""Preset picker: built-in and user presets with descriptions; load, save as, duplicate, delete."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from lp_tui import paths
from lp_tui.model import presets
from lp_tui.model.draft import Draft
from lp_tui.store import presets as preset_files
from lp_tui.ui.plain import add, plain
from lp_tui.ui.screens.dialogs import ConfirmScreen, PromptScreen


class PresetsScreen(ModalScreen[presets.Preset | None]):
    CSS_PATH = "presets.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("enter", "load", "Load", show=False),
        Binding("s", "save_as", "Save current as…"),
        Binding("d", "duplicate", "Duplicate"),
        Binding("delete", "delete", "Delete"),
        Binding("r", "run_checks", "Run checks…"),
    ]

    def __init__(self, directory: Path, current: Draft, raw: str | None = None) -> None:
        """``raw``: the raw-mode body when the composer is in raw mode ("Save current as…" keeps it exactly)."""
        super().__init__()
        self.directory = directory
        self.current = current
        self.raw = raw
        self.items: list[presets.Preset] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Presets (Enter loads; yours live in {paths.shown(self.directory)})", one_line=True), classes="title")
            yield OptionList(id="preset-list")
            yield Static("", id="preset-problems")
            with Horizontal(classes="buttons"):
                yield Button("Load", id="load", variant="primary", compact=True)
                yield Button("Save current as…", id="save-as", compact=True)
                yield Button("Duplicate…", id="duplicate", compact=True)
                yield Button("Delete", id="delete", variant="error", compact=True)
                yield Button("Run checks…", id="run-checks", compact=True)
                yield Button("Close", id="close", compact=True)

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
        for i, preset in enumerate(items):
            text = Text()
            add(text, preset.name, "bold", one_line=True, limit=64)
            text.append("  built-in" if preset.builtin else "  yours", style="dim")
            add(text, f"\n  {preset.description}", limit=500)
            options.add_option(Option(text, id=str(i)))
        self.query_one("#preset-problems", Static).update(plain("\n".join(problems)))
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
        self.app.push_screen(SavePresetScreen(raw=self.raw is not None), self._save_as_done)

    def _save_as_done(self, answer: SaveAnswer | None) -> None:
        if answer:
            self._save(presets.Preset(answer.name, answer.description, self.current.copy(), raw=self.raw,
                                      expect=answer.expect))

    @on(Button.Pressed, "#duplicate")
    def action_duplicate(self) -> None:
        source = self._chosen()
        if source is None:
            return

        def done(name: str | None) -> None:
            if name:
                self._save(presets.Preset(name.strip(), source.description, source.draft.copy(), raw=source.raw,
                                          expect=source.expect))

        self.app.push_screen(PromptScreen(f"Duplicate {source.name}", "New name:", f"{source.name}-copy", ok="Duplicate",
                                          check=lambda text: presets.check_name(text.strip())), done)

    @work(thread=True, group="presets-io", exit_on_error=False)
    def _save(self, preset: presets.Preset) -> None:
        try:
            path = preset_files.save(preset, self.directory)
        except (presets.PresetError, OSError) as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Preset not saved", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Saved {path}", title="Preset saved")
        self.refresh_list(preset.name)

    @on(Button.Pressed, "#run-checks")
    def action_run_checks(self) -> None:
        """Run a folder of presets with [expect] tables (empty: the built-in edge cases) with live results."""
        from lp_tui.ui.screens.checks import ChecksScreen

        def done(folder: str | None) -> None:
            if folder is not None:
                target = os.path.expandvars(folder.strip())
                from lp_tui.ui.app import LpTuiApp

                app = self.app
                assert isinstance(app, LpTuiApp)
                app.push_screen(ChecksScreen(app.session, [target] if target else []))

        # the field holds a real folder (yours, when it has checks) or nothing: what shows is what runs
        value = str(self.directory) if any(p.expect is not None and not p.builtin for p in self.items) else ""
        self.app.push_screen(PromptScreen(
            "Run checks", "Folder of presets with [expect] tables; leave it empty to run the built-in edge cases. "
            "Each check is sent with a fresh consumer on the current profile, and what it opens is closed.", value,
            placeholder="empty: the built-in edge cases", ok="Run"), done)

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
                self._delete(preset)

        self.app.push_screen(ConfirmScreen("Delete preset", f"Delete your preset {preset.name!r} ({paths.shown(preset.path or '')})? "
                                           "This cannot be undone.", yes="Delete"), done)

    @work(thread=True, group="presets-io", exit_on_error=False)
    def _delete(self, preset: presets.Preset) -> None:
        try:
            preset_files.delete(preset, self.directory)
        except (presets.PresetError, OSError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.refresh_list()


@dataclass
class SaveAnswer:
    name: str
    description: str
    expect: dict[str, Any] | None = None


class SavePresetScreen(ModalScreen[SaveAnswer | None]):
    """Name, description and (when saving from an answer) the ``[expect]`` table, editable as TOML;
    stays open, saying why, on a bad name or a bad table. In raw mode it says the body is kept exactly."""

    DEFAULT_CSS = """
    SavePresetScreen { align: center middle; }
    SavePresetScreen > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                                  background: $panel; padding: 1 2; }
    SavePresetScreen .title { text-style: bold; margin-bottom: 1; }
    SavePresetScreen #save-error { color: $error; height: auto; }
    SavePresetScreen #save-expect { height: 6; }  /* the buttons stay on an 80×24 screen */
    SavePresetScreen Input.-textual-compact { margin-bottom: 1; }
    SavePresetScreen .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    SavePresetScreen .buttons Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, raw: bool = False, expect: dict[str, Any] | None = None, name: str = "",
                 description: str = "") -> None:
        super().__init__()
        self.raw, self.expect, self.name_value, self.description_value = raw, expect, name, description

    def compose(self) -> ComposeResult:
        with Vertical():
            title = "Save the raw body as a preset (kept exactly as written)" if self.raw else \
                "Save the current draft as a preset"
            if self.expect is not None:
                title = "Save as preset with expectations" + (" (raw body, kept exactly)" if self.raw else "")
            yield Label(title, classes="title")
            yield Label("Name (letters, digits, . _ -):")
            yield Input(self.name_value, placeholder="my-edge-case", id="save-name", compact=self.expect is not None)
            yield Label("Description (what it tests, shown in the list):")
            yield Input(self.description_value, placeholder="ctype with a trailing space, for the routing bug",
                        id="save-description", compact=self.expect is not None)  # compact: the table and
            # the buttons fit an 80×24 screen below them
            if self.expect is not None:
                from textual.widgets import TextArea

                yield Static("\\[expect] for `lp-tui check`: what came back (edit or delete lines):")
                yield TextArea(expect_toml(self.expect), id="save-expect", soft_wrap=False)
            yield Static("", id="save-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="save-cancel", compact=True)
                yield Button("Save", id="save-ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#save-name", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save-ok")
    def _ok(self) -> None:
        name = self.query_one("#save-name", Input).value.strip()
        description = self.query_one("#save-description", Input).value.strip()
        problem = presets.check_name(name) or (
            f"the description is longer than {presets.MAX_DESCRIPTION} characters"
            if len(description) > presets.MAX_DESCRIPTION else None)
        expect = None
        if problem is None and self.expect is not None:
            from textual.widgets import TextArea

            expect, problem = parse_expect_text(self.query_one("#save-expect", TextArea).text)
        if problem:
            self.query_one("#save-error", Static).update(plain(problem))
            if not name or presets.check_name(name):
                self.query_one("#save-name", Input).focus()
            return
        default = "Saved from the raw editor" if self.raw else "Saved from the form"
        self.dismiss(SaveAnswer(name, description or default, expect))

    @on(Button.Pressed, "#save-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def expect_toml(expect: dict[str, Any]) -> str:
    """The ``[expect]`` table's body as TOML lines, for editing."""
    import tomli_w

    return tomli_w.dumps(expect)


def parse_expect_text(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """(the table, None) or (None, the problem): an empty text saves no [expect] table."""
    from lp_tui.model import tomlio
    from lp_tui.model.draft import FieldError
    from lp_tui.model.expect import parse_expect

    if not text.strip():
        return None, None
    try:
        data = tomlio.loads(text, "[expect]")
        parse_expect(data)
    except (tomlio.TomlFileError, FieldError, ValueError) as exc:
        return None, f"{exc}"
    return data, None
