"""The response pane: live send progress, then status, sub-results, the conversationId,
the explanation of any error, where the sandbox routed it, body, headers and token claims."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from lp_tui.ui.widgets.json_view import JsonView


def _steps_text(steps: list[Any], timings: bool) -> Text:
    text = Text()
    for step in steps:
        if step.failed:
            mark, style = "✖", "red"
        elif step.done:
            mark, style = "✔", "green"
        else:
            mark, style = "…", "yellow"
        text.append(f"{mark} ", style=style)
        text.append(step.line(timings) + "\n")
    return text


class ResponseView(Vertical):
    DEFAULT_CSS = """
    ResponseView { height: 1fr; }
    ResponseView #summary-scroll { height: auto; max-height: 60%; }
    ResponseView #summary { height: auto; padding: 0 1; }
    ResponseView #conversation-id { height: auto; padding: 0 1; margin-bottom: 1; display: none; }
    ResponseView TabbedContent { height: 1fr; }
    ResponseView #response-body, ResponseView #response-headers, ResponseView #response-claims { height: 1fr; }
    """

    def __init__(self, timings: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timings = timings
        self.result: Any = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="summary-scroll"):
            yield Static(id="conversation-id")  # shown once there is a conversationId
            yield Static(Text("Nothing sent yet. Press Ctrl+S to send the request on the left.", style="dim"),
                         id="summary")
        with TabbedContent(id="response-tabs"):
            with TabPane("Body", id="tab-body"):
                yield JsonView(id="response-body")
            with TabPane("Headers", id="tab-headers"):
                yield JsonView(id="response-headers", highlight=False)
            with TabPane("Token claims", id="tab-claims"):
                yield JsonView(id="response-claims")

    def show_progress(self, title: str, steps: list[Any]) -> None:
        self.query_one("#conversation-id", Static).display = False
        text = Text()
        text.append(f"{title}\n", style="bold")
        text.append_text(_steps_text(steps, self.timings))
        self.query_one("#summary", Static).update(text)

    def show_error(self, title: str, error: Any, steps: list[Any]) -> None:
        text = Text()
        text.append(f"{title} failed\n", style="bold red")
        text.append_text(_steps_text(steps, self.timings))
        text.append(f"\n{error.step}", style="bold")
        if error.host:
            text.append(f" ({error.host})")
        text.append(f": {error.message}\n")
        if error.hint:
            text.append("What to do: ", style="bold")
            text.append(error.hint + "\n")
        self.query_one("#summary", Static).update(text)
        self.query_one("#conversation-id", Static).display = False

    def show_result(self, result: Any, routing: dict[str, Any] | None = None, sandbox: bool = False,
                    current_conversation: str | None = None) -> None:
        self.result = result
        ok = result.ok
        text = Text()
        text.append(f"HTTP {result.status}", style="bold green" if ok else "bold red")
        if self.timings:
            text.append(f" in {result.elapsed * 1000:.0f} ms")
        text.append(f"  {result.action}\n")
        for sub in result.subs:
            style = "green" if sub.ok else "red"
            text.append(f"  [{sub.position}] reqId {sub.req_id!r}: ", style="dim")
            text.append(sub.code, style=f"bold {style}")
            text.append(f" {sub.message}\n")
        for exp in result.explanations:
            text.append(f"\n{exp.title}\n", style="bold red")
            text.append(f"{exp.detail}\n")
            if exp.action:
                text.append("What to do: ", style="bold")
                text.append(exp.action + "\n")
            if exp.follow_up == "close" and current_conversation:
                text.append(f"Press Ctrl+R to close {current_conversation}, or Ctrl+N for a fresh consumer id.\n",
                            style="bold")
            elif exp.follow_up == "close":
                text.append("Press Ctrl+N for a fresh consumer id (the open conversation is not one this "
                            "session created, so its id is unknown here).\n", style="bold")
        if routing:
            text.append("\nSandbox routing: ", style="bold")
            text.append(f"skill {routing.get('skill')!r}", style="bold magenta")
            text.append(f" by rule “{routing.get('rule')}”; state {routing.get('state')}\n")
        elif sandbox is False and result.conversation_id:
            text.append("\nRouting outcome: LivePerson has no read for it in the Connector API; "
                        "it arrives through webhooks.\n", style="dim")
        text.append("\nSteps\n", style="bold")
        text.append_text(_steps_text(result.steps, self.timings))
        if result.truncated:
            text.append("\nThe body is larger than 2 MB: only its start is shown.\n", style="yellow")
        self.query_one("#summary", Static).update(text)
        conv = self.query_one("#conversation-id", Static)
        conv.display = bool(result.conversation_id)
        if result.conversation_id:
            conv.update(Text.assemble(("conversationId ", "bold"), (result.conversation_id, "bold reverse"),
                                      ("  Ctrl+B copies · Ctrl+R closes · Ctrl+T messages", "dim")))
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
