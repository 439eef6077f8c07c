"""The draft being edited, saved as you go and restored at the next start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lp_tui.model import tomlio
from lp_tui.model.draft import Draft, FieldError
from lp_tui.store.atomic import keep_bad_copy, write_text


@dataclass
class SavedDraft:
    draft: Draft
    raw_body: str | None = None  # raw mode text, when the user was editing JSON directly


def render(saved: SavedDraft) -> str:
    """The file's text; made on the UI thread (a snapshot), written by a worker."""
    data: dict = {"draft": saved.draft.to_dict()}
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
