"""Garbage collection paused while lp-tui starts.

Start-up allocates some hundred thousand objects (Textual, our own tables, httpx for a send) and
frees next to none, yet every collection on the way scans them all: measured, some 50 ms of the
app's first screen and 15-25 ms of a `send --sandbox` on a 2-core machine. The command line
pauses collections from the start; a short command keeps them paused until it returns, the app
resumes them after its first paint (freezing what start-up made, so later collections skip it),
any other command resumes them before its work. At exit, interpreter shutdown would scan
everything once more: ``before_exit`` spares it that. Paused collections only delay freeing
reference cycles; nothing else changes.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Stop automatic collections (only if they run; ``resume`` undoes only this pause)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume(freeze: bool = False) -> None:
    """Collections back on, if ``pause`` stopped them; ``freeze`` moves every object alive now out
    of their reach for good (start-up's modules, tables and first screen live as long as the app)."""
    global _paused
    if _paused:
        _paused = False
        if freeze:
            gc.freeze()
        gc.enable()


def before_exit() -> None:
    """The process is about to end: shutdown's own collections skip every object alive now."""
    gc.freeze()
