"""A conversation's timeline: a fold over its webhook events, in order, without repeats.

LivePerson may deliver a notification twice (its retries), late, or out of order. The fold:

- reads ``ConversationState`` as what it is, the whole state at a time: it is compared with the
  last state applied, and an older or identical one changes nothing (so a late "created" never
  undoes a "joined", and the first state seen tells everything at once);
- keeps each message, receipt or chat state once (by sequence, or by the event itself);
- orders entries by LivePerson's time, then sequence, then arrival, and marks an entry that
  arrived after a later one as ``late``.

Entries carry raw outside text: whoever shows them passes it through the display boundary.
Everything is bounded: entries per conversation, conversations, remembered keys. No Textual.
"""

from __future__ import annotations

import bisect
import collections
import hashlib
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from lp_tui.lp.webhooks import (
    AcceptStatus,
    ChatState,
    ConversationState,
    Event,
    Message,
    MessagingEvent,
    RichContent,
)

MAX_ENTRIES = 1000  # per conversation; the oldest go first, and are counted
MAX_CONVERSATIONS = 100  # followed at once; the one quiet longest goes first
MAX_KEYS = 4 * MAX_ENTRIES  # events remembered per conversation to drop repeats
CUSTOMER = "CONSUMER"

SkillNames = Callable[[str], "str | None"]


def _no_names(skill_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class Entry:
    """One line of a timeline. ``kind``: created, skill, joined, left, ttr, message, rich, chat, receipt,
    closed."""

    conversation_id: str
    kind: str
    time: int  # milliseconds
    text: str
    sequence: int | None = None
    arrival: int = 0
    late: bool = False

    def sort_key(self) -> tuple[int, int, int]:
        return (self.time, self.sequence if self.sequence is not None else -1, self.arrival)


@dataclass
class Timeline:
    conversation_id: str
    names: SkillNames = _no_names
    scrub: Callable[[str], str] = str
    entries: list[Entry] = field(default_factory=list)
    state: ConversationState | None = None
    dropped: int = 0  # entries let go past MAX_ENTRIES
    ignored: int = 0  # events that changed nothing: repeats, older states
    closed: bool = False
    last_seen: float = 0.0
    _keys: collections.OrderedDict[Any, None] = field(default_factory=collections.OrderedDict)
    _arrivals: int = 0

    def apply(self, event: Event, now_ms: int) -> list[Entry]:
        """Fold one event in; the entries it added (none for a repeat or an older state)."""
        self.last_seen = now_ms / 1000
        if isinstance(event, ConversationState):
            made = self._state(event, now_ms)
        elif isinstance(event, MessagingEvent):
            made = self._messaging(event, now_ms)
        else:
            made = []
        if not made:
            self.ignored += 1
        return [self._insert(entry) for entry in made]

    # --- building entries -----------------------------------------------------------------------------
    def _entry(self, kind: str, when: int | None, now_ms: int, text: str, sequence: int | None = None) -> Entry:
        self._arrivals += 1
        return Entry(self.conversation_id, kind, when if when is not None and when >= 0 else now_ms,
                     self.scrub(text), sequence, self._arrivals)

    def _state(self, new: ConversationState, now_ms: int) -> list[Entry]:
        old = self.state
        if new.change == "DELETE":
            return []
        if old is not None and (new.time or 0) < (old.time or 0):
            return []  # older than what is known: LivePerson delivered it late
        self.state = new
        when = new.time
        out: list[Entry] = []
        if old is None:
            out.append(self._entry("created", new.start if new.start is not None else when, now_ms,
                                   "conversation opened" + (f" (state {new.state})" if new.state not in ("", "OPEN")
                                                            else "")))
        if new.skill_id and (old is None or new.skill_id != old.skill_id):
            out.append(self._entry("skill", when, now_ms, self._skill_text(new.skill_id, old)))
        before = {p.id: p.role for p in old.participants} if old else {}
        after = {p.id: p.role for p in new.participants}
        for pid, role in after.items():
            if role != CUSTOMER and before.get(pid) != role:
                out.append(self._entry("joined", when, now_ms, f"{role}, participant {pid}"))
        for pid, role in before.items():
            if role != CUSTOMER and pid not in after:
                out.append(self._entry("left", when, now_ms, f"{role}, participant {pid}"))
        ttr = (new.ttr_type, new.ttr_value)
        if new.ttr_type and (old is None or ttr != (old.ttr_type, old.ttr_value)):
            seconds = f", {new.ttr_value} s" if new.ttr_value is not None else ""
            out.append(self._entry("ttr", when, now_ms, f"{new.ttr_type}{seconds}"))
        if new.state == "CLOSE" and not self.closed:
            self.closed = True
            by = f"by {new.closed_by}" if new.closed_by else "the conversation is closed"
            reason = f" (closeReason {new.close_reason})" if new.close_reason else ""
            out.append(self._entry("closed", new.end if new.end is not None else when, now_ms, by + reason))
        return out

    def _skill_text(self, skill_id: str, old: ConversationState | None) -> str:
        if skill_id == "-1":
            return "none assigned (skillId -1)"
        name = self.names(skill_id)
        verb = "changed to " if old is not None and old.skill_id not in ("", "-1") else ""
        return f"{verb}{name} (skillId {skill_id})" if name else f"{verb}skillId {skill_id} (its name is not known here)"

    def _messaging(self, event: MessagingEvent, now_ms: int) -> list[Entry]:
        if isinstance(event, (Message, RichContent)) and event.sequence is not None:
            key: Any = ("message", event.dialog_id, event.sequence)
        else:  # remembered by a digest, not the event: 4000 keys of 4000-character texts would be 16 MB
            key = hashlib.blake2b(repr(event).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if key in self._keys:
            return []
        self._keys[key] = None
        while len(self._keys) > MAX_KEYS:
            self._keys.popitem(last=False)
        role = event.role or "?"
        seq = f"#{event.sequence} " if event.sequence is not None else ""
        if isinstance(event, Message):
            return [self._entry("message", event.time, now_ms, f"{seq}{role}: {event.text}", event.sequence)]
        if isinstance(event, RichContent):
            return [self._entry("rich", event.time, now_ms, f"{seq}{role}: {event.summary}", event.sequence)]
        if isinstance(event, AcceptStatus):
            which = ", ".join(f"#{n}" for n in event.sequences[:20]) + (" …" if len(event.sequences) > 20 else "")
            return [self._entry("receipt", event.time, now_ms, f"{role} {event.status or '?'} {which}".rstrip())]
        if isinstance(event, ChatState):
            return [self._entry("chat", event.time, now_ms, f"{role} {event.chat_state or '?'}")]
        return []

    def _insert(self, entry: Entry) -> Entry:
        if not self.entries or entry.sort_key() >= self.entries[-1].sort_key():
            self.entries.append(entry)
        else:  # it arrived after a later one: into its place, marked
            entry = replace(entry, late=True)
            index = bisect.bisect_right([e.sort_key() for e in self.entries], entry.sort_key())
            self.entries.insert(index, entry)
        if len(self.entries) > MAX_ENTRIES:
            extra = len(self.entries) - MAX_ENTRIES
            del self.entries[:extra]
            self.dropped += extra
        return entry


class Timelines:
    """Every followed conversation's timeline, the most recently active last; bounded."""

    def __init__(self, names: SkillNames = _no_names, scrub: Callable[[str], str] = str) -> None:
        self.names = names
        self.scrub = scrub
        self.by_id: collections.OrderedDict[str, Timeline] = collections.OrderedDict()

    def apply(self, events: Any, now_ms: int | None = None) -> list[Entry]:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        out: list[Entry] = []
        for event in events:
            timeline = self.by_id.get(event.conversation_id)
            if timeline is None:
                timeline = self.by_id[event.conversation_id] = Timeline(event.conversation_id, self.names, self.scrub)
                while len(self.by_id) > MAX_CONVERSATIONS:
                    self.by_id.popitem(last=False)
            self.by_id.move_to_end(event.conversation_id)
            out += timeline.apply(event, now_ms)
        return out

    def get(self, conversation_id: str | None) -> Timeline | None:
        return self.by_id.get(conversation_id) if conversation_id else None

    def latest(self) -> Timeline | None:
        return next(reversed(self.by_id.values()), None)


@dataclass(frozen=True)
class Rejection:
    time: float
    status: int
    reason: str


class Inbox:
    """The receiver's deliveries folded into timelines, shared between the receiver's threads and one
    reader (the app, the command line).

    ``on_change`` is called once when something new arrives and not again until the reader has
    taken a ``view``: a flood of events costs the reader one redraw at a time, never one per event.
    """

    MAX_REJECTED = 50

    def __init__(self, names: SkillNames = _no_names, on_change: Callable[[], Any] | None = None,
                 scrub: Callable[[str], str] = lambda text: text) -> None:
        self.timelines = Timelines(names, scrub)
        self.on_change = on_change
        self.scrub = scrub
        self.accepted = 0
        self.rejected: collections.deque[Rejection] = collections.deque(maxlen=self.MAX_REJECTED)
        self.rejected_count = 0
        self._lock = threading.Lock()
        self._pending = False

    def deliver(self, delivery: Any) -> list[Entry]:
        """Take one delivery from the receiver (any thread); the new entries it made."""
        with self._lock:
            if delivery.accepted:
                self.accepted += 1
                made = self.timelines.apply(delivery.notification.events, int(delivery.received * 1000))
            else:
                made = []
                self.rejected_count += 1
                self.rejected.append(Rejection(delivery.received, delivery.status, self.scrub(delivery.reason)))
            notify = not self._pending
            self._pending = True
        if notify and self.on_change is not None:
            try:
                self.on_change()
            except Exception:  # a reader gone away must not break the receiver
                pass
        return made

    def view(self, conversation_id: str | None = None) -> "InboxView":
        """A consistent copy for drawing; clears the pending flag, so the next delivery notifies again."""
        with self._lock:
            self._pending = False
            timeline = self.timelines.get(conversation_id) or self.timelines.latest()
            return InboxView(
                conversation_id=timeline.conversation_id if timeline else None,
                entries=list(timeline.entries) if timeline else [],
                dropped=timeline.dropped if timeline else 0,
                closed=timeline.closed if timeline else False,
                others=max(0, len(self.timelines.by_id) - (1 if timeline else 0)),
                accepted=self.accepted,
                rejected=list(self.rejected),
                rejected_count=self.rejected_count,
            )


@dataclass(frozen=True)
class InboxView:
    conversation_id: str | None
    entries: list[Entry]
    dropped: int
    closed: bool
    others: int
    accepted: int
    rejected: list[Rejection]
    rejected_count: int


def clock(ms: int) -> str:
    """``HH:MM:SS`` in local time, for a timeline line."""
    try:
        return time.strftime("%H:%M:%S", time.localtime(ms / 1000))
    except (OverflowError, OSError, ValueError):
        return "--:--:--"


def line(entry: Entry, with_conversation: bool = False) -> str:
    """One entry as one line of text (raw: the caller passes it through the display boundary)."""
    where = f"{entry.conversation_id}  " if with_conversation else ""
    late = "  (arrived late)" if entry.late else ""
    return f"{clock(entry.time)}  {where}{entry.kind:<8} {entry.text}{late}"
