"""Minimal reproduction: every key typed into a Textual ``Input`` lays out the whole screen.

``Input._watch_value`` sets ``virtual_size`` to the new text's width, and ``Widget.virtual_size`` is
a ``Reactive(layout=True)``: each key that lengthens the value asks for a full layout (the
compositor's ``reflow`` of every widget on screen), though the Input's size on screen never changes.
This counts the reflows per key with the stock Input and with a subclass that declares
``virtual_size`` without ``layout`` (what lp-tui's ``FieldInput`` does), and checks that the
subclass still scrolls to the cursor.

    .venv/bin/python tests/benchmarks/textual_input_layout.py
"""

from __future__ import annotations

import asyncio

from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input, Static

KEYS = 60


class NoLayoutInput(Input):
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class Bare(App[None]):
    def __init__(self, kind: type[Input]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind(id="field")
        for i in range(40):  # a screen with something on it, as an app has
            yield Static(f"line {i}")


async def reflows_per_key(kind: type[Input]) -> tuple[float, int, int]:
    calls = 0
    original = Compositor.reflow

    def counted(self: Compositor, parent: object, size: Size) -> object:
        nonlocal calls
        calls += 1
        return original(self, parent, size)  # type: ignore[arg-type]

    app = Bare(kind)
    async with app.run_test(size=(40, 50)) as pilot:
        field = app.query_one("#field", Input)
        field.focus()
        await pilot.pause()
        Compositor.reflow = counted  # type: ignore[method-assign]
        try:
            for _ in range(KEYS):
                await pilot.press("k")
        finally:
            Compositor.reflow = original  # type: ignore[method-assign]
        await pilot.pause()
        return calls / KEYS, round(field.scroll_x), len(field.value) - field.content_region.width + 1


def main() -> None:
    for kind in (Input, NoLayoutInput):
        per_key, scroll_x, expected = asyncio.run(reflows_per_key(kind))
        print(f"{kind.__name__:14} whole-screen reflows per key: {per_key:.2f}; "
              f"scrolled to column {scroll_x} (the cursor needs {expected} or more)")


if __name__ == "__main__":
    main()
