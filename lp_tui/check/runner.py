"""The expectation runner: send each case, compare the answer with its ``[expect]``, clean up.

Each case gets a fresh external consumer (so one case's open conversation never answers for
another) and its own client; every conversation a case opened is closed before the next one
starts. Progress goes to a callback as each case starts a phase and when it ends: the command
line draws a bar and a table, the app a live list. No Textual here.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from lp_tui.check.cases import Case
from lp_tui.lp.errors import LpError
from lp_tui.model.build import build_payload, client_properties_header, first_message_after
from lp_tui.model.connection import Connection
from lp_tui.model.expect import Expectation

PENDING, RUNNING, PASSED, FAILED = "pending", "running", "pass", "FAIL"


@dataclass
class Answer:
    """What one send gave, as the comparison needs it."""

    status: int | None = None
    codes: list[str] = field(default_factory=list)
    error_code: Any = None
    text: str = ""
    conversation_id: str | None = None
    skill: str | None = None
    sandbox: bool = False
    error: str = ""  # the send failed before an answer (LpError)
    skill_problem: str = ""  # why the sandbox did not say where it routed (its token is missing)

    def summary(self) -> str:
        if self.error:
            return f"no answer ({self.status or self.error[:60]})"
        parts = [str(self.status), ",".join(self.codes) or "no sub-answers"]
        if self.error_code is not None:
            parts.append(f"errorCode {self.error_code}")
        if self.skill:
            parts.append(f"skill {self.skill}")
        return " ".join(parts)


@dataclass
class CheckResult:
    name: str
    source: str
    description: str
    expected: str
    state: str = PENDING
    got: str = ""
    mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    opened: list[str] = field(default_factory=list)  # conversations the case opened (and closed)

    @property
    def passed(self) -> bool:
        return self.state == PASSED


@dataclass
class Progress:
    """One event for the callback: case ``index`` (0-based) of ``total`` is in ``phase``."""

    index: int
    total: int
    phase: str  # "send", "second send", "close", "done"
    result: CheckResult


ProgressCallback = Callable[[Progress], Any]
ClientFactory = Callable[[Connection], Any]


def compare(expect: Expectation, answer: Answer) -> tuple[list[str], list[str]]:
    """(mismatches, notes): each mismatch says what was expected and what came."""
    bad: list[str] = []
    notes: list[str] = []
    if answer.error:
        if expect.status is not None and answer.status == expect.status:
            return [], [f"answered by a failure: {answer.error}"]
        return [f"no answer to compare: {answer.error}"], []
    if expect.status is not None and answer.status != expect.status:
        bad.append(f"status: expected {expect.status}, got {answer.status}")
    if expect.codes is not None and tuple(answer.codes) != expect.codes:
        bad.append(f"codes: expected {', '.join(expect.codes) or 'none'}, got {', '.join(answer.codes) or 'none'}")
    if expect.error_code is not None and answer.error_code != expect.error_code:
        bad.append(f"errorCode: expected {expect.error_code}, got {answer.error_code}")
    if expect.message is not None and expect.message.lower() not in answer.text.lower():
        bad.append(f"message: expected the answer to hold “{expect.message}”; it does not")
    if expect.conversation is not None and bool(answer.conversation_id) != expect.conversation:
        got = f"conversation {answer.conversation_id}" if answer.conversation_id else "none"
        bad.append(f"conversation: expected {'one' if expect.conversation else 'none'}, got {got}")
    if expect.skill is not None:
        if not answer.sandbox:
            notes.append("skill not checked: only an lp-tui sandbox says where it routed")
        elif answer.skill_problem and not answer.skill:
            bad.append(f"skill: {answer.skill_problem}")
        elif (answer.skill or "") != expect.skill:
            bad.append(f"skill: expected {expect.skill}, got {answer.skill or 'no routing'}")
    return bad, notes


def _error_code(body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("body"), dict):
        return body["body"].get("errorCode")
    return None


async def _send(client: Any, payload: Any, header: str | None, want_skill: bool, message: Any = None,
                raw: bytes | None = None) -> Answer:
    """One create (and its first message, sent after it as a SEND, when the preset has one); ``raw``
    sends a raw preset's body exactly as written."""
    try:
        extra: dict[str, Any] = {} if message is None else {"first_message": message}
        if raw is not None:
            extra["raw"] = raw
        result = await client.create_conversation(payload, header, **extra)
    except LpError as exc:
        return Answer(status=exc.status, error=str(exc))
    answer = Answer(status=result.status, codes=[s.code_text for s in result.subs],
                    error_code=_error_code(result.body_json), text=result.body_text,
                    conversation_id=result.conversation_id, sandbox=bool(result.sandbox))
    if want_skill and result.sandbox and result.conversation_id:
        routed = await client.sandbox_conversation(result.conversation_id)
        answer.skill = str(routed.get("skill")) if isinstance(routed, dict) else None
        if routed is None and getattr(client, "sandbox_locked", False):
            from lp_tui.lp.client import SANDBOX_TOKEN_NEEDED

            answer.skill_problem = SANDBOX_TOKEN_NEEDED
    return answer


def fresh_consumer() -> str:
    return f"lp-tui-check-{uuid.uuid4().hex[:10]}"


def case_connection(conn: Connection) -> Connection:
    """The connection for one case: a fresh consumer (a pasted ConsumerJWS would pin one)."""
    fresh = dataclasses.replace(conn, consumer_jws="", sources=dict(conn.sources))
    fresh.set("ext_consumer_id", fresh_consumer(), "check")
    return fresh


async def run_case(case: Case, conn: Connection, client_factory: ClientFactory,
                   emit: Callable[[str], Awaitable[None]], result: CheckResult) -> None:
    client = client_factory(case_connection(conn))
    header = client_properties_header(case.preset.draft)
    raw = case.preset.raw.encode("utf-8", "surrogatepass") if case.preset.raw is not None else None
    payload = None if raw is not None else build_payload(case.preset.draft, conn.account_id or None)  # raw: as written
    started = time.perf_counter()
    try:
        await emit("send")
        wants_skill = case.expect.skill is not None or (case.expect.second is not None
                                                        and case.expect.second.skill is not None)
        first = await _send(client, payload, header, wants_skill, first_message_after(case.preset.draft), raw)
        result.opened += [first.conversation_id] if first.conversation_id else []
        result.mismatches, result.notes = compare(case.expect, first)
        result.got = first.summary()
        if case.expect.second is not None:
            await emit("second send")
            second = await _send(client, payload, header, wants_skill, first_message_after(case.preset.draft), raw)
            result.opened += [second.conversation_id] if second.conversation_id else []
            bad, notes = compare(case.expect.second, second)
            result.mismatches += [f"second send: {m}" for m in bad]
            result.notes += [f"second send: {n}" for n in notes]
            result.got += f"; then {second.summary()}"
    finally:
        if result.opened:
            await emit("close")
        for conversation_id in result.opened:
            await _close(client, conversation_id, header, result)
        if hasattr(client, "aclose"):
            await client.aclose()
        result.elapsed = time.perf_counter() - started
    result.state = PASSED if not result.mismatches else FAILED


async def _close(client: Any, conversation_id: str, header: str | None, result: CheckResult) -> None:
    try:
        closed = await client.close_conversation(conversation_id, header)
    except LpError as exc:
        result.notes.append(f"could not close {conversation_id}: {exc}")
        return
    if not closed.ok:
        result.notes.append(f"closing {conversation_id} answered {closed.status}; it may still be open")


async def run_checks(cases: list[Case], conn: Connection, client_factory: ClientFactory,
                     progress: ProgressCallback | None = None) -> list[CheckResult]:
    """Run every case in order; each result is complete (passed or failed) when ``done`` is reported."""
    import asyncio

    results = [CheckResult(c.name, c.source, c.preset.description, c.expect.summary()) for c in cases]
    for index, (case, result) in enumerate(zip(cases, results)):
        async def emit(phase: str, index: int = index, result: CheckResult = result) -> None:
            if progress is not None:
                outcome = progress(Progress(index, len(cases), phase, result))
                if asyncio.iscoroutine(outcome):
                    await outcome

        result.state = RUNNING
        try:
            await run_case(case, conn, client_factory, emit, result)
        except Exception as exc:  # a case that breaks in an unplanned way fails, and the suite goes on
            result.state = FAILED
            result.mismatches.append(f"the check could not run: {type(exc).__name__}: {exc}")
        await emit("done")
    return results
