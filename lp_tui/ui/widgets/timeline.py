"""The Timeline pane: what LivePerson's webhooks say happened to the conversation, live.

The receiver's threads fold deliveries into the session follower's inbox and post ``Changed``
(thread-safe) once until the next draw; the pane draws at most ten times a second, so a flood
of events costs a few redraws, never a frozen screen. Everything from a webhook is drawn as
plain text (``plain``/``add``): escapes visible, never markup.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.message import Message
from textual.widgets import Static

from lp_tui.ui.consumer import ConsumerKeys
from lp_tui.ui.follow import ACCOUNT, DEFAULT_PORT, SANDBOX, Follower, follower_of
from lp_tui.ui.keys import key
from lp_tui.ui.plain import add, plain

KIND_STYLE = {"created": "bold green", "skill": "bold magenta", "transfer": "bold magenta", "joined": "bold cyan", "role": "cyan", "left": "cyan",
              "ttr": "yellow", "dialog": "bold yellow", "message": "bold", "rich": "bold", "chat": "dim",
              "receipt": "dim", "closed": "bold red"}
MAX_REJECTED_SHOWN = 5
MAX_SHOWN = 100  # newest entries drawn (the pane is for watching, `lp-tui webhooks` keeps the record)
MAX_SHOWN_TEXT = 600  # characters drawn of one entry
COOLDOWN = 0.1  # seconds between two draws at most


class TimelineView(ConsumerKeys, Vertical):
    DEFAULT_CSS = """
    TimelineView { height: 1fr; }
    TimelineView #timeline-head { height: auto; padding: 0 1; background: $boost; }
    TimelineView #timeline-scroll { height: 1fr; }
    TimelineView #timeline-body { height: auto; padding: 0 1; }
    """

    class Changed(Message):
        """Something new in the inbox (posted from the receiver's threads)."""

    # the presenter acts as the agent (sandbox; ui/presenter.py). Keys: lp_tui/ui/keys.py
    BINDINGS = [
        Binding(key("agent-say"), "agent('agent-message')", "Agent says", id="agent-say"),
        Binding(key("agent-quick-replies"), "agent('quick-replies')", "Quick replies", id="agent-quick-replies"),
        Binding(key("agent-transfer"), "agent('transfer')", "Transfer", id="agent-transfer"),
        Binding(key("agent-close"), "agent('close')", "Agent closes", id="agent-close"),
    ]

    def action_agent(self, action: str) -> None:
        from lp_tui.ui.presenter import agent_action

        view = self.shown
        agent_action(self, action, self.focus_id or (view.conversation_id if view is not None else None))

    def __init__(self, session: Any, conversations: DOMNode | None = None, **kwargs: Any) -> None:
        """``conversations``: the node whose reactive ``conversation_id`` is the conversation opened last
        (the compose screen's send controller); the pane follows it."""
        super().__init__(**kwargs)
        self.session = session
        self.conversations = conversations
        self.focus_id: str | None = None  # the conversation the composer opened last
        self.draws = 0
        self.shown: Any = None  # the InboxView drawn last
        self._cooling = False
        self._again = False
        self._head_view = Static(id="timeline-head")
        self._scroll = VerticalScroll(id="timeline-scroll")
        self._body_view = Static(id="timeline-body")

    @property
    def follower(self) -> Follower:
        return follower_of(self.session)

    def compose(self) -> ComposeResult:
        yield self._head_view
        with self._scroll:
            yield self._body_view

    def on_mount(self) -> None:
        self.follower.on_change = lambda: self.post_message(self.Changed())
        self.connection_changed()
        if self.conversations is not None:
            self.watch(self.conversations, "conversation_id", self._conversation_opened, init=True)

    def on_unmount(self) -> None:
        self.follower.on_change = lambda: None

    def connection_changed(self) -> None:
        """The profile changed: the receiver follows the built-in sandbox, or stops."""
        try:
            self.follower.follow_session(self.session)
        except (OSError, ValueError) as exc:
            self.notify(f"The webhook receiver did not start: {exc}", title="Timeline", severity="warning")
        self.redraw()

    def _conversation_opened(self, conversation_id: str | None) -> None:
        if conversation_id:
            self.focus_id = conversation_id
            self.redraw()

    # --- drawing, coalesced --------------------------------------------------------------------------
    def on_timeline_view_changed(self, event: Changed) -> None:
        event.stop()
        if self._cooling:
            self._again = True
            return
        self.redraw()
        self._cooling = True
        self.set_timer(COOLDOWN, self._cooled)

    def _cooled(self) -> None:
        self._cooling = False
        if self._again:
            self._again = False
            self.on_timeline_view_changed(self.Changed())

    def redraw(self) -> None:
        # When the app quits while the pane is being built (it mounts just after the first paint),
        # its inner parts may never mount: there is nothing to draw then, and nothing to raise.
        if not (self.is_mounted and self._body_view.is_attached):
            return
        self.draws += 1
        follower = self.follower
        view = self.shown = follower.inbox.view(self.focus_id)
        if view.closed and view.conversation_id and self.conversations is not None:
            closed = getattr(self.conversations, "conversation_closed", None)
            if closed is not None:  # closed by the agent or LivePerson: the app stops calling it open
                closed(view.conversation_id)
        self._head_view.update(self._head(follower, view))
        scroll = self._scroll
        at_end = scroll.scroll_y >= scroll.max_scroll_y - 1
        self._body_view.update(self._body(view))
        if at_end:
            scroll.call_after_refresh(scroll.scroll_end, animate=False)
        self.consumer_shown()  # "accept and read as shown" (ui/consumer.py)

    def shown_text(self) -> str:
        """What the pane shows, as lines of plain text (for tests and copying)."""
        view = self.shown
        if view is None:
            return ""
        lines = [f"{entry.kind} {entry.text}" + (" (arrived late)" if entry.late else "") for entry in view.entries]
        lines += [f"rejected {item.status} {item.reason}" for item in view.rejected]
        return "\n".join(lines)

    def _head(self, follower: Follower, view: Any) -> Text:
        text = Text("Webhook receiver ", style="bold")
        if follower.mode == SANDBOX:
            add(text, follower.url, "bold green", one_line=True, limit=80)
            if follower.external_problem:
                text.append(f" · {follower.external_problem}\n", style="bold yellow")
            else:
                text.append(" · the sandbox posts here; signatures checked\n", style="dim")
        elif follower.mode == ACCOUNT:
            add(text, follower.url, "bold green", one_line=True, limit=80)
            text.append(" · LivePerson reaches it through your HTTPS reverse proxy or tunnel, registered in the app "
                        "installation (lp-tui does not tunnel)\n", style="dim")
        else:
            text.append("not running", style="bold yellow")
            text.append(" · for a real account, start it from the palette (Ctrl+P: Start the webhook receiver)\n",
                        style="dim")
        text.append(f"{view.accepted} accepted · ")
        text.append(f"{view.rejected_count} rejected", style="bold red" if view.rejected_count else "")
        if view.others:
            text.append(f" · {view.others} other conversation{'s' if view.others > 1 else ''} seen", style="dim")
        return text

    def _body(self, view: Any) -> Group:
        from lp_tui.lp.timeline import clock  # here, not at the top: the first screen has no timeline

        text = Text()
        if view.conversation_id is None:
            from lp_tui.ui.keys import current

            text.append(f"No webhook events yet. Send ({current().first('send')}): the conversation's timeline fills in here as the "
                        "notifications arrive.", style="dim")
        else:
            text.append("Conversation ", style="bold")
            add(text, view.conversation_id, "bold", one_line=True, limit=80)
            text.append(" · closed\n" if view.closed else "\n", style="bold red" if view.closed else "")
            if not view.closed:
                text.append_text(self.consumer_hint())  # the consumer's keys (ui/consumer.py)
            if view.dropped:
                text.append(f"({view.dropped} earlier events not kept)\n", style="dim")
        text.rstrip()
        parts: list[Any] = [text]
        if view.entries:
            hidden = len(view.entries) - MAX_SHOWN
            if hidden > 0:  # a redraw costs what it shows: a flood must not freeze the app
                parts.append(Text(f"({hidden} earlier events not shown here; `lp-tui webhooks` prints every one)",
                                  style="dim"))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True, style="dim")
            grid.add_column(no_wrap=True, min_width=7)
            grid.add_column(ratio=1)
            for entry in view.entries[-MAX_SHOWN:]:
                line = plain(entry.text, one_line=True, limit=MAX_SHOWN_TEXT)
                if entry.late:
                    line.append("  (arrived late)", style="italic yellow")
                grid.add_row(clock(entry.time), Text(entry.kind, style=KIND_STYLE.get(entry.kind, "")), line)
            parts.append(grid)
        if view.rejected:
            parts.append(Text("\nRejected (answered without taking them)", style="bold red"))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True, style="dim")
            grid.add_column(no_wrap=True, style="bold red")
            grid.add_column(ratio=1)
            for item in view.rejected[-MAX_REJECTED_SHOWN:]:
                grid.add_row(clock(int(item.time * 1000)), str(item.status), plain(item.reason, one_line=True,
                                                                                   limit=300))
            parts.append(grid)
        return Group(*parts)


# --- the palette -----------------------------------------------------------------------------------------
def palette_commands(app: Any) -> Iterable[SystemCommand]:
    composer = app.composer
    follower = follower_of(app.session)
    yield SystemCommand("Timeline", "What the webhooks say happened to the conversation (F10)",
                        composer.action_timeline)
    from lp_tui.ui.consumer import consumer_commands

    yield from consumer_commands(app)  # speaking for the consumer
    if follower.running:
        yield SystemCommand("Stop the webhook receiver", f"It listens on {follower.url}",
                            lambda: _stop(app))
    else:
        yield SystemCommand("Start the webhook receiver", "Receive LivePerson's signed webhooks for this profile "
                            "(on 127.0.0.1; your HTTPS tunnel forwards there)", lambda: _ask_port(app))


def _ask_port(app: Any) -> None:
    from lp_tui.ui.screens.dialogs import PromptScreen

    if app.session.use_sandbox:
        _start(app, "0")
        return

    def check(text: str) -> str | None:
        return None if text.strip().isascii() and text.strip().isdigit() and 0 < int(text) < 65536 else "A port number, 1-65535."

    app.push_screen(PromptScreen("Start the webhook receiver", "Port on 127.0.0.1 (register the HTTPS address of your "
                                 "reverse proxy or tunnel that forwards here in the app installation):",
                                 str(DEFAULT_PORT), ok="Start", check=check), lambda port: _start(app, port))


def _start(app: Any, port: str | None) -> None:
    if port is None:
        return
    follower = follower_of(app.session)
    try:
        url = follower.start(app.session, int(port))
    except (OSError, ValueError) as exc:
        app.notify(f"The webhook receiver did not start: {getattr(exc, 'strerror', None) or exc}", title="Timeline",
                   severity="error", timeout=10)
        return
    app.notify(f"The webhook receiver listens on {url}.", title="Timeline")
    app.composer.action_timeline()


def _stop(app: Any) -> None:
    follower_of(app.session).stop()
    app.notify("The webhook receiver stopped.", title="Timeline")
