"""The main screen: forms on the left, the live request and the response on the right.

It owns the draft. Forms post changes up; the screen updates the draft, rebuilds the
request with the one builder (coalesced to once per frame, never dropping the last
state) and saves the draft as you go. Sending runs in a worker that reports each step.
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static, TabbedContent, TabPane, TextArea

from lp_tui.model import fields as F
from lp_tui.model.build import build_payload, client_properties, dumps
from lp_tui.model.draft import Draft, FieldError
from lp_tui.model.reverse import draft_from_payload
from lp_tui.model.validate import ERROR, Finding, validate
from lp_tui.store import drafts
from lp_tui.ui.screens.dialogs import ConfirmScreen
from lp_tui.ui.screens.sending import SendActions
from lp_tui.ui.session import Session
from lp_tui.ui.widgets.fields import (
    TTR_NULL,
    TTR_OMIT,
    ContactsEditor,
    FieldInput,
    SectionForm,
    TtrSelect,
    text_of,
)
from lp_tui.ui.widgets.preview import RequestPreview
from lp_tui.ui.widgets.response import ResponseView
from lp_tui.ui.widgets.status import StatusBar

SECTION_TAB = {"consumer": "tab-consumer", "personal": "tab-personal", "conversation": "tab-conversation",
               "ids": "tab-envelope", "clientProperties": "tab-envelope"}


class ComposeScreen(SendActions, Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("ctrl+r", "close_conversation", "Close", tooltip="Close the conversation"),
        Binding("ctrl+t", "message", "Msg", tooltip="Send a text message to the conversation"),
        Binding("ctrl+n", "new_consumer", "New id", tooltip="Switch to a fresh external consumer id"),
        Binding("ctrl+b", "copy_id", "Copy", tooltip="Copy the conversationId"),
        Binding("f6", "toggle_raw", "Raw", priority=True),
        Binding("f7", "clear_draft", "Clear"),
    ]

    def __init__(self, session: Session, draft: Draft | None = None, raw_body: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.draft = draft or Draft()
        self.raw_mode = raw_body is not None
        self.raw_text = raw_body or ""
        self.sending = False
        self.conversation_id: str | None = None
        self.findings: list[Finding] = []
        self.body_text = ""
        self._refresh_pending = False
        self._switching_tab = False
        self._pending_save: drafts.SavedDraft | None = None
        self._saving = False
        self._save_error = ""

    # --- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                initial = "tab-raw" if self.raw_mode else "tab-consumer"
                with TabbedContent(id="forms", initial=initial):
                    # what starts hidden mounts just after the first paint (Lazy): a faster start
                    with TabPane("Customer", id="tab-consumer"):
                        yield self._lazy(SectionForm("consumer"), initial != "tab-consumer")
                    with TabPane("Personal", id="tab-personal"):
                        yield Lazy(SectionForm("personal"))
                    with TabPane("Routing", id="tab-conversation"):
                        yield Lazy(SectionForm("conversation"))
                    with TabPane("Envelope", id="tab-envelope"):
                        yield Lazy(SectionForm("ids", id="form-ids"))
                        yield Lazy(SectionForm("clientProperties", id="form-client-properties"))
                    with TabPane("Raw JSON", id="tab-raw"):
                        yield self._lazy(TextArea(self.raw_text, id="raw-editor", soft_wrap=False,
                                                  show_line_numbers=True, tab_behavior="indent"),
                                         initial != "tab-raw")
                yield Static("Tab moves between fields; the focused field's help shows here. Ctrl+S sends; "
                             "F1 lists every key.", id="help-line")
            with Vertical(id="right"):
                with TabbedContent(id="panes"):
                    with TabPane("Request", id="pane-request"):
                        yield RequestPreview(id="preview")
                    with TabPane("Response", id="pane-response"):
                        yield Lazy(ResponseView(timings=self.session.show_timings, id="response"))
        yield Footer()

    @staticmethod
    def _lazy(widget: Any, lazy: bool) -> Any:
        return Lazy(widget) if lazy else widget

    async def on_mount(self) -> None:
        self.update_status()
        self.refresh_preview()
        for note in self.session.startup_notes:
            self.notify(note, title="lp-tui", timeout=12)

    # --- draft <-> forms ------------------------------------------------------------------
    async def fill_forms(self) -> None:
        """Show the draft in every input, without echoing change events back."""
        self.fill(self)

    def fill(self, root: Any) -> None:
        """Fill the inputs under ``root`` (a form that just mounted, or the whole screen)."""
        for editor in root.query(ContactsEditor):
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
        if value == TTR_OMIT or value == Select.NULL:
            self.draft.unset("conversation.ttrDefName")
        elif value == TTR_NULL:
            self.draft.set_value("conversation.ttrDefName", None)
        else:
            self.draft.set_value("conversation.ttrDefName", value)
        self.draft_changed()

    async def on_contacts_editor_count_changed(self, event: ContactsEditor.CountChanged) -> None:
        editor = self.query_one(ContactsEditor)
        if event.action == "add":
            editor.index = self.draft.add_contact()
        else:
            self.draft.remove_contact(event.index)
            editor.index = max(0, event.index - 1)
        await self.fill_forms()
        self.draft_changed()
        if self.draft.contacts():
            self.query_one("#f-contact-email", FieldInput).focus()
        else:
            self.query_one("#add-contact").focus()

    async def on_contacts_editor_selected(self, event: ContactsEditor.Selected) -> None:
        self.query_one(ContactsEditor).index = event.index
        await self.fill_forms()

    @on(TextArea.Changed, "#raw-editor")
    def raw_changed(self, event: TextArea.Changed) -> None:
        if self.raw_mode:
            self.raw_text = event.text_area.text
            self.draft_changed()

    def draft_changed(self) -> None:
        self.schedule_refresh()
        self.autosave()

    # --- the live request ---------------------------------------------------------------------
    def schedule_refresh(self) -> None:
        """Rebuild once per frame however many keys arrived; the last state always wins."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_next(self.refresh_preview)

    def refresh_preview(self) -> None:
        self._refresh_pending = False
        account = self.session.conn.account_id or None
        if self.raw_mode:
            self.body_text = self.raw_text
            try:
                payload = json.loads(self.raw_text)
            except ValueError as exc:
                line, col = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
                self.findings = [Finding(ERROR, "$", f"not valid JSON at line {line}, column {col}: "
                                         f"{getattr(exc, 'msg', exc)}", "fix it, or send anyway after confirming")]
            else:
                self.findings = validate(payload, account, client_properties(self.draft))
        else:
            payload = build_payload(self.draft, account)
            self.body_text = dumps(payload)
            self.findings = validate(payload, account, client_properties(self.draft))
        preview = self.query_one(RequestPreview)
        preview.show_request(self.session.request_url(), self.session.request_headers(self.draft), self.body_text)
        preview.show_findings(self.findings)

    def update_status(self) -> None:
        self.query_one(StatusBar).show(self.session, self.conversation_id, self.raw_mode)

    # --- help, jumping -------------------------------------------------------------------------
    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget
        path = getattr(widget, "path", None)
        help_line = self.query_one("#help-line", Static)
        if path:
            spec = F.field_for(path)
            help_line.update(Text(spec.describe() if spec else path, style="italic"))
        elif widget.id == "raw-editor":
            help_line.update(Text("Raw mode: this exact text is sent. F6 goes back to the forms.", style="italic"))

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
        if len(parts) > 2 and parts[:2] == ["personal", "contacts"] and parts[2].isdigit():
            editor = self.query_one(ContactsEditor)
            editor.set_state(len(self.draft.contacts()), int(parts[2]))
            self.run_worker(self.fill_forms(), group="fill")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            candidates = [w for w in self.query(FieldInput) if w.path == prefix or w.path.startswith(prefix + ".")]
            if prefix == "conversation.ttrDefName":
                candidates = list(self.query(TtrSelect))  # type: ignore[arg-type]
            if candidates:
                tabs = self.query_one("#forms", TabbedContent)
                tabs.active = SECTION_TAB.get(parts[0], "tab-consumer")
                target = candidates[0]
                self.call_after_refresh(target.focus)
                return True
        return False

    # --- raw mode --------------------------------------------------------------------------------
    @on(TabbedContent.TabActivated, "#forms")
    def forms_tab_changed(self, event: TabbedContent.TabActivated) -> None:
        if self._switching_tab:
            return
        entering = event.pane.id == "tab-raw"
        if entering and not self.raw_mode:
            self.enter_raw()
        elif not entering and self.raw_mode:
            self.leave_raw(event.pane.id or "tab-consumer")

    def action_toggle_raw(self) -> None:
        if self.raw_mode:
            self.leave_raw("tab-consumer")
        else:
            self.enter_raw()

    def _activate(self, tab: str) -> None:
        self._switching_tab = True
        self.query_one("#forms", TabbedContent).active = tab
        self.call_after_refresh(setattr, self, "_switching_tab", False)

    def enter_raw(self) -> None:
        if not self.query("#raw-editor"):  # the editor mounts just after the first paint
            self.call_after_refresh(self.enter_raw)
            return
        self.raw_mode = True
        self.raw_text = self.body_text
        editor = self.query_one("#raw-editor", TextArea)
        editor.load_text(self.raw_text)
        self._activate("tab-raw")
        editor.focus()
        self.update_status()
        self.draft_changed()

    def leave_raw(self, tab: str) -> None:
        try:
            payload = json.loads(self.raw_text)
        except ValueError as exc:
            self._activate("tab-raw")
            self.notify(f"The raw body is not valid JSON ({exc}). Fix it first: the forms can only take JSON. "
                        "Nothing was changed.", title="Still in raw mode", severity="error", timeout=8)
            return
        draft, lost = draft_from_payload(payload, self.session.conn.account_id or None)
        draft.data["clientProperties"] = self.draft.data.get("clientProperties", {})
        self.draft = draft
        self.raw_mode = False
        self._activate(tab)
        self.run_worker(self.fill_forms(), exclusive=True, group="fill")
        self.update_status()
        self.draft_changed()
        if lost:
            self.notify("The forms cannot hold: " + "; ".join(lost[:8]) + (" …" if len(lost) > 8 else "") +
                        ". Press F6 to get back to raw mode and edit them there.",
                        title="Back to the forms, with losses", severity="warning", timeout=15)

    # --- loading drafts ---------------------------------------------------------------------------
    async def load_draft(self, draft: Draft, note: str = "") -> None:
        self.draft = draft.copy()
        if self.raw_mode:
            self.raw_mode = False
            self._activate("tab-consumer")
        await self.fill_forms()
        self.update_status()
        self.draft_changed()
        if note:
            self.notify(note)

    def action_clear_draft(self) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self.run_worker(self.load_draft(Draft(), "Started a new, empty draft."), group="fill")

        self.app.push_screen(ConfirmScreen("Clear the form", "Start a new, empty draft? The current one is replaced "
                                           "(save it as a preset first if you need it).", yes="Clear"), done)

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
