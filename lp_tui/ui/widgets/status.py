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


def _fit_url(url: str, room: int) -> str | None:
    """``url`` in ``room`` characters: whole, then without its scheme, then its middle elided; None below 16."""
    if len(url) <= room:
        return url
    bare = url.split("://", 1)[-1]
    if len(bare) <= room:
        return bare
    return elide_middle(bare, room) if room >= 16 else None


def shorten(describe: str, width: int) -> str:
    """The connection line in ``width``, each part kept whole or dropped rather than run into the next.

    The line is "account A · consumer C · URL". The URL loses its scheme and then its middle first
    (its host and port stay), then the consumer id its middle, then the consumer goes, then the URL;
    the account is cut last.
    """
    if len(describe) <= width:
        return describe
    parts = describe.split(" · ")
    account, rest = parts[0], parts[1:]
    url = rest.pop() if rest and "://" in rest[-1] else ""
    consumer = rest[0] if rest else ""
    label, _, ident = consumer.partition(" ")
    bare = url.split("://", 1)[-1]
    # the consumer id keeps what room the host and port leave it (at least 10 characters)
    spare = width - len(account) - 3 - len(label) - 1 - (len(bare) + 3 if url else 0)
    short_consumer = f"{label} {elide_middle(ident, max(10, spare))}" if ident else consumer
    for middle in ([consumer] if consumer else [], [short_consumer] if consumer else [], []):
        head = " · ".join([account, *middle])
        if not url:
            if len(head) <= width:
                return head
            continue
        fitted = _fit_url(url, width - len(head) - 3)
        if fitted is not None:
            return f"{head} · {fitted}"
    if len(account) <= width:
        return account
    return elide_middle(account, width)


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
