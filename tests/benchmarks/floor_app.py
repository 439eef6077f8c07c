"""The typing floor: the least a Textual app can do to show a typed value as JSON.

One compact Input (labelled like lp-tui's first Customer field, focused at start) and one Static
that shows the field's value as JSON, updated on every change; the same Textual as lp-tui and
none of lp-tui's code. The outside typing benchmark (outside_typing.py) times a key written to
its terminal until the Static shows the new value, exactly as it does for lp-tui: what lp-tui
takes beyond this is lp-tui's own work.

    python tests/benchmarks/floor_app.py
"""

from __future__ import annotations

import json

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

CSS = """
#row { height: 1; }
#row Label { width: 24; }
#row Input { width: 1fr; }
#json { height: 1fr; margin-top: 1; }
"""


def as_json(value: str) -> str:
    return json.dumps({"customerId": value} if value else {}, indent=2)


class Floor(App[None]):
    CSS = CSS
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def compose(self) -> ComposeResult:
        with Horizontal(id="row"):
            yield Label("Customer id")
            yield Input(compact=True, id="field")
        yield Static(as_json(""), id="json", markup=False)

    def on_mount(self) -> None:
        self.query_one("#field", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#json", Static).update(as_json(event.value))


if __name__ == "__main__":
    Floor().run()
