"""The status bar: sandbox or account badge, consumer, open conversation, raw mode."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    def show(self, session: Any, conversation_id: str | None, raw_mode: bool) -> None:
        text = Text()
        badge_style = "bold black on yellow" if session.use_sandbox else "bold white on dark_green"
        text.append(f" {session.badge()} ", style=badge_style)
        text.append(f"  {session.describe()}")
        if conversation_id:
            text.append("  ·  open conversation ", style="dim")
            text.append(conversation_id, style="bold cyan")
        if raw_mode:
            text.append("  ·  RAW MODE", style="bold magenta")
        self.update(text)
