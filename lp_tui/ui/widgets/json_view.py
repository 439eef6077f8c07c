"""A read-only, highlighted text view that renders only the lines on screen.

Used for the live request body and response bodies: a 10 MB body or 200 contacts cost
no more per frame than a small one, so typing stays instant. Every line passes the display
boundary (control characters shown as escapes); nothing is read as markup.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from lp_tui.text import safe

TOKEN = re.compile(
    r'(?P<key>"(?:[^"\\]|\\.)*"(?=\s*:))'
    r'|(?P<str>"(?:[^"\\]|\\.)*"?)'
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<lit>\btrue\b|\bfalse\b|\bnull\b)"
)
MAX_LINE = 2000  # characters drawn per line; the rest is cut with an ellipsis


class JsonView(ScrollView, can_focus=True):
    """Shows text (JSON or not) with light JSON highlighting, virtualised by line."""

    DEFAULT_CSS = """
    JsonView { background: $surface; height: 1fr; }
    JsonView:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, text: str = "", *, highlight: bool = True, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.highlight = highlight
        self._text = ""
        self._lines: list[str] = []
        self._cache: dict[int, Strip] = {}
        self._pass: tuple[Style, int] | None = None
        self.set_text(text)

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str, *, keep_scroll: bool = True) -> None:
        if text == self._text and self._lines:
            return
        self._text = text
        self._lines = text.split("\n")
        self._cache.clear()
        width = min(MAX_LINE, max((len(line) for line in self._lines), default=0))
        self.virtual_size = Size(width + 1, len(self._lines))
        if not keep_scroll:
            self.scroll_home(animate=False)
        self.refresh()

    def _styles(self) -> dict[str, Style]:
        variables = self.app.theme_variables if self.is_attached else {}

        def style(name: str, fallback: str) -> Style:
            try:
                return Style.parse(variables.get(name, fallback))
            except Exception:
                return Style.parse(fallback)

        return {
            "key": style("primary", "cyan") + Style(bold=True),
            "str": style("success", "green"),
            "num": style("warning", "yellow"),
            "lit": style("accent", "magenta"),
        }

    def _highlight(self, line: str) -> list[Segment]:
        if len(line) > MAX_LINE:
            line = line[:MAX_LINE] + "…"
        line = safe(line.replace("\t", "    "))
        if not self.highlight:
            return [Segment(line)]
        styles = self._styles()
        segments: list[Segment] = []
        pos = 0
        for match in TOKEN.finditer(line):
            start, end = match.span()
            if start > pos:
                segments.append(Segment(line[pos:start]))
            segments.append(Segment(match.group(), styles[match.lastgroup or "str"]))
            pos = end
        if pos < len(line):
            segments.append(Segment(line[pos:]))
        return segments

    def render_lines(self, crop: Region) -> list[Strip]:
        # the style and width are the same for every line of one pass: worked out once (the style
        # walks every ancestor for its background)
        self._pass = (self.rich_style, self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        base, width = self._pass or (self.rich_style, self.scrollable_content_region.width)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._cache.get(index)
        if strip is None:
            strip = Strip(self._highlight(self._lines[index]))
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()
