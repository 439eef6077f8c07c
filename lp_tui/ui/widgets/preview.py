"""The live request pane: method and URL, headers (tokens masked), the JSON body, the routing
prediction on a sandbox, and the validator's findings."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from lp_tui.model.validate import Finding, summary
from lp_tui.redact import scrub_body
from lp_tui.ui.plain import add, plain
from lp_tui.ui.widgets.json_view import JsonView

LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
LEVEL_MARK = {"error": "✖", "warning": "▲", "info": "·"}


class WrappedUrl:
    """A URL that wraps after a / (or before ? and &) to fit the width, never in the middle of a word."""

    def __init__(self, prefix: str, url: str) -> None:
        self.prefix = prefix
        self.url = url

    def lines(self, width: int) -> list[str]:
        pieces = [p for p in re.split(r"(?<=/)|(?=[?&])", self.prefix + self.url) if p]
        lines: list[str] = [""]
        for piece in pieces:
            if lines[-1] and len(lines[-1]) + len(piece) > width:
                lines.append("  ")
            lines[-1] += piece
        return lines

    def __rich_console__(self, console: Any, options: Any) -> Any:
        text = Text()
        for i, line in enumerate(self.lines(max(10, options.max_width))):
            if i:
                text.append("\n")
            if i == 0 and line.startswith(self.prefix):
                text.append(self.prefix, style="bold")
                add(text, line[len(self.prefix):])
            else:
                add(text, line)
        yield text


def json_path_of(path: str, payload: Any) -> list[Any]:
    """Where the draft field ``path`` is in the built body (``build_payload``'s layout): keys and
    indexes from the top. A field the body leaves out maps as deep as the body goes."""
    parts: list[Any] = [int(p) if p.isascii() and p.isdigit() else p for p in path.split(".")]
    section, rest = parts[0], parts[1:]
    if section == "ids":
        return [{"profile": 0, "conversation": 1, "message": 2}.get(str(rest[0]) if rest else "", 0), "id"]
    if section == "profile":
        return [0, "body", *rest]
    if section == "conversation":
        return [1, "body", *rest]
    if section == "firstMessage":
        return [2, "body", "event", "message"]
    if section in ("consumer", "personal"):
        kind, key = ("ctmrinfo", "info") if section == "consumer" else ("personal", "personal")
        sdes: Any = payload[0].get("body", {}) if isinstance(payload, list) and payload and isinstance(
            payload[0], dict) else {}
        sdes = sdes.get("authenticatedData", {}) if isinstance(sdes, dict) else {}
        sdes = sdes.get("lp_sdes", []) if isinstance(sdes, dict) else []
        index = next((i for i, sde in enumerate(sdes) if isinstance(sde, dict) and sde.get("type") == kind), None)
        if index is None:
            return [0, "body", "authenticatedData", "lp_sdes"]
        if rest[:1] == ["auth"]:
            return [0, "body", "authenticatedData", "lp_sdes", index, *rest]
        return [0, "body", "authenticatedData", "lp_sdes", index, key, *rest]
    return []


def _lines(value: Any) -> int:
    """How many lines ``value`` takes in the body as ``dumps`` lays it out (2-space indent)."""
    if isinstance(value, dict):
        return 2 + sum(_lines(v) for v in value.values()) if value else 1
    if isinstance(value, list):
        return 2 + sum(_lines(v) for v in value) if value else 1
    return 1


def line_of(payload: Any, json_path: list[Any]) -> int:
    """The line (0-based) of ``json_path`` in ``dumps(payload)``; a path the body does not hold
    gives the line of the deepest part it does. Walks only what comes before the path."""
    line, node = 0, payload
    for step in json_path:
        if isinstance(node, dict) and step in node:
            line += 1
            for k, v in node.items():
                if k == step:
                    break
                line += _lines(v)
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            line += 1 + sum(_lines(v) for v in node[:step])
            node = node[step]
        else:
            break
    return line


class RequestPreview(Vertical):
    DEFAULT_CSS = """
    RequestPreview { height: 1fr; }
    RequestPreview #request-line { height: auto; max-height: 35%; padding: 0 1; background: $boost; }
    RequestPreview #request-body { height: 1fr; }
    RequestPreview #prediction { height: auto; padding: 0 1; background: $boost; display: none; }
    RequestPreview #findings-title { height: 1; padding: 0 1; background: $boost; }
    RequestPreview #findings { height: auto; max-height: 25%; border: none; }
    """

    class FindingChosen(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._findings: list[Finding] | None = None  # None: nothing shown yet, not even "no findings"
        self._request_key: tuple[Any, ...] = ()
        self._prediction: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="request-line")
        yield JsonView(id="request-body", gutter=True)
        yield Static(id="prediction")
        yield Static(id="findings-title")
        yield OptionList(id="findings")

    def show_request(self, url: str, headers: dict[str, str], body: str, secrets: list[str] | None = None) -> None:
        """The request as it will be sent; a secret the body carries (a push token) is masked in the view."""
        self.query_one("#request-body", JsonView).set_text(scrub_body(body, secrets or []))
        key = (url, tuple(headers.items()))
        if key == self._request_key:  # unchanged: no relayout on every keystroke
            return
        self._request_key = key
        head = Text()
        for name, value in headers.items():
            head.append(f"\n{name}: ", style="bold dim")
            add(head, value)
        self.query_one("#request-line", Static).update(Group(WrappedUrl("POST ", url), head))

    def show_prediction(self, prediction: Text | None) -> None:
        if prediction == self._prediction:
            return
        self._prediction = prediction
        widget = self.query_one("#prediction", Static)
        widget.display = prediction is not None
        widget.update(prediction or "")

    def show_findings(self, findings: list[Finding]) -> None:
        if findings == self._findings:
            return
        self._findings = list(findings)
        title = Text(f"Findings: {summary(findings)}", style="bold")
        if findings:
            title.append("  (Enter on one jumps to its field)", style="dim")
        self.query_one("#findings-title", Static).update(title)
        options = self.query_one("#findings", OptionList)
        kept = options.highlighted if options.has_focus else None
        options.clear_options()
        for i, finding in enumerate(findings):
            text = Text()
            text.append(f"{LEVEL_MARK[finding.level]} ", style=LEVEL_STYLE[finding.level])
            add(text, f"{finding.field or finding.path}: ", "bold", limit=120)
            add(text, finding.message, limit=400)
            if finding.hint:
                add(text, f" — {finding.hint}", "dim", limit=400)
            options.add_option(Option(text, id=str(i)))
        if kept is not None and findings:  # the list being read keeps its place
            options.highlighted = min(kept, len(findings) - 1)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Focus on the findings shows where Enter will jump from, without a Down first."""
        options = event.widget
        if isinstance(options, OptionList) and options.id == "findings":
            if options.highlighted is None and options.option_count:
                options.highlighted = 0

    def follow(self, line: int | None) -> None:
        """Mark ``line`` of the body (the focused field's) in the gutter and scroll it into view if it
        is out of view. Nothing is laid out: only the body view repaints."""
        self.query_one("#request-body", JsonView).mark(line)

    @property
    def body_text(self) -> str:
        return self.query_one("#request-body", JsonView).text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        if self._findings and index < len(self._findings):
            self.post_message(self.FindingChosen(self._findings[index]))
