"""Sending from the compose screen: create, close, message, cancel; the send worker and its state.

``SendController`` is a widget that draws nothing (it is never displayed) so that its state can be
reactive: ``busy`` (the kind of send running) and ``conversation_id`` (the open conversation lp-tui
knows of). The status bar and the Timeline watch them; nobody refreshes them by hand. What it needs
from the screen is the ``SendSource`` protocol below. It holds no HTTP itself: the session's client
does the work in a worker, which posts ``SendProgress`` and ``SendFinished``; they bubble to the
screen, whose handlers draw them. The busy state is released in ``finally``, whatever happens, so
a failed send never leaves the app "already running".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from textual import work
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import Worker

from lp_tui.lp.errors import ApiError, LpError, Why
from lp_tui.lp.results import StepCode
from lp_tui.model.build import client_properties_header, first_message_after
from lp_tui.model.draft import Draft
from lp_tui.ui.exports import record_of
from lp_tui.ui.screens.dialogs import ConfirmScreen, PromptScreen
from lp_tui.ui.session import Session, new_consumer_id

TITLES = {"create": "Sending", "close": "Closing the conversation", "message": "Sending the message",
          "event": "Speaking for the consumer"}  # event: the Timeline's SENDs (ui/consumer.py)


@dataclass
class Outcome:
    """How the last send ended: a result, an error, or a cancel; with the steps it took."""

    kind: str
    steps: list[Any] = field(default_factory=list)
    result: Any = None
    error: LpError | None = None
    cancelled: bool = False
    routing: dict[str, Any] | None = None
    routing_problem: str = ""  # why an lp-tui sandbox did not say where it routed (its token is missing)
    body: bytes | None = None  # what a create sent (evidence of a send that failed before an answer)
    history_id: str | None = None  # the History entry that records it (evidence files are named by it)


class SendProgress(Message):
    def __init__(self, kind: str, steps: list[Any]) -> None:
        super().__init__()
        self.kind = kind
        self.steps = steps


class SendFinished(Message):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class SendSource(Protocol):
    """What the send controller needs from the screen: the draft and the body as it will be sent."""

    @property
    def draft(self) -> Draft: ...
    @property
    def raw_mode(self) -> bool: ...
    @property
    def raw_text(self) -> str: ...
    def request_body(self) -> str:
        """The body the request pane shows, built now if a change is still pending."""
        ...
    def send_started(self) -> None:
        """A send starts: the response pane shows (a narrow screen turns to it)."""
        ...


class SendController(Widget):
    """Create, close, message, cancel; the one send worker; the open conversation."""

    DEFAULT_CSS = "SendController { display: none; }"

    busy: reactive[str] = reactive("", repaint=False)  # the kind of send running, "" when none
    conversation_id: reactive[str | None] = reactive(None, repaint=False)  # the open conversation lp-tui knows of

    def __init__(self, session: Session, source: SendSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        self.source = source
        self._send_worker: Worker[None] | None = None
        self._confirmed_production = False
        self.outcome: Outcome | None = None  # how the last send ended
        self.progress: tuple[str, list[Any]] | None = None  # the steps of the send running

    # --- actions --------------------------------------------------------------------------------
    def send(self) -> None:
        """The create call with the body the request pane shows (raw mode: exactly what is written)."""
        if self._refuse_if_busy():
            return
        source = self.source
        body = source.request_body().encode("utf-8", errors="surrogatepass")
        if source.raw_mode:
            from lp_tui.limits import loads_json

            try:
                loads_json(source.raw_text)
            except ValueError as exc:
                def done(yes: bool | None) -> None:
                    if yes:
                        self.start_send("create", body=body)

                self.app.push_screen(ConfirmScreen("Send invalid JSON?", f"The body is not valid JSON ({exc}). "
                                                   "LivePerson will refuse it. Send it exactly as it is anyway?",
                                                   yes="Send anyway"), done)
                return
            self.start_send("create", body=body)  # raw mode sends exactly what is written, nothing after
            return
        self.start_send("create", body=body, first_message=first_message_after(source.draft))

    def close_open_conversation(self) -> None:
        if not self.conversation_id:
            self.notify("No open conversation is known for this profile and consumer. Send first, or switch "
                        "consumer (Ctrl+N).", severity="warning")
            return
        conversation_id = self.conversation_id
        if self.session.conn.production:  # a key pressed by mistake must not end a real customer's conversation
            def done(yes: bool | None) -> None:
                if yes:
                    self._confirmed_production = True  # asked just now: the send's own question is not asked again
                    self.close_conversation(conversation_id)

            self.app.push_screen(ConfirmScreen(
                "Close the conversation?", f"Profile {self.session.profile!r} is marked production (account "
                f"{self.session.conn.account_id}). Close conversation {conversation_id}? Real agents and the "
                "consumer see it end.", yes="Close it", no="Keep it open"), done)
            return
        self.close_conversation(conversation_id)

    def close_conversation(self, conversation_id: str) -> None:
        self.start_send("close", conversation_id=conversation_id)

    def message_open_conversation(self) -> None:
        if not self.conversation_id:
            self.notify("No open conversation to message. Send first.", severity="warning")
            return
        self.message_conversation(self.conversation_id)

    def message_conversation(self, conversation_id: str) -> None:
        def done(text: str | None) -> None:
            if text:
                self.start_send("message", conversation_id=conversation_id, text=text)

        self.app.push_screen(PromptScreen("Send a message", f"Text for conversation {conversation_id}:",
                                          "Hello, I need your support", ok="Send"), done)

    def new_consumer(self) -> str:
        """A fresh external consumer id: the conversation lp-tui knew of belongs to the old one."""
        consumer = new_consumer_id()
        self.session.set_consumer(consumer)
        self.conversation_id = None
        return consumer

    def cancel(self) -> None:
        worker = self._send_worker
        if not self.busy or worker is None:
            self.notify("No send is running.", severity="warning")
            return
        worker.cancel()

    def resend_raw(self, body: str, first: tuple[Any, Any] | None = None) -> None:
        """Re-send a history entry's exact body (and its first message after it, when it sent one)."""
        self.start_send("create", body=body.encode("utf-8", errors="surrogatepass"),
                        first_message=None if first is None else first[0],
                        message_id=None if first is None else first[1])

    # --- the one way a request starts -------------------------------------------------------------
    def _refuse_if_busy(self) -> bool:
        if self.busy:
            self.notify("A send is already running: wait for it, or cancel it with Escape.", title="Busy",
                        severity="warning")
            return True
        return False

    def start_send(self, kind: str, body: bytes | None = None, conversation_id: str | None = None,
                   text: str = "", first_message: Any = None, message_id: Any = None) -> None:
        """Refused, clearly, while another send runs; asks once per session before a production send."""
        if self._refuse_if_busy():
            return
        missing = [] if self.session.use_sandbox else self.session.conn.missing()
        if missing:  # said at once, naming the profile, rather than failing on a step with an empty secret
            self.notify(f"Not sent: profile {self.session.profile!r} is missing " + "; ".join(missing) +
                        ". Add them in Settings (F2), the environment or the command line.", title="Not configured",
                        severity="error", timeout=10)
            return
        if self.session.conn.production and not self._confirmed_production:
            def done(yes: bool | None) -> None:
                if yes:
                    self._confirmed_production = True
                    self.start_send(kind, body, conversation_id, text, first_message, message_id)

            what = {"create": "This opens a real conversation that real agents may see.",
                    "close": f"This closes conversation {conversation_id} on the real account.",
                    }.get(kind, f"This sends a message into conversation {conversation_id}, which real agents see.")
            self.app.push_screen(ConfirmScreen(
                "Send to production?", f"Profile {self.session.profile!r} is marked production (account "
                f"{self.session.conn.account_id}). {what} Send? (lp-tui asks once per session.)", yes="Send"), done)
            return
        self.busy = kind
        self.source.send_started()
        self.post_message(SendProgress(kind, []))  # the response pane clears at once
        draft = self.source.draft
        if message_id is None:
            message_id = draft.get("ids.message") if draft.has("ids.message") else "1"
        self._send_worker = self.send_worker(kind, body, conversation_id, text, client_properties_header(draft),
                                             first_message, message_id)

    @work(group="send", exit_on_error=False)
    async def send_worker(self, kind: str, body: bytes | None, conversation_id: str | None, text: str,
                          header: str | None, first_message: Any = None, message_id: Any = "1") -> None:
        outcome = Outcome(kind, body=body)

        def observe(step: Any) -> None:
            if not any(s is step for s in outcome.steps):
                outcome.steps.append(step)
            self.post_message(SendProgress(kind, list(outcome.steps)))

        try:
            client = self.session.client  # may start the built-in sandbox (LpError if it cannot)
            if kind == "create":
                after = {} if first_message is None else {"first_message": first_message, "message_id": message_id}
                outcome.result = await client.create_conversation(None, header, observe, raw=body, **after)
                if outcome.result.conversation_id and outcome.result.sandbox:
                    outcome.routing = await client.sandbox_conversation(outcome.result.conversation_id)
                    if outcome.routing is None and getattr(client, "sandbox_locked", False):
                        from lp_tui.lp.client import SANDBOX_TOKEN_NEEDED

                        outcome.routing_problem = SANDBOX_TOKEN_NEEDED
            elif kind == "close":
                assert conversation_id is not None  # a close or a message is started only with one
                outcome.result = await client.close_conversation(conversation_id, header, observe)
            else:
                assert conversation_id is not None
                outcome.result = await client.send_message(conversation_id, text, header, observe)
            outcome.result.target = conversation_id
        except LpError as exc:
            outcome.error = exc
        except asyncio.CancelledError:
            outcome.cancelled = True
            raise
        except Exception as exc:  # never crash the app on an unexpected failure; show it
            outcome.error = ApiError(TITLES[kind].lower(), f"unexpected error: {type(exc).__name__}: {exc}",
                                    "this is a bug in lp-tui; please report it")
        finally:
            self.busy = ""  # released whatever happened
            self._send_worker = None
            self.post_message(SendFinished(outcome))

    # --- how a send ended: the open conversation, History ---------------------------------------
    def on_send_progress(self, event: SendProgress) -> None:
        self.progress = (event.kind, event.steps)  # the message goes on to the screen, which draws it

    def on_send_finished(self, event: SendFinished) -> None:
        """Book-keeping first (the open conversation, History); the message goes on to the screen."""
        outcome = event.outcome
        self.outcome, self.progress = outcome, None
        result = outcome.result
        key = self.session.conversation_key()
        if outcome.cancelled:
            posted = outcome.kind == "create" and any(
                s.name == StepCode.CREATE and s.failed and s.status is None for s in outcome.steps)
            self.notify("The send was cancelled; the steps show where it stopped." + (
                " The request had gone out, so LivePerson may have opened the conversation anyway: if the next "
                "send says one is already open, Ctrl+N switches to a fresh consumer." if posted else ""),
                title="Cancelled", timeout=12 if posted else 5)
        elif result is not None:
            if outcome.kind == "create" and result.conversation_id:
                self.conversation_id = result.conversation_id
                self._remember(key, result.conversation_id, result.request_headers.get("Client-Properties"))
            elif outcome.kind == "close" and (result.ok or any(e.why is Why.CLOSED_CONVERSATION
                                                               for e in result.explanations)):
                if result.target == self.conversation_id:
                    self.conversation_id = None
                self._forget(key, result.target)
                if result.ok:
                    self.notify("Conversation closed. Send again to open a new one.", title="Closed")
            elif outcome.kind == "message" and result.ok:
                self.notify("Message sent.")
            entry = record_of(outcome)
            outcome.history_id = entry.get("id")
            self._record(entry)

    @work(group="history", exit_on_error=False)
    async def _record(self, entry: dict[str, Any]) -> None:
        entry["profile"] = self.session.profile
        try:
            await asyncio.to_thread(self.session.history.append, entry)
        except OSError as exc:
            self.notify(f"History not saved: {exc}", severity="warning")

    @work(group="conversations", exit_on_error=False)
    async def _remember(self, key: Any, conversation_id: str, client_properties: str | None = None) -> None:
        try:
            await asyncio.to_thread(self.session.conversations.remember, key, conversation_id, client_properties)
        except OSError as exc:
            self.notify(f"The open conversation is not remembered for the next start: {exc}", severity="warning")

    def conversation_closed(self, conversation_id: str) -> None:
        """The webhooks say the open conversation was closed (the agent closed it, or LivePerson did):
        it is no longer called open, nor remembered for the next start."""
        if conversation_id != self.conversation_id:
            return
        self.conversation_id = None
        self._forget(self.session.conversation_key(), conversation_id)
        self.notify("The conversation was closed (the webhooks say so). Send again to open a new one.",
                    title="Closed")

    @work(group="conversations", exit_on_error=False)
    async def _forget(self, key: Any, conversation_id: str | None) -> None:
        try:
            await asyncio.to_thread(self.session.conversations.forget, key, conversation_id)
        except OSError:
            pass

    class ConsumerRecalled(Message):
        """The consumer a previous session made up is used again (the request's header changes)."""

    @work(group="recall", exclusive=True, exit_on_error=False)
    async def recall_conversation(self) -> None:
        """The conversation remembered for this profile and consumer, if one is still open."""
        key = self.session.conversation_key()
        if key is None:
            return
        session = self.session
        remembered = await asyncio.to_thread(session.conversations.get, key)
        if remembered is None and session.consumer_made_up:
            # No consumer is configured, so each session makes one up: the one a previous session
            # made up (and opened a conversation for) is taken again, so Ctrl+R can close it.
            found = await asyncio.to_thread(session.conversations.latest, *key[:3])
            if found and session.conversation_key() == key and session.consumer_made_up:
                session.set_consumer(found[0])
                key, remembered = session.conversation_key(), found[1]
                self.post_message(self.ConsumerRecalled())
                self.notify(f"Consumer {found[0]} from the last session is used again: its conversation "
                            f"{found[1]} is still open (Ctrl+R closes it, Ctrl+N starts afresh).", title="Open conversation")
        if remembered and session.conversation_key() == key:
            self.conversation_id = remembered

    def copy_id(self) -> None:
        from lp_tui.text import ID_CHARS_SHOWN, id_shape_problem, ident
        from lp_tui.ui.clipboard import copy

        if self.conversation_id:
            problem = id_shape_problem(self.conversation_id)
            if problem:  # never put a server's lines on the clipboard for a shell to run
                self.notify(f"The conversationId was not copied: {problem}. An id is one line of {ID_CHARS_SHOWN}; "
                            f"the server sent {ident(self.conversation_id, limit=80)}",
                            title="Not an id", severity="warning", markup=False, timeout=10)
                return
            copy(self.app, self.conversation_id, f"the conversationId {self.conversation_id}")
        else:
            self.notify("No conversationId yet.", severity="warning")
