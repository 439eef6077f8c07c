"""Two history entries side by side: their requests and responses, differences marked.

The rows are worked out once (``lp_tui.export.diff``, pure); ``n`` and ``p`` jump between
differences, ``c`` copies the unified diff (the same text ``lp-tui diff`` prints).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from lp_tui.export.diff import count_differences, label, side_by_side, unified
from lp_tui.ui.plain import add, plain
from lp_tui.ui.widgets.diff_view import DiffView


class DiffScreen(ModalScreen[None]):
    CSS_PATH = "diff.tcss"
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("n", "next_difference(1)", "Next difference"),
        Binding("p", "next_difference(-1)", "Previous difference"),
        Binding("c", "copy_diff", "Copy unified diff"),
    ]

    def __init__(self, left: dict[str, Any], right: dict[str, Any]) -> None:
        super().__init__()
        self.left, self.right = left, right
        self.rows = side_by_side(left, right)
        self.count = count_differences(self.rows)

    def compose(self) -> ComposeResult:
        with Vertical():
            title = Text("Diff of two sends", style="bold")
            title.append("  (what always differs is left out: ids, times, date…)", style="dim")
            yield Label(title, classes="title")
            with Horizontal(id="diff-heads"):
                yield Label(add(Text("A  ", style="bold"), label(self.left), one_line=True, limit=70),
                            id="diff-left-head")
                yield Label(add(Text("B  ", style="bold"), label(self.right), one_line=True, limit=70),
                            id="diff-right-head")
            yield DiffView(self.rows, id="diff-view")
            yield Static(self._summary(), id="diff-summary")
            with Horizontal(classes="buttons"):
                yield Button("Next difference", id="next", compact=True)
                yield Button("Copy unified diff", id="copy", compact=True)
                yield Button("Close", id="close", variant="primary", compact=True)

    def _summary(self) -> Text:
        if not self.count:
            return plain("The two sends are the same (ids, times and timings aside).")
        text = Text(f"{self.count} line{'s' if self.count != 1 else ''} differ: ")
        text.append("~ changed", style="bold yellow")
        text.append("  ")
        text.append("- only in A", style="bold red")
        text.append("  ")
        text.append("+ only in B", style="bold green")
        text.append("   n / p: next / previous difference", style="dim")
        return text

    def on_mount(self) -> None:
        view = self.query_one(DiffView)
        view.focus()
        starts = view.differences()
        if starts:
            self.call_after_refresh(view.scroll_to, 0, max(starts[0] - 3, 0), animate=False)

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next_difference(1)

    def action_next_difference(self, step: int = 1) -> None:
        view = self.query_one(DiffView)
        starts = view.differences()
        if not starts:
            self.notify("No differences.")
            return
        top = int(view.scroll_offset.y) + 3
        if step > 0:
            target = next((s for s in starts if s > top), starts[0])
        else:
            target = next((s for s in reversed(starts) if s < top), starts[-1])
        view.scroll_to(0, max(target - 3, 0), animate=False)

    @on(Button.Pressed, "#copy")
    def action_copy_diff(self) -> None:
        from lp_tui.ui.clipboard import copy

        copy(self.app, unified(self.left, self.right), "the unified diff (as `lp-tui diff` prints it)")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
