"""The main screen: forms on the left, the live request and the response on the right.

The screen composes parts that each own their state, and wires them together:

- ``DraftState`` (ui/draft_state.py): the draft, raw mode, and the one change event;
- ``FormsSide`` (ui/widgets/forms_side.py): the form tabs and the raw editor, which change the draft;
- ``RequestPreview`` (ui/widgets/preview.py): follows the draft change event by itself (the body at
  once, the findings and the routing prediction when the typing pauses);
- ``DraftSaver`` (ui/draft_saver.py): follows the same event and writes the draft off the UI thread;
- ``SendController`` (ui/screens/sending.py): the sends, with the reactive ``busy`` and
  ``conversation_id`` that the status bar and the Timeline watch.

What stays here: the layout (wide or narrow), the panes on the right, the response drawn as a send
progresses, and the keys, which mostly hand over to the parts.
"""

from __future__ import annotations

from typing import Any, Iterable

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen

from lp_tui.model.build import secret_values
from lp_tui.model.draft import Draft
from lp_tui.model.validate import Finding
from lp_tui.store import drafts
from lp_tui.ui.draft_saver import DraftSaver
from lp_tui.ui.draft_state import Change, DraftState
from lp_tui.ui.keys import current as keys_in_force
from lp_tui.ui.keys import key
from lp_tui.ui.screens.dialogs import ConfirmScreen
from lp_tui.ui.screens.sending import Outcome, SendController, SendFinished, SendProgress
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.forms_side import FORM_IDS, FORM_TABS, SECTION_TAB, FormsSide, default_help, save_key
from lp_tui.ui.widgets.keybar import KeyBar
from lp_tui.ui.widgets.panes_side import PanesSide
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.status import StatusBar

__all__ = ["ComposeScreen", "FORM_TABS", "SECTION_TAB", "default_help"]

NARROW = 100  # below this width the forms and the request take turns on screen (F8 switches)


class ComposeScreen(Screen[None]):
    BINDINGS = [  # the key bar shows them in this order: the most used first; keys: lp_tui/ui/keys.py
        Binding(key("send"), "send", "Send", priority=True, id="send"),
        Binding(key("cancel"), "cancel_send", "Cancel", show=False, id="cancel"),
        Binding(key("close-conversation"), "close_conversation", "Close", tooltip="Close the open conversation",
                id="close-conversation"),
        Binding(key("message"), "message", "Msg", tooltip="Send a text message to the open conversation", id="message"),
        Binding(key("new-consumer"), "new_consumer", "New id", tooltip="Switch to a fresh external consumer id",
                id="new-consumer"),
        Binding(key("view"), "toggle_view", "View", tooltip="Switch between the forms and the request/response",
                id="view"),
        Binding(key("pane-request"), "pane('pane-request')", "Request", show=False, priority=True, id="pane-request"),
        Binding(key("pane-response"), "pane('pane-response')", "Response", show=False, priority=True,
                id="pane-response"),
        Binding(key("routing"), "routing", "Routing", tooltip="The routing rules in force, and the routing matrix",
                priority=True, id="routing"),
        Binding(key("timeline"), "timeline", "Timeline", tooltip="What the webhooks say happened to the conversation",
                priority=True, id="timeline"),
        Binding(key("raw"), "toggle_raw", "Raw", priority=True, id="raw"),
        Binding(key("save-preset"), "app.save_preset", "Save", show=False, priority=True, id="save-preset"),
        Binding(key("copy-id"), "copy_id", "Copy id", tooltip="Copy the conversationId (more in the palette)",
                id="copy-id"),
        Binding(key("clear"), "clear_draft", "Clear", id="clear"),
        # priority: a terminal sends Alt+2 with the character "2", which a focused field would type
        *[Binding(key(f"form-{name}"), f"form_tab('{tab}')", label, show=False, priority=True, id=f"form-{name}")
          for name, (tab, label) in zip(FORM_IDS, FORM_TABS)],
        Binding(key("next-form"), "next_form_tab(1)", "Next form", show=False, priority=True, id="next-form"),
        Binding(key("previous-form"), "next_form_tab(-1)", "Previous form", show=False, priority=True,
                id="previous-form"),
    ]

    def __init__(self, session: Session, draft: Draft | None = None, raw_body: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.state = DraftState(draft, raw_body)
        self.AUTO_FOCUS = "#raw-editor" if self.state.raw_mode else "#f-consumer-customerId"  # type: ignore[misc]
        self.sender = SendController(session, self, id="sender")
        self.preview = RequestPreview(self.state, session, id="preview")
        self.forms = FormsSide(self.state, self._show_forms_side, self.request_body,
                               lambda: self.session.conn.account_id or None, id="left")
        self.saver = DraftSaver(self, self.state, lambda: self.session.draft_path)
        self.panes = PanesSide(session, self.sender, self.preview, self._turn_right, self.request_body, id="right")
        self._right_side = False  # a narrow screen shows the request/response (F8), not the forms

    # --- the state, as the app, the exports and the tests read it ---------------------------------
    @property
    def draft(self) -> Draft:
        return self.state.draft

    @property
    def raw_mode(self) -> bool:
        return self.state.raw_mode

    @property
    def raw_text(self) -> str:
        return self.state.raw_text

    @property
    def edited(self) -> bool:
        return self.state.edited

    @property
    def body_text(self) -> str:
        """The body as it is sent (the request pane masks a secret in it)."""
        return self.preview.body

    @property
    def findings(self) -> list[Finding]:
        return self.preview.findings

    @property
    def busy(self) -> str:
        return self.sender.busy

    @property
    def conversation_id(self) -> str | None:
        return self.sender.conversation_id

    @property
    def outcome(self) -> Outcome | None:
        return self.sender.outcome

    @property
    def saving(self) -> bool:
        """A draft write is waiting, in flight or queued (tests wait on this, not on time)."""
        return self.saver.saving

    @property
    def checking(self) -> bool:
        """The request pane has a rebuild or its checks still to run (tests wait on this)."""
        return self.preview.pending

    def request_body(self) -> str:
        """The body as the request pane shows it, brought up to date first."""
        self.preview.flush()
        return self.preview.body

    def send_started(self) -> None:
        self.panes.tabs.active = "pane-response"
        self.show_right(True)  # a narrow screen turns to the response

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # the layout for the terminal's width before anything is styled: set on mount instead, the
        # classes would restyle every widget of the first screen once more
        self.update_classes(self._layout_classes(self.app.size.width), update=False)
        yield StatusBar(self.session, self.sender, self.state, id="status-bar")
        with Horizontal(id="main"):
            yield self.forms
            yield self.panes
        yield KeyBar()
        yield self.sender

    def _layout_classes(self, width: int) -> dict[str, bool]:
        """Narrow or not, and which side a narrow screen shows (a wide one shows both)."""
        narrow = width < NARROW
        return {"-narrow": narrow, "-show-right": narrow and self._right_side}

    def on_resize(self) -> None:
        self.update_classes(self._layout_classes(self.size.width))

    def _set_right_side(self, show: bool) -> None:
        """Which side a narrow screen shows. The class is only set while narrow: a wide screen shows
        both, and changing a class of the screen restyles every widget on it."""
        self._right_side = show
        self.update_classes(self._layout_classes(self.size.width))

    def action_toggle_view(self) -> None:
        """Narrow screens show the forms or the request/response in turn; wide ones focus the other side."""
        if self.has_class("-narrow"):
            self.show_right(not self.has_class("-show-right"))
        elif self.panes.has_focus_within:
            self.forms.focus_first_in(self.forms.tabs.active or "tab-consumer")
        else:
            self.panes.focus_tabs()

    def _show_forms_side(self) -> None:
        """A form key on a narrow screen showing the request: the forms come back, or the keys
        would go to a form nobody sees."""
        if self.has_class("-narrow") and self.has_class("-show-right"):
            self.set_focus(None)
            self._set_right_side(False)

    def show_right(self, show: bool = True) -> None:
        if self.has_class("-narrow") and show != self.has_class("-show-right"):
            self.set_focus(None)  # one side hides: focus goes where we put it, not wherever it drifts
        self._set_right_side(show)
        if self.has_class("-narrow"):
            if show:
                self.panes.focus_tabs()
            else:
                self.forms.focus_first_in(self.forms.tabs.active or "tab-consumer")

    async def on_mount(self) -> None:
        self.on_resize()
        self.connection_changed(first=True)
        if self.session.startup_notes:  # one notice, not a stack of them
            self.notify("\n".join(self.session.startup_notes), title="lp-tui", timeout=8)

    def connection_changed(self, first: bool = False) -> None:
        """The profile or its settings changed: status, preview, the remembered conversation, what
        the server is (an lp-tui sandbox says so itself)."""
        self.sender.conversation_id = None
        self.session.on_rules_report = self._rules_reported_from_thread
        self.state.changed(Change.CONTEXT)
        self.sender.recall_conversation()
        self._probe_server()
        self.panes.connection_changed()  # the webhook receiver follows the profile

    def sandbox_started(self) -> None:
        """The built-in sandbox started after the first paint: its address, its rules, the webhook
        receiver that follows it. The same connection, so the conversation stays."""
        self.state.changed(Change.CONTEXT)
        self.show_routing()
        self.panes.connection_changed()

    @on(SendController.ConsumerRecalled)
    def _consumer_recalled(self) -> None:
        self.state.changed(Change.CONTEXT)

    @work(group="probe", exclusive=True, exit_on_error=False)
    async def _probe_server(self) -> None:
        """Look the account's services up once (the request pane then shows the real host); a
        server that answers as an lp-tui sandbox is asked for its rules. Failures stay quiet: the
        first send reports them properly."""
        session = self.session
        if session.use_sandbox or not session.conn.account_id:
            self.show_routing()
            return
        from lp_tui.lp.errors import LpError
        from lp_tui.model.routing import rules_from_info

        client = session.client
        try:
            await client.domains()
        except (LpError, OSError, ValueError):
            self.show_routing()
            return
        if getattr(client, "sandbox_version", None):
            info = await client.sandbox_info()
            if client is session.client:
                session.external_rules = rules_from_info(info)
        if client is session.client:
            self.state.changed(Change.CONTEXT)
            self.show_routing()

    def _rules_reported_from_thread(self, message: str, ok: bool) -> None:
        self.app.call_from_thread(self._rules_reported, message, ok)

    def _rules_reported(self, message: str, ok: bool) -> None:
        self.notify(message, title="Routing rules", severity="information" if ok else "warning", timeout=8)
        self.state.changed(Change.CONTEXT)
        self.show_routing()

    # --- the request pane's news ------------------------------------------------------------------------
    @on(RequestPreview.Checked)
    def _checked(self, event: RequestPreview.Checked) -> None:
        self.forms.show_summary(event.findings, event.prediction)

    @on(RequestPreview.FocusLine)
    def _focus_line(self, event: RequestPreview.FocusLine) -> None:
        self.forms.show_field_line(event.text)

    @on(RequestPreview.FindingChosen)
    def jump_to_finding(self, event: RequestPreview.FindingChosen) -> None:
        self.forms.focus_field(event.finding.field)

    def focus_field(self, path: str | None) -> bool:
        return self.forms.focus_field(path)

    def on_text_area_selection_changed(self, event: Any) -> None:  # TextArea.SelectionChanged: the cursor moved
        if event.text_area.id == "raw-editor" and self.raw_mode:
            self.preview.follow_focus()

    # --- the response pane ------------------------------------------------------------------------
    @on(SendProgress)
    def _progress(self, event: SendProgress) -> None:
        self.panes.show_outcome(None, (event.kind, event.steps))

    @on(SendFinished)
    def _finished(self, event: SendFinished) -> None:
        self.panes.show_outcome(event.outcome, None)
        self.preview.flush()

    # --- the panes on the right ---------------------------------------------------------------------
    def _turn_right(self, focus: bool) -> None:
        if focus:
            self.show_right(True)
        else:
            self._set_right_side(True)

    def action_pane(self, pane: str) -> None:
        """Show a pane of the right side (Request, Response, Routing, Timeline) with focus in it, so
        the arrows, PgUp/PgDn and Home/End scroll it at once."""
        self.panes.show_pane(pane)

    def action_timeline(self) -> None:
        self.panes.show_pane("pane-timeline")

    def action_routing(self) -> None:
        self.panes.show_routing_view()

    def show_routing(self) -> None:
        self.panes.show_routing()

    def run_matrix(self) -> None:
        self.panes.run_matrix()

    # --- the keys, handed to the parts --------------------------------------------------------------
    def action_send(self) -> None:
        self.sender.send()

    def action_cancel_send(self) -> None:
        self.sender.cancel()

    def action_close_conversation(self) -> None:
        self.sender.close_open_conversation()

    def close_conversation(self, conversation_id: str) -> None:
        self.sender.close_conversation(conversation_id)

    def action_message(self) -> None:
        self.sender.message_open_conversation()

    def message_conversation(self, conversation_id: str) -> None:
        self.sender.message_conversation(conversation_id)

    def start_send(self, kind: str, **kwargs: Any) -> None:
        self.sender.start_send(kind, **kwargs)

    def resend_raw(self, body: str, first: tuple[Any, Any] | None = None) -> None:
        self.sender.resend_raw(body, first)

    def action_new_consumer(self) -> None:
        consumer = self.sender.new_consumer()
        self.state.changed(Change.CONTEXT)
        self.notify(f"New external consumer id: {consumer}. The next send opens a conversation for it.",
                    title="Fresh consumer")

    def action_copy_id(self) -> None:
        self.sender.copy_id()

    def action_toggle_raw(self) -> None:
        self.forms.toggle_raw()

    def action_form_tab(self, tab: str) -> None:
        self.forms.form_tab(tab)

    def action_next_form_tab(self, step: int) -> None:
        self.forms.next_form_tab(step)

    def enter_raw(self, text: str | None = None) -> None:
        self.forms.enter_raw(text)

    def replace_draft(self, draft: Draft, note: str = "") -> None:
        self.forms.replace_draft(draft, note)

    def replace_raw(self, text: str, note: str = "") -> None:
        self.forms.replace_raw(text, note)

    def load_draft(self, draft: Draft, note: str = "") -> None:
        self.forms.load_draft(draft, note)

    def action_clear_draft(self) -> None:
        """F7: a new, empty draft and, as the README says, a fresh consumer id (so the next send never
        meets "already has an open conversation"), unless the id was given by a flag, the environment
        or the profile: that one is kept, and the notice says so."""
        def done(yes: bool | None) -> None:
            if not yes:
                return
            conn = self.session.conn
            source = conn.sources.get("ext_consumer_id", "")
            given = {"flag": "--ext-consumer-id", "environment": "$LP_EXT_CONSUMER_ID",
                     "file": "the profile"}.get(source)
            if given is None:
                consumer = self.sender.new_consumer()
                note = f"Started a new, empty draft with a fresh consumer id, {consumer}."
            else:
                note = (f"Started a new, empty draft. The consumer id stays {conn.ext_consumer_id} (it comes from "
                        f"{given}); Ctrl+N switches to a fresh one.")
            self.forms.load_draft(Draft(), note)

        self.app.push_screen(ConfirmScreen("Clear the form", "Start a new, empty draft? The current one is replaced "
                                           f"(save it as a preset first with {save_key()} if you need it).",
                                           yes="Clear"), done)

    # --- copying -----------------------------------------------------------------------------------
    def copy_text(self, text: str, what: str) -> None:
        from lp_tui.ui.clipboard import copy

        copy(self.app, text, what)

    def copy_request_body(self) -> None:
        from lp_tui.redact import scrub_body

        body = self.request_body()
        self.copy_text(scrub_body(body, secret_values(self.preview.payload)), "the request body")

    def copy_response(self, part: str) -> None:
        result = self.sender.outcome.result if self.sender.outcome else None
        if result is None:
            self.notify("No response yet.", severity="warning")
            return
        if part == "body":
            self.copy_text(result.body_text, "the response body")
        else:
            index = int(part)
            if index >= len(result.subs):
                self.notify(f"The response has no sub-response {index + 1}.", severity="warning")
                return
            import json

            sub = result.subs[index]
            raw = result.body_json[index] if isinstance(result.body_json, list) else sub.body
            self.copy_text(json.dumps(raw, ensure_ascii=False, indent=2), f"sub-response {index + 1}")

    # --- focus: keys held for a form, the help line ------------------------------------------------
    def _release_keys(self) -> None:
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            release("form")  # only a hold for a form of this screen (a dialog's hold is the dialog's)

    def on_screen_suspend(self) -> None:  # another screen shows: keys held for a field here go there
        self._release_keys()

    def on_descendant_focus(self, event: Any) -> None:
        if self.focused is not None:  # a field took focus: the keys held for it go on
            self._release_keys()
        self.preview.follow_focus()
        self.forms.help_for(event.widget)

    # --- the command palette's entries for this screen --------------------------------------------
    def palette_commands(self) -> Iterable[SystemCommand]:
        k = keys_in_force().shown
        yield SystemCommand("Send request", f"Domain lookup, AppJWT, ConsumerJWS, then POST ({k('send')})", self.action_send)
        yield SystemCommand("Cancel the send", f"Stop the running send where it is ({k('cancel')})", self.action_cancel_send)
        yield SystemCommand("Close conversation", f"Close the open conversation ({k('close-conversation')})", self.action_close_conversation)
        yield SystemCommand("Send a message", f"Publish a text message to the open conversation ({k('message')})",
                            self.action_message)
        yield SystemCommand("New consumer id", f"Switch to a fresh external consumer id ({k('new-consumer')})", self.action_new_consumer)
        yield SystemCommand("Copy conversationId", f"Copy the open conversation's id ({k('copy-id')})", self.action_copy_id)
        yield SystemCommand("Copy request body", "The JSON body as the request pane shows it", self.copy_request_body)
        yield SystemCommand("Copy response body", "The last answer's body", lambda: self.copy_response("body"))
        for i in range(3):
            yield SystemCommand(f"Copy sub-response {i + 1}", f"Element {i + 1} of the last answer",
                                lambda i=i: self.copy_response(str(i)))
        yield SystemCommand("Routing view", f"The routing rules in force and the routing matrix ({k('routing')})", self.action_routing)
        yield SystemCommand("Run the routing matrix", "Every preset on a fresh sandbox, and where each went",
                            self.run_matrix)
        yield SystemCommand("Toggle raw mode", f"Edit the JSON body directly ({k('raw')})", self.action_toggle_raw)
        yield SystemCommand("Clear the form", f"Start a new, empty draft ({k('clear')})", self.action_clear_draft)
        yield SystemCommand("Request pane", f"Show and focus the request; arrows and PgUp/PgDn scroll it "
                            f"({k('pane-request')})", lambda: self.action_pane("pane-request"))
        yield SystemCommand("Response pane", f"Show and focus the last answer ({k('pane-response')})",
                            lambda: self.action_pane("pane-response"))
        yield SystemCommand("Timeline", f"What the webhooks say happened ({k('timeline')})", self.action_timeline)
        for i, (tab, label) in enumerate(FORM_TABS):
            yield SystemCommand(f"Form: {label}", f"Show the {label} form ({k('form-' + FORM_IDS[i])})",
                                lambda tab=tab: self.action_form_tab(tab))

    # --- the draft on disk ---------------------------------------------------------------------------
    def snapshot(self) -> str:
        """The draft file's text now (the last save on the way out)."""
        return drafts.render(self.saver.snapshot())
