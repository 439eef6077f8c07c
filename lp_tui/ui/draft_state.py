"""The draft being composed, shared by the compose screen's parts, and the one change event.

The forms and the raw editor change it and call ``changed()``; the request pane and the draft
saver subscribe and follow (the pane rebuilds the request, the saver writes the draft). A change
of what the request is built with besides the draft (the profile, the consumer, the rules) is
announced the same way with ``DRAFT`` left out, so nothing is saved for it.
"""

from __future__ import annotations

import enum
from typing import Callable

from lp_tui.model.draft import Draft


class Change(enum.Flag):
    DRAFT = enum.auto()  # the draft or the raw text changed: the request and the saved draft follow
    CONTEXT = enum.auto()  # the connection, the consumer or the routing rules: only the request follows
    MODE = enum.auto()  # raw mode entered or left (the status bar says so)
    KEY = enum.auto()  # with DRAFT: a key typed (the checks wait for the typing to pause)
    TYPED = DRAFT | KEY


class DraftState:
    """The draft, or in raw mode the text sent exactly as written; ``edited`` since loaded or cleared."""

    def __init__(self, draft: Draft | None = None, raw_text: str | None = None) -> None:
        self.draft = draft or Draft()
        self.raw_mode = raw_text is not None
        self.raw_text = raw_text or ""
        self.edited = False
        self._subscribers: list[Callable[[Change], None]] = []

    def subscribe(self, callback: Callable[[Change], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Change], None]) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def changed(self, change: Change = Change.DRAFT, *, edited: bool = True) -> None:
        """Announce a change to every subscriber, in the order they subscribed."""
        if Change.DRAFT in change and edited:
            self.edited = True
        for callback in list(self._subscribers):
            callback(change)
