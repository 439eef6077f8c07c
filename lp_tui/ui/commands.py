"""Command palette providers: presets, profiles and recent history entries.

Files are read off the UI thread when the palette opens. Names and descriptions come from
files: they are shown as plain text.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from lp_tui.lp.results import StepCode
from lp_tui.text import safe

HISTORY_IN_PALETTE = 20


class _ListedCommands(Provider):
    """A provider over a list of (title, help, callback) made when the palette opens."""

    @property
    def lp(self) -> Any:
        """The lp-tui app (typed loosely: the palette is built before the app's type is known here)."""
        return self.app

    def _commands(self) -> list[tuple[str, str, Any]]:
        raise NotImplementedError

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, _highlighted(matcher, title), callback, help=_help(help_text))


def _highlighted(matcher: Any, title: str) -> Content:
    """The title as plain content (never markup: names come from files), with the matched letters styled."""
    text = safe(title, one_line=True, limit=200)
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    style = getattr(matcher, "_match_style", None)
    if score and style is not None:
        for offset in offsets:
            if offset < len(text) and not text[offset].isspace():
                content = content.stylize(style, offset, offset + 1)
    return content


def _help(text: str) -> str:
    """Help lines are read as markup by the palette: outside text is escaped for it."""
    return escape(safe(text, one_line=True, limit=200))


class PresetCommands(_ListedCommands):
    """`Load preset: NAME` for every built-in and user preset."""

    async def startup(self) -> None:
        from lp_tui.model import presets

        self.items, _problems = await asyncio.to_thread(presets.all_presets, self.lp.session.presets_dir)

    def _commands(self) -> list[tuple[str, str, Any]]:
        return [(f"Load preset: {p.name}", p.description, lambda p=p: self.lp.load_preset(p)) for p in self.items]

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(Content(safe(title, one_line=True, limit=200)), callback, help=_help(help_text))


class ProfileCommands(_ListedCommands):
    """`Profile: NAME` switches to a profile."""

    async def startup(self) -> None:
        self.names = self.lp.session.settings.names()

    def _commands(self) -> list[tuple[str, str, Any]]:
        current = self.lp.session.profile
        return [(f"Profile: {name}", "the one in use" if name == current else
                 ("the built-in sandbox" if name == "sandbox" else "switch to it"),
                 lambda name=name: self.lp.choose_profile(name)) for name in self.names]


class HistoryCommands(_ListedCommands):
    """Load, re-send, close or message the most recent sends."""

    async def startup(self) -> None:
        entries, _problems = await asyncio.to_thread(self.lp.session.history.load)
        self.entries = [e for e in reversed(entries) if e.get("action") == StepCode.CREATE][:HISTORY_IN_PALETTE]

    def _commands(self) -> list[tuple[str, str, Any]]:
        out = []
        for entry in self.entries:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(_number(entry.get("time"))))
            status = entry.get("response", {}).get("status") if isinstance(entry.get("response"), dict) else None
            conversation = entry.get("conversation_id") if isinstance(entry.get("conversation_id"), str) else ""
            label = f"{when} · HTTP {status}" + (f" · {conversation}" if conversation else "")
            out.append((f"History: load {label}", "Put this request back into the form",
                        lambda e=entry: self.lp.history_action("load", e)))
            out.append((f"History: re-send {label}", "Send this exact body again",
                        lambda e=entry: self.lp.history_action("resend", e)))
            if conversation:
                out.append((f"History: close {label}", "Close this entry's conversation",
                            lambda e=entry: self.lp.history_action("close", e)))
                out.append((f"History: message {label}", "Send a text message to this entry's conversation",
                            lambda e=entry: self.lp.history_action("message", e)))
        return out


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if 0 <= number < 253402300799 else 0.0
