"""The status bar: profile badge, consumer and address, open conversation, raw mode, a running send.

It follows its state by itself: the send controller's ``busy`` and ``conversation_id`` (watched),
the draft's raw mode and the connection (the draft state's change event). Nobody updates it by hand.

It shortens gracefully: the consumer and the address go first, so RAW MODE and the
conversationId are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from lp_tui.ui.draft_state import Change, DraftState
from lp_tui.ui.plain import add

if TYPE_CHECKING:
    from lp_tui.ui.session import Session

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


@dataclass(frozen=True)
class StatusState:
    """What the status bar shows: the profile's badge, the connection, the send state, raw mode."""

    badge: str
    colour: str
    describe: str
    conversation_id: str | None = None
    raw_mode: bool = False
    busy: str = ""  # the kind of send running, "" when none


class SendState(Protocol):
    """The send controller as the status bar sees it (reactive ``busy`` and ``conversation_id``)."""

    busy: str
    conversation_id: str | None


class StatusBar(Static):
    """Follows the session, the send controller's reactives and the draft's mode by itself."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    state: reactive[StatusState | None] = reactive(None, layout=False, repaint=False)

    def __init__(self, session: Session, sender: SendState, draft: DraftState, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.sender = sender
        self.draft_state = draft
        draft.subscribe(self._draft_changed)

    def on_mount(self) -> None:
        self.watch(self.sender, "busy", self._follow, init=False)  # type: ignore[arg-type]
        self.watch(self.sender, "conversation_id", self._follow, init=False)  # type: ignore[arg-type]
        self._follow()

    def _draft_changed(self, change: Change) -> None:
        if change & (Change.MODE | Change.CONTEXT):
            self._follow()

    def _follow(self, *_: object) -> None:
        session, sender = self.session, self.sender
        self.state = StatusState(session.badge(), session.badge_colour(), session.describe(), sender.conversation_id,
                                 self.draft_state.raw_mode, sender.busy)

    def watch_state(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        state = self.state
        if state is None:
            return
        width = max(20, self.size.width - 2) if self.size.width else 200
        head = Text()
        add(head, f" {state.badge} ", BADGE.get(state.colour, BADGE["green"]), one_line=True, limit=40)
        tail = Text()
        if state.busy:
            tail.append(f"  ·  {state.busy}…", style="bold yellow")
        if state.conversation_id:
            tail.append("  ·  open ", style="dim")
            add(tail, state.conversation_id, "bold cyan", one_line=True, limit=64)
        if state.raw_mode:
            tail.append("  ·  RAW MODE", style="bold magenta")
        room = width - head.cell_len - tail.cell_len
        middle = Text()
        if room > 8:
            add(middle, "  " + shorten(state.describe, room - 2), one_line=True, limit=room)
        self.update(head + middle + tail, layout=False)  # one line, always: no layout of the screen
