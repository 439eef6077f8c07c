"""Two JSON documents side by side, line against line, differences marked; virtualised by line.

Rows come from ``lp_tui.export.diff.side_by_side``. A changed pair is marked ``~`` on both
sides, a line only the left has ``-``, only the right ``+``, each on a tinted background from
the theme. Every line passes the display boundary; nothing is read as markup.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from lp_tui.export.diff import CHANGED, ONLY_LEFT, ONLY_RIGHT, SAME, Row
from lp_tui.text import safe

MARKS = {SAME: "  ", CHANGED: "~ ", ONLY_LEFT: "- ", ONLY_RIGHT: "+ "}
TINTS = {CHANGED: ("warning-muted", "#5f5f00"), ONLY_LEFT: ("error-muted", "#5f0000"),
         ONLY_RIGHT: ("success-muted", "#005f00")}


class DiffView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    DiffView { background: $surface; height: 1fr; }
    DiffView:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, rows: list[Row], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self._lines = [(safe(r.left or ""), safe(r.right or "")) for r in rows]
        widest = max((max(len(a), len(b)) for a, b in self._lines), default=0)
        self.virtual_size = Size(min(widest, 2000) + 2, len(rows))

    def differences(self) -> list[int]:
        """Where each run of differences starts (for next / previous)."""
        starts = []
        for i, row in enumerate(self.rows):
            if row.kind != SAME and (i == 0 or self.rows[i - 1].kind == SAME):
                starts.append(i)
        return starts

    def _tint(self, kind: str) -> Style:
        if kind not in TINTS:
            return Style()
        name, fallback = TINTS[kind]
        value = self.app.theme_variables.get(name, fallback) if self.is_attached else fallback
        try:
            return Style(bgcolor=value)
        except Exception:
            return Style(bgcolor=fallback)

    def _cell(self, text: str, present: bool, kind: str, width: int, scroll_x: int) -> list[Segment]:
        mark = MARKS[kind] if present else "  "
        style = self._tint(kind) if present else Style(dim=True)
        body = text[scroll_x:] if present else ""
        content = (mark + body)[:width]
        if len(mark + body) > width and width > 0:
            content = content[:-1] + "…"
        return [Segment(content.ljust(width), style)]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        left, right = self._lines[index]
        half = max((width - 1) // 2, 1)
        left_kind = row.kind if row.kind != ONLY_RIGHT else SAME
        right_kind = row.kind if row.kind != ONLY_LEFT else SAME
        segments = self._cell(left, row.left is not None, left_kind, half, scroll_x)
        segments.append(Segment("│", Style(dim=True)))
        segments += self._cell(right, row.right is not None, right_kind, width - half - 1, scroll_x)
        return Strip(segments).apply_style(base)
