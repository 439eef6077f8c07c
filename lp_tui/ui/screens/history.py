"""History of sends: list, view one, load it into the form, re-send it."""

from __future__ import annotations

import json
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from lp_tui.store.history import History
from lp_tui.ui.widgets.json_view import JsonView


def entry_title(entry: dict[str, Any]) -> Text:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.get("time", 0)))
    status = entry.get("response", {}).get("status")
    text = Text()
    text.append(f"{when}  ", style="dim")
    text.append(f"{status}", style="bold green" if entry.get("ok") else "bold red")
    text.append(f"  {entry.get('action', '')}")
    if entry.get("conversation_id"):
        text.append(f"  {entry['conversation_id']}", style="cyan")
    return text


def entry_detail(entry: dict[str, Any]) -> str:
    request, response = entry.get("request", {}), entry.get("response", {})
    body = request.get("body", "")
    try:
        body = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except (ValueError, TypeError):
        pass
    rbody = response.get("body", "")
    try:
        rbody = json.dumps(json.loads(rbody), ensure_ascii=False, indent=2)
    except (ValueError, TypeError):
        pass
    lines = [f"POST {request.get('url', '')}"]
    lines += [f"{k}: {v}" for k, v in request.get("headers", {}).items()]
    lines += ["", body, "", f"→ HTTP {response.get('status')}", rbody, "", "Steps:"]
    lines += [f"  {s}" for s in entry.get("steps", [])]
    if entry.get("explanations"):
        lines += ["", "Explained: " + "; ".join(entry["explanations"])]
    return "\n".join(lines)


class HistoryScreen(ModalScreen[tuple[str, dict[str, Any]] | None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("l", "load", "Load into form"),
        Binding("r", "resend", "Re-send"),
    ]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self.entries: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"History (newest first; kept in {self.history.path}, at most {self.history.limit})",
                        classes="title")
            yield OptionList(id="history-list")
            yield Static("", id="history-problems")
            yield JsonView("Loading…", id="history-detail")
            with Horizontal(classes="buttons"):
                yield Button("Load into form", id="load", variant="primary")
                yield Button("Re-send", id="resend", variant="warning")
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        entries, problems = self.history.load()
        self.app.call_from_thread(self._show, list(reversed(entries)), problems)

    def _show(self, entries: list[dict[str, Any]], problems: list[str]) -> None:
        self.entries = entries
        options = self.query_one(OptionList)
        options.clear_options()
        for i, entry in enumerate(entries):
            options.add_option(Option(entry_title(entry), id=str(i)))
        self.query_one("#history-problems", Static).update("\n".join(problems))
        if entries:
            options.highlighted = 0
            options.focus()
        else:
            self.query_one(JsonView).set_text("No sends yet. Every send is recorded here, secrets masked.")

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = int(event.option.id or 0)
        if index < len(self.entries):
            self.query_one(JsonView).set_text(entry_detail(self.entries[index]), keep_scroll=False)

    def _chosen(self) -> dict[str, Any] | None:
        index = self.query_one(OptionList).highlighted
        return self.entries[index] if index is not None and index < len(self.entries) else None

    @on(Button.Pressed, "#load")
    def action_load(self) -> None:
        entry = self._chosen()
        if entry:
            self.dismiss(("load", entry))

    @on(Button.Pressed, "#resend")
    def action_resend(self) -> None:
        entry = self._chosen()
        if entry:
            self.dismiss(("resend", entry))

    @on(Button.Pressed, "#close")
    def action_cancel(self) -> None:
        self.dismiss(None)
