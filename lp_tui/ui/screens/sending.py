"""Sending from the compose screen: create, close, message, consumer switch; the send worker.

A mixin of ComposeScreen (kept apart so the screen module stays about the forms and the
preview). It holds no HTTP itself: the session's client does the work; this runs it in a
worker, shows each step as it happens and records the result in the history.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from textual import work
from textual.widgets import TabbedContent

from lp_tui.lp.errors import LpError
from lp_tui.model.build import client_properties_header
from lp_tui.ui.screens.dialogs import ConfirmScreen, PromptScreen
from lp_tui.ui.session import new_consumer_id
from lp_tui.ui.widgets.response import ResponseView


class SendActions:
    """Needs: ``session``, ``draft``, ``raw_mode``, ``raw_text``, ``body_text``, ``sending``,
    ``conversation_id``, ``refresh_preview()`` and ``update_status()`` from the screen."""

    # --- sending ---------------------------------------------------------------------------------------
    def action_send(self) -> None:
        if self.sending:
            self.notify("A send is already running; wait for it to finish.", title="Busy", severity="warning")
            return
        self.refresh_preview()
        body = self.body_text.encode("utf-8", errors="surrogatepass")
        if self.raw_mode:
            try:
                json.loads(self.raw_text)
            except ValueError as exc:
                def done(yes: bool | None) -> None:
                    if yes:
                        self.start_send("create", body=body)

                self.app.push_screen(ConfirmScreen("Send invalid JSON?", f"The body is not valid JSON ({exc}). "
                                                   "LivePerson will refuse it. Send it exactly as it is anyway?",
                                                   yes="Send anyway"), done)
                return
        self.start_send("create", body=body)

    def action_close_conversation(self) -> None:
        if not self.conversation_id:
            self.notify("No open conversation from this session to close. Send first, or switch consumer (Ctrl+N).",
                        severity="warning")
            return
        self.start_send("close", conversation_id=self.conversation_id)

    def action_message(self) -> None:
        if not self.conversation_id:
            self.notify("No open conversation to message. Send first.", severity="warning")
            return

        def done(text: str | None) -> None:
            if text:
                self.start_send("message", conversation_id=self.conversation_id, text=text)

        self.app.push_screen(PromptScreen("Send a message", f"Text for conversation {self.conversation_id}:",
                                          "Hello, I need your support", ok="Send"), done)

    def action_new_consumer(self) -> None:
        consumer = new_consumer_id()
        self.session.set_consumer(consumer)
        self.conversation_id = None
        self.update_status()
        self.refresh_preview()
        self.notify(f"New external consumer id: {consumer}. The next send opens a conversation for it.",
                    title="Fresh consumer")

    def action_copy_id(self) -> None:
        if self.conversation_id:
            self.app.copy_to_clipboard(self.conversation_id)
            self.notify(f"Copied {self.conversation_id}")
        else:
            self.notify("No conversationId yet.", severity="warning")

    def start_send(self, kind: str, body: bytes | None = None, conversation_id: str | None = None,
                   text: str = "") -> None:
        """The one way a request starts: refused, clearly, while another one runs."""
        if self.sending:
            self.notify("A send is already running; wait for it to finish.", title="Busy", severity="warning")
            return
        self.sending = True
        self.query_one("#panes", TabbedContent).active = "pane-response"
        self.send_worker(kind, body, conversation_id, text, client_properties_header(self.draft))

    @work(group="send", exit_on_error=False)
    async def send_worker(self, kind: str, body: bytes | None, conversation_id: str | None, text: str,
                          header: str | None) -> None:
        while not self.query(ResponseView):  # it mounts just after the first paint
            await asyncio.sleep(0.01)
        view = self.query_one(ResponseView)
        title = {"create": "Sending", "close": "Closing the conversation", "message": "Sending the message"}[kind]
        view.show_progress(title + "…", [])
        steps: list[Any] = []

        def observe(step: Any) -> None:
            if not any(s is step for s in steps):
                steps.append(step)
            view.show_progress(title + "…", steps)

        client = self.session.client
        try:
            if kind == "create":
                result = await client.create_conversation(None, header, observe, raw=body)
            elif kind == "close":
                result = await client.close_conversation(conversation_id, header, observe)
            else:
                result = await client.send_message(conversation_id, text, header, observe)
        except LpError as exc:
            view.show_error(title, exc, steps)
            self.sending = False
            return
        except Exception as exc:  # never crash the app on an unexpected failure; show it
            view.show_error(title, LpError("api", title.lower(), f"unexpected error: {type(exc).__name__}: {exc}",
                                           "this is a bug in lp-tui; please report it"), steps)
            self.sending = False
            return
        routing = None
        if kind == "create" and result.conversation_id:
            self.conversation_id = result.conversation_id
            if self.session.use_sandbox:
                routing = await client.sandbox_conversation(result.conversation_id)
        elif kind == "close" and result.ok:
            self.conversation_id = None
            self.notify("Conversation closed. Send again to open a new one.", title="Closed")
        elif kind == "message" and result.ok:
            self.notify("Message sent.")
        view.show_result(result, routing, self.session.use_sandbox, self.conversation_id)
        self.update_status()
        self.refresh_preview()
        self.sending = False
        self._record(result.to_record())

    @work(group="history", exit_on_error=False)
    async def _record(self, entry: dict[str, Any]) -> None:
        # asyncio.to_thread reuses a small pool of threads (a new thread per write grows memory)
        try:
            await asyncio.to_thread(self.session.history.append, entry)
        except OSError as exc:
            self.notify(f"History not saved: {exc}", severity="warning")

    def resend_raw(self, body: str) -> None:
        """Re-send a history entry's exact body."""
        self.start_send("create", body=body.encode("utf-8", errors="surrogatepass"))
