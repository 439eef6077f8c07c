"""The dialogs of the Timeline's consumer keys (``ui/consumer.py``): choose a value, write a message (the typing
state follows the keys), edit a raw SEND body with LivePerson's schema findings. Imported when first opened."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea

from lp_tui.ui.plain import plain
from lp_tui.ui.screens.dialogs import DIALOG_CSS


class ChoiceScreen(ModalScreen[str | None]):
    """Choose one of a few values (chat states, a quick reply's buttons); Escape chooses none."""

    DEFAULT_CSS = (DIALOG_CSS.replace("{name}", "ChoiceScreen")
                   + "ChoiceScreen OptionList { height: auto; max-height: 12; }")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, label: str, choices: list[str]) -> None:
        super().__init__()
        self.title_text, self.label, self.choices = title, label, choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text, one_line=True), classes="title")
            yield Static(plain(self.label))
            yield OptionList(*[plain(c, one_line=True, limit=80) for c in self.choices], id="choices")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageScreen(ModalScreen["tuple[str, list[Any] | None] | None"]):
    """A message for the consumer, with conversation metadata if wanted; the typing state follows the keys."""

    DEFAULT_CSS = DIALOG_CSS.replace("{name}", "MessageScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, target: str, typing: Any, text: str = "", metadata: str = "") -> None:
        """``typing`` is a ``ui.consumer.Typing``: told of each key. ``text`` and ``metadata``: what was
        typed the last time the dialog was left with Escape (nothing typed is lost)."""
        super().__init__()
        self.target, self.typing = target, typing
        self.text, self.metadata = text, metadata

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Say as the consumer", classes="title")
            yield Static(plain(f"A message in {self.target}; the agent sees the consumer typing as you type."))
            yield Input(self.text, placeholder="Hello, I need your support", id="message-text")
            yield Static("Conversation metadata (optional JSON array), e.g. "
                         '[{"type": "ExternalId", "id": "order-1234"}]:')
            yield Input(self.metadata, placeholder="", id="message-metadata")
            yield Static("", id="prompt-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Send", id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#message-text", Input).focus()

    @on(Input.Changed, "#message-text")
    def _typed(self, event: Input.Changed) -> None:
        if event.value:
            self.typing.key(self)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        from lp_tui.limits import TooDeep, loads_json
        from lp_tui.model.events import metadata_list

        text = self.query_one("#message-text", Input).value
        given = self.query_one("#message-metadata", Input).value.strip()
        error = self.query_one("#prompt-error", Static)
        if not text:
            error.update("Write the message first.")
            return
        metadata = None
        if given:
            try:
                metadata = metadata_list(loads_json(given, strict_numbers=True))
            except TooDeep as exc:
                error.update(plain(f"Metadata: the JSON is {exc}."))
                return
            except ValueError as exc:
                error.update(plain(f"Metadata: {exc}. Fix it, or clear it to send without metadata."))
                return
        self.dismiss((text, metadata))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.text = self.query_one("#message-text", Input).value  # kept for the next time (see __init__)
        self.metadata = self.query_one("#message-metadata", Input).value
        self.dismiss(None)


class RawSendScreen(ModalScreen[str | None]):
    """Any SEND body: LivePerson's schema findings shown as you edit; sending one that breaks it asks first."""

    DEFAULT_CSS = DIALOG_CSS.replace("{name}", "RawSendScreen") + """
    RawSendScreen > Vertical { width: 100; height: 90%; }
    RawSendScreen TextArea { height: 1fr; }
    RawSendScreen #raw-findings { height: auto; max-height: 8; overflow-y: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, body: str) -> None:
        super().__init__()
        self.body = body
        self.findings: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Raw SEND body", classes="title")
            yield Static("Sent exactly as written to …/conversation/send. Checked against LivePerson's schemas "
                         "as you type; the findings warn, they never block.")
            yield TextArea(self.body, language=None, id="raw-send-body", show_line_numbers=True)
            yield Static("", id="raw-findings")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Send", id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self._check()
        self.query_one(TextArea).focus()

    @on(TextArea.Changed)
    def _check(self) -> None:
        from rich.text import Text

        from lp_tui.limits import TooDeep, loads_json
        from lp_tui.model.validate import ERROR, Finding, validate_send

        text = self.query_one(TextArea).text
        try:
            self.findings = validate_send(loads_json(text))
        except TooDeep as exc:
            self.findings = [Finding(ERROR, "$", f"the body is {exc}")]
        except ValueError as exc:
            self.findings = [Finding(ERROR, "$", f"the body is not JSON ({exc})", "LivePerson will answer 400")]
        shown = Text()
        for finding in self.findings[:20]:
            style = {"error": "bold red", "warning": "yellow"}.get(finding.level, "dim")
            shown.append_text(plain(finding.line(), style, one_line=True, limit=300))
            shown.append("\n")
        if not self.findings:
            shown.append("No findings: the body meets LivePerson's SEND schema.", style="green")
        self.query_one("#raw-findings", Static).update(shown)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        from lp_tui.model.validate import ERROR, WARNING
        from lp_tui.ui.screens.dialogs import ConfirmScreen

        text = self.query_one(TextArea).text
        bad = [f for f in self.findings if f.level in (ERROR, WARNING)]
        if not bad:
            self.dismiss(text)
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.dismiss(text)

        self.app.push_screen(ConfirmScreen("Send it anyway?", f"The body breaks LivePerson's SEND schema "
                                           f"({len(bad)} finding(s): {bad[0].line()}). LivePerson will likely "
                                           "refuse it. Send it exactly as it is?", yes="Send anyway"), done)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.body = self.query_one(TextArea).text  # kept: the next raw SEND starts from it
        self.dismiss(None)
