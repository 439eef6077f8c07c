"""A conversation's timeline: a fold over its webhook events, in order, without repeats.

LivePerson may deliver a notification twice (its retries), late, or out of order. The fold:

- reads ``ConversationState`` as what it is, the whole state at a time: it is compared with the
  last state applied, and an older or identical one changes nothing (so a late "created" never
  undoes a "joined", and the first state seen tells everything at once);
- keeps each message once (by dialog and sequence), each stamped receipt or chat state once, and
  an unstamped one (LivePerson sends chat states without a time) once per delivery: the same
  change again with nothing in between is LivePerson's retry, after something else a new event;
- keys participants by id with all their roles, both in the ``participants`` list and in the
  ``participantsPId`` form, and tells dialogs (a survey opened, the main dialog closed) from the
  conversation's ``stage`` (closed only when the stage says so);
- orders entries by LivePerson's time, then sequence, and marks an entry that arrived after one
  LivePerson's own time or sequence puts after it as ``late``; an entry without LivePerson's time
  is kept in the order it arrived and never called late.

Entries carry raw outside text: whoever shows them passes it through the display boundary.
Everything is bounded: entries per conversation, conversations, remembered keys. No Textual.
"""

from __future__ import annotations

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
MAX_AGENT_MESSAGES = 200  # the agent's side's messages remembered per conversation (for receipts)
CUSTOMER = "CONSUMER"
PLAIN_TEXT = "text/plain"  # a message's usual content type: not shown

SkillNames = Callable[[str], "str | None"]


def _no_names(skill_id: str) -> str | None:
    return None


@dataclass(frozen=True)
class Entry:
    """One line of a timeline. ``kind``: created, skill, transfer, joined, role, left, ttr, dialog, message, rich, chat,
    receipt, closed. ``stamped``: ``time`` is LivePerson's own; otherwise it is the arrival time, and the
    entry is ordered by arrival and never called late."""

    conversation_id: str
    kind: str
    time: int  # milliseconds
    text: str
    sequence: int | None = None
    arrival: int = 0
    late: bool = False
    stamped: bool = True
    dialog_id: str = ""

    def sort_key(self) -> tuple[int, int, int]:
        return (self.time, self.sequence if self.sequence is not None else -1, self.arrival)

    def after(self, other: "Entry") -> bool:
        """LivePerson's own order says this entry comes after ``other`` (False when it cannot say)."""
        if self.stamped and other.stamped and self.time != other.time:
            return self.time > other.time
        if self.sequence is not None and other.sequence is not None and self.dialog_id == other.dialog_id:
            return self.sequence > other.sequence  # the same time (or none): LivePerson's sequence decides
        return False


ROLE_ORDER = {"ASSIGNED_AGENT": 0, "AGENT": 1, "MANAGER": 2, "CONTROLLER": 3, "READER": 4}
DIALOG_NAMES = {"MAIN": "main dialog", "POST_SURVEY": "survey dialog"}


def _roles(participants: Any) -> dict[str, list[str]]:
    """Each participant id with all its roles, in LivePerson's order with ASSIGNED_AGENT first."""
    found: dict[str, list[str]] = {}
    for p in participants:
        roles = found.setdefault(p.id, [])
        if p.role not in roles:
            roles.append(p.role)
    return {pid: sorted(roles, key=lambda r: ROLE_ORDER.get(r, 9)) for pid, roles in found.items()}


def _also(roles: list[str]) -> str:
    return roles[0] + (f", also {', '.join(roles[1:])}" if len(roles) > 1 else "")


@dataclass
class Timeline:
    conversation_id: str
    names: SkillNames = _no_names
    scrub: Callable[[str], str] = str
    entries: list[Entry] = field(default_factory=list)
    state: ConversationState | None = None
    dropped: int = 0  # entries let go past MAX_ENTRIES
    ignored: int = 0  # events that changed nothing: repeats, older states
    closed: bool = False  # the conversation (its stage), not only its main dialog
    dialogs: dict[str, str] = field(default_factory=dict)  # dialog id -> its type
    _keys: collections.OrderedDict[Any, None] = field(default_factory=collections.OrderedDict)
    _arrivals: int = 0
    _last_unstamped: dict[str, int] = field(default_factory=dict)  # digest -> the arrival count when seen
    _latest: tuple[int, int] | None = None  # the greatest (time, sequence) among stamped entries
    # for speaking as the consumer: the agent's side's messages (dialog, sequence), the latest quick replies
    agent_messages: list[tuple[str, int]] = field(default_factory=list)
    offer: tuple[str, int, tuple[Any, ...]] | None = None  # (dialog, sequence, buttons) of the latest choices

    def apply(self, event: Event, now_ms: int) -> list[Entry]:
        """Fold one event in; the entries it added (none for a repeat or an older state)."""
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
    def _entry(self, kind: str, when: int | None, now_ms: int, text: str, sequence: int | None = None,
               dialog_id: str = "") -> Entry:
        self._arrivals += 1
        stamped = when is not None and when >= 0
        return Entry(self.conversation_id, kind, when if when is not None and stamped else now_ms,
                     self.scrub(text), sequence, self._arrivals, stamped=stamped, dialog_id=dialog_id)

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
        if new.skill_id and old is not None and old.skill_id not in ("", "-1") and new.skill_id not in ("-1",) \
                and new.skill_id != old.skill_id:
            out.append(self._entry("transfer", when, now_ms, self._transfer_text(new, old)))
        elif new.skill_id and (old is None or new.skill_id != old.skill_id):
            out.append(self._entry("skill", when, now_ms, self._skill_text(new.skill_id, old)))
        out += self._participants(old, new, when, now_ms)
        ttr = (new.ttr_type, new.ttr_value)
        if new.ttr_type and (old is None or ttr != (old.ttr_type, old.ttr_value)):
            seconds = f", {new.ttr_value} s" if new.ttr_value is not None else ""
            out.append(self._entry("ttr", when, now_ms, f"{new.ttr_type}{seconds}"))
        out += self._dialogs(old, new, when, now_ms)
        if new.conversation_closed and not self.closed:
            self.closed = True
            by = f"by {new.closed_by}" if new.closed_by else "the conversation is closed"
            reason = f" (closeReason {new.close_reason})" if new.close_reason else ""
            out.append(self._entry("closed", new.end if new.end is not None else when, now_ms, by + reason))
        elif new.state == "CLOSE" and not new.dialogs and not self.closed and (old is None or old.state != "CLOSE"):
            out.append(self._entry("dialog", when, now_ms, f"main dialog closed (state CLOSE; stage {new.stage}: "
                                   "the conversation stays open)"))
        return out

    def _participants(self, old: ConversationState | None, new: ConversationState, when: int | None,
                      now_ms: int) -> list[Entry]:
        before = _roles(old.participants) if old else {}
        after = _roles(new.participants)
        out: list[Entry] = []
        for pid, roles in after.items():
            had = before.get(pid, [])
            if roles == [CUSTOMER] or roles == had:
                continue
            if not [r for r in had if r != CUSTOMER]:
                out.append(self._entry("joined", when, now_ms, f"{_also(roles)}, participant {pid}"))
                continue
            gained = [r for r in roles if r not in had]
            lost = [r for r in had if r not in roles]
            words = ([f"now also {', '.join(gained)}"] if gained else []) + \
                ([f"no longer {', '.join(lost)}"] if lost else [])
            out.append(self._entry("role", when, now_ms, f"participant {pid} {'; '.join(words)} (roles: "
                                   f"{', '.join(roles)})"))
        for pid, roles in before.items():
            if roles != [CUSTOMER] and pid not in after:
                out.append(self._entry("left", when, now_ms, f"{_also(roles)}, participant {pid}"))
        return out

    def _dialogs(self, old: ConversationState | None, new: ConversationState, when: int | None,
                 now_ms: int) -> list[Entry]:
        known = {d.id: d for d in old.dialogs} if old else {}
        out: list[Entry] = []
        for dialog in new.dialogs:
            if len(self.dialogs) < 50 or dialog.id in self.dialogs:
                self.dialogs[dialog.id] = dialog.type
            name = DIALOG_NAMES.get(dialog.type, f"{dialog.type or '?'} dialog")
            was = known.get(dialog.id)
            if was is None and dialog.type != "MAIN" and dialog.state != "CLOSE":
                out.append(self._entry("dialog", when, now_ms, f"{name} opened (dialog {dialog.id})",
                                       dialog_id=dialog.id))
            closing = dialog.state == "CLOSE" and (was is None or was.state != "CLOSE")
            if closing and not (dialog.type == "MAIN" and new.conversation_closed):  # then "closed" says it
                by = f" by {dialog.closed_by}" if dialog.closed_by else ""
                cause = f" ({dialog.closed_cause})" if dialog.closed_cause else ""
                rest = "" if new.conversation_closed else "; the conversation stays open"
                out.append(self._entry("dialog", when, now_ms, f"{name} closed{by}{cause}{rest}",
                                       dialog_id=dialog.id))  # at the state's time: one state, one moment
        return out

    def _transfer_text(self, new: ConversationState, old: ConversationState) -> str:
        """The skill changed: a transfer. By the agent when the assigned agent left in the same change (as
        LivePerson's transfer does: Skill UPDATE with ParticipantsChange REMOVE); by a rule when the sandbox
        marks it so."""
        name = self.names(new.skill_id)
        target = f"{name} (skillId {new.skill_id})" if name else f"skillId {new.skill_id} (its name is not known here)"
        agents_before = {p.id for p in old.participants if p.role == "ASSIGNED_AGENT"}
        agents_now = {p.id for p in new.participants if p.role == "ASSIGNED_AGENT"}
        if new.transfer_by == "rule":
            by = " by rule"
        elif agents_before and not agents_before & agents_now:
            by = " by agent"
        else:
            by = ""
        return f"transferred to {target}{by}"

    def _skill_text(self, skill_id: str, old: ConversationState | None) -> str:
        if skill_id == "-1":
            return "none assigned (skillId -1)"
        name = self.names(skill_id)
        verb = "changed to " if old is not None and old.skill_id not in ("", "-1") else ""
        return f"{verb}{name} (skillId {skill_id})" if name else f"{verb}skillId {skill_id} (its name is not known here)"

    def _repeat(self, event: MessagingEvent) -> bool:
        """A repeat of what is already shown: the same message (dialog and sequence), the same stamped event,
        or the same unstamped delivery again with nothing in between (LivePerson's retry). An unstamped chat
        state that comes again after something else is a new event (the agent types again)."""
        if isinstance(event, (Message, RichContent)) and event.sequence is not None:
            key: Any = ("message", event.dialog_id, event.sequence)
        elif event.time is not None or event.sequence is not None:
            key = ("stamped", event.digest or repr(event))
        else:
            digest = event.digest or hashlib.blake2b(repr(event).encode("utf-8", "surrogatepass"),
                                                     digest_size=12).hexdigest()
            if self._last_unstamped.get(digest) == self._arrivals:
                return True  # the last entry made is this very change: delivered again
            self._last_unstamped.pop(digest, None)
            self._last_unstamped[digest] = self._arrivals + 1  # the arrival its entry is about to take
            while len(self._last_unstamped) > 64:
                self._last_unstamped.pop(next(iter(self._last_unstamped)))
            return False
        if key in self._keys:
            return True
        self._keys[key] = None
        while len(self._keys) > MAX_KEYS:
            self._keys.popitem(last=False)
        return False

    def _messaging(self, event: MessagingEvent, now_ms: int) -> list[Entry]:
        if self._repeat(event):
            return []
        # who: the role; without one, the participant id (a change with no originatorMetadata)
        role = event.role or (f"participant {event.originator}" if event.originator else "?")
        seq = f"#{event.sequence} " if event.sequence is not None else ""
        where = self._where(event)
        private = " (private: agents and managers only)" if event.private else ""
        if isinstance(event, (Message, RichContent)):
            kind = "message" if isinstance(event, Message) else "rich"
            body = event.text if isinstance(event, Message) else event.summary
            if isinstance(event, Message) and event.content_type not in ("", PLAIN_TEXT):
                body = f"({event.content_type}) {body}"  # not plain text: the text is shown as it came
            choices = f"  [choices: {' · '.join(event.quick_replies)}]" if event.quick_replies else ""
            self._offered(event)
            return [self._entry(kind, event.time, now_ms, f"{seq}{role}{where}{private}: {body}{choices}",
                                event.sequence, event.dialog_id)]
        if isinstance(event, AcceptStatus):
            which = ", ".join(f"#{n}" for n in event.sequences[:20]) + (" …" if len(event.sequences) > 20 else "")
            return [self._entry("receipt", event.time, now_ms,
                                f"{role}{where} {event.status or '?'} {which}".rstrip(), None, event.dialog_id)]
        if isinstance(event, ChatState):
            return [self._entry("chat", event.time, now_ms, f"{role}{where} {event.chat_state or '?'}", None,
                                event.dialog_id)]
        return []

    def _offered(self, event: MessagingEvent) -> None:
        """Remember what the consumer may answer: a message of the agent's side, and its quick replies."""
        if event.role == CUSTOMER or event.sequence is None:
            return
        dialog = event.dialog_id or self.conversation_id
        self.agent_messages.append((dialog, event.sequence))
        del self.agent_messages[:-MAX_AGENT_MESSAGES]
        buttons = getattr(event, "buttons", ())
        if buttons and (self.offer is None or event.sequence >= self.offer[1] or dialog != self.offer[0]):
            self.offer = (dialog, event.sequence, tuple(buttons))

    def _where(self, event: MessagingEvent) -> str:
        """`` in the survey dialog`` when the event is not in the main dialog."""
        dialog = event.dialog_id
        if not dialog or dialog == self.conversation_id:
            return ""
        kind = self.dialogs.get(dialog)
        if kind == "MAIN":
            return ""
        return f" in the {DIALOG_NAMES.get(kind or '', 'dialog ' + dialog)}" if kind else f" in dialog {dialog}"

    def _insert(self, entry: Entry) -> Entry:
        key = (entry.time, entry.sequence if entry.sequence is not None else -1)
        if entry.stamped and (self._latest is None or key >= self._latest):
            self._latest = key
            self.entries.append(entry)
        elif not entry.stamped and entry.sequence is None:
            self.entries.append(entry)  # no LivePerson order to keep: in the order it arrived
        else:  # it may have arrived after a later one: before the first LivePerson says is after it
            index = next((i for i, e in enumerate(self.entries) if e.after(entry)), None)
            if index is None:
                self.entries.append(entry)
            else:
                entry = replace(entry, late=True)
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
        self.dialog_of: collections.OrderedDict[str, str] = collections.OrderedDict()  # dialog id -> conversation

    def apply(self, events: Any, now_ms: int | None = None) -> list[Entry]:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        out: list[Entry] = []
        for event in events:
            if isinstance(event, ConversationState):
                for dialog in event.dialogs:
                    if dialog.id != event.conversation_id:
                        self.dialog_of[dialog.id] = event.conversation_id
                        while len(self.dialog_of) > 4 * MAX_CONVERSATIONS:
                            self.dialog_of.popitem(last=False)
            elif event.conversation_id not in self.by_id and event.conversation_id in self.dialog_of:
                # a survey dialog's events may name only their dialog
                event = replace(event, conversation_id=self.dialog_of[event.conversation_id])
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
                agent_messages=tuple(timeline.agent_messages) if timeline else (),
                offer=timeline.offer if timeline else None,
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
    agent_messages: tuple[tuple[str, int], ...] = ()  # (dialog, sequence) of the agent's side's messages
    offer: tuple[str, int, tuple[Any, ...]] | None = None  # the latest quick replies: (dialog, sequence, buttons)


def clock(ms: int) -> str:
    """``HH:MM:SS`` in local time, for a timeline line."""
    try:
        return time.strftime("%H:%M:%S", time.localtime(ms / 1000))
    except (OverflowError, OSError, ValueError):
        return "--:--:--"


def line(entry: Entry, with_conversation: bool = False) -> str:
    """One entry as one line of text (raw: the caller passes it through the display boundary)."""
    from lp_tui.text import ident

    where = f"{ident(entry.conversation_id)}  " if with_conversation else ""  # look-alike ids told apart
    late = "  (arrived late)" if entry.late else ""
    return f"{clock(entry.time)}  {where}{entry.kind:<8} {entry.text}{late}"
