"""Running a scripted demo (model/demo.py) against an lp-tui sandbox: sends through the client, the agent's
side through the sandbox's presenter endpoints (``/_sandbox/conversations/{id}/…``, with its token), and the
story from the webhooks' timeline (an Inbox the caller feeds from its receiver).

Each step reports as it goes (``say``); the run fails, with the reason, at the first step that cannot be done
or an expected skill not reached in the step's time. No Textual.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from lp_tui.lp.errors import LpError
from lp_tui.lp.timeline import Entry, Inbox
from lp_tui.model.demo import Script, Step

POLL = 0.1  # seconds between two looks at the sandbox or the timeline while a step waits


class DemoFailed(Exception):
    """A step that could not be done; the message says which and why."""


@dataclass
class DemoResult:
    ok: bool
    reason: str = ""
    reached: list[str] = field(default_factory=list)  # the expected skills reached, in order
    conversations: list[str] = field(default_factory=list)


Say = Callable[[str, str], Any]  # (kind, text): kind is "step", "event", "ok", "fail", "caption"


class DemoRunner:
    """Runs a Script; ``client`` is an LpClient on a sandbox, ``inbox`` gets that sandbox's webhooks (an Inbox, or
    anything with its ``view``)."""

    def __init__(self, script: Script, client: Any, inbox: "Inbox | Any", say: Say, presets_dir: Any = None,
                 speed: float = 1.0) -> None:
        self.script, self.client, self.inbox, self.say = script, client, inbox, say
        if presets_dir is None:
            from lp_tui import paths

            presets_dir = paths.presets_dir()
        self.presets_dir = presets_dir  # the user's presets (a send by name looks there first)
        self.speed = speed  # pauses are multiplied by it (0 for a quick rehearsal)
        self.conversation: str | None = None
        self.result = DemoResult(True)
        self._shown: dict[str, int] = {}
        self._joined_marks: dict[str, int] = {}  # per conversation: timeline entries a wait = "joined" consumed
        self.step: Step | None = None

    # --- the run ---------------------------------------------------------------------------------------------
    async def run(self) -> DemoResult:
        try:
            for step in self.script.steps:
                self.step = step
                if step.caption:
                    self.say("caption", step.caption)
                self.say("step", f"step {step.number}: {step.describe()}")
                await self._do(step)
                if step.pause:
                    await self._pause(step.pause)
                self._flush()
        except (DemoFailed, LpError) as exc:
            self._flush()
            reason = str(exc) if isinstance(exc, DemoFailed) else f"step {self.step.number if self.step else '?'}: {exc}"
            self.result.ok, self.result.reason = False, reason
            self.say("fail", reason)
            return self.result
        self._flush()
        self.say("ok", f"done: every step ran; skills reached: {', '.join(self.result.reached) or '(none expected)'}")
        return self.result

    async def _do(self, step: Step) -> None:
        if step.action == "send":
            await self._send(step)
        elif step.action == "pause":
            await self._pause(step.value)
            return
        elif step.action == "wait":
            await self._wait_entry(step, "joined" if step.value == "joined" else "closed")
            return
        elif step.action == "agent":
            await self._wait_agent(step)
            await self._presenter(step, "agent-message", {"text": step.value, "quickReplies": list(step.quick_replies)})
        elif step.action == "consumer":
            result = await self.client.send_message(self._conv(step), step.value)
            if not result.ok:
                raise DemoFailed(f"step {step.number}: the consumer's message was refused: {why(result)}")
        elif step.action == "transfer":
            await self._presenter(step, "transfer", {"skill": step.value})
        elif step.action == "close":
            if step.value == "agent":
                await self._presenter(step, "close", {})
            else:
                result = await self.client.close_conversation(self._conv(step))
                if not result.ok:
                    raise DemoFailed(f"step {step.number}: the close was refused: {why(result)}")
            await self._wait_entry(step, "closed")
        if step.expect_skill:
            await self._expect(step, step.expect_skill)

    async def _send(self, step: Step) -> None:
        from lp_tui.model import presets
        from lp_tui.model.build import build_payload, client_properties_header, first_message_after
        from lp_tui.model.draft import Draft, FieldError

        try:
            if isinstance(step.value, str):
                preset = presets.load(step.value, self.presets_dir)
                if preset.draft is None or getattr(preset, "raw", None) is not None:
                    raise DemoFailed(f"step {step.number}: preset {step.value!r} holds a raw body; a demo sends "
                                     "presets made in the forms")
                draft = preset.draft
            else:
                draft = Draft()
                for path, value in step.value.items():
                    draft.set_text(path, value)
        except (presets.PresetError, FieldError) as exc:
            raise DemoFailed(f"step {step.number}: {exc}") from None
        payload = build_payload(draft, self.client.conn.account_id)
        result = await self.client.create_conversation(payload, client_properties_header(draft),
                                                       first_message=first_message_after(draft))
        if not result.conversation_id:
            raise DemoFailed(f"step {step.number}: the create did not open a conversation: {why(result)}")
        self.conversation = result.conversation_id
        self.result.conversations.append(result.conversation_id)
        self.say("event", f"conversation {result.conversation_id} opened")

    # --- the sandbox's side ----------------------------------------------------------------------------------
    def _conv(self, step: Step) -> str:
        if not self.conversation:
            raise DemoFailed(f"step {step.number}: no conversation is open yet (send one first)")
        return self.conversation

    async def _presenter(self, step: Step, action: str, body: dict[str, Any]) -> dict[str, Any]:
        from lp_tui.lp.presenter import PresenterError, act

        try:
            return await act(self.client.conn, self._conv(step), action, body)
        except PresenterError as exc:
            raise DemoFailed(f"step {step.number}: {exc}") from None

    async def _describe(self) -> dict[str, Any] | None:
        """The sandbox's read of the conversation (skill, rule, agent); None off an lp-tui sandbox."""
        if not self.conversation:
            return None
        if not self.client.sandbox_version:
            await self.client.sandbox_info()  # learns that this is an lp-tui sandbox
        described: dict[str, Any] | None = await self.client.sandbox_conversation(self.conversation)
        return described

    async def _until(self, step: Step, check: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + step.timeout
        while True:
            value = await check()
            self._flush()
            if value:
                return value
            if time.monotonic() > deadline:
                raise DemoFailed(f"step {step.number}: {what} did not happen within {step.timeout:g} s")
            await asyncio.sleep(POLL)

    async def _expect(self, step: Step, skill: str) -> None:
        last: dict[str, Any] = {}

        async def on_skill() -> bool:
            described = await self._describe()
            if described is None:
                raise DemoFailed(f"step {step.number}: expect_skill needs an lp-tui sandbox (its conversation "
                                 "read); this server did not answer it")
            last.update(described)
            return str(described.get("skill", "")).lower() == skill.lower()

        try:
            await self._until(step, on_skill, f"the skill {skill!r}")
        except DemoFailed:
            raise DemoFailed(f"step {step.number}: expected the skill {skill!r}, but the conversation is on "
                             f"{last.get('skill')!r} (rule: {last.get('rule')})") from None
        self.result.reached.append(skill)
        transfers = last.get("transfers")
        moved = transfers[-1] if isinstance(transfers, list) and transfers and isinstance(transfers[-1], dict) else {}
        if str(moved.get("to", "")).lower() == skill.lower():  # reached by a transfer, not by the first rule
            how = f"transferred by {moved.get('by') or 'agent'}"
            how += f": {moved['rule']}" if moved.get("by") == "rule" and moved.get("rule") else ""
        else:
            how = str(last.get("rule"))
        self.say("ok", f"reached the skill {skill} ({how})")

    async def _wait_agent(self, step: Step) -> None:
        async def joined() -> bool:
            described = await self._describe()
            return bool(described and described.get("agentId"))

        await self._until(step, joined, "an agent joining")

    async def _wait_entry(self, step: Step, kind: str) -> None:
        """Wait for the timeline to show ``kind``: "closed", or "joined" by an agent not yet waited for."""
        conv = self._conv(step)
        marks = self._joined_marks

        async def arrived() -> int | None:
            entries = self._entries(conv)
            first = marks.get(conv, 0) if kind == "joined" else 0
            return next((i + 1 for i in range(first, len(entries)) if entries[i].kind == kind), None)

        found = await self._until(step, arrived, "an agent joining" if kind == "joined" else "the close")
        if kind == "joined":
            marks[conv] = found

    async def _pause(self, seconds: float) -> None:
        if seconds * self.speed > 0:
            await asyncio.sleep(seconds * self.speed)

    # --- the story as the webhooks tell it -------------------------------------------------------------------
    def _entries(self, conv: str | None) -> list[Any]:
        """This conversation's timeline entries; none before its first notification (the inbox's view
        falls back to the latest conversation, which is another one's story)."""
        view = self.inbox.view(conv)
        return list(view.entries) if conv and view.conversation_id == conv else []

    def _flush(self) -> None:
        """Report the timeline entries that arrived since the last look (the conversations this demo opened)."""
        for conv in self.result.conversations:
            entries = self._entries(conv)
            for entry in entries[self._shown.get(conv, 0):]:
                if entry.kind not in ("chat", "receipt"):
                    self.say("event", event_line(entry))
            self._shown[conv] = len(entries)


def why(result: Any) -> str:
    """A refused call in one line: its first explanation, else its status and the start of its body."""
    if result.explanations:
        return str(result.explanations[0].title)
    return f"HTTP {result.status}: {result.body_text[:200]}"


def event_line(entry: Entry) -> str:
    return f"  {entry.kind:<8} {entry.text}"
