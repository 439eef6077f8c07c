"""The draft being edited, saved as you go and restored at the next start.

Two lp-tui windows never write the same draft file: the first holds ``draft.toml`` (a lock
kept while it runs), a second one gets ``draft-2.toml`` and says so, and so on. Each is
restored by the next window that gets its slot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lp_tui.model import tomlio
from lp_tui.model.draft import Draft, FieldError
from lp_tui.store.atomic import keep_bad_copy, write_text


@dataclass
class SavedDraft:
    draft: Draft
    raw_body: str | None = None  # raw mode text, when the user was editing JSON directly


def render(saved: SavedDraft) -> str:
    """The file's text; made on the UI thread (a snapshot), written by a worker."""
    data: dict[str, Any] = {"draft": saved.draft.to_dict()}
    if saved.raw_body is not None:
        data["raw_body"] = saved.raw_body
    return tomlio.dumps(data)


def write(path: Path, text: str) -> None:
    write_text(path, text, mode=0o600)


def save(path: Path, saved: SavedDraft) -> None:
    write(path, render(saved))


def load(path: Path) -> tuple[SavedDraft | None, str | None]:
    """The saved draft, or None; and a message when the file was unreadable (moved aside)."""
    if not path.exists():
        return None, None
    try:
        data = tomlio.read(path)
        draft = Draft.from_dict(tomlio.decode(data.get("draft", {})))
        raw = data.get("raw_body")
        return SavedDraft(draft, raw if isinstance(raw, str) else None), None
    except (tomlio.TomlFileError, FieldError, ValueError) as exc:
        moved = keep_bad_copy(path)
        return None, f"the saved draft could not be restored ({exc}); it was kept as {moved}"


MAX_SLOTS = 9


@dataclass
class Slot:
    """A draft file this window owns until ``release``."""

    path: Path
    note: str = ""
    _fd: Any = field(default=None, repr=False)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def claim(primary: Path | None = None) -> Slot:
    """The first draft file no other running lp-tui holds (the lock lasts until ``release``)."""
    import fcntl

    from lp_tui import paths

    primary = primary or paths.draft_file()
    for n in range(1, MAX_SLOTS + 1):
        path = primary if n == 1 else primary.with_name(f"{primary.stem}-{n}{primary.suffix}")
        try:
            paths.private_dir(path.parent)
            fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError:
            return Slot(primary)  # an unwritable folder: the autosave says so; nothing to lock
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        note = "" if n == 1 else (f"Another lp-tui window is editing {primary.name}; this window's draft is "
                                  f"saved to {path} instead.")
        return Slot(path, note, fd)
    return Slot(primary, "Too many lp-tui windows: this one shares the first draft file.")
