"""The live request pane: method and URL, headers (tokens masked), the JSON body, findings."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from lp_tui.model.validate import Finding, summary
from lp_tui.ui.widgets.json_view import JsonView

LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
LEVEL_MARK = {"error": "✖", "warning": "▲", "info": "·"}


class RequestPreview(Vertical):
    DEFAULT_CSS = """
    RequestPreview { height: 1fr; }
    RequestPreview #request-line { height: auto; max-height: 35%; padding: 0 1; background: $boost; }
    RequestPreview #request-body { height: 1fr; }
    RequestPreview #findings-title { height: 1; padding: 0 1; background: $boost; }
    RequestPreview #findings { height: auto; max-height: 10; border: none; }
    """

    class FindingChosen(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._findings: list[Finding] = []
        self._request_key: tuple = ()

    def compose(self) -> ComposeResult:
        yield Static(id="request-line")
        yield JsonView(id="request-body")
        yield Static(id="findings-title")
        yield OptionList(id="findings")

    def show_request(self, url: str, headers: dict[str, str], body: str) -> None:
        self.query_one("#request-body", JsonView).set_text(body)
        key = (url, tuple(headers.items()))
        if key == self._request_key:  # unchanged: no relayout on every keystroke
            return
        self._request_key = key
        line = Text()
        line.append("POST ", style="bold")
        line.append(url)
        for name, value in headers.items():
            line.append(f"\n{name}: ", style="bold dim")
            line.append(value)
        self.query_one("#request-line", Static).update(line)

    def show_findings(self, findings: list[Finding]) -> None:
        if findings == self._findings:
            return
        self._findings = list(findings)
        title = Text(f"Findings: {summary(findings)}", style="bold")
        if findings:
            title.append("  (Enter on one jumps to its field)", style="dim")
        self.query_one("#findings-title", Static).update(title)
        options = self.query_one("#findings", OptionList)
        options.clear_options()
        for i, finding in enumerate(findings):
            text = Text()
            text.append(f"{LEVEL_MARK[finding.level]} ", style=LEVEL_STYLE[finding.level])
            text.append(f"{finding.field or finding.path}: ", style="bold")
            text.append(finding.message)
            if finding.hint:
                text.append(f" — {finding.hint}", style="dim")
            options.add_option(Option(text, id=str(i)))

    @property
    def body_text(self) -> str:
        return self.query_one("#request-body", JsonView).text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        if index < len(self._findings):
            self.post_message(self.FindingChosen(self._findings[index]))
