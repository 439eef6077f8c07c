"""The status bar: profile badge, consumer and address, open conversation, raw mode, a running send.

It shortens gracefully: the consumer and the address go first, so RAW MODE and the
conversationId are never cut.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from lp_tui.ui.plain import add

BADGE = {"yellow": "bold black on yellow", "green": "bold white on dark_green", "red": "bold white on red3",
         "blue": "bold white on blue", "cyan": "bold black on cyan", "magenta": "bold white on magenta",
         "white": "bold black on white"}


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    def show(self, session: Any, conversation_id: str | None, raw_mode: bool, busy: str = "") -> None:
        self._state = (session.badge(), session.badge_colour(), session.describe(), conversation_id, raw_mode, busy)
        self._draw()

    def on_resize(self) -> None:
        if getattr(self, "_state", None):
            self._draw()

    def _draw(self) -> None:
        badge, colour, describe, conversation_id, raw_mode, busy = self._state
        width = max(20, self.size.width - 2) if self.size.width else 200
        head = Text()
        add(head, f" {badge} ", BADGE.get(colour, BADGE["green"]), one_line=True, limit=40)
        tail = Text()
        if busy:
            tail.append(f"  ·  {busy}…", style="bold yellow")
        if conversation_id:
            tail.append("  ·  open ", style="dim")
            add(tail, conversation_id, "bold cyan", one_line=True, limit=64)
        if raw_mode:
            tail.append("  ·  RAW MODE", style="bold magenta")
        room = width - head.cell_len - tail.cell_len
        middle = Text()
        if room > 8:
            add(middle, "  " + describe, one_line=True, limit=room)
        self.update(head + middle + tail)
