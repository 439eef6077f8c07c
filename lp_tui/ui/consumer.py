"""Speaking for the consumer from the Timeline: typing states, ACCEPT and READ receipts, answering the agent's
quick replies, a message with conversation metadata, the urgent TTR, and any raw SEND body.

``ConsumerKeys`` is a base of the Timeline pane (its keys work while the Timeline has focus; ids in
``ui/keys.py``). Every SEND is built by ``model/events.py`` and sent by the session's client in a worker, as
the create is: its steps and explained answer go to the Response pane and History (``SendProgress`` and
``SendFinished`` of the compose screen), so Ctrl+O saves its evidence and the palette copies it as curl or
Python. The dialogs are in ``ui/screens/consumer_dialogs.py``, imported when first opened. Chat states sent by
themselves while a message is written (and receipts sent as messages are
shown, with "accept and read as shown" on) go to History only: they would bury the Response pane.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Callable

from textual.binding import Binding
from textual.widget import Widget

from lp_tui.ui.keys import key

if TYPE_CHECKING:
    from rich.text import Text

IDLE = 3.0  # seconds without a key after which the typing state turns PAUSE (a messaging window's habit)
THROTTLE = 2.0  # seconds between two automatic chat states at least
HINTS = (("consumer-message", "say"), ("consumer-quick-reply", "answer a quick reply"), ("consumer-read",
         "accept+read"), ("consumer-typing", "typing"), ("consumer-urgent", "urgent"), ("consumer-raw", "raw SEND"))
EVENT_KIND = "event"  # the compose screen's kind of send for these (sending.TITLES)


class ConsumerKeys(Widget):
    """The Timeline's keys for the consumer's side (a base class, so its bindings join the pane's)."""

    BINDINGS = [
        Binding(key("consumer-message"), "consumer_message", "Say", show=False, id="consumer-message"),
        Binding(key("consumer-quick-reply"), "consumer_quick_reply", "Choose", show=False,
                id="consumer-quick-reply"),
        Binding(key("consumer-read"), "consumer_read", "Read", show=False, id="consumer-read"),
        Binding(key("consumer-typing"), "consumer_typing", "Typing", show=False, id="consumer-typing"),
        Binding(key("consumer-urgent"), "consumer_urgent", "Urgent", show=False, id="consumer-urgent"),
        Binding(key("consumer-raw"), "consumer_raw", "Raw SEND", show=False, id="consumer-raw"),
    ]

    session: Any
    shown: Any

    # --- which conversation, which agent messages ------------------------------------------------------
    def consumer_hint(self) -> "Text":
        """One dim line under an open conversation: the keys that speak for the consumer, as in force."""
        from rich.text import Text

        from lp_tui.ui.keys import current

        keymap = current()
        words = [(_shown_key(keymap, action), what) for action, what in HINTS if keymap.first(action)]
        return Text("As the consumer: " + " · ".join(f"{k} {w}" for k, w in words) + "\n", style="dim")

    def consumer_target(self) -> str | None:
        """The conversation spoken in: the one lp-tui opened, else the one the Timeline shows; None (and said)."""
        conversation = getattr(self.screen, "conversation_id", None) or getattr(self.shown, "conversation_id", None)
        if not conversation:
            self.notify("No open conversation: send first (the Timeline shows it as the webhooks arrive).",
                        title="Consumer", severity="warning")
        return conversation

    def _unread(self) -> list[tuple[str, int]]:
        view = self.shown
        done = _read_marks(self.session)
        return [m for m in (view.agent_messages if view is not None else ()) if m not in done]

    # --- the actions ------------------------------------------------------------------------------------
    def action_consumer_typing(self) -> None:
        asked_production(self, self._consumer_typing)

    def _consumer_typing(self) -> None:
        from lp_tui.model.events import CHAT_STATES, chat_state_request

        target = self.consumer_target()
        if target is None:
            return

        from lp_tui.ui.screens import consumer_dialogs as dialogs

        def chosen(state: str | None) -> None:
            if state:
                speak(self, [chat_state_request(target, state)])

        self.app.push_screen(dialogs.ChoiceScreen("Chat state", f"Publish the consumer's chat state in {target}:",
                                                  list(CHAT_STATES)), chosen)

    def action_consumer_read(self) -> None:
        asked_production(self, self._consumer_read)

    def _consumer_read(self) -> None:
        """ACCEPT then READ for the agent's messages not acknowledged yet."""
        target = self.consumer_target()
        if target is None:
            return
        unread = self._unread()
        if not unread:
            self.notify("Every message of the agent shown here is already accepted and read.", title="Consumer")
            return
        speak(self, receipts_for(target, unread), marks=unread)

    def action_consumer_quick_reply(self) -> None:
        asked_production(self, self._consumer_quick_reply)

    def _consumer_quick_reply(self) -> None:
        from lp_tui.model.events import quick_reply_answer

        target = self.consumer_target()
        if target is None:
            return
        offer = getattr(self.shown, "offer", None)
        if not offer:
            self.notify("No quick replies shown yet: the agent's message with choices appears in the Timeline "
                        "(on the sandbox: `lp-tui sandbox --quick-replies …`, or the palette's \"Agent greets "
                        "with quick replies\").", title="Consumer", severity="warning")
            return
        dialog, sequence, buttons = offer
        from lp_tui.ui.screens import consumer_dialogs as dialogs

        def chosen(title: str | None) -> None:
            button = {b.title: b for b in reversed(buttons)}.get(title)  # a quick-reply button, by what it says (the first such)
            if button is not None:
                speak(self, quick_reply_answer(target, sequence, button, None if dialog == target else dialog))

        self.app.push_screen(dialogs.ChoiceScreen("Answer the quick reply",
                                                  f"The agent's message #{sequence} offers:",
                                                  [b.title for b in buttons]), chosen)

    def action_consumer_message(self) -> None:
        asked_production(self, self._consumer_message)

    def _consumer_message(self) -> None:
        from lp_tui.model.events import text_request

        target = self.consumer_target()
        if target is None:
            return
        typing = Typing(self, target)
        from lp_tui.ui.screens import consumer_dialogs as dialogs

        kept = getattr(self, "_kept_message", ("", ""))
        screen = dialogs.MessageScreen(target, typing, *kept)

        def done(answer: tuple[str, list[Any] | None] | None) -> None:
            typing.stop()
            if answer is None:
                typing.finish(False)
                self._kept_message = (screen.text, screen.metadata)  # Escape loses nothing typed
                return
            self._kept_message = ("", "")
            typing.finish(True)
            speak(self, [text_request(target, answer[0], metadata=answer[1])])

        self.app.push_screen(screen, done)

    def action_consumer_urgent(self) -> None:
        asked_production(self, self._consumer_urgent)

    def _consumer_urgent(self) -> None:
        from lp_tui.model.events import ttr_request

        target = self.consumer_target()
        if target is not None:
            speak(self, [ttr_request(target)])

    def action_consumer_raw(self) -> None:
        asked_production(self, self._consumer_raw)

    def _consumer_raw(self) -> None:
        from lp_tui.model.build import dumps
        from lp_tui.model.events import chat_state_request

        target = self.consumer_target() or "CONVERSATION_ID"
        from lp_tui.ui.screens import consumer_dialogs as dialogs

        kept: str | None = getattr(self, "_kept_raw", None)
        screen = dialogs.RawSendScreen(kept if kept is not None else dumps(chat_state_request(target, "COMPOSING")))

        def done(body: str | None) -> None:
            self._kept_raw = screen.body if body is None else body  # the next raw SEND starts from the last one
            if body is not None:
                speak(self, [body.encode("utf-8", errors="surrogatepass")])

        self.app.push_screen(screen, done)

    def consumer_shown(self) -> None:
        """The Timeline drew: with "accept and read as shown" on, acknowledge the agent's new messages."""
        if not getattr(self.session, "accept_and_read", False) or self.shown is None or self.shown.closed:
            return
        target = getattr(self.screen, "conversation_id", None)
        if self.session.conn.production and not getattr(_controller(self.screen), "_confirmed_production", False):
            return  # nothing goes to a real account by itself before the session's first question was answered
        unread = [m for m in self._unread() if target and self.shown.conversation_id == target]
        if unread and target:
            speak(self, receipts_for(target, unread), marks=unread, quiet=True)


def _shown_key(keymap: Any, action: str) -> str:
    """A plain letter as typed (``m``, not ``M``, which reads as Shift+M); any other key as the help shows it."""
    first = str(keymap.keys.get(action, "")).split(",")[0]
    return first if len(first) == 1 else str(keymap.first(action))


def receipts_for(target: str, messages: list[tuple[str, int]]) -> list[Any]:
    """ACCEPT then READ, one pair per dialog, for the agent's messages (dialog, sequence)."""
    from lp_tui.model.events import receipt_request

    out: list[Any] = []
    for dialog in dict.fromkeys(d for d, _ in messages):
        sequences = [s for d, s in messages if d == dialog]
        for status in ("ACCEPT", "READ"):
            out.append(receipt_request(target, status, sequences, dialog_id=None if dialog == target else dialog))
    return out


def _read_marks(session: Any) -> set[tuple[str, int]]:
    marks = getattr(session, "_consumer_read", None)
    if marks is None:
        marks = set()
        setattr(session, "_consumer_read", marks)
    return marks


# --- sending: the session's client, in a worker -------------------------------------------------------------
def _controller(screen: Any) -> Any:
    """The compose screen's send controller: it keeps the outcome, History and the session's answer
    to the production question (the screen itself where there is none)."""
    return getattr(screen, "sender", screen)


def asked_production(widget: Any, then: Callable[[], Any]) -> None:
    """On a production profile, ask once per session before the first SEND (as the compose screen does for its
    sends, and sharing its answer); then ``then()``."""
    screen = _controller(widget.screen)
    session = widget.session
    if not session.conn.production or getattr(screen, "_confirmed_production", False):
        then()
        return
    from lp_tui.ui.screens.dialogs import ConfirmScreen

    def done(yes: bool | None) -> None:
        if yes:
            screen._confirmed_production = True
            then()

    widget.app.push_screen(ConfirmScreen(
        "Speak for the consumer on production?", f"Profile {session.profile!r} is marked production (account "
        f"{session.conn.account_id}). What you send here reaches real agents as the consumer's. Send? (lp-tui asks "
        "once per session.)", yes="Send"), done)


def speak(widget: Any, bodies: list[Any], *, marks: list[tuple[str, int]] | None = None, quiet: bool = False) -> None:
    """Send ``bodies`` (request objects, or bytes sent as they are) one after the other, in a worker."""
    if marks:
        _read_marks(widget.session).update(marks)
    widget.run_worker(_speak(widget, bodies, quiet), group="consumer", exit_on_error=False)


async def _speak(widget: Any, bodies: list[Any], quiet: bool) -> None:
    """One worker's SENDs, after every SEND asked for before them (a lock per session): the consumer's typing,
    its message and its receipts reach LivePerson in the order they were made."""
    lock = getattr(widget.session, "_consumer_lock", None)
    if lock is None:
        lock = asyncio.Lock()
        setattr(widget.session, "_consumer_lock", lock)
    async with lock:
        await _speak_in_order(widget, bodies, quiet)


async def _speak_in_order(widget: Any, bodies: list[Any], quiet: bool) -> None:
    from lp_tui.lp.errors import ApiError, LpError
    from lp_tui.model.build import client_properties_header
    from lp_tui.model.events import describe
    from lp_tui.ui.screens.sending import Outcome, SendFinished, SendProgress

    screen = widget.screen
    sender = _controller(screen)  # its messages go on to the screen
    session = widget.session
    draft = getattr(screen, "draft", None)
    header = client_properties_header(draft) if draft is not None else None
    for body in bodies:
        data = body if isinstance(body, bytes) else None
        what = "raw body" if data is not None else describe(body)
        outcome = Outcome(EVENT_KIND, body=data)

        def observe(step: Any, outcome: Outcome = outcome) -> None:
            if not any(s is step for s in outcome.steps):
                outcome.steps.append(step)
            if not quiet:
                sender.post_message(SendProgress(EVENT_KIND, list(outcome.steps)))

        try:
            client = session.client
            outcome.result = await client.send_event(body, header, observe, action=f"send {what}")
            outcome.result.target = getattr(screen, "conversation_id", None)
        except LpError as exc:
            outcome.error = exc
        except asyncio.CancelledError:
            outcome.cancelled = True
            raise
        except Exception as exc:  # never crash the app on an unexpected failure; show it
            outcome.error = ApiError(f"send {what}", f"unexpected error: {type(exc).__name__}: {exc}",
                                    "this is a bug in lp-tui; please report it")
        if not quiet:
            sender.post_message(SendFinished(outcome))
        elif outcome.result is not None:
            entry = outcome.result.to_record(None)
            entry["profile"] = session.profile
            try:
                await asyncio.to_thread(session.history.append, entry)
            except OSError:
                pass
        if outcome.error is not None or (outcome.result is not None and not outcome.result.ok):
            if quiet:
                why = str(outcome.error) if outcome.error else f"HTTP {outcome.result.status}"
                widget.notify(f"The consumer's {what} was not taken: {why}", title="Consumer", severity="warning",
                              markup=False)
            return  # the rest waits for what the answer says
        if not quiet:
            widget.notify(f"Sent for the consumer: {what}.", title="Consumer", markup=False)


# --- the typing state, sent by itself while a message is written --------------------------------------------
class Typing:
    """COMPOSING on the first key, PAUSE after ``IDLE`` seconds without one, ACTIVE when the message goes (or
    the dialog is left while typing); never two chat states closer than ``THROTTLE`` seconds, except the last."""

    def __init__(self, widget: Any, target: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.widget, self.target, self.clock = widget, target, clock
        self.state = ""  # the last chat state sent
        self.last = -1e9
        self.sent: list[str] = []  # every state sent, in order (for tests and the dialog's line)
        self._timer: Any = None
        self.idle, self.throttle = IDLE, THROTTLE

    def key(self, host: Any) -> None:
        """A key in the message: COMPOSING when not already, and the idle timer restarts."""
        if self.state != "COMPOSING" and self.clock() - self.last >= self.throttle:
            self._send("COMPOSING")
        if self._timer is not None:
            self._timer.stop()
        self._timer = host.set_timer(self.idle, self._idle)

    def _idle(self) -> None:
        self._timer = None
        if self.state == "COMPOSING":
            self._send("PAUSE")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def finish(self, sent: bool) -> None:
        """The message went (ACTIVE), or was abandoned while typing (ACTIVE too: the indicator clears)."""
        if self.state in ("COMPOSING", "PAUSE"):
            self._send("ACTIVE")

    def _send(self, state: str) -> None:
        from lp_tui.model.events import chat_state_request

        self.state, self.last = state, self.clock()
        self.sent.append(state)
        speak(self.widget, [chat_state_request(self.target, state)], quiet=True)


# --- the palette ------------------------------------------------------------------------------------------------
def consumer_commands(app: Any) -> Any:
    """The Timeline's palette commands for the consumer's side."""
    from textual.app import SystemCommand

    session = app.session
    state = "on" if session.accept_and_read else "off"
    yield SystemCommand(f"Accept and read as shown: turn {'off' if state == 'on' else 'on'}",
                        f"Now {state}. When on, the Timeline sends ACCEPT and READ for each agent message as it shows "
                        "(accept_and_read in settings.toml)", lambda: toggle_accept_and_read(app))
    outcome = getattr(app.composer, "outcome", None)
    if outcome is not None and outcome.kind == EVENT_KIND and outcome.result is not None:
        yield SystemCommand("Copy the last SEND as curl", "The consumer's last SEND as one curl command "
                            "($LP_HOST, $LP_APP_JWT, $LP_CONSUMER_JWS)", lambda: copy_send(app, "curl"))
        yield SystemCommand("Copy the last SEND as Python", "A standalone script: CSDS, AppJWT, ConsumerJWS, then "
                            "the consumer's last SEND", lambda: copy_send(app, "python"))
    if session.use_sandbox:
        yield SystemCommand("Agent greets with quick replies", "The built-in sandbox's agent offers buttons in its "
                            "greeting (answer one with b in the Timeline)", lambda: ask_quick_replies(app))


def toggle_accept_and_read(app: Any) -> None:
    from lp_tui.store import settings as store

    session = app.session
    session.accept_and_read = flag = not session.accept_and_read
    path = session.settings.path

    def write() -> None:
        current = store.load(path)  # as it is on disk now: only this key changes
        if current.bad_file:
            return
        current.accept_and_read = flag
        try:
            store.save(current)
        except (OSError, store.SettingsConflict):
            pass

    app.run_worker(write, thread=True, group="accept-and-read", exit_on_error=False)
    app.notify(f"Accept and read as shown: {'on' if flag else 'off'}.", title="Consumer")


def copy_send(app: Any, kind: str) -> None:
    """The last SEND for the consumer as curl or Python (tokens as variables, never their values)."""
    from urllib.parse import urlsplit

    from lp_tui.export import SEND_PATH, spec_from_text
    from lp_tui.export.curl import curl_command
    from lp_tui.export.python import python_script
    from lp_tui.ui.clipboard import copy

    result = app.composer.outcome.result
    conn = app.session.conn
    spec = spec_from_text(result.request_body, conn.account_id or None,
                          client_properties=result.request_headers.get("Client-Properties"),
                          bearer=conn.auth_scheme == "bearer", source="the lp-tui app (a SEND for the consumer)",
                          scheme=urlsplit(conn.csds_url).scheme, path=SEND_PATH)
    if kind == "curl":
        copy(app, curl_command(spec), "a curl command", title="Copied as curl",
             detail="It needs LP_HOST, LP_APP_JWT and LP_CONSUMER_JWS: run eval \"$(lp-tui token)\" first.")
    else:
        copy(app, python_script(spec), "a Python script (standard library only)", title="Copied as Python",
             detail="It reads LP_ACCOUNT_ID, LP_CLIENT_ID, LP_CLIENT_SECRET, LP_EXT_CONSUMER_ID and LP_CSDS_URL.")


def ask_quick_replies(app: Any) -> None:
    from lp_tui.sandbox.webhook_config import check_quick_replies
    from lp_tui.ui.screens.dialogs import PromptScreen

    def titles(text: str) -> list[str]:
        return [t.strip() for t in text.split(",") if t.strip()]

    def check(text: str) -> str | None:
        try:
            check_quick_replies(titles(text))
        except ValueError as exc:
            return str(exc)
        return None

    def done(text: str | None) -> None:
        sandbox = app.session.sandbox
        if text is None or sandbox is None:
            return
        with sandbox.state.lock:
            sandbox.state.webhooks.update({"quick_replies": titles(text)})
        app.notify("The agent's next greeting offers " + (", ".join(titles(text)) or "no buttons") + ".",
                   title="Sandbox", markup=False)

    current = ", ".join(app.session.sandbox.state.webhooks.quick_replies) if app.session.sandbox else ""
    app.push_screen(PromptScreen("Agent greets with quick replies", "Button titles, separated by commas (empty: "
                                 "none):", current or "Billing, Sales, Something else", ok="Set", check=check), done)
