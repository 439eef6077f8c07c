"""Command palette providers: presets (built-in and user) and recent history entries.

Files are read off the UI thread when the palette opens.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

HISTORY_IN_PALETTE = 20


class _ListedCommands(Provider):
    """A provider over a list of (title, help, callback) made at start-up."""

    def _commands(self) -> list[tuple[str, str, Any]]:
        raise NotImplementedError

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class PresetCommands(_ListedCommands):
    """`Load preset: NAME` for every built-in and user preset."""

    async def startup(self) -> None:
        from lp_tui.model import presets

        self.items, _problems = await asyncio.to_thread(presets.all_presets, self.app.session.presets_dir)

    def _commands(self) -> list[tuple[str, str, Any]]:
        return [(f"Load preset: {p.name}", p.description, lambda p=p: self.app.load_preset(p)) for p in self.items]

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)


class HistoryCommands(_ListedCommands):
    """`History: load …` and `History: re-send …` for the most recent sends."""

    async def startup(self) -> None:
        entries, _problems = await asyncio.to_thread(self.app.session.history.load)
        self.entries = [e for e in reversed(entries) if e.get("action") == "create conversation"][:HISTORY_IN_PALETTE]

    def _commands(self) -> list[tuple[str, str, Any]]:
        out = []
        for entry in self.entries:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.get("time", 0)))
            status = entry.get("response", {}).get("status")
            label = f"{when} · HTTP {status}" + (f" · {entry['conversation_id']}" if entry.get("conversation_id") else "")
            out.append((f"History: load {label}", "Put this request back into the form",
                        lambda e=entry: self.app.history_action("load", e)))
            out.append((f"History: re-send {label}", "Send this exact body again",
                        lambda e=entry: self.app.history_action("resend", e)))
        return out
