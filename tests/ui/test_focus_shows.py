"""Focus always shows: on every screen, each thing Tab can reach looks different when it has focus
(its own style; for a Select the box that shows its value, for a tab strip its active tab)."""

from __future__ import annotations

import pytest
from textual.widgets import Select, Tabs

from lp_tui.ui.app import make_app
from tests.ui.fakes import make_session, until


def look(widget) -> list:
    """What the widget draws (each cell's text and style)."""
    shown = widget
    if isinstance(widget, Select):  # the box that shows its value
        shown = widget.query_one("SelectCurrent")
    elif isinstance(widget, Tabs):  # its active tab
        shown = widget.query_one("Tab.-active")
    return [(segment.text, segment.style) for strip in shown.render_lines(shown.region.reset_offset)
            for segment in strip]


@pytest.mark.parametrize("key", [None, "f2", "f3", "f4"], ids=["compose", "settings", "presets", "history"])
async def test_every_focusable_place_shows_its_focus(tmp_path, key):
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        if key is not None:
            await pilot.press(key)
            await until(pilot, lambda: type(app.screen).__name__ != "ComposeScreen" and app.screen.focus_chain)
        chain = list(app.screen.focus_chain)
        assert chain
        unseen = []
        for widget in chain:
            widget.focus()
            await until(pilot, lambda: app.focused is widget)
            await pilot.pause()  # the restyle that focus asks for is processed (no clock involved)
            focused = look(widget)
            app.set_focus(None)
            await until(pilot, lambda: app.focused is None)
            await pilot.pause()
            if look(widget) == focused:
                unseen.append(f"{type(widget).__name__}#{widget.id}")
        assert not unseen, f"focus does not show on {unseen}"
