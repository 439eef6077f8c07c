"""Two history entries compared: a unified diff of their JSON (CLI) and side-by-side rows (app).

Both compare the same view of an entry: the action, profile, the external consumer id (often
the cause: "already has an open conversation" is per consumer), request (method, URL, masked
headers, body) and response (status, headers, body), the conversationId, the outcome and the
explanations, with bodies parsed so a diff is per JSON line, not one long string. What always
differs is left out by default: the id, the time, the timings, and the headers ``date``,
``content-length``, request ids and server timings (``IGNORED_HEADERS``). ``everything`` keeps
all of it (``lp-tui diff --all``); ``ignore`` leaves out more keys, wherever they stand
(``--ignore KEY``). Secrets are masked as in every export.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Sequence

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


IGNORED_HEADERS = frozenset({"date", "content-length", "x-request-id", "request-id", "x-correlation-id",
                             "correlation-id", "x-amzn-requestid", "x-amz-request-id", "x-trace-id", "traceparent",
                             "server-timing", "x-response-time", "x-runtime", "age", "expires", "etag",
                             "last-modified", "set-cookie"})


@dataclass(frozen=True)
class Options:
    """What a diff leaves out: by default what always differs; ``everything`` keeps it all."""

    everything: bool = False
    ignore: frozenset[str] = frozenset()  # more keys to leave out, lower case, at any depth

    def drops_header(self, name: str) -> bool:
        key = name.lower()
        if key in self.ignore:
            return True
        return not self.everything and (key in IGNORED_HEADERS or key.endswith("-request-id")
                                        or key.endswith("requestid"))


DEFAULT = Options()


def _headers(value: Any, options: Options) -> dict[str, Any]:
    return {k: v for k, v in _dict(value).items() if not options.drops_header(str(k))}


def _without(node: Any, keys: frozenset[str]) -> Any:
    if not keys:
        return node
    if isinstance(node, dict):
        return {k: _without(v, keys) for k, v in node.items() if str(k).lower() not in keys}
    if isinstance(node, list):
        return [_without(v, keys) for v in node]
    return node


def view(entry: dict[str, Any], options: Options = DEFAULT) -> dict[str, Any]:
    """What of an entry is compared."""
    from lp_tui.model.build import secret_values_of_text

    request, response = _dict(entry.get("request")), _dict(entry.get("response"))
    body = request.get("body")
    secrets = secret_values_of_text(body) if isinstance(body, str) else []
    shown: dict[str, Any] = {}
    if options.everything:
        shown.update({"id": entry.get("id"), "time": entry.get("time"), "elapsed": entry.get("elapsed")})
    shown.update({
        "action": entry.get("action"),
        "profile": entry.get("profile"),
        "consumer_id": entry.get("consumer_id"),
        "request": {"method": request.get("method", "POST"), "url": request.get("url"),
                    "headers": _headers(request.get("headers"), options), "body": _body(body)},
        "response": {"status": response.get("status"), "headers": _headers(response.get("headers"), options),
                     "body": _body(response.get("body"))},
        "conversation_id": entry.get("conversation_id"),
        "ok": entry.get("ok"),
        "explanations": entry.get("explanations") if isinstance(entry.get("explanations"), list) else [],
    })
    if isinstance(entry.get("routing"), dict):
        shown["routing"] = {k: entry["routing"].get(k) for k in ("skill", "rule")}
    if options.everything and isinstance(entry.get("steps"), list):
        shown["steps"] = entry["steps"]
    cleaned: dict[str, Any] = clean(_without(shown, options.ignore), secrets)
    return cleaned


def lines_of(entry: dict[str, Any], options: Options = DEFAULT) -> list[str]:
    return safe_json(json.dumps(view(entry, options), ensure_ascii=False, indent=2)).split("\n")


def label(entry: dict[str, Any]) -> str:
    status = _dict(entry.get("response")).get("status")
    return f"{entry.get('id', '?')} ({when_text(entry.get('time'))}, HTTP {status})"


# Aligning two sequences costs up to len(a) × len(b) steps: past this many, the differing middle
# is compared line by line in place instead (a hostile answer must not stall a diff for a minute).
MAX_ALIGNED = 2_000_000


def _common_ends(left: list[str], right: list[str]) -> tuple[int, int]:
    """How many lines the two share at the start, and then at the end."""
    start = 0
    top = min(len(left), len(right))
    while start < top and left[start] == right[start]:
        start += 1
    end = 0
    while end < top - start and left[-1 - end] == right[-1 - end]:
        end += 1
    return start, end


def _too_large(left: list[str], right: list[str]) -> bool:
    start, end = _common_ends(left, right)
    return (len(left) - start - end) * (len(right) - start - end) > MAX_ALIGNED


def unified(a: dict[str, Any], b: dict[str, Any], context: int = 3, options: Options = DEFAULT) -> str:
    """A unified diff of the two entries' JSON; empty when they are the same."""
    left, right = lines_of(a, options), lines_of(b, options)
    if not _too_large(left, right):
        diff = difflib.unified_diff(left, right, fromfile=label(a), tofile=label(b), lineterm="", n=context)
        return "\n".join(diff)
    out = [f"--- {label(a)}", f"+++ {label(b)}",
           "@@ too large to align: the differing lines are compared in place @@"]
    for row in side_by_side(a, b, options):
        if row.kind != SAME:
            out += [f"-{row.left}"] if row.left is not None else []
            out += [f"+{row.right}"] if row.right is not None else []
    return "\n".join(out)


@dataclass(frozen=True)
class Row:
    left: str | None  # None: nothing on this side (a line only the other has)
    right: str | None
    kind: str  # SAME, CHANGED, ONLY_LEFT or ONLY_RIGHT


def side_by_side(a: dict[str, Any], b: dict[str, Any], options: Options = DEFAULT) -> list[Row]:
    """The two entries' JSON lines aligned, each pair marked same, changed or one-sided."""
    left, right = lines_of(a, options), lines_of(b, options)
    rows: list[Row] = []
    if _too_large(left, right):  # same ends aligned, the middle compared in place: linear time
        start, end = _common_ends(left, right)
        opcodes: Sequence[tuple[str, int, int, int, int]] = [("equal", 0, start, 0, start),
                   ("replace", start, len(left) - end, start, len(right) - end),
                   ("equal", len(left) - end, len(left), len(right) - end, len(right))]
    else:
        opcodes = difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
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
