"""The draft: what the user is composing, as plain nested data.

A draft holds JSON values at dotted paths (see ``fields.py``). An absent key is omitted
from the request; an explicit ``None`` is sent as JSON ``null``. Values set with
``set_text`` are converted to the field's type; values set with ``set_value`` are kept
exactly as given, so QA can put a string where a number belongs.
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

from lp_tui.model import fields as F

SECTION_KEYS = ("consumer", "personal", "profile", "conversation", "firstMessage", "ids", "clientProperties", "extras")
FIELD_SECTIONS = SECTION_KEYS[:-1]  # "extras" holds what raw mode brought that no form shows (see reverse.py)


class FieldError(ValueError):
    """A path or value the draft cannot take; the message says what and how to fix it."""


def _default_data() -> dict[str, Any]:
    return {
        "consumer": {},
        "personal": {},
        "profile": {},
        "conversation": {"channelType": "MESSAGING"},
        "firstMessage": {},
        "ids": {"profile": "1", "conversation": "2"},
        "clientProperties": {},
        "extras": {},
    }


@dataclass
class Draft:
    data: dict[str, Any] = field(default_factory=_default_data)

    # --- construction ---------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Draft":
        """A draft from stored data; unknown sections are refused, missing ones default."""
        if not isinstance(data, dict):
            raise FieldError("a draft must be a table of sections")
        unknown = sorted(set(data) - set(SECTION_KEYS))
        if unknown:
            raise FieldError(f"unknown draft section(s): {', '.join(unknown)}; known: {', '.join(SECTION_KEYS)}")
        if not _json_safe(data):
            raise FieldError("a draft value is NaN or infinity, which JSON cannot carry")
        merged = _default_data()
        for key in SECTION_KEYS:
            if key in data:
                if not isinstance(data[key], dict):
                    raise FieldError(f"draft section {key!r} must be a table")
                merged[key] = copy.deepcopy(data[key])
        return cls(merged)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    def copy(self) -> "Draft":
        return Draft(copy.deepcopy(self.data))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Draft) and self.data == other.data

    @property
    def extras(self) -> dict[str, Any]:
        """What raw mode brought that no form shows: extra envelope keys, SDEs, requests (reverse.py)."""
        value = self.data.get("extras")
        return value if isinstance(value, dict) else {}

    # --- paths ----------------------------------------------------------------------
    def get(self, path: str, default: Any = None) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isascii() and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return default
        return node

    def has(self, path: str) -> bool:
        sentinel = object()
        return self.get(path, sentinel) is not sentinel

    def set_value(self, path: str, value: Any) -> None:
        """Put ``value`` at ``path`` unchecked (``--set-json``); the path must be known."""
        _check_path(path)
        if not _json_safe(value):
            raise FieldError(f"{path}: NaN and infinity cannot be sent in JSON; use a finite number")
        parts = path.split(".")
        node: Any = self.data
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            want: Any = [] if nxt.isascii() and nxt.isdigit() else {}
            node = _child(node, part, want, ".".join(parts[: i + 1]))
        last = parts[-1]
        if isinstance(node, list):
            idx = int(last)
            if idx < len(node):
                node[idx] = value
            elif idx == len(node):
                node.append(value)
            else:
                raise FieldError(f"{path}: index {idx} is past the end; the next free index is {len(node)}")
        else:
            node[last] = value

    def unset(self, path: str) -> None:
        """Remove the value at ``path`` and any container it leaves empty (not list items)."""
        parts = path.split(".")
        chain: list[tuple[Any, str]] = []
        node: Any = self.data
        for part in parts:
            chain.append((node, part))
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isascii() and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return
        parent, key = chain[-1]
        if isinstance(parent, dict):
            del parent[key]
        # prune now-empty dicts above, but never the sections themselves or list slots
        for parent, key in reversed(chain[1:-1]):
            if isinstance(parent, dict) and parent.get(key) == {}:
                del parent[key]
            else:
                break

    def set_text(self, path: str, text: str) -> None:
        """Set from user text, converting to the field's type (``--set`` and the forms).

        Empty text unsets the field, so it is omitted from the JSON.
        """
        spec = F.field_for(path)
        if spec is None:
            raise FieldError(_unknown(path))
        if text == "":
            self.unset(path)
            return
        self.set_value(path, convert(spec, path, text))

    # --- contacts ----------------------------------------------------------------------
    def contacts(self) -> list[Any]:
        value = self.get(F.CONTACTS)
        return value if isinstance(value, list) else []

    def add_contact(self) -> int:
        contacts = self.get(F.CONTACTS)
        if not isinstance(contacts, list):
            contacts = []
            section, key = F.CONTACTS.split(".")
            self.data[section][key] = contacts
        contacts.append({})
        return len(contacts) - 1

    def remove_contact(self, index: int) -> None:
        contacts = self.get(F.CONTACTS)
        if isinstance(contacts, list) and 0 <= index < len(contacts):
            del contacts[index]
            if not contacts:
                self.unset(F.CONTACTS)


def _json_safe(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_json_safe(v) for v in value.values())
    if isinstance(value, list):
        return all(_json_safe(v) for v in value)
    return True


def _child(node: Any, part: str, want: Any, where: str) -> Any:
    if isinstance(node, list):
        idx = int(part)
        if idx == len(node):
            node.append(want)
        elif idx > len(node):
            raise FieldError(f"{where}: index {idx} is past the end; the next free index is {len(node)}")
        if type(node[idx]) is not type(want):  # a value of another shape is replaced by a container
            node[idx] = want
        return node[idx]
    if type(node.get(part)) is not type(want):
        node[part] = want
    return node[part]


def _unknown(path: str) -> str:
    section = path.split(".", 1)[0]
    if section not in FIELD_SECTIONS:
        return f"unknown field {path!r}: it must start with one of {', '.join(FIELD_SECTIONS)}"
    known = ", ".join(f.path for f in F.section_fields(section) if f.is_leaf)
    return f"unknown field {path!r}; fields of {section}: {known}"


def _check_path(path: str) -> None:
    if not path or any(p == "" for p in path.split(".")):
        raise FieldError(f"malformed field path {path!r}: use dots between names, e.g. consumer.ctype")
    if path in SECTION_KEYS:
        raise FieldError(f"{path!r} is a whole section; set one of its fields, e.g. {F.section_fields(path)[0].path}")
    if F.field_for(path) is None:
        raise FieldError(_unknown(path))


def convert(spec: F.Field, path: str, text: str) -> Any:
    """Turn user text into the field's JSON type, or raise FieldError naming the field."""
    if spec.nullable and text == "null":
        return None
    if spec.kind in (F.STRING, F.ENUM):
        return text
    if spec.kind == F.INTEGER:
        try:
            return int(text.strip().replace("_", ""), 10)
        except ValueError:
            raise FieldError(f"{path}: {text!r} is not an integer; write digits only, e.g. {spec.example or 42}") from None
    if spec.kind == F.NUMBER:
        stripped = text.strip()
        try:
            return int(stripped, 10)
        except ValueError:
            pass
        try:
            value = float(stripped)
        except ValueError:
            raise FieldError(f"{path}: {text!r} is not a number; e.g. {spec.example}") from None
        if not math.isfinite(value):
            raise FieldError(f"{path}: {text!r} is not a finite number; JSON cannot carry it")
        return value
    if spec.kind == F.STRING_LIST:
        return [item.strip() for item in text.split(",") if item.strip()]
    if spec.kind == F.DATE:
        try:
            day = _dt.date.fromisoformat(text.strip())
        except ValueError:
            raise FieldError(f"{path}: {text!r} is not a date; write YYYY-MM-DD, or set .day/.month/.year") from None
        return {"day": day.day, "month": day.month, "year": day.year}
    raise FieldError(f"{path} is a {spec.kind}; set its parts one by one, or give JSON with --set-json")
