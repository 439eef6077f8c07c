"""Form widgets generated from the field table: one input per field, contacts as a list.

Inputs carry their draft path; the screen handles their ``Input.Changed`` and owns the draft.
"""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from lp_tui.model import fields as F
from lp_tui.ui.keys import current, key
from lp_tui.ui.plain import plain

TTR_NULL = "__null__"
TTR_OMIT = "__omit__"
SECTION_TITLES = {"firstMessage": "First message (a SEND right after the create)", "clientProperties": "Client-Properties header",
                  "ids": "Request ids"}


def widget_id(path: str) -> str:
    return "f-" + path.replace(".", "-")


def text_of(value: Any) -> str:
    """How a draft value shows in an input."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


class FieldInput(Input):
    """An input bound to a draft path."""

    # Textual's Input sets its virtual size to the text's width on every key, and Widget declares
    # virtual_size with layout=True: each key would lay the whole screen out again though the field's
    # size never changes (tests/benchmarks/textual_input_layout.py). Without layout the field still
    # scrolls to its cursor; nothing else depends on an input's virtual size.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, spec: F.Field, path: str, id_: str | None = None, **kwargs: Any) -> None:
        suggester = SuggestFromList(spec.enum, case_sensitive=False) if spec.enum else None
        self._example = f"e.g. {spec.example}" if spec.example else ""
        super().__init__(placeholder=self._example, suggester=suggester, id=id_ or widget_id(path),
                         password=spec.secret, **kwargs)
        # compact=True would restyle the field at once, before it is even mounted (Textual does so
        # for every class change): a twentieth of the first screen's start-up for the 23 fields.
        # The same look, styled once when mounted.
        self.set_reactive(Input.compact, True)
        self.add_class("-textual-compact", update=False)
        self.path = path
        self.spec = spec
        self.tooltip = spec.describe()

    def render_line(self, y: int) -> Strip:
        """An example wider than the field ends in "…" (Input would wrap it and show only "e.g.").

        Fitted as the line is drawn, to the width Input draws it at, whatever order layouts and
        their Resize events come in (a Resize is handled after its layout, and the width read
        then can already be another layout's)."""
        if y == 0 and not self.value and self._example:
            width = self.scrollable_content_region.width
            example = self._example
            if width > 1 and len(example) > width:
                example = example[:width - 1] + "…"
            if example != self.placeholder:
                self.set_reactive(Input.placeholder, example)  # being drawn now: no refresh needed
        return super().render_line(y)

    def action_copy(self) -> None:
        if self.spec.secret:
            self.notify("This field holds a secret; it is not copied out of lp-tui.", severity="warning")
        else:
            super().action_copy()

    def action_cut(self) -> None:
        if self.spec.secret:
            self.notify("This field holds a secret; it is not copied out of lp-tui.", severity="warning")
        else:
            super().action_cut()


class TtrSelect(Select[str]):
    """ttrDefName: every documented value, explicit null, or omitted."""

    def __init__(self) -> None:
        options = [(v, v) for v in F.TTR_DEF_NAMES] + [("null (explicit)", TTR_NULL), ("(omit the field)", TTR_OMIT)]
        super().__init__(options, allow_blank=False, value=TTR_OMIT, id=widget_id("conversation.ttrDefName"), compact=True)
        self.path = "conversation.ttrDefName"
        self.tooltip = F.BY_PATH[self.path].describe()
        self.filled = False  # until the draft is shown, its "omit" is a placeholder, not a choice

    def show(self, value: Any, present: bool) -> None:
        if not present:
            target = TTR_OMIT
        elif value is None:
            target = TTR_NULL
        else:
            target = str(value)
            if target not in F.TTR_DEF_NAMES:
                known: list[tuple[Any, str]] = [(v, v) for v in F.TTR_DEF_NAMES]
                custom = plain(target, one_line=True, limit=40).append(" (not documented)", style="dim")
                self.set_options([*known, (custom, target), ("null (explicit)", TTR_NULL),
                                  ("(omit the field)", TTR_OMIT)])
        self.value = target
        self.filled = True


class SectionForm(VerticalScroll):
    """All fields of one section, in table order, as a two-column grid (label, input).

    Posts ``Ready`` once mounted, so the screen can fill it (hidden forms mount lazily). Not a Tab
    stop itself (nothing would show it had focus): Tab goes from field to field, and the focused
    field is scrolled into view.
    """

    can_focus = False

    DEFAULT_CSS = """
    SectionForm { padding: 0 1; layout: grid; grid-size: 2; grid-columns: 24 1fr; grid-rows: auto;
                  grid-gutter: 1 0; height: 1fr; }
    SectionForm > .field-label { color: $text-muted; padding-right: 1; }
    SectionForm .group-title { column-span: 2; text-style: bold; color: $accent; }
    SectionForm > ContactsEditor { column-span: 2; }
    SectionForm > .date-parts { height: 1; }
    SectionForm .date-part { width: 1fr; margin-right: 1; }
    SectionForm > #lookup-engagements { width: auto; }
    """
    # the Routing form's engagement lookup (check_action: only there)
    BINDINGS = [Binding(key("lookup-engagements"), "lookup_engagements", "Look up", show=False,
                        priority=True, id="lookup-engagements")]  # priority: Alt+L is Escape and "l" in a field

    class Ready(Message):
        def __init__(self, form: "SectionForm") -> None:
            super().__init__()
            self.form = form

    def __init__(self, section: str, also: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section
        self.sections = (section, *also)
        self.filled = False  # the screen has shown the draft in it: only then may it take focus

    def focus_first(self) -> None:
        """Focus the form's first input (the screen asks when the form is shown)."""
        for widget in self.query("FieldInput, TtrSelect"):
            if widget.focusable:
                widget.focus(scroll_visible=True)
                return

    def compose(self) -> ComposeResult:
        done: set[str] = set()
        titled: set[str] = set()
        specs = [spec for section in self.sections for spec in F.section_fields(section)]
        for spec in specs:
            if "*" in spec.path or spec.path in done:
                continue
            if spec.section not in titled:
                titled.add(spec.section)
                if spec.section in SECTION_TITLES:
                    yield Static(SECTION_TITLES[spec.section], classes="group-title")
            if spec.path == "conversation.ttrDefName":
                yield Label(spec.label, classes="field-label")
                yield TtrSelect()
            elif spec.kind == F.DATE:
                yield Label(spec.label, classes="field-label")
                parts = [F.BY_PATH[f"{spec.path}.{k}"] for k in F.DATE_PARTS]
                yield Horizontal(*[FieldInput(p, p.path, classes="date-part") for p in parts], classes="date-parts")
                done.update(p.path for p in parts)
            elif spec.kind == F.OBJECT:
                yield Static(spec.label, classes="group-title")
                if spec.path == "conversation.campaignInfo":
                    shown = current().shown("lookup-engagements")
                    yield Label("From LivePerson", classes="field-label")
                    yield Button(f"Look up… ({shown})" if shown else "Look up…", id="lookup-engagements",
                                 compact=True, tooltip="List the campaigns and engagements LivePerson's engagement "
                                 "lookup offers, and fill their ids")
            elif spec.kind == F.LIST:
                yield ContactsEditor(id="contacts")
            elif spec.is_leaf:
                yield Label(spec.label, classes="field-label")
                yield FieldInput(spec, spec.path, classes="field-input")

    def on_mount(self) -> None:
        self.post_message(self.Ready(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lookup_engagements":
            return self.section == "conversation"
        return True

    @on(Button.Pressed, "#lookup-engagements")
    async def _lookup_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.action_lookup_engagements()

    async def action_lookup_engagements(self) -> None:
        """The engagement lookup's dialog (the app's action: the palette has it too)."""
        await self.run_action("app.lookup_engagements")



class ContactsEditor(Vertical):
    """Personal Info contacts, one at a time: previous/next, add, remove.

    A fixed set of inputs edits the selected contact, so a draft with hundreds of contacts
    costs no more widgets (or start-up time) than one with a single contact.
    """

    DEFAULT_CSS = """
    ContactsEditor { height: auto; margin-bottom: 1; }
    ContactsEditor .contact-nav { height: 1; margin-bottom: 1; }
    ContactsEditor .contact-nav Button { min-width: 8; margin-right: 1; }
    ContactsEditor #contact-pos { width: 1fr; padding: 0 1; text-style: bold; }
    ContactsEditor #contact-fields { height: auto; border-left: thick $primary 50%; padding: 0 0 0 1; }
    ContactsEditor .field-row { height: 1; margin-bottom: 1; }
    ContactsEditor .field-label { width: 20; color: $text-muted; }
    ContactsEditor .field-input { width: 1fr; }
    """

    class CountChanged(Message):
        def __init__(self, action: str, index: int) -> None:
            super().__init__()
            self.action = action
            self.index = index

    class Selected(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count = 0
        self.index = 0

    def compose(self) -> ComposeResult:
        yield Static("Contacts", classes="group-title")
        with Horizontal(classes="contact-nav"):
            yield Button("◀", id="contact-prev", compact=True, tooltip="Previous contact")
            yield Label("", id="contact-pos")
            yield Button("▶", id="contact-next", compact=True, tooltip="Next contact")
            yield Button("Add", id="add-contact", variant="primary", compact=True, tooltip="Add a contact")
            yield Button("Remove", id="remove-contact", variant="error", compact=True,
                         tooltip="Remove this contact")
        with Vertical(id="contact-fields"):
            for key in F.CONTACT_FIELDS:
                spec = F.BY_PATH[f"{F.CONTACTS}.*.{key}"]
                yield Horizontal(
                    Label(spec.label, classes="field-label"),
                    FieldInput(spec, f"{F.CONTACTS}.0.{key}", classes="field-input",
                               id_=f"f-contact-{key.replace('.', '-')}"),
                    classes="field-row",
                )

    def on_mount(self) -> None:
        self.set_state(self.count, self.index)

    def set_state(self, count: int, index: int) -> None:
        """Show ``count`` contacts with ``index`` selected; inputs are re-bound, not re-made."""
        self.count = count
        self.index = max(0, min(index, count - 1)) if count else 0
        self._show()

    def _show(self) -> None:
        if not self.is_mounted or not self.is_attached:
            return  # on_mount shows the state once mounted
        if not self.query("#contact-pos"):  # mounted, its rows still being composed: just after
            self.call_after_refresh(self._show)
            return
        count = self.count
        self.query_one("#contact-pos", Label).update(
            f"Contact {self.index + 1} of {count}" if count else "No contacts")
        self.query_one("#contact-fields").display = count > 0
        self.query_one("#remove-contact").display = count > 0
        self.query_one("#contact-prev", Button).disabled = self.index <= 0
        self.query_one("#contact-next", Button).disabled = self.index >= count - 1
        for widget, key in zip(self.query(FieldInput), F.CONTACT_FIELDS):
            widget.path = f"{F.CONTACTS}.{self.index}.{key}"

    @on(Button.Pressed, "#add-contact")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.CountChanged("add", self.count))

    @on(Button.Pressed, "#remove-contact")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.CountChanged("remove", self.index))

    @on(Button.Pressed, "#contact-prev, #contact-next")
    def _move(self, event: Button.Pressed) -> None:
        event.stop()
        step = -1 if event.button.id == "contact-prev" else 1
        if 0 <= self.index + step < self.count:
            self.post_message(self.Selected(self.index + step))
