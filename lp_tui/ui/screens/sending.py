"""Sending from the compose screen: create, close, message, cancel; the send worker and its state.

A mixin of ComposeScreen with an explicit interface (the attributes and methods below marked
"from the screen"). It holds no HTTP itself: the session's client does the work in a worker,
which posts ``SendProgress`` and ``SendFinished``; the screen's handlers draw them. The busy
state is released in ``finally``, whatever happens, so a failed send never leaves the app
"already running".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import TabbedContent
from textual.worker import Worker

from lp_tui.lp.errors import ApiError, LpError
from lp_tui.model.build import client_properties_header, first_message_after
from lp_tui.ui.screens.dialogs import ConfirmScreen, PromptScreen
from lp_tui.ui.session import Session, new_consumer_id

if TYPE_CHECKING:
    from textual.screen import Screen

    from lp_tui.model.draft import Draft

    _Base = Screen[None]
else:
    _Base = object

TITLES = {"create": "Sending", "close": "Closing the conversation", "message": "Sending the message"}


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


class SendActions(_Base):
    # --- from the screen (its explicit interface to this mixin) -----------------------------
    session: Session
    draft: "Draft"
    raw_mode: bool
    raw_text: str
    body_text: str

    def refresh_preview(self) -> None: ...
    def update_status(self) -> None: ...
    def show_right(self, show: bool = True) -> None: ...
    def show_outcome(self, outcome: Outcome | None, progress: tuple[str, list[Any]] | None) -> None: ...

    # --- the send state ------------------------------------------------------------------------
    busy: reactive[str] = reactive("")  # the kind of send running, "" when none
    conversation_id: reactive[str | None] = reactive(None)  # the open conversation lp-tui knows of
    _send_worker: Worker[None] | None = None
    _confirmed_production: bool = False

    def watch_busy(self) -> None:
        self.update_status()

    def watch_conversation_id(self) -> None:
        self.update_status()

    # --- actions --------------------------------------------------------------------------------
    def action_send(self) -> None:
        if self._refuse_if_busy():
            return
        self.refresh_preview()
        body = self.body_text.encode("utf-8", errors="surrogatepass")
        if self.raw_mode:
            from lp_tui.limits import loads_json

            try:
                loads_json(self.raw_text)
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
        self.start_send("create", body=body, first_message=first_message_after(self.draft))

    def action_close_conversation(self) -> None:
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

    def action_message(self) -> None:
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

    def action_new_consumer(self) -> None:
        consumer = new_consumer_id()
        self.session.set_consumer(consumer)
        self.conversation_id = None
        self.refresh_preview()
        self.notify(f"New external consumer id: {consumer}. The next send opens a conversation for it.",
                    title="Fresh consumer")

    def action_cancel_send(self) -> None:
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
        self.query_one("#panes", TabbedContent).active = "pane-response"
        self.show_right(True)  # a narrow screen turns to the response
        self.post_message(SendProgress(kind, []))  # the response pane clears at once
        if message_id is None:
            message_id = self.draft.get("ids.message") if self.draft.has("ids.message") else "1"
        self._send_worker = self.send_worker(kind, body, conversation_id, text, client_properties_header(self.draft),
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
