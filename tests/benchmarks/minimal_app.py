"""The reference point: a minimal Textual app (one line of text and a footer)."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static


class Minimal(App):
    def compose(self) -> ComposeResult:
        yield Static("MINIMAL APP READY")
        yield Footer()


if __name__ == "__main__":
    Minimal().run()
