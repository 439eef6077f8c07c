"""Two history entries compared: a unified diff of their JSON (CLI) and side-by-side rows (app).

Both compare the same view of an entry: the action, profile, request (method, URL, masked
headers, body) and response (status, headers, body), the conversationId, the outcome and the
explanations, with bodies parsed so a diff is per JSON line, not one long string. When and
how long (the id, the time, the step timings) are left out: they always differ. Secrets are
masked as in every export.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from lp_tui.export import clean
from lp_tui.export.evidence import when_text
from lp_tui.text import safe_json

SAME, CHANGED, ONLY_LEFT, ONLY_RIGHT = "same", "changed", "left", "right"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _body(value: Any) -> Any:
    from lp_tui.limits import loads_json

    if isinstance(value, str) and value:
        try:
            return loads_json(value)
        except ValueError:
            return value
    return value


def view(entry: dict[str, Any]) -> dict[str, Any]:
    """What of an entry is compared."""
    from lp_tui.model.build import secret_values_of_text

    request, response = _dict(entry.get("request")), _dict(entry.get("response"))
    body = request.get("body")
    secrets = secret_values_of_text(body) if isinstance(body, str) else []
    shown: dict[str, Any] = {
        "action": entry.get("action"),
        "profile": entry.get("profile"),
        "request": {"method": request.get("method", "POST"), "url": request.get("url"),
                    "headers": _dict(request.get("headers")), "body": _body(body)},
        "response": {"status": response.get("status"), "headers": _dict(response.get("headers")),
                     "body": _body(response.get("body"))},
        "conversation_id": entry.get("conversation_id"),
        "ok": entry.get("ok"),
        "explanations": entry.get("explanations") if isinstance(entry.get("explanations"), list) else [],
    }
    if isinstance(entry.get("routing"), dict):
        shown["routing"] = {k: entry["routing"].get(k) for k in ("skill", "rule")}
    return clean(shown, secrets)


def lines_of(entry: dict[str, Any]) -> list[str]:
    return safe_json(json.dumps(view(entry), ensure_ascii=False, indent=2)).split("\n")


def label(entry: dict[str, Any]) -> str:
    status = _dict(entry.get("response")).get("status")
    return f"{entry.get('id', '?')} ({when_text(entry.get('time'))}, HTTP {status})"


def unified(a: dict[str, Any], b: dict[str, Any], context: int = 3) -> str:
    """A unified diff of the two entries' JSON; empty when they are the same."""
    diff = difflib.unified_diff(lines_of(a), lines_of(b), fromfile=label(a), tofile=label(b), lineterm="", n=context)
    return "\n".join(diff)


@dataclass(frozen=True)
class Row:
    left: str | None  # None: nothing on this side (a line only the other has)
    right: str | None
    kind: str  # SAME, CHANGED, ONLY_LEFT or ONLY_RIGHT


def side_by_side(a: dict[str, Any], b: dict[str, Any]) -> list[Row]:
    """The two entries' JSON lines aligned, each pair marked same, changed or one-sided."""
    left, right = lines_of(a), lines_of(b)
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row(left[i], right[j], SAME) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        olds, news = left[i1:i2], right[j1:j2]
        for k in range(max(len(olds), len(news))):
            old = olds[k] if k < len(olds) else None
            new = news[k] if k < len(news) else None
            kind = CHANGED if old is not None and new is not None else ONLY_LEFT if new is None else ONLY_RIGHT
            rows.append(Row(old, new, kind))
    return rows


def count_differences(rows: list[Row]) -> int:
    return sum(1 for row in rows if row.kind != SAME)
