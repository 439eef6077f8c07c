"""Jump mode: one key puts a letter on every place that can take focus (fields, buttons, lists, each
tab of the tab strips); the letter goes there. Escape, or any other key, leaves things as they were."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Label

LETTERS = "asdfghjklqwertyuiopzxcvbnm1234567890"


def targets(screen: Screen[Any]) -> list[tuple[Widget, tuple[int, int]]]:
    """Every place on ``screen`` that can take focus and is on screen now, with where its letter goes:
    the focus chain in order, with each tab of a tab strip as a place of its own."""
    from textual.widgets import Tabs

    found: list[tuple[Widget, tuple[int, int]]] = []
    shown = screen._compositor.visible_widgets  # what was drawn last (a hidden side keeps stale regions)
    for widget in screen.focus_chain:
        if widget not in shown:
            continue
        if isinstance(widget, Tabs):
            for tab in widget.query("Tab"):
                region = tab.region
                if region.width and region.height and tab.display and tab in shown:
                    found.append((tab, (region.x, region.y)))
            continue
        region = widget.region
        if region.width and region.height:
            # a compact field has no padding: its first cell is text ("e.g." under an "e" letter), so
            # the letter goes in the gap just before it
            x = region.x - 1 if widget.has_class("-textual-compact") and region.x > 0 else region.x
            found.append((widget, (x, region.y)))
    return found[: len(LETTERS)]


class JumpScreen(ModalScreen[Widget | None]):
    TAKES_ONE_KEY = True  # the app holds the keys after the first for the place it chooses
    """The letters, drawn over the screen below; a letter dismisses with its place.

    Each letter takes one cell at the left edge of its place: the padding of a tab, a field or a
    button, so no label is covered."""

    DEFAULT_CSS = """
    JumpScreen { background: $background 20%; }
    JumpScreen .jump-letter {
        position: absolute; width: 1; height: 1; padding: 0;
        background: $accent; color: $text-accent; text-style: bold;
    }
    JumpScreen #jump-hint { dock: bottom; width: 100%; height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, places: list[tuple[Widget, tuple[int, int]]]) -> None:
        super().__init__()
        self.places = places
        self.by_letter = {LETTERS[i]: widget for i, (widget, _) in enumerate(places)}
        self.chosen = False  # one key chooses; the keys after it go to the place chosen

    def compose(self) -> ComposeResult:
        for i, (_widget, (x, y)) in enumerate(self.places):
            label = Label(LETTERS[i], classes="jump-letter")
            label.styles.offset = (x, y)
            yield label
        yield Label("Jump: press a letter to go there; Escape stays.", id="jump-hint")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if self.chosen:
            return
        self.chosen = True  # keys typed right after the letter wait for its place (App.on_event holds them)
        self.dismiss(self.by_letter.get(event.character or ""))


def land(widget: Widget | None) -> None:
    """Go to the place chosen: focus it; a tab of a tab strip is shown (and its strip focused)."""
    if widget is None or not widget.is_attached:
        return
    from textual.widgets import Tab, TabbedContent, Tabs

    if isinstance(widget, Tab):
        strip = next((a for a in widget.ancestors if isinstance(a, Tabs)), None)
        content = next((a for a in widget.ancestors if isinstance(a, TabbedContent)), None)
        pane = (widget.id or "").removeprefix("--content-tab-")
        if content is not None and pane:
            content.active = pane
        elif strip is not None and widget.id:
            strip.active = widget.id
        if strip is not None:
            strip.focus()
        return
    widget.focus()
