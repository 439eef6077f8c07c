"""The response pane: live send progress, then status, sub-results, the conversationId,
the explanation of any error, the routing (on a sandbox) or what the request asked for
(on LivePerson), body, headers and token claims. Everything from the server is plain text."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane

from lp_tui.lp.errors import FollowUp
from lp_tui.ui.plain import add
from lp_tui.ui.keys import current
from lp_tui.ui.widgets.json_view import JsonView


def steps_text(steps: list[Any], timings: bool) -> Text:
    text = Text()
    for step in steps:
        if step.failed:
            mark, style = "✖", "red"
        elif step.done:
            mark, style = "✔", "green"
        else:
            mark, style = "…", "yellow"
        text.append(f"{mark} ", style=style)
        add(text, step.line(timings) + "\n")
    return text


def asked_for(request_body: str) -> str:
    """What a create request asked routing for: skillId, campaign/engagement, ttrDefName."""
    from lp_tui.limits import loads_json

    try:
        payload = loads_json(request_body)
        body = payload[1]["body"]
    except (ValueError, TypeError, KeyError, IndexError):
        return "the request is not the documented batch"
    if not isinstance(body, dict):
        return "the request is not the documented batch"
    parts = []
    if "skillId" in body:
        parts.append(f"skillId {json.dumps(body['skillId'], ensure_ascii=False)}")
    campaign = body.get("campaignInfo")
    if isinstance(campaign, dict):
        parts.append(f"campaign {campaign.get('campaignId')} / engagement {campaign.get('engagementId')}")
    if "ttrDefName" in body:
        parts.append(f"ttrDefName {json.dumps(body['ttrDefName'])}")
    return ", ".join(parts) if parts else "nothing in particular (no skillId, campaign or ttrDefName)"


class ResponseView(Vertical):
    DEFAULT_CSS = """
    ResponseView { height: 1fr; }
    ResponseView #summary-scroll { height: auto; max-height: 60%; }
    ResponseView #summary { height: auto; padding: 0 1; }
    ResponseView #conversation-id { height: auto; padding: 0 1; margin-bottom: 1; display: none; }
    ResponseView TabbedContent { height: 1fr; }
    ResponseView #response-body, ResponseView #response-headers, ResponseView #response-claims { height: 1fr; }
    """

    class Ready(Message):
        """Mounted (it mounts lazily): the screen draws the send state it holds."""

    def __init__(self, timings: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timings = timings
        self.result: Any = None
        self.ready = False  # its parts exist: set just before Ready is posted

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-scroll"):
            yield Static(id="conversation-id")  # shown once there is a conversationId
            yield Static(Text(f"Nothing sent yet. Press {current().first('send')} to send the request on the left.", style="dim"),
                         id="summary")
        with TabbedContent(id="response-tabs"):
            with TabPane("Body", id="tab-body"):
                yield JsonView(id="response-body")
            with TabPane("Headers", id="tab-headers"):
                yield JsonView(id="response-headers", highlight=False)
            with TabPane("Token claims", id="tab-claims"):
                yield JsonView(id="response-claims")

    def on_mount(self) -> None:
        self.ready = True
        self.post_message(self.Ready())

    def _clear(self) -> None:
        self.result = None
        self.query_one("#conversation-id", Static).display = False
        for name in ("#response-body", "#response-headers", "#response-claims"):
            self.query_one(name, JsonView).set_text("", keep_scroll=False)

    def show_progress(self, title: str, steps: list[Any]) -> None:
        if self.result is not None:
            self._clear()  # a new send: the last answer goes at once
        text = Text()
        text.append(f"{title}\n", style="bold")
        text.append_text(steps_text(steps, self.timings))
        text.append("\nEscape cancels.", style="dim")
        self.query_one("#summary", Static).update(text)

    def show_error(self, title: str, error: Any, steps: list[Any], cancelled: bool = False) -> None:
        self._clear()
        text = Text()
        text.append(f"{title} {'cancelled' if cancelled else 'failed'}\n", style="bold yellow" if cancelled else "bold red")
        text.append_text(steps_text(steps, self.timings))
        if error is not None:
            text.append(f"\n{error.step}", style="bold")
            if error.host:
                add(text, f" ({error.host})", as_id=True)
            add(text, f": {error.message}\n")
            if error.hint:
                text.append("What to do: ", style="bold")
                add(text, error.hint + "\n")
        self.query_one("#summary", Static).update(text)

    def show_unexpected(self, message: str) -> None:
        text = Text("Could not show the answer\n", style="bold red")
        add(text, message)
        self.query_one("#summary", Static).update(text)

    def show_result(self, result: Any, routing: dict[str, Any] | None = None, sandbox: bool = False,
                    current_conversation: str | None = None, routing_problem: str = "") -> None:
        self.result = result
        ok = result.ok
        text = Text()
        text.append(f"HTTP {result.status}", style="bold green" if ok else "bold red")
        if self.timings:
            text.append(f" in {result.elapsed * 1000:.0f} ms")
        text.append(f"  {result.action}\n")
        for sub in result.subs:
            style = "green" if sub.ok else "red"
            add(text, f"  [{sub.position}] reqId {json.dumps(sub.req_id, ensure_ascii=False)[:60]}: ", "dim")
            add(text, sub.code_text, f"bold {style}", one_line=True, limit=40)
            add(text, f" {sub.message}\n", limit=2000)
        message = getattr(result, "first_message", None)
        if message is not None:  # the SEND of the first message, right after the create
            add(text, f"  first message (SEND): HTTP {message.status}", "green" if message.ok else "red")
            for sub in message.subs:
                add(text, f"  {sub.code_text}", f"bold {'green' if sub.ok else 'red'}", one_line=True, limit=40)
                add(text, f" {sub.message}", limit=2000)
            text.append("\n")
        if result.sequence is not None:
            add(text, f"  message sequence: {result.sequence}\n", limit=80)
        for exp in result.explanations:
            add(text, f"\n{exp.title}\n", "bold red")
            add(text, f"{exp.detail}\n")
            if exp.action:
                text.append("What to do: ", style="bold")
                add(text, exp.action + "\n")
            keys = current()  # the keys in force ([keys] in settings.toml may have moved them)
            close_key, new_key = keys.first("close-conversation"), keys.first("new-consumer")
            if exp.follow_up is FollowUp.CLOSE and current_conversation:
                add(text, f"Press {close_key} to close {current_conversation}, or {new_key} for a fresh consumer "
                    "id.\n", "bold")
            elif exp.follow_up is FollowUp.CLOSE:
                text.append(f"Press {new_key} for a fresh consumer id (lp-tui did not open the open conversation, "
                            "so its id is unknown here).\n", style="bold")
        if routing:
            text.append("\nSandbox routing: ", style="bold")
            add(text, f"skill {routing.get('skill')}", "bold magenta", one_line=True, limit=80)
            add(text, f" by rule ‘{routing.get('rule')}’; state {routing.get('state')}", one_line=True, limit=200)
            text.append("\n")
        elif routing_problem:
            text.append("\nSandbox routing: ", style="bold")
            add(text, routing_problem + "\n", "yellow")
        elif result.conversation_id and not sandbox:
            text.append("\nRouting: ", style="bold")
            text.append("LivePerson does not tell a connector where a conversation was routed (the Connector API "
                        "has no read; webhooks do). The request asked for ", style="dim")
            add(text, asked_for(result.request_body) + ".\n", "dim")
        text.append("\nSteps\n", style="bold")
        text.append_text(steps_text(result.steps, self.timings))
        if result.truncated:
            text.append("\nThe answer was larger than the answer size cap: only its start was read.\n", style="yellow")
        self.query_one("#summary", Static).update(text)
        conv = self.query_one("#conversation-id", Static)
        conv.display = bool(result.conversation_id)
        if result.conversation_id:
            line = Text("conversationId ", style="bold")
            add(line, result.conversation_id, "bold reverse", as_id=True)
            k = current().first
            line.append(f"  {k('copy-id')} copies · {k('close-conversation')} closes · {k('message')} messages",
                        style="dim")
            conv.update(line)
        else:
            conv.update("")
        body = result.body_text
        if result.body_json is not None and not result.truncated:
            body = json.dumps(result.body_json, ensure_ascii=False, indent=2)
        self.query_one("#response-body", JsonView).set_text(body, keep_scroll=False)
        headers = "\n".join(f"{k}: {v}" for k, v in result.response_headers.items())
        sent = "\n".join(f"{k}: {v}" for k, v in result.request_headers.items())
        self.query_one("#response-headers", JsonView).set_text(
            f"Response headers\n{headers}\n\nRequest headers (tokens masked)\n{sent}")
        self.query_one("#response-claims", JsonView).set_text(
            json.dumps(result.claims, ensure_ascii=False, indent=2) if result.claims else "(no tokens used)")
