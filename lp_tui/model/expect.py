"""A preset's ``[expect]`` table: what ``lp-tui check`` expects of the answer to it.

    [expect]
    status = 400                          # the HTTP status
    codes = ["OK", "BAD_REQUEST"]         # each sub-request's code, in order
    error_code = 40103                    # the errorCode of a 401-family answer
    message = "already has open conversation"   # text the answer holds (case-insensitive)
    skill = "VIP Support"                 # where an lp-tui sandbox routed it (not checked elsewhere)
    conversation = false                  # true: a conversationId comes back; false: none does

    [expect.second]                       # a two-step case: the same request again, same consumer,
    status = 400                          # before anything is closed; the same keys as [expect]

Every key is optional, but a table must expect something. An unknown key or a wrong type is a
FieldError naming the key; the preset loader adds the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lp_tui.model.draft import FieldError

KEYS = {
    "status": "the HTTP status, e.g. 200",
    "codes": 'each sub-request\'s code in order, e.g. ["OK", "BAD_REQUEST"]',
    "error_code": "the errorCode of a 401-family answer, e.g. 40102",
    "message": "text the answer must hold (case-insensitive)",
    "skill": "the skill an lp-tui sandbox routed the conversation to",
    "conversation": "true when a conversationId must come back, false when none may",
    "second": "a table: send the same request again for the same consumer and expect this of that answer",
}
MAX_TEXT = 500


@dataclass(frozen=True)
class Expectation:
    status: int | None = None
    codes: tuple[str, ...] | None = None
    error_code: int | None = None
    message: str | None = None
    skill: str | None = None
    conversation: bool | None = None
    second: "Expectation | None" = None

    def summary(self) -> str:
        """One line: what is expected (the check table's "expected" column)."""
        parts = []
        if self.status is not None:
            parts.append(str(self.status))
        if self.codes is not None:
            parts.append(",".join(self.codes) or "no sub-answers")
        if self.error_code is not None:
            parts.append(f"errorCode {self.error_code}")
        if self.conversation is not None:
            parts.append("conversation" if self.conversation else "no conversation")
        if self.skill is not None:
            parts.append(f"skill {self.skill}")
        if self.message is not None:
            parts.append(f"“{self.message}”")
        text = " ".join(parts)
        return f"{text}; then {self.second.summary()}" if self.second else text


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FieldError(f"{where} must be a whole number from {low} to {high}, not {value!r}"[:300])
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise FieldError(f"{where} must be text of 1-{MAX_TEXT} characters")
    return value


def parse_expect(data: Any, where: str = "[expect]") -> Expectation:
    """The Expectation an ``[expect]`` table describes; FieldError naming the key otherwise."""
    if not isinstance(data, dict):
        raise FieldError(f"{where} must be a table")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise FieldError(f"{where} unknown key {unknown[0]!r}; known: {', '.join(KEYS)}")
    if not data:
        raise FieldError(f"{where} expects nothing; give at least one of {', '.join(k for k in KEYS if k != 'second')}")
    codes = data.get("codes")
    if codes is not None:
        if not isinstance(codes, list) or len(codes) > 20:
            raise FieldError(f'{where} codes must be a list of codes, e.g. ["OK", "BAD_REQUEST"]')
        for code in codes:
            if isinstance(code, bool) or not isinstance(code, (str, int)) or not str(code).strip():
                raise FieldError(f"{where} codes: each code is text such as \"OK\" (or a number), not {code!r}"[:300])
        codes = tuple(str(c) for c in codes)
    conversation = data.get("conversation")
    if conversation is not None and not isinstance(conversation, bool):
        raise FieldError(f"{where} conversation must be true or false")
    second = data.get("second")
    if second is not None:
        if where != "[expect]":
            raise FieldError(f"{where} second: only the first [expect] table may have a second send")
        second = parse_expect(second, "[expect.second]")
    return Expectation(
        status=None if data.get("status") is None else _int(data["status"], f"{where} status", 100, 599),
        codes=codes,
        error_code=None if data.get("error_code") is None else _int(data["error_code"], f"{where} error_code",
                                                                    1, 10**9),
        message=None if data.get("message") is None else _text(data["message"], f"{where} message"),
        skill=None if data.get("skill") is None else _text(data["skill"], f"{where} skill"),
        conversation=conversation,
        second=second,
    )


def expect_from_record(record: dict[str, Any]) -> dict[str, Any]:
    """An ``[expect]`` table that holds what came back in a history record (or a fresh send's
    record): the status, each sub-request's code, whether a conversation was opened, the skill an
    lp-tui sandbox routed it to, and the errorCode of a refusal. Shown for editing before saving."""
    import json

    table: dict[str, Any] = {}
    found = record.get("response")
    response: dict[str, Any] = found if isinstance(found, dict) else {}
    status = response.get("status")
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        table["status"] = status
    body: Any = None
    text = response.get("body")
    if isinstance(text, str):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) and "reqId" in body else []
    codes = ["(no code)" if not isinstance(e, dict) or e.get("code") is None else str(e["code"]) for e in items]
    if codes and len(codes) <= 20 and all(c.strip() for c in codes):  # as `lp-tui check` reads them
        table["codes"] = codes
    error_code = _first_error_code(body)
    if error_code is not None:
        table["error_code"] = error_code
    table["conversation"] = bool(record.get("conversation_id"))
    routing = record.get("routing")
    skill = routing.get("skill") if isinstance(routing, dict) else None
    if isinstance(skill, str) and skill.strip() and len(skill) <= MAX_TEXT:
        table["skill"] = skill
    if not table["conversation"] and isinstance(text, str) and OPEN_CONFLICT in text.lower():
        # refused because this consumer had a conversation open: `lp-tui check` sends with a fresh
        # consumer, so the case is two sends: the first opens one, the same again is refused
        return {"conversation": True, "second": {**table, "message": OPEN_CONFLICT}}
    return table


OPEN_CONFLICT = "already has open conversation"  # LivePerson's words for a consumer's second open conversation


def _first_error_code(body: Any) -> int | None:
    """The errorCode exactly where ``lp-tui check`` reads it (a 401-family answer's body), so the
    expectation written here passes against the same answer."""
    if isinstance(body, dict) and isinstance(body.get("body"), dict):
        code = body["body"].get("errorCode")
        if isinstance(code, int) and not isinstance(code, bool) and 1 <= code <= 10**9:
            return code
    return None
