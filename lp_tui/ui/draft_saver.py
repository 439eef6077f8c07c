"""Save as you type, off the key's path: the draft is written at most every ``EVERY`` seconds.

The first change after a write starts a timer; when it fires, a copy of the draft is taken and a
worker writes it off the UI thread. Keys typed during the wait or the write are saved by the next
write, so a kill loses at most the keys of the last ``EVERY`` seconds and of the write in flight.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Callable

from textual.timer import Timer
from textual.widget import Widget

from lp_tui.model.draft import Draft
from lp_tui.store import drafts
from lp_tui.ui.draft_state import Change, DraftState

EVERY = 0.15  # seconds between a change and its write; keys typed meanwhile ride along


class DraftSaver:
    """Writes ``state`` to ``path()`` after each change; ``host`` runs its timer and worker."""

    def __init__(self, host: Widget, state: DraftState, path: Callable[[], Path]) -> None:
        self.host = host
        self.state = state
        self.path = path
        self._timer: Timer | None = None
        self._pending: drafts.SavedDraft | None = None
        self._writing = False
        self._error = ""
        state.subscribe(self._changed)

    def _changed(self, change: Change) -> None:
        if Change.DRAFT in change:
            self.schedule()

    def schedule(self) -> None:
        """Save soon (once, however many changes come before the timer fires)."""
        if self._timer is None:
            self._timer = self.host.set_timer(EVERY, self._due, name="draft-save")

    def snapshot(self) -> drafts.SavedDraft:
        """A copy of the draft now (cheap), for a write that happens later."""
        state = self.state
        return drafts.SavedDraft(Draft(copy.deepcopy(state.draft.data)), state.raw_text if state.raw_mode else None)

    def _due(self) -> None:
        self._timer = None
        self._pending = self.snapshot()
        if not self._writing:
            self._writing = True
            self.host.run_worker(self._write(), group="autosave", exit_on_error=False)

    async def _write(self) -> None:
        try:
            while self._pending is not None:
                saved, self._pending = self._pending, None
                try:
                    await asyncio.to_thread(drafts.save, self.path(), saved)
                    self._error = ""
                except OSError as exc:
                    if str(exc) != self._error:  # say it once, not on every key
                        self._error = str(exc)
                        self.host.notify(f"{exc}. Your draft stays in this window; fix the folder's permissions "
                                         "or save it as a preset elsewhere.", title="Draft not saved",
                                         severity="error", timeout=10)
        finally:
            self._writing = False

    @property
    def saving(self) -> bool:
        """A write is waiting for its timer, in flight, or queued (tests wait on this, not on time)."""
        return self._timer is not None or self._writing or self._pending is not None
