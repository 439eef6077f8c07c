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
GUTTER_WIDTH = 1
MARK = "▶"  # the focused field's line
MAX_LINE = 2000  # characters drawn per line; the rest is cut with an ellipsis


class JsonView(ScrollView, can_focus=True):
    """Shows text (JSON or not) with light JSON highlighting, virtualised by line."""

    DEFAULT_CSS = """
    JsonView { background: $surface; height: 1fr; }
    JsonView:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, text: str = "", *, highlight: bool = True, gutter: bool = False, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.highlight = highlight
        self.with_gutter = gutter  # one column on the left: the marked line (the focused field's) shows there
        self.marked: int | None = None
        self._text = ""
        self._lines: list[str] = []
        self._cache: dict[int, Strip] = {}
        self._pass: tuple[Style, int] | None = None
        self.set_text(text)

    @property
    def text(self) -> str:
        return self._text

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def line(self, index: int) -> str:
        return self._lines[index]

    def set_text(self, text: str, *, keep_scroll: bool = True) -> None:
        """Show ``text``. Only the lines that changed are drawn again; the size (a layout of the
        screen) changes only when the longest line or the number of lines does."""
        if text == self._text and self._lines:
            return
        old = self._lines
        self._text = text
        lines = self._lines = text.split("\n")
        if len(lines) == len(old) and old:
            changed = [i for i, (a, b) in enumerate(zip(old, lines)) if a is not b and a != b]
        else:
            changed = None  # lines moved: every line below the first change is another
        width = min(MAX_LINE, max((len(line) for line in lines), default=0))
        self._resize(Size(width + 1 + (GUTTER_WIDTH if self.with_gutter else 0), len(lines)))
        if not keep_scroll:
            self.scroll_home(animate=False)
        if changed is None or not keep_scroll:
            self._cache.clear()
            self.refresh()
            return
        top = round(self.scroll_offset.y)
        for index in changed:
            self._cache.pop(index, None)
            if top <= index < top + self.size.height:  # on screen: that row only is drawn again
                self.refresh(Region(0, index - top, self.size.width, 1))

    def _resize(self, size: Size) -> None:
        """A new virtual size without a layout of the screen: the view's own size on screen does not
        change, only its scrollbars do (Widget declares virtual_size with layout=True, so a key that
        lengthens the longest line would lay the whole screen out). The scrollbars are updated here,
        as a layout would; one that appears or goes still lays the screen out (its own reactive)."""
        if size == self.virtual_size:
            return
        if not self.is_mounted or not self.size:
            self.virtual_size = size
            return
        self.set_reactive(JsonView.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    def mark(self, line: int | None) -> None:
        """Mark ``line`` in the gutter and bring it into view (scrolling only when it is out of view)."""
        if line is not None and not 0 <= line < len(self._lines):
            line = None
        if line == self.marked:
            self._into_view(line)
            return
        self.marked = line
        self.refresh()
        self._into_view(line)

    def _into_view(self, line: int | None) -> None:
        if line is None or not self.size.height:
            return
        top, height = round(self.scroll_offset.y), self.scrollable_content_region.height
        if not top <= line < top + height:
            self.scroll_to(y=max(0, line - height // 3), animate=False, immediate=True)

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
            "mark": style("accent", "magenta") + Style(bold=True),
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
            segments = self._highlight(self._lines[index])
            if self.with_gutter:
                segments.insert(0, Segment(" " * GUTTER_WIDTH))
            strip = Strip(segments)
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[index] = strip
        strip = strip.crop_extend(scroll_x, scroll_x + width, base).apply_style(base)
        if self.with_gutter and index == self.marked:  # the mark stays at the left edge, however scrolled
            mark = self._styles()["mark"]
            strip = Strip.join([Strip([Segment(MARK, mark)]), strip.crop(GUTTER_WIDTH)]).apply_style(base)
        return strip

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()
