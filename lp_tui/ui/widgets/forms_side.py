"""The left side of the compose screen: the form tabs, the raw editor, and the lines under them.

It owns the forms' part of the draft's life: it shows the draft in each form as the form mounts,
turns each edit into a change of the shared ``DraftState`` (the request pane and the draft saver
follow that change by themselves), switches raw mode, loads drafts, and puts the focus where a tab,
a finding or a jump asks. On a narrow screen it shows one line of what the request holds and the
focused field's line of the request.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TabbedContent, TabPane

from lp_tui.limits import loads_json
from lp_tui.model import fields as F
from lp_tui.model.build import first_message_after
from lp_tui.model.draft import Draft, FieldError
from lp_tui.model.reverse import draft_from_payload
from lp_tui.model.validate import Finding, summary
from lp_tui.ui.draft_state import Change, DraftState
from lp_tui.ui.keys import current as keys_in_force
from lp_tui.ui.plain import plain
from lp_tui.ui.screens.dialogs import ConfirmScreen
from lp_tui.ui.widgets.deferred import Lazy, OnDemand
from lp_tui.ui.widgets.fields import TTR_NULL, TTR_OMIT, ContactsEditor, FieldInput, SectionForm, TtrSelect, text_of

FORM_TABS = (("tab-consumer", "Customer"), ("tab-personal", "Personal"), ("tab-profile", "Profile"),
             ("tab-conversation", "Routing"), ("tab-envelope", "Envelope"), ("tab-raw", "Raw JSON"))
SECTION_TAB = {"consumer": "tab-consumer", "personal": "tab-personal", "profile": "tab-profile",
               "conversation": "tab-conversation", "firstMessage": "tab-conversation", "ids": "tab-envelope",
               "clientProperties": "tab-envelope"}
FORM_IDS = ("customer", "personal", "profile", "routing", "envelope", "raw")


def default_help() -> str:
    k = keys_in_force().first
    return (f"Tab moves between fields; the focused field's help shows here. {k('send')} sends, {k('help')} lists "
            f"every key, {k('quit')} quits.")


def save_key() -> str:
    """The key in force that saves the draft as a preset (or the palette, when none is bound)."""
    return keys_in_force().first("save-preset") or "the palette's Save as preset"


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


class FormsSide(Vertical):
    """The forms bound to ``state``; ``show_forms`` turns a narrow screen to them (from the screen),
    ``request_body`` is the body the request pane shows (raw mode starts from it)."""

    def __init__(self, state: DraftState, show_forms: Callable[[], None], request_body: Callable[[], str],
                 account: Callable[[], str | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = state
        self.show_forms = show_forms
        self.request_body = request_body
        self.account = account
        self.tab_before_raw = "tab-consumer"  # where F6 returns from raw mode
        self._switching_tab = False
        self._pending_focus: tuple[str, list[str] | None] | None = None  # focus wanted in a form still mounting
        self._contact_index: int | None = None  # the contact a jump chose before the Personal form mounted
        self._summary: Text | None = None  # what the narrow screen's one-line summary shows

    @property
    def draft(self) -> Draft:
        return self.state.draft

    def compose(self) -> ComposeResult:
        initial = "tab-raw" if self.state.raw_mode else "tab-consumer"
        with TabbedContent(id="forms", initial=initial):
            # the first form mounts with the screen (or just after the first paint, in raw mode); the
            # others when their tab is first shown (OnDemand)
            with TabPane("Customer", id="tab-consumer"):
                form = SectionForm("consumer")
                yield Lazy(form) if initial != "tab-consumer" else form
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

    def _raw_editor(self) -> Any:
        from textual.widgets import TextArea

        return TextArea(self.state.raw_text, id="raw-editor", soft_wrap=False, show_line_numbers=True,
                        tab_behavior="indent")

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#forms", TabbedContent)

    # --- the lines under the forms -------------------------------------------------------------------
    def set_help(self, text: str) -> None:
        self.query_one("#help-line", Static).update(Text(text, style="italic"))

    def show_summary(self, findings: list[Finding], prediction: Text | None) -> None:
        """On a narrow screen the request is one key away: a line says what it holds."""
        line = Text(f"Request: {summary(findings)}", style="bold" if findings else "")
        if prediction is not None:
            line.append(" · ")
            line.append_text(prediction)
        line.append(" · F8 shows it", style="dim")
        if line != self._summary:  # one line, always: drawn again without a layout
            self._summary = line
            self.query_one("#narrow-summary", Static).update(line, layout=False)

    def show_field_line(self, text: str) -> None:
        self.query_one(FieldLine).show(text)

    # --- draft <-> forms ------------------------------------------------------------------------------
    def fill(self, root: Widget | None = None) -> None:
        """Show the draft in the inputs under ``root`` (a form that just mounted, or every form),
        without echoing change events back."""
        root = root or self
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

    @staticmethod
    def _tab_of(widget: Widget) -> str | None:
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
        self.state.changed(Change.TYPED)

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
        self.state.changed()

    def on_contacts_editor_count_changed(self, event: ContactsEditor.CountChanged) -> None:
        editor = self.query_one(ContactsEditor)
        if event.action == "add":
            editor.index = self.draft.add_contact()
        else:
            self.draft.remove_contact(event.index)
            editor.index = max(0, event.index - 1)
        self.fill()
        self.state.changed()
        target = "#f-contact-email" if self.draft.contacts() else "#add-contact"
        self.query_one(target).focus()

    def on_contacts_editor_selected(self, event: ContactsEditor.Selected) -> None:
        self.query_one(ContactsEditor).index = event.index
        self.fill()

    def on_text_area_changed(self, event: Any) -> None:  # TextArea.Changed (TextArea is imported late)
        if event.text_area.id == "raw-editor" and self.state.raw_mode:
            if event.text_area.text == self.state.raw_text:  # the text lp-tui loaded, not an edit
                return
            self.state.raw_text = event.text_area.text
            self.state.changed(Change.TYPED)

    # --- tabs and focus --------------------------------------------------------------------------------
    def hold_keys(self) -> None:
        """A form tab was chosen and its first field is about to take focus (its form may not even
        be built yet): what is typed meanwhile waits, in order, and then goes where it would have."""
        self.screen.set_focus(None)  # else the hidden field's focus moves on by itself, racing ours
        hold = getattr(self.app, "hold_keys", None)
        if hold is not None:
            hold()

    def form_tab(self, tab: str) -> None:
        if tab == "tab-raw":
            if not self.state.raw_mode:
                self.enter_raw()
            return
        if self.state.raw_mode:
            self.leave_raw(tab)
            return
        self.hold_keys()
        self.show_forms()
        self.tabs.active = tab
        self.call_after_refresh(self.focus_first_in, tab)

    def next_form_tab(self, step: int) -> None:
        tabs = [t for t, _ in FORM_TABS]
        current = self.tabs.active
        index = tabs.index(current) if current in tabs else 0
        self.form_tab(tabs[(index + step) % len(tabs)])

    def focus_first_in(self, tab: str) -> None:
        """Focus the tab's first field; a form still mounting is focused when it is ready."""
        form = self._filled_form(tab)
        if form is not None:
            form.focus_first()
        elif tab != "tab-raw":
            self._pending_focus = (tab, None)
            self.mount_tab(tab)

    def _filled_form(self, tab: str) -> SectionForm | None:
        """The tab's form once it shows the draft; None while it is not built or still filling."""
        forms = self.query_one(f"#{tab}").query(SectionForm)
        return forms.first() if forms and forms.first().filled else None

    def mount_tab(self, tab: str) -> None:
        """A tab's content (a form, the raw editor) is built the first time the tab is shown."""
        for placeholder in self.query_one(f"#{tab}").query(OnDemand):
            placeholder.show()

    def focus_field(self, path: str | None) -> bool:
        if not path:
            return False
        if self.state.raw_mode:
            self.notify("Raw mode: the forms are not in use. Press F6 to go back to them.", severity="warning")
            return False
        parts = path.split(".")
        if len(parts) > 2 and parts[:2] == ["personal", "contacts"] and parts[2].isascii() and parts[2].isdigit():
            self._contact_index = int(parts[2])  # for a Personal form that mounts only now
            for editor in self.query(ContactsEditor):
                editor.set_state(len(self.draft.contacts()), int(parts[2]))
                self.fill()
        tab = SECTION_TAB.get(parts[0], "tab-consumer")
        self.show_forms()  # a narrow screen showing the request turns back to the forms
        if self.tabs.active != tab:
            self.hold_keys()
        self.tabs.active = tab
        self._focus_path(parts, tab)
        return True

    def _focus_path(self, parts: list[str], tab: str) -> None:
        """Focus the field; in a form still mounting, it is focused when the form is ready."""
        root = self.query_one(f"#{tab}")
        if self._filled_form(tab) is None:  # form_ready focuses it
            self._pending_focus = (tab, parts)
            self.mount_tab(tab)
            return
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            candidates: list[Widget] = [w for w in root.query(FieldInput) if w.path == prefix
                                        or w.path.startswith(prefix + ".")]
            if prefix == "conversation.ttrDefName":
                candidates = list(root.query(TtrSelect))
            if candidates:
                self.call_after_refresh(candidates[0].focus)
                return
        self._pending_focus = (tab, parts)

    def help_for(self, widget: Widget) -> None:
        """The focused widget's help under the forms."""
        path = getattr(widget, "path", None)
        if path:
            spec = F.field_for(path)
            self.set_help(spec.describe() if spec else path)
        elif widget.id == "raw-editor":
            self.set_help("Raw mode: this exact text is sent. F6 goes back to the forms.")
        else:  # a tab strip, a button, a list: no field's help may linger
            self.set_help(default_help())

    # --- raw mode ------------------------------------------------------------------------------------
    @on(TabbedContent.TabActivated, "#forms")
    def forms_tab_changed(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self.mount_tab(event.pane.id)
        if self._switching_tab:
            return
        if event.pane.id != self.tabs.active:
            return  # a stale activation (the tab changed again since): acting on it would leave raw mode
        entering = event.pane.id == "tab-raw"
        if entering and not self.state.raw_mode:
            self.enter_raw()
        elif not entering and self.state.raw_mode:
            self.leave_raw(event.pane.id or "tab-consumer")

    def toggle_raw(self) -> None:
        if self.state.raw_mode:
            self.leave_raw(self.tab_before_raw)  # back to the form F6 was pressed in
        else:
            self.enter_raw()

    def _activate(self, tab: str) -> None:
        self._switching_tab = True
        self.tabs.active = tab
        self.call_after_refresh(setattr, self, "_switching_tab", False)

    def enter_raw(self, text: str | None = None) -> None:
        """Raw mode, with the body the preview shows (or ``text``: a raw preset's exact body)."""
        if not self.query("#raw-editor"):  # the editor is built the first time raw mode is entered
            self.mount_tab("tab-raw")
            self.call_after_refresh(self.enter_raw, text)
            return
        active = self.tabs.active
        self.tab_before_raw = active if active and active != "tab-raw" else "tab-consumer"
        state = self.state
        raw = self.request_body() if text is None else text
        state.raw_mode, state.raw_text = True, raw
        from textual.widgets import TextArea

        editor = self.query_one("#raw-editor", TextArea)
        editor.load_text(raw)
        self.show_forms()
        self._activate("tab-raw")
        editor.focus()
        state.changed(Change.DRAFT | Change.MODE, edited=False)

    def leave_raw(self, tab: str) -> None:
        """Back to the forms. Everything the forms cannot show is kept in the draft and sent again;
        what cannot be held at all (an odd batch shape) is named, and lp-tui asks before dropping it."""
        try:
            payload = loads_json(self.state.raw_text)
        except ValueError as exc:
            self._activate("tab-raw")
            self.notify(f"The raw body is not valid JSON ({exc}). Fix it first: the forms can only take JSON. "
                        "Nothing was changed.", title="Still in raw mode", severity="error", timeout=8)
            return
        draft, lost = draft_from_payload(payload, self.account())
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
        old = self.state.draft
        draft.data["clientProperties"] = old.data.get("clientProperties", {})
        if not draft.data.get("firstMessage") and first_message_after(old) is not None:
            # a first message sent after the create is not in the body raw mode edits: it stays
            draft.data["firstMessage"] = dict(old.data.get("firstMessage", {}))
            if old.has("ids.message") and not draft.has("ids.message"):
                draft.data.setdefault("ids", {})["message"] = old.get("ids.message")
        self.state.draft, self.state.raw_mode = draft, False
        self.screen.set_focus(None)  # the editor is about to hide: focus goes to the form, not wherever it drifts
        self._activate(tab)
        self.fill()
        self.set_help(default_help())
        self.state.changed(Change.DRAFT | Change.MODE)
        self.call_after_refresh(self.focus_first_in, tab)

    # --- loading drafts ----------------------------------------------------------------------------------
    def _ask_before_replacing(self, load: Callable[[bool | None], None]) -> None:
        if self.state.edited and (self.state.raw_mode or self.draft != Draft()):
            holds, it = ("The raw editor holds your edited body.", "it") if self.state.raw_mode else \
                ("The form holds your edits.", "them")
            self.app.push_screen(ConfirmScreen("Replace the draft?", f"{holds} Loading replaces {it} (save {it} "
                                               f"as a preset first with {save_key()} if you need {it}).",
                                               yes="Replace"), load)
        else:
            load(True)

    def replace_draft(self, draft: Draft, note: str = "") -> None:
        """Load a preset or a history entry; asks first when the current draft was edited."""
        def load(yes: bool | None) -> None:
            if yes:
                self.load_draft(draft, note)

        self._ask_before_replacing(load)

    def replace_raw(self, text: str, note: str = "") -> None:
        """Load a raw preset's exact body into raw mode; asks first when the current draft was edited."""
        def load(yes: bool | None) -> None:
            if yes:
                self.enter_raw(text)
                self.state.edited = False
                if note:
                    self.notify(note)

        self._ask_before_replacing(load)

    def load_draft(self, draft: Draft, note: str = "") -> None:
        state = self.state
        state.draft = draft.copy()
        change = Change.DRAFT
        if state.raw_mode:
            state.raw_mode = False
            change |= Change.MODE
            self._activate("tab-consumer")
            self.set_help(default_help())
        self.fill()
        state.changed(change, edited=False)
        state.edited = False
        if note:
            self.notify(note)
