"""The key hints along the bottom: what Textual's compact ``Footer`` shows, drawn as one line.

Textual's Footer builds a widget per key and rebuilds them all whenever the focused widget
changes, which is every Tab between two fields. Moving through a form then costs sixteen
widgets mounted, styled and laid out per keystroke. ``KeyBar`` draws the same hints as a
single line of text and redraws only when the hints themselves change (rarely: the same keys
apply in every field). A click on a hint presses its key, as the Footer does; a disabled
hint rings the bell; hovering shows the hint's tooltip. On a narrow terminal the hints that do
not fit are left out whole, but help (F1) and quit (Ctrl+Q) always stay.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.text import Text
from textual import events
from textual.widget import Widget

from lp_tui.ui.keys import ACTIONS, UNBOUND

SEPARATOR = "▏"  # before the command palette's hint, docked right
ESSENTIAL = frozenset({"help", "app.help", "quit", "app.quit"})  # help and quit stay in view however narrow the terminal


class Hint(NamedTuple):
    action: str
    key: str
    display: str
    description: str
    enabled: bool
    tooltip: str


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--separator", "keybar--hover"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .keybar--description {
            color: $footer-description-foreground; background: $footer-description-background;
        }
        & > .keybar--separator { color: $foreground 20%; }
        & > .keybar--hover { background: $block-hover-background; }
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hints: tuple[Hint, ...] = ()
        self.palette: Hint | None = None
        self._spans: list[tuple[int, int, Hint]] = []  # columns [start, end) of each hint, as drawn
        self._hover: Hint | None = None

    # --- which hints ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.update_hints)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Any) -> None:
        if self.is_attached and screen is self.screen:
            self.update_hints()

    def update_hints(self) -> None:
        """Read the screen's active bindings; redraw only if the hints differ from those shown."""
        app = self.app
        active = self.screen.active_bindings
        hints: list[Hint] = []
        actions: set[str] = set()
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in actions or binding.key == UNBOUND:  # one hint per action
                continue
            actions.add(binding.action)
            hints.append(Hint(binding.action, binding.key, app.get_key_display(binding), binding.description, enabled,
                              tooltip or binding.tooltip))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = Hint(binding.action, binding.key, app.get_key_display(binding), binding.description, enabled,
                           binding.tooltip or binding.description)
            hints = [h for h in hints if h.key != binding.key]
        # in the order of lp_tui/ui/keys.py (a key from [keys] moves its binding last in Textual's map)
        rank = {action: i for i, action in enumerate(ACTIONS)}
        ids = {binding.action: binding.id for _node, binding, _enabled, _tooltip in active.values()}
        hints.sort(key=lambda h: rank.get(ids.get(h.action) or "", len(rank)))
        if (tuple(hints), palette) != (self.hints, self.palette):
            self.hints, self.palette = tuple(hints), palette
            self.refresh()

    # --- drawing ----------------------------------------------------------------------------------
    def _hint_text(self, hint: Hint) -> Text:
        key = self.get_component_rich_style("keybar--key")
        description = self.get_component_rich_style("keybar--description")
        text = Text.assemble((hint.display, key), (f" {hint.description}" if hint.description else "", description))
        if not hint.enabled:
            text.stylize("dim")
        if hint == self._hover:
            text.stylize(self.get_component_rich_style("keybar--hover"))
        return text

    def render(self) -> Text:
        width = self.size.width
        spans: list[tuple[int, int, Hint]] = []
        right = Text()
        if self.palette is not None:
            right = Text.assemble((SEPARATOR, self.get_component_rich_style("keybar--separator")),
                                  self._hint_text(self.palette))
        room = max(0, width - right.cell_len)
        line = Text(no_wrap=True, overflow="crop", end="")
        texts = [(hint, self._hint_text(hint)) for hint in self.hints]
        # what does not fit is left out whole, never cut mid-word; help and quit are kept
        # (their room is reserved), the others in order while they fit
        reserved = sum(text.cell_len + 1 for hint, text in texts if hint.action in ESSENTIAL)
        for hint, text in texts:
            essential = hint.action in ESSENTIAL
            if essential:
                reserved -= text.cell_len + 1
            if line.cell_len + text.cell_len + (0 if essential else reserved) > room:
                continue
            spans.append((line.cell_len, line.cell_len + text.cell_len, hint))
            line.append_text(text)
            line.append(" ")
        line.truncate(room, pad=True)  # pad to the palette hint: no cell keeps an old character
        if self.palette is not None and right.cell_len <= width:
            spans.append((room + 1, width, self.palette))
            line.append_text(right)
        self._spans = spans
        return line

    # --- mouse --------------------------------------------------------------------------------------
    def _hint_at(self, x: int) -> Hint | None:
        for start, end, hint in self._spans:
            if start <= x < end:
                return hint
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        hint = self._hint_at(event.x)
        if hint is None:
            return
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hint = self._hint_at(event.x)
        if hint != self._hover:
            self._hover = hint
            self.tooltip = hint.tooltip if hint is not None and hint.tooltip else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()
