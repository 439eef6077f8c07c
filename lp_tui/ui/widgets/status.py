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


def elide_middle(text: str, width: int) -> str:
    """``text`` in ``width`` characters, the middle replaced by "…" (a URL keeps its host and port)."""
    if len(text) <= width:
        return text
    if width < 3:
        return text[:width]
    keep = width - 1
    return text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2:]


def shorten(describe: str, width: int) -> str:
    """The connection line in ``width``: the URL at its end loses its middle first, then the rest."""
    if len(describe) <= width:
        return describe
    head, sep, url = describe.rpartition(" · ")
    room = width - len(head) - len(sep)
    if sep and room >= 16:
        return head + sep + elide_middle(url, room)
    return elide_middle(describe, width)


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
            add(middle, "  " + shorten(describe, room - 2), one_line=True, limit=room)
        self.update(head + middle + tail)
