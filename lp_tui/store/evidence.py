"""Evidence files: Markdown or JSON by the name's suffix, written atomically.

The app keeps them in ``<data>/evidence/``; ``lp-tui send --evidence FILE`` writes where asked.
``export/evidence.py`` masks every secret it knows of and anything shaped like a JWT, but a token
of another shape that a server echoed cannot be recognised: the files are written 0600, as
every file that may hold a secret is.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Callable

from lp_tui import paths
from lp_tui.store.atomic import write_text

KINDS = {".md": "markdown", ".json": "json"}  # the evidence formats, by suffix


def kind_of(path: Path) -> str | None:
    """"markdown" or "json" by the suffix; None for any other name."""
    suffix = path.suffix.lower()
    return KINDS.get(suffix)


Render = Callable[[dict[str, Any], str], str]  # (evidence, "markdown" or "json") -> text: export.evidence.render


def write(path: Path, ev: dict[str, Any], render: Render) -> Path:
    """Write ``ev`` to ``path`` as its suffix says (StoreError when the folder refuses)."""
    kind = kind_of(path)
    if kind is None:
        raise ValueError(f"{path}: name it .md (Markdown) or .json (JSON)")
    write_text(path, render(ev, kind), mode=0o600)
    return path


def folder() -> Path:
    return paths.data_dir() / "evidence"


def save_pair(ev: dict[str, Any], render: Render, directory: Path | None = None,
              when: float | None = None) -> tuple[Path, Path]:
    """The app's "Save evidence": ``<data>/evidence/<time>-<what>.md`` and the same ``.json``."""
    directory = directory or folder()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if when is None else when))
    what = re.sub(r"[^a-z0-9]+", "-", str(ev.get("action", "send")).lower()).strip("-")[:40] or "send"
    tag = re.sub(r"[^A-Za-z0-9]", "", str(ev.get("history_id") or ev.get("conversation_id") or ""))[:12]
    base = f"{stamp}-{what}" + (f"-{tag}" if tag else "")
    md = directory / f"{base}.md"
    n = 1
    while md.exists():  # two saves in one second keep both
        n += 1
        md = directory / f"{base}-{n}.md"
    write(md, ev, render)
    return md, write(md.with_suffix(".json"), ev, render)
