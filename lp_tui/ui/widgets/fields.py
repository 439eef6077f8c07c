"""Form widgets generated from the field table: one input per field, contacts as a list.

Forms only post ``FieldEdited`` (path, text); the screen owns the draft.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static

from lp_tui.model import fields as F

TTR_NULL = "__null__"
TTR_OMIT = "__omit__"


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


class FieldEdited(Message):
    """The user changed a field's text (empty text: unset the field)."""

    def __init__(self, path: str, text: str) -> None:
        super().__init__()
        self.path = path
        self.text = text


class FieldFocused(Message):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


class FieldInput(Input):
    """An input bound to a draft path."""

    def __init__(self, spec: F.Field, path: str, **kwargs: Any) -> None:
        suggester = SuggestFromList(spec.enum, case_sensitive=False) if spec.enum else None
        super().__init__(placeholder=spec.example, suggester=suggester, id=widget_id(path), compact=True, **kwargs)
        self.path = path
        self.spec = spec
        self.tooltip = spec.describe()

    def on_focus(self) -> None:
        self.post_message(FieldFocused(self.path))


class TtrSelect(Select[str]):
    """ttrDefName: every documented value, explicit null, or omitted."""

    def __init__(self) -> None:
        options = [(v, v) for v in F.TTR_DEF_NAMES] + [("null (explicit)", TTR_NULL), ("(omit the field)", TTR_OMIT)]
        super().__init__(options, allow_blank=False, value=TTR_OMIT, id=widget_id("conversation.ttrDefName"), compact=True)
        self.path = "conversation.ttrDefName"
        self.tooltip = F.BY_PATH[self.path].describe()

    def show(self, value: Any, present: bool) -> None:
        if not present:
            target = TTR_OMIT
        elif value is None:
            target = TTR_NULL
        else:
            target = str(value)
            if target not in F.TTR_DEF_NAMES:
                known = [(v, v) for v in F.TTR_DEF_NAMES]
                self.set_options([*known, (f"{target} (custom)", target), ("null (explicit)", TTR_NULL),
                                  ("(omit the field)", TTR_OMIT)])
        self.value = target

    def on_focus(self) -> None:
        self.post_message(FieldFocused(self.path))


def field_row(spec: F.Field, path: str | None = None) -> Horizontal:
    path = path or spec.path
    return Horizontal(
        Label(spec.label, classes="field-label"),
        FieldInput(spec, path, classes="field-input"),
        classes="field-row",
    )


def _leaves(section: str, prefix_depth: int = 2) -> Iterable[F.Field]:
    for spec in F.section_fields(section):
        if spec.is_leaf and "*" not in spec.path:
            yield spec


def date_group(prefix: str) -> Vertical:
    spec = F.BY_PATH[prefix]
    parts = [F.BY_PATH[f"{prefix}.{k}"] for k in ("day", "month", "year")]
    row = Horizontal(
        Label(spec.label, classes="field-label"),
        *[FieldInput(p, p.path, classes="date-part") for p in parts],
        classes="field-row",
    )
    return row


class SectionForm(VerticalScroll):
    """All fields of one section, in table order; objects as grouped rows."""

    DEFAULT_CSS = """
    SectionForm { padding: 0 1; }
    SectionForm .field-row { height: 1; margin-bottom: 1; }
    SectionForm .field-label { width: 22; padding: 0 1 0 0; color: $text-muted; }
    SectionForm .field-input { width: 1fr; }
    SectionForm TtrSelect { width: 1fr; }
    SectionForm .date-part { width: 1fr; margin-right: 1; }
    SectionForm .group-title { padding: 0 0 1 0; text-style: bold; color: $accent; }
    """

    def __init__(self, section: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section

    def compose(self) -> ComposeResult:
        done: set[str] = set()
        for spec in F.section_fields(self.section):
            if "*" in spec.path or spec.path in done:
                continue
            if spec.path == "conversation.ttrDefName":
                yield Horizontal(Label(spec.label, classes="field-label"), TtrSelect(), classes="field-row")
            elif spec.kind == F.OBJECT and spec.path.endswith("Date"):
                yield date_group(spec.path)
                done.update(f"{spec.path}.{k}" for k in ("day", "month", "year"))
            elif spec.kind == F.OBJECT:
                yield Static(spec.label, classes="group-title")
            elif spec.kind == F.LIST:
                yield ContactsEditor(id="contacts")
            elif spec.is_leaf:
                yield field_row(spec)


CONTACT_FIELDS = ("email", "phone", "phoneType", "address.country", "address.region")


class ContactsEditor(Vertical):
    """Personal Info contacts: add and remove; each contact's fields as inputs."""

    DEFAULT_CSS = """
    ContactsEditor { height: auto; }
    ContactsEditor .contact { height: auto; border-left: thick $primary 50%; padding: 0 0 0 1; margin: 0 0 1 0; }
    ContactsEditor .contact-head { height: 1; margin-bottom: 1; }
    ContactsEditor .contact-title { width: 1fr; text-style: bold; }
    ContactsEditor Button { min-width: 10; }
    ContactsEditor #add-contact { margin-bottom: 1; }
    """

    class CountChanged(Message):
        def __init__(self, action: str, index: int) -> None:
            super().__init__()
            self.action = action
            self.index = index

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("Contacts", classes="group-title")
        for i in range(self.count):
            with Vertical(classes="contact"):
                with Horizontal(classes="contact-head"):
                    yield Label(f"Contact {i + 1}", classes="contact-title")
                    yield Button("Remove", id=f"remove-contact-{i}", variant="error", compact=True)
                for key in CONTACT_FIELDS:
                    spec = F.BY_PATH[f"personal.contacts.*.{key}"]
                    yield field_row(spec, f"personal.contacts.{i}.{key}")
        yield Button("Add contact", id="add-contact", variant="primary", compact=True)

    async def set_count(self, count: int) -> None:
        if count != self.count:
            self.count = count
            await self.recompose()

    @on(Button.Pressed, "#add-contact")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.CountChanged("add", self.count))

    @on(Button.Pressed, ".contact Button")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        index = int((event.button.id or "-0").rsplit("-", 1)[1])
        self.post_message(self.CountChanged("remove", index))
