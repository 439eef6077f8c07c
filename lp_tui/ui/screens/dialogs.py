"""Small modal dialogs: confirm (yes/no) and prompt (one line of text)."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from lp_tui.ui.plain import plain

DIALOG_CSS = """
{name} { align: center middle; }
{name} > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $primary; background: $panel; padding: 1 2; }
{name} #prompt-error { color: $error; height: auto; }
{name} .title { text-style: bold; margin-bottom: 1; }
{name} .buttons { height: auto; margin-top: 1; align-horizontal: right; }
{name} .buttons Button { width: auto; min-width: 8; margin-left: 2; }
"""


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = DIALOG_CSS.replace("{name}", "ConfirmScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("y", "confirm", "Yes", show=False)]

    def __init__(self, title: str, message: str, yes: str = "Yes", no: str = "Cancel") -> None:
        super().__init__()
        self.title_text, self.message, self.yes, self.no = title, message, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text, one_line=True), classes="title")
            yield Static(plain(self.message))
            with Horizontal(classes="buttons"):
                yield Button(self.no, id="no", compact=True)
                yield Button(self.yes, id="yes", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptScreen(ModalScreen[str | None]):
    DEFAULT_CSS = DIALOG_CSS.replace("{name}", "PromptScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, label: str, value: str = "", placeholder: str = "", ok: str = "OK",
                 check: Callable[[str], str | None] | None = None) -> None:
        """``check`` returns a problem with the text (the dialog stays open and says it), or None."""
        super().__init__()
        self.title_text, self.label, self.value, self.placeholder, self.ok = title, label, value, placeholder, ok
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text, one_line=True), classes="title")
            yield Static(plain(self.label), classes="prompt-label")  # wraps: a long label is never cut
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button(self.ok, id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        value = self.query_one(Input).value
        problem = self.check(value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(plain(problem))
            return
        self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
