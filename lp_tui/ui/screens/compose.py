"""The main screen: forms on the left, the live request and the response on the right.

It owns the draft. Forms post changes up; the screen updates the draft, rebuilds the
request with the one builder (coalesced to once per frame, never dropping the last
state) and saves the draft as you go. Sending runs in a worker that posts its progress
(``sending.py``); the handlers here draw it.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any, Iterable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TabbedContent, TabPane

from lp_tui.limits import TooDeep, loads_json
from lp_tui.lp.errors import Why
from lp_tui.lp.results import StepCode
from lp_tui.model import fields as F
from lp_tui.model.build import (build_payload, client_properties, client_properties_header, dumps,
                                 first_message_after, first_message_facts, secret_values)
from lp_tui.model.draft import Draft, FieldError
from lp_tui.model.reverse import draft_from_payload
from lp_tui.model.validate import ERROR, Finding, validate
from lp_tui.store import drafts
from lp_tui.ui.exports import record_of
from lp_tui.ui.keys import current as keys_in_force
from lp_tui.ui.keys import key
from lp_tui.ui.plain import plain
from lp_tui.ui.screens.dialogs import ConfirmScreen
from lp_tui.ui.screens.sending import TITLES, Outcome, SendActions, SendFinished, SendProgress
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.deferred import Lazy, OnDemand
from lp_tui.ui.widgets.fields import (
    TTR_NULL,
    TTR_OMIT,
    ContactsEditor,
    FieldInput,
    SectionForm,
    TtrSelect,
    text_of,
)
from lp_tui.ui.widgets.keybar import KeyBar
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView
from lp_tui.ui.widgets.routing import RoutingView
from lp_tui.ui.widgets.status import StatusBar
from lp_tui.ui.widgets.timeline import TimelineView

FORM_TABS = (("tab-consumer", "Customer"), ("tab-personal", "Personal"), ("tab-profile", "Profile"),
             ("tab-conversation", "Routing"), ("tab-envelope", "Envelope"), ("tab-raw", "Raw JSON"))
SECTION_TAB = {"consumer": "tab-consumer", "personal": "tab-personal", "profile": "tab-profile",
               "conversation": "tab-conversation", "firstMessage": "tab-conversation", "ids": "tab-envelope",
               "clientProperties": "tab-envelope"}


def default_help() -> str:
    k = keys_in_force().first
    return (f"Tab moves between fields; the focused field's help shows here. {k('send')} sends, {k('help')} lists "
            f"every key, {k('quit')} quits.")


FORM_IDS = ("customer", "personal", "profile", "routing", "envelope", "raw")
NARROW = 100  # below this width the forms and the request take turns on screen (F8 switches)


class FieldLine(Widget, can_focus=False):
    """One line: the focused field's line of the request (narrow screens, where the request pane is
    hidden while the forms show). Redrawn without a layout: its size never changes."""

    DEFAULT_CSS = "FieldLine { height: 1; padding: 0 1; display: none; background: $boost; color: $text-muted; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = ""

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return plain(self.text, one_line=True, limit=400)


class ComposeScreen(SendActions, Screen[None]):
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
        self.draft = draft or Draft()
        self.raw_mode = raw_body is not None
        self.AUTO_FOCUS = "#raw-editor" if self.raw_mode else "#f-consumer-customerId"  # type: ignore[misc]
        self.raw_text = raw_body or ""
        self.findings: list[Finding] = []
        self.body_text = ""
        self.edited = False  # the draft changed since it was loaded, cleared or restored
        self.outcome: Outcome | None = None
        self.progress: tuple[str, list[Any]] | None = None
        self._refresh_pending = False
        self._summary: Text | None = None  # what the narrow screen's one-line summary shows
        self._tab_before_raw = "tab-consumer"  # where F6 returns from raw mode
        self._right_side = False  # a narrow screen shows the request/response (F8), not the forms
        self._response = ResponseView(timings=session.show_timings, id="response")  # mounts after the first paint
        self._switching_tab = False
        self._pending_save: drafts.SavedDraft | None = None
        self._saving = False
        self._save_error = ""
        self._pending_focus: tuple[str, list[str] | None] | None = None  # focus wanted in a form still mounting
        self._payload: Any = None  # the body last built, as data (for the focused field's line)
        self._contact_index: int | None = None  # the contact a jump chose before the Personal form mounted

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # the layout for the terminal's width before anything is styled: set on mount instead, the
        # classes would restyle every widget of the first screen once more
        self.update_classes(self._layout_classes(self.app.size.width), update=False)
        yield StatusBar(id="status-bar")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                initial = "tab-raw" if self.raw_mode else "tab-consumer"
                with TabbedContent(id="forms", initial=initial):
                    # the first form mounts with the screen (or just after the first paint, in raw
                    # mode); the others when their tab is first shown (OnDemand)
                    with TabPane("Customer", id="tab-consumer"):
                        yield self._lazy(SectionForm("consumer"), initial != "tab-consumer")
                    with TabPane("Personal", id="tab-personal"):
                        yield OnDemand(lambda: SectionForm("personal"))
                    with TabPane("Profile", id="tab-profile"):
                        yield OnDemand(lambda: SectionForm("profile"))
                    with TabPane("Routing", id="tab-conversation"):
                        yield OnDemand(lambda: SectionForm("conversation", also=("firstMessage",)))
                    with TabPane("Envelope", id="tab-envelope"):
                        yield OnDemand(lambda: SectionForm("ids", also=("clientProperties",), id="form-envelope"))
                    with TabPane("Raw JSON", id="tab-raw"):  # TextArea is imported only when it is built
                        yield self._raw_editor() if initial == "tab-raw" else OnDemand(self._raw_editor)
                yield Static(id="narrow-summary")
                yield FieldLine(id="field-line")
                yield Static(default_help(), id="help-line")
            with Vertical(id="right"):
                with TabbedContent(id="panes"):
                    with TabPane("Request", id="pane-request"):
                        yield RequestPreview(id="preview")
                    with TabPane("Response", id="pane-response"):
                        yield Lazy(self._response)
                    with TabPane("Routing", id="pane-routing"):
                        yield OnDemand(lambda: RoutingView(id="routing"))
                    with TabPane("Timeline", id="pane-timeline"):
                        yield Lazy(TimelineView(self.session, id="timeline"))
        yield KeyBar()

    @staticmethod
    def _lazy(widget: Any, lazy: bool) -> Any:
        return Lazy(widget) if lazy else widget

    def _raw_editor(self) -> Any:
        from textual.widgets import TextArea

        return TextArea(self.raw_text, id="raw-editor", soft_wrap=False, show_line_numbers=True, tab_behavior="indent")

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
        elif self.query_one("#right").has_focus_within:
            self._focus_first_in(self.query_one("#forms", TabbedContent).active or "tab-consumer")
        else:
            self.query_one("#panes", TabbedContent).query_one("Tabs").focus()

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
                self.query_one("#panes", TabbedContent).query_one("Tabs").focus()
            else:
                self._focus_first_in(self.query_one("#forms", TabbedContent).active or "tab-consumer")

    async def on_mount(self) -> None:
        self.on_resize()
        self.connection_changed(first=True)
        if self.session.startup_notes:  # one notice, not a stack of them
            self.notify("\n".join(self.session.startup_notes), title="lp-tui", timeout=8)

    def connection_changed(self, first: bool = False) -> None:
        """The profile or its settings changed: status, preview, the remembered conversation, what
        the server is (an lp-tui sandbox says so itself)."""
        self.conversation_id = None
        self.session.on_rules_report = self._rules_reported_from_thread
        self.update_status()
        self.refresh_preview()
        self._recall_conversation()
        self._probe_server()
        for timeline in self.query(TimelineView):  # the webhook receiver follows the profile
            timeline.connection_changed()

    def sandbox_started(self) -> None:
        """The built-in sandbox started after the first paint: its address, its rules, the webhook
        receiver that follows it. The same connection, so the conversation stays."""
        self.update_status()
        self.refresh_preview()
        self.show_routing()
        for timeline in self.query(TimelineView):
            timeline.connection_changed()

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
            self.update_status()
            self.refresh_preview()
            self.show_routing()

    def _rules_reported_from_thread(self, message: str, ok: bool) -> None:
        self.app.call_from_thread(self._rules_reported, message, ok)

    def _rules_reported(self, message: str, ok: bool) -> None:
        self.notify(message, title="Routing rules", severity="information" if ok else "warning", timeout=8)
        self.refresh_preview()
        self.show_routing()

    # --- the Timeline (webhooks; ui/widgets/timeline.py) --------------------------------------------
    def action_timeline(self) -> None:
        self.action_pane("pane-timeline")

    def action_pane(self, pane: str) -> None:
        """Show a pane of the right side (Request, Response, Routing, Timeline) with focus in it, so
        the arrows, PgUp/PgDn and Home/End scroll it at once."""
        if pane == "pane-routing":
            self.action_routing()
            return
        panes = self.query_one("#panes", TabbedContent)
        panes.active = pane
        self._set_right_side(True)
        self.set_focus(None)
        self.call_after_refresh(self._focus_pane, pane)

    def _focus_pane(self, pane: str) -> None:
        """The pane's scrolling view; one not built yet is focused when it is (its tab strip till then)."""
        target = {"pane-request": "#request-body", "pane-response": "#response", "pane-timeline": "#timeline"}.get(pane)
        found = self.query_one(f"#{pane}").query(target) if target else None
        if found:
            widget = found.first()
            focusable = widget if widget.focusable else next(
                (w for w in widget.query("*") if w.focusable), None)
            if focusable is not None:
                focusable.focus()
                return
        self.query_one("#panes", TabbedContent).query_one("Tabs").focus()

    # --- the Routing view -----------------------------------------------------------------------
    def action_routing(self) -> None:
        """Show the Routing view with focus in it, so `r` runs the matrix."""
        self.query_one("#panes", TabbedContent).active = "pane-routing"
        self.show_right(True)
        self._focus_routing()

    def _focus_routing(self) -> None:
        views = self.query(RoutingView)
        if views and views.first().query("#routing-run"):
            self.set_focus(None)
            self.call_after_refresh(views.first().query_one("#routing-run").focus)
        else:
            self._routing_focus_pending = True

    @on(RoutingView.Ready)
    def _routing_ready(self) -> None:
        self.show_routing()
        if getattr(self, "_routing_focus_pending", False):
            self._routing_focus_pending = False
            self._focus_routing()

    def show_routing(self) -> None:
        views = self.query(RoutingView)
        if not views or not views.first().ready:  # not built yet, or still being built: Ready draws
            return
        session = self.session
        not_sandbox = ""
        if not session.is_sandbox:
            from lp_tui.ui.widgets.response import asked_for

            self.refresh_preview()
            not_sandbox = ("LivePerson does not tell a connector where a conversation was routed: the Connector API "
                           "has no read (webhooks do). This request asks for " + asked_for(self.body_text) + ".")
        views.first().show_rules(session.routing_rules(), session.rules_problem, not_sandbox)

    @on(RoutingView.RunRequested)
    def _run_matrix(self) -> None:
        self.run_matrix()

    @work(group="matrix", exclusive=True, exit_on_error=False)
    async def run_matrix(self) -> None:
        """Every preset to a fresh sandbox with the rules in force, a fresh consumer each, row by row."""
        import asyncio

        from lp_tui.lp.matrix import route_matrix, sandbox_clients
        from lp_tui.model import presets
        from lp_tui.model.routing import Rules
        from lp_tui.sandbox.server import Sandbox
        from lp_tui.sandbox.state import SandboxState

        view = self.query_one(RoutingView)
        rules = self.session.routing_rules() or Rules.default()
        chosen, _problems = await asyncio.to_thread(presets.all_presets, self.session.presets_dir)
        view.start_matrix(len(chosen))
        sandbox = await asyncio.to_thread(lambda: Sandbox(SandboxState(rules=rules)).start())
        values = sandbox.connection_values()

        def progress(done: int, total: int, row: Any) -> None:
            if row is not None:
                view.add_row(done, row)

        problem = ""
        try:
            await route_matrix(chosen, sandbox_clients(values), rules, progress)
        except Exception as exc:  # shown in the table, never a crash
            problem = f"{type(exc).__name__}: {exc}"
        finally:
            await asyncio.to_thread(sandbox.stop)
            view.end_matrix(problem)

    @work(group="recall", exclusive=True, exit_on_error=False)
    async def _recall_conversation(self) -> None:
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
                self.update_status()
                self.refresh_preview()
                self.notify(f"Consumer {found[0]} from the last session is used again: its conversation "
                            f"{found[1]} is still open (Ctrl+R closes it, Ctrl+N starts afresh).", title="Open conversation")
        if remembered and session.conversation_key() == key:
            self.conversation_id = remembered

    # --- draft <-> forms ------------------------------------------------------------------
    def fill(self, root: Any) -> None:
        """Show the draft in the inputs under ``root`` (a form that just mounted, or the whole screen),
        without echoing change events back."""
        for editor in root.query(ContactsEditor):
            if self._contact_index is not None:
                editor.index, self._contact_index = self._contact_index, None
            editor.set_state(len(self.draft.contacts()), editor.index)
        with self.prevent(Input.Changed, Select.Changed):
            for widget in root.query(FieldInput):
                present = self.draft.has(widget.path)
                widget.value = text_of(self.draft.get(widget.path)) if present else ""
            for ttr in root.query(TtrSelect):
                ttr.show(self.draft.get("conversation.ttrDefName"), self.draft.has("conversation.ttrDefName"))

    @on(SectionForm.Ready)
    def form_ready(self, event: SectionForm.Ready) -> None:
        self.fill(event.form)
        event.form.filled = True
        pending = self._pending_focus
        if pending is not None and event.form.ancestors_with_self and pending[0] == self._tab_of(event.form):
            self._pending_focus = None
            if pending[1] is None:
                event.form.focus_first()
            else:
                self._focus_path(pending[1], pending[0])

    def _tab_of(self, widget: Any) -> str | None:
        for node in widget.ancestors:
            if isinstance(node, TabPane):
                return node.id
        return None

    @on(Input.Changed, "FieldInput")
    def field_changed(self, event: Input.Changed) -> None:
        widget = event.input
        assert isinstance(widget, FieldInput)
        try:
            self.draft.set_text(widget.path, event.value)
        except FieldError:
            # keep exactly what was typed (QA sends wrong types on purpose); the validator warns
            self.draft.set_value(widget.path, event.value)
        self.draft_changed()

    @on(Select.Changed, "TtrSelect")
    def ttr_changed(self, event: Select.Changed) -> None:
        value = event.value
        select = event.select
        if not getattr(select, "filled", True) or value != select.value:
            # the select announces its initial "omit" as it mounts, before or after the form is
            # filled from the draft: taking it would silently drop the draft's ttrDefName
            return
        if value == TTR_OMIT or value == Select.NULL:
            self.draft.unset("conversation.ttrDefName")
        elif value == TTR_NULL:
            self.draft.set_value("conversation.ttrDefName", None)
        else:
            self.draft.set_value("conversation.ttrDefName", value)
        self.draft_changed()

    def on_contacts_editor_count_changed(self, event: ContactsEditor.CountChanged) -> None:
        editor = self.query_one(ContactsEditor)
        if event.action == "add":
            editor.index = self.draft.add_contact()
        else:
            self.draft.remove_contact(event.index)
            editor.index = max(0, event.index - 1)
        self.fill(self)
        self.draft_changed()
        target = "#f-contact-email" if self.draft.contacts() else "#add-contact"
        self.query_one(target).focus()

    def on_contacts_editor_selected(self, event: ContactsEditor.Selected) -> None:
        self.query_one(ContactsEditor).index = event.index
        self.fill(self)

    def on_text_area_changed(self, event: Any) -> None:  # TextArea.Changed (TextArea is imported late)
        if event.text_area.id == "raw-editor" and self.raw_mode:
            if event.text_area.text == self.raw_text:  # the text lp-tui loaded, not an edit
                return
            self.raw_text = event.text_area.text
            self.draft_changed()

    def draft_changed(self) -> None:
        self.edited = True
        self.schedule_refresh()
        self.autosave()

    # --- the live request ---------------------------------------------------------------------
    def schedule_refresh(self) -> None:
        """Rebuild once per frame however many keys arrived; the last state always wins."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_next(self.refresh_preview)

    def current_payload(self) -> Any:
        """The body as data (None when raw mode holds text that is not JSON)."""
        account = self.session.conn.account_id or None
        if self.raw_mode:
            try:
                return loads_json(self.raw_text)
            except ValueError:
                return None
        return build_payload(self.draft, account)

    def refresh_preview(self) -> None:
        self._refresh_pending = False
        account = self.session.conn.account_id or None
        payload: Any = None
        if self.raw_mode:
            self.body_text = self.raw_text
            try:
                payload = loads_json(self.raw_text)
            except TooDeep as exc:
                self.findings = [Finding(ERROR, "$", f"the JSON is {exc}", "send anyway after confirming")]
            except ValueError as exc:
                line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
                self.findings = [Finding(ERROR, "$", f"not valid JSON at line {line}, column {col}: "
                                         f"{getattr(exc, 'msg', exc)}", "fix it, or send anyway after confirming")]
            else:
                self.findings = validate(payload, account, client_properties(self.draft))
        else:
            payload = build_payload(self.draft, account)
            self.body_text = dumps(payload)
            self.findings = validate(payload, account, client_properties(self.draft),
                                     first_message_facts(self.draft))
        preview = self.query_one(RequestPreview)
        preview.show_request(self.session.request_url(), self.session.request_headers(self.draft), self.body_text,
                             secret_values(payload))
        preview.show_findings(self.findings)
        prediction = self._predict(payload)
        preview.show_prediction(prediction)
        self._narrow_summary(prediction)
        self._payload = payload
        self._follow_focus()

    def _follow_focus(self) -> None:
        """The request pane marks the focused field's line (or, in raw mode, the editor's cursor line)
        and scrolls to it when it is out of view; a narrow screen shows that line under the form."""
        focused = self.focused
        line: int | None = None
        if self.raw_mode:
            if focused is not None and focused.id == "raw-editor":
                line = getattr(focused, "cursor_location", (0, 0))[0]
        else:
            path = getattr(focused, "path", None)
            if isinstance(path, str) and path and not path.startswith("clientProperties"):
                from lp_tui.ui.widgets.preview import json_path_of, line_of

                payload = getattr(self, "_payload", None)
                line = line_of(payload, json_path_of(path, payload))
        preview = self.query_one(RequestPreview)
        preview.follow(line)
        self._field_line(line)

    def _field_line(self, line: int | None) -> None:
        """Narrow screens: the focused field's line of the request, under the form (one line, no layout)."""
        lines = self.query_children("#main").first().query_children("#left").first().query_children(FieldLine)
        if not lines:
            return
        text = ""
        if line is not None:
            body = self.query_one(RequestPreview).body_text.split("\n")
            if line < len(body):
                text = f"{line + 1:>4} ▶ {body[line].strip()}"
        lines.first().show(text)

    def on_text_area_selection_changed(self, event: Any) -> None:  # TextArea.SelectionChanged: the cursor moved
        if event.text_area.id == "raw-editor" and self.raw_mode:
            self._follow_focus()

    def _narrow_summary(self, prediction: Text | None) -> None:
        """On a narrow screen the request is one key away: a line says what it holds."""
        from lp_tui.model.validate import summary

        line = Text(f"Request: {summary(self.findings)}", style="bold" if self.findings else "")
        if prediction is not None:
            line.append(" · ")
            line.append_text(prediction)
        line.append(" · F8 shows it", style="dim")
        if line != self._summary:  # an update lays the whole screen out again: not on every key
            self._summary = line
            self.query_one("#narrow-summary", Static).update(line)

    def _predict(self, payload: Any) -> Text | None:
        """Where this draft will be routed, by the sandbox's own rule engine (sandbox only)."""
        rules = self.session.routing_rules()
        if rules is None:
            return None
        if payload is None:
            return Text("Routing: the body is not JSON, so no prediction", style="dim")
        from lp_tui.model.routing import facts_of

        decision = rules.route(facts_of(payload, client_properties_header(self.draft)))
        text = Text("Routing → ", style="bold")
        text.append_text(plain(decision.skill, "bold magenta", one_line=True, limit=60))
        text.append(", rule ", style="dim")
        text.append_text(plain(f"‘{decision.rule}’", one_line=True, limit=80))
        return text

    def update_status(self) -> None:
        bars = self.query_children(StatusBar)  # the screen's own child: no walk through every form
        if bars:
            bars.first().show(self.session, self.conversation_id, self.raw_mode, self.busy)

    # --- the response pane ------------------------------------------------------------------------
    @on(SendProgress)
    def _progress(self, event: SendProgress) -> None:
        self.progress = (event.kind, event.steps)
        self.show_outcome(None, self.progress)

    @on(SendFinished)
    def _finished(self, event: SendFinished) -> None:
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
        self.show_outcome(outcome, None)
        self.refresh_preview()

    def show_outcome(self, outcome: Outcome | None, progress: tuple[str, list[Any]] | None) -> None:
        """Draw the send state in the response pane (it mounts just after the first paint; its
        ``Ready`` message draws the state then)."""
        view = self._response
        if not view.ready:  # not built yet, or still being built: Ready draws
            return
        try:
            if progress is not None:
                kind, steps = progress
                view.show_progress(TITLES[kind] + "…", steps)
            elif outcome is not None:
                if outcome.result is not None:
                    view.show_result(outcome.result, outcome.routing, self.session.is_sandbox, self.conversation_id,
                                     routing_problem=outcome.routing_problem)
                else:
                    title = TITLES[outcome.kind]
                    view.show_error(title, outcome.error, outcome.steps, cancelled=outcome.cancelled)
        except Exception as exc:  # an answer lp-tui cannot draw must not take the app down
            view.show_unexpected(f"lp-tui could not draw this answer ({type(exc).__name__}: {exc}); "
                                 "the raw body is in History (F4). This is a bug in lp-tui; please report it.")

    @on(ResponseView.Ready)
    def _response_ready(self) -> None:
        self.show_outcome(self.outcome, self.progress)

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

    @work(group="conversations", exit_on_error=False)
    async def _forget(self, key: Any, conversation_id: str | None) -> None:
        try:
            await asyncio.to_thread(self.session.conversations.forget, key, conversation_id)
        except OSError:
            pass

    # --- copying -----------------------------------------------------------------------------------
    def action_copy_id(self) -> None:
        from lp_tui.text import ID_CHARS_SHOWN, id_shape_problem, ident

        if self.conversation_id:
            problem = id_shape_problem(self.conversation_id)
            if problem:  # never put a server's lines on the clipboard for a shell to run
                self.notify(f"The conversationId was not copied: {problem}. An id is one line of {ID_CHARS_SHOWN}; "
                            f"the server sent {ident(self.conversation_id, limit=80)}",
                            title="Not an id", severity="warning", markup=False, timeout=10)
                return
            self.copy_text(self.conversation_id, f"the conversationId {self.conversation_id}")
        else:
            self.notify("No conversationId yet.", severity="warning")

    def copy_text(self, text: str, what: str) -> None:
        from lp_tui.ui.clipboard import copy

        copy(self.app, text, what)

    def copy_request_body(self) -> None:
        from lp_tui.redact import scrub_body

        self.refresh_preview()
        self.copy_text(scrub_body(self.body_text, secret_values(self.current_payload())), "the request body")

    def copy_response(self, part: str) -> None:
        result = self.outcome.result if self.outcome else None
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

    # --- help, jumping, tabs -------------------------------------------------------------------------
    def _hold_keys(self) -> None:
        """A form tab was chosen and its first field is about to take focus (its form may not even
        be built yet): what is typed meanwhile waits, in order, and then goes where it would have."""
        self.set_focus(None)  # else the hidden field's focus moves on by itself, racing ours
        hold = getattr(self.app, "hold_keys", None)
        if hold is not None:
            hold()

    def _release_keys(self) -> None:
        release = getattr(self.app, "release_keys", None)
        if release is not None:
            release()

    def on_screen_suspend(self) -> None:  # another screen shows: keys held for a field here go there
        self._release_keys()

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget
        if self.focused is not None:  # a field took focus: the keys held for it go on
            self._release_keys()
        path = getattr(widget, "path", None)
        self._follow_focus()
        if path:
            spec = F.field_for(path)
            self.set_help(spec.describe() if spec else path)
        elif widget.id == "raw-editor":
            self.set_help("Raw mode: this exact text is sent. F6 goes back to the forms.")
        else:  # a tab strip, a button, a list: no field's help may linger
            self.set_help(default_help())

    def set_help(self, text: str) -> None:
        self.query_one("#help-line", Static).update(Text(text, style="italic"))

    def action_form_tab(self, tab: str) -> None:
        if tab == "tab-raw":
            if not self.raw_mode:
                self.enter_raw()
            return
        if self.raw_mode:
            self.leave_raw(tab)
            return
        self._hold_keys()
        self._show_forms_side()
        self.query_one("#forms", TabbedContent).active = tab
        self.call_after_refresh(self._focus_first_in, tab)

    def action_next_form_tab(self, step: int) -> None:
        tabs = [t for t, _ in FORM_TABS]
        current = self.query_one("#forms", TabbedContent).active
        index = tabs.index(current) if current in tabs else 0
        self.action_form_tab(tabs[(index + step) % len(tabs)])

    def _focus_first_in(self, tab: str) -> None:
        """Focus the tab's first field; a form still mounting is focused when it is ready."""
        form = self._filled_form(tab)
        if form is not None:
            form.focus_first()
        elif tab != "tab-raw":
            self._pending_focus = (tab, None)
            self._mount_tab(tab)

    def _filled_form(self, tab: str) -> SectionForm | None:
        """The tab's form once it shows the draft; None while it is not built or still filling."""
        forms = self.query_one(f"#{tab}").query(SectionForm)
        return forms.first() if forms and forms.first().filled else None

    def _mount_tab(self, tab: str) -> None:
        """A tab's content (a form, the raw editor, the Routing view) is built the first time the
        tab is shown."""
        for placeholder in self.query_one(f"#{tab}").query(OnDemand):
            placeholder.show()

    @on(TabbedContent.TabActivated, "#panes")
    def _pane_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._mount_tab(event.pane.id)

    @on(RequestPreview.FindingChosen)
    def jump_to_finding(self, event: RequestPreview.FindingChosen) -> None:
        self.focus_field(event.finding.field)

    def focus_field(self, path: str | None) -> bool:
        if not path:
            return False
        if self.raw_mode:
            self.notify("Raw mode: the forms are not in use. Press F6 to go back to them.", severity="warning")
            return False
        parts = path.split(".")
        if len(parts) > 2 and parts[:2] == ["personal", "contacts"] and parts[2].isascii() and parts[2].isdigit():
            self._contact_index = int(parts[2])  # for a Personal form that mounts only now
            for editor in self.query(ContactsEditor):
                editor.set_state(len(self.draft.contacts()), int(parts[2]))
                self.fill(self)
        section = parts[0]
        tab = SECTION_TAB.get(section, "tab-consumer")
        self._show_forms_side()  # a narrow screen showing the request turns back to the forms
        if self.query_one("#forms", TabbedContent).active != tab:
            self._hold_keys()
        self.query_one("#forms", TabbedContent).active = tab
        self._focus_path(parts, tab)
        return True

    def _focus_path(self, parts: list[str], tab: str) -> None:
        """Focus the field; in a form still mounting, it is focused when the form is ready."""
        root = self.query_one(f"#{tab}")
        if self._filled_form(tab) is None:  # form_ready focuses it
            self._pending_focus = (tab, parts)
            self._mount_tab(tab)
            return
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            candidates: list[Any] = [w for w in root.query(FieldInput) if w.path == prefix
                                     or w.path.startswith(prefix + ".")]
            if prefix == "conversation.ttrDefName":
                candidates = list(root.query(TtrSelect))
            if candidates:
                self.call_after_refresh(candidates[0].focus)
                return
        self._pending_focus = (tab, parts)

    # --- raw mode --------------------------------------------------------------------------------
    @on(TabbedContent.TabActivated, "#forms")
    def forms_tab_changed(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._mount_tab(event.pane.id)
        if self._switching_tab:
            return
        if event.pane.id != self.query_one("#forms", TabbedContent).active:
            return  # a stale activation (the tab changed again since): acting on it would leave raw mode
        entering = event.pane.id == "tab-raw"
        if entering and not self.raw_mode:
            self.enter_raw()
        elif not entering and self.raw_mode:
            self.leave_raw(event.pane.id or "tab-consumer")

    def action_toggle_raw(self) -> None:
        if self.raw_mode:
            self.leave_raw(self._tab_before_raw)  # back to the form F6 was pressed in
        else:
            self.enter_raw()

    def _activate(self, tab: str) -> None:
        self._switching_tab = True
        self.query_one("#forms", TabbedContent).active = tab
        self.call_after_refresh(setattr, self, "_switching_tab", False)

    def enter_raw(self, text: str | None = None) -> None:
        """Raw mode, with the body the preview shows (or ``text``: a raw preset's exact body)."""
        if not self.query("#raw-editor"):  # the editor is built the first time raw mode is entered
            self._mount_tab("tab-raw")
            self.call_after_refresh(self.enter_raw, text)
            return
        active = self.query_one("#forms", TabbedContent).active
        self._tab_before_raw = active if active and active != "tab-raw" else "tab-consumer"
        self.raw_mode = True
        self.raw_text = self.body_text if text is None else text
        from textual.widgets import TextArea

        editor = self.query_one("#raw-editor", TextArea)
        editor.load_text(self.raw_text)
        self._show_forms_side()
        self._activate("tab-raw")
        editor.focus()
        self.update_status()
        self.autosave()
        self.schedule_refresh()

    def leave_raw(self, tab: str) -> None:
        """Back to the forms. Everything the forms cannot show is kept in the draft and sent again;
        what cannot be held at all (an odd batch shape) is named, and lp-tui asks before dropping it."""
        try:
            payload = loads_json(self.raw_text)
        except ValueError as exc:
            self._activate("tab-raw")
            self.notify(f"The raw body is not valid JSON ({exc}). Fix it first: the forms can only take JSON. "
                        "Nothing was changed.", title="Still in raw mode", severity="error", timeout=8)
            return
        draft, lost = draft_from_payload(payload, self.session.conn.account_id or None)
        if not lost:
            self._to_forms(draft, tab)
            return
        self._activate("tab-raw")

        def done(yes: bool | None) -> None:
            if yes:
                self._to_forms(draft, tab)
                self.notify("Dropped: " + "; ".join(lost), title="Back to the forms", severity="warning", timeout=10)

        self.app.push_screen(ConfirmScreen(
            "Leave raw mode?", "The forms cannot hold: " + "; ".join(lost[:8]) + (" …" if len(lost) > 8 else "") +
            ". Stay in raw mode to keep the text exactly as it is, or go to the forms without these.",
            yes="Go to the forms", no="Stay in raw mode"), done)

    def _to_forms(self, draft: Draft, tab: str) -> None:
        draft.data["clientProperties"] = self.draft.data.get("clientProperties", {})
        if not draft.data.get("firstMessage") and first_message_after(self.draft) is not None:
            # a first message sent after the create is not in the body raw mode edits: it stays
            draft.data["firstMessage"] = dict(self.draft.data.get("firstMessage", {}))
            if self.draft.has("ids.message") and not draft.has("ids.message"):
                draft.data.setdefault("ids", {})["message"] = self.draft.get("ids.message")
        self.draft = draft
        self.raw_mode = False
        self.set_focus(None)  # the editor is about to hide: focus goes to the form, not wherever it drifts
        self._activate(tab)
        self.fill(self)
        self.set_help(default_help())
        self.update_status()
        self.draft_changed()
        self.call_after_refresh(self._focus_first_in, tab)

    # --- loading drafts ---------------------------------------------------------------------------
    def replace_draft(self, draft: Draft, note: str = "") -> None:
        """Load a preset or a history entry; asks first when the current draft was edited."""
        def load(yes: bool | None = True) -> None:
            if yes:
                self.load_draft(draft, note)

        if self.edited and (self.raw_mode or self.draft != Draft()):
            self.app.push_screen(ConfirmScreen("Replace the draft?", "The form holds your edits. Loading replaces "
                                               f"them (save them as a preset first with {_save_key()} if you need them).",
                                               yes="Replace"), load)
        else:
            load()

    def replace_raw(self, text: str, note: str = "") -> None:
        """Load a raw preset's exact body into raw mode; asks first when the current draft was edited."""
        def load(yes: bool | None = True) -> None:
            if yes:
                self.enter_raw(text)
                self.edited = False
                if note:
                    self.notify(note)

        if self.edited and (self.raw_mode or self.draft != Draft()):
            self.app.push_screen(ConfirmScreen("Replace the draft?", "The form holds your edits. Loading replaces "
                                               f"them (save them as a preset first with {_save_key()} if you need them).",
                                               yes="Replace"), load)
        else:
            load()

    def load_draft(self, draft: Draft, note: str = "") -> None:
        self.draft = draft.copy()
        if self.raw_mode:
            self.raw_mode = False
            self._activate("tab-consumer")
            self.set_help(default_help())
        self.fill(self)
        self.update_status()
        self.draft_changed()
        self.edited = False
        if note:
            self.notify(note)

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
                from lp_tui.ui.session import new_consumer_id

                consumer = new_consumer_id()
                self.session.set_consumer(consumer)
                self.conversation_id = None
                note = f"Started a new, empty draft with a fresh consumer id, {consumer}."
            else:
                note = (f"Started a new, empty draft. The consumer id stays {conn.ext_consumer_id} (it comes from "
                        f"{given}); Ctrl+N switches to a fresh one.")
            self.load_draft(Draft(), note)

        self.app.push_screen(ConfirmScreen("Clear the form", "Start a new, empty draft? The current one is replaced "
                                           f"(save it as a preset first with {_save_key()} if you need it).", yes="Clear"), done)

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

    # --- autosave ------------------------------------------------------------------------------------
    def snapshot(self) -> str:
        return drafts.render(drafts.SavedDraft(self.draft, self.raw_text if self.raw_mode else None))

    def autosave(self) -> None:
        """Save as you type: a copy of the draft now (cheap), written by a worker off the UI thread.

        One write at a time; keys typed during a write are saved by the next one, so a kill
        loses at most the keys of the write in flight.
        """
        raw = self.raw_text if self.raw_mode else None
        self._pending_save = drafts.SavedDraft(Draft(copy.deepcopy(self.draft.data)), raw)
        if not self._saving:
            self._saving = True
            self._write_draft()

    @work(group="autosave", exit_on_error=False)
    async def _write_draft(self) -> None:
        try:
            while self._pending_save is not None:
                saved, self._pending_save = self._pending_save, None
                try:
                    await asyncio.to_thread(drafts.save, self.session.draft_path, saved)
                    self._save_error = ""
                except OSError as exc:
                    if str(exc) != self._save_error:  # say it once, not on every key
                        self._save_error = str(exc)
                        self.notify(f"{exc}. Your draft stays in this window; fix the folder's permissions or "
                                    "save it as a preset elsewhere.", title="Draft not saved", severity="error",
                                    timeout=10)
        finally:
            self._saving = False

    @property
    def saving(self) -> bool:
        """A draft write is in flight or waiting (tests wait on this, not on time)."""
        return self._saving or self._pending_save is not None


def _save_key() -> str:
    """The key in force that saves the draft as a preset (or the palette, when none is bound)."""
    from lp_tui.ui.keys import current

    return current().first("save-preset") or "the palette's Save as preset"

