"""The display boundary in the app: outside text as Rich ``Text``, never markup, escapes visible.

Every widget that shows text lp-tui did not write (answers, headers, claims, files, presets,
rules, webhook events, error messages quoting them) builds it with ``plain``: control
characters come out as ``\\x1b``-style escapes in their own style, and nothing in the text is
ever read as markup.
"""

from __future__ import annotations

from rich.text import Text

from lp_tui.text import spans

ESCAPE_STYLE = "reverse"


def plain(text: object, style: str = "", *, one_line: bool = False, limit: int | None = None,
          as_id: bool = False) -> Text:
    """``text`` as a Rich ``Text``; ``as_id`` for an id or a host (``text.ident``: one line,
    invisible and reordering characters escaped)."""
    value = text if isinstance(text, str) else str(text)
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 1)] + "…"
    out = Text(style=style, end="")
    for piece, escaped in spans(value, one_line=one_line, as_id=as_id):
        out.append(piece, style=ESCAPE_STYLE if escaped else None)
    return out


def add(target: Text, text: object, style: str = "", *, one_line: bool = False, limit: int | None = None,
        as_id: bool = False) -> Text:
    """Append outside ``text`` to ``target`` safely; returns ``target``."""
    target.append_text(plain(text, style, one_line=one_line, limit=limit, as_id=as_id))
    return target
