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

from lp_tui import paths
from lp_tui.store.history import History
from lp_tui.ui.plain import add, plain
from lp_tui.ui.widgets.json_view import JsonView


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def when_of(entry: dict[str, Any]) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(entry.get("time", 0))))
    except (TypeError, ValueError, OverflowError, OSError):
        return "????-??-?? ??:??:??"


def entry_title(entry: dict[str, Any]) -> Text:
    status = _dict(entry.get("response")).get("status")
    text = Text()
    text.append(f"{when_of(entry)}  ", style="dim")
    add(text, f"{status}", "bold green" if entry.get("ok") is True else "bold red", one_line=True, limit=6)
    add(text, f"  {entry.get('profile', '')}", "dim", as_id=True, limit=34)
    add(text, f"  {entry.get('action', '')}", one_line=True, limit=40)
    if entry.get("conversation_id"):
        add(text, f"  {entry['conversation_id']}", "cyan", as_id=True, limit=70)
    return text


def pretty(value: Any) -> str:
    from lp_tui.limits import loads_json

    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    try:
        return json.dumps(loads_json(value), ensure_ascii=False, indent=2)
    except ValueError:
        return value


def entry_detail(entry: dict[str, Any]) -> str:
    """The entry as text (the JSON view makes it safe to show)."""
    request, response = _dict(entry.get("request")), _dict(entry.get("response"))
    lines = [f"id {entry.get('id', '?')}", f"POST {request.get('url', '')}"]
    lines += [f"{k}: {v}" for k, v in _dict(request.get("headers")).items()]
    lines += ["", pretty(request.get("body", ""))]
    if request.get("truncated"):
        lines.append(f"(the body was {request['truncated']} characters; only its start is kept)")
    lines += ["", f"→ HTTP {response.get('status')}", pretty(response.get("body", ""))]
    if response.get("truncated"):
        lines.append(f"(the body was {response['truncated']} characters; only its start is kept)")
    steps = entry.get("steps")
    lines += ["", "Steps:"] + [f"  {s}" for s in (steps if isinstance(steps, list) else [])]
    explanations = entry.get("explanations")
    if isinstance(explanations, list) and explanations:
        lines += ["", "Explained: " + "; ".join(str(e) for e in explanations)]
    return "\n".join(lines)


class HistoryScreen(ModalScreen[tuple[str, dict[str, Any]] | None]):
    CSS_PATH = "history.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Close"),
        Binding("l", "load", "Load into form"),
        Binding("r", "resend", "Re-send"),
        Binding("c", "close_conversation", "Close conv."),
        Binding("m", "message", "Message"),
        Binding("e", "evidence", "Evidence"),
        Binding("d", "diff", "Diff"),
        Binding("p", "save_preset", "Save as preset"),
    ]

    def __init__(self, history: History) -> None:
        super().__init__()
        self.history = history
        self.entries: list[dict[str, Any]] = []
        self.marked: dict[str, Any] | None = None  # the first entry picked for a diff

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"History (newest first; kept in {paths.shown(self.history.path)}, at most {self.history.limit})",
                              one_line=True), classes="title")
            yield OptionList(id="history-list")
            yield Static("", id="history-problems")
            yield JsonView("Loading…", id="history-detail")
            with Horizontal(classes="buttons"):
                yield Button("Load", id="load", variant="primary", compact=True)
                yield Button("Re-send", id="resend", variant="warning", compact=True)
                yield Button("Close conv.", id="close-conversation", compact=True)
                yield Button("Message", id="message", compact=True)
                yield Button("Evidence", id="evidence", compact=True)
                yield Button("Diff", id="diff", compact=True)
                yield Button("Preset…", id="save-preset", compact=True, tooltip="Save as preset with expectations (p)")
                yield Button("Close", id="close", compact=True)

    def on_mount(self) -> None:
        self._load()

    FIRST = 20  # shown at once, read from the end of the file; the rest follows

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        newest = self.history.load_newest(self.FIRST)
        if newest:
            self.app.call_from_thread(self._show, newest, [], False)
        entries, problems = self.history.load()
        self.app.call_from_thread(self._show, list(reversed(entries)), problems, True)

    def _show(self, entries: list[dict[str, Any]], problems: list[str], complete: bool = True) -> None:
        """Show ``entries`` (newest first); the complete list keeps the highlighted entry and a diff mark."""
        options = self.query_one(OptionList)
        chosen = self._chosen()
        chosen_id = chosen.get("id") if chosen else None
        marked_id = self.marked.get("id") if self.marked else None
        if complete and self.entries and [e.get("id") for e in entries[:len(self.entries)]] == \
                [e.get("id") for e in self.entries]:
            for i, entry in enumerate(entries[len(self.entries):], len(self.entries)):  # the rest, appended
                options.add_option(Option(entry_title(entry), id=str(i)))
            self.entries = entries
        else:
            self.entries = entries
            self.marked = next((e for e in entries if marked_id and e.get("id") == marked_id), None)
            options.clear_options()
            for i, entry in enumerate(entries):
                title = entry_title(entry)
                if entry is self.marked:
                    title = Text("◆ ", style="bold yellow") + title
                options.add_option(Option(title, id=str(i)))
            if entries:
                ids = [e.get("id") for e in entries]
                options.highlighted = ids.index(chosen_id) if chosen_id in ids else 0
        self.query_one("#history-problems", Static).update(plain("\n".join(problems)))
        if entries:
            if options.highlighted is None:
                options.highlighted = 0
            if self.focused is None:
                options.focus()
        elif complete:
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

    @on(Button.Pressed, "#close-conversation")
    def action_close_conversation(self) -> None:
        entry = self._chosen()
        if entry:
            self.dismiss(("close", entry))

    @on(Button.Pressed, "#message")
    def action_message(self) -> None:
        entry = self._chosen()
        if entry:
            self.dismiss(("message", entry))

    @on(Button.Pressed, "#evidence")
    def action_evidence(self) -> None:
        """Evidence of this entry, as Markdown and JSON in the data folder."""
        from lp_tui.ui.exports import save_entry_evidence

        entry = self._chosen()
        if entry:
            save_entry_evidence(self.app, entry)

    @on(Button.Pressed, "#save-preset")
    def action_save_preset(self) -> None:
        """Save as preset with expectations: this entry's request, and [expect] from its answer."""
        from lp_tui.ui.save_preset import save_with_expectations

        entry = self._chosen()
        if entry:
            save_with_expectations(self.app, entry, "That history entry")

    @on(Button.Pressed, "#diff")
    def action_diff(self) -> None:
        """The first press marks an entry; the second, on another entry, shows the two side by side."""
        from lp_tui.ui.screens.diff import DiffScreen

        entry = self._chosen()
        if entry is None:
            return
        if self.marked is None or self.marked is entry:
            self._mark(None if self.marked is entry else entry)
            self.notify("Marked for the diff: highlight another entry and press d." if self.marked
                        else "Diff mark removed.", title="Diff")
            return
        first = self.marked
        self._mark(None)
        self.app.push_screen(DiffScreen(first, entry))

    def _mark(self, entry: dict[str, Any] | None) -> None:
        """Mark one entry for a diff (a ◆ before its title), unmarking any other."""
        options = self.query_one(OptionList)
        for index, shown in enumerate(self.entries):
            if shown is self.marked or shown is entry:
                title = entry_title(shown)
                if shown is entry:
                    title = Text("◆ ", style="bold yellow") + title
                options.replace_option_prompt_at_index(index, title)
        self.marked = entry

    @on(Button.Pressed, "#close")
    def action_cancel(self) -> None:
        self.dismiss(None)
