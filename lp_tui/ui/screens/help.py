"""The help screen: every key, what the panes show, where files live."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from lp_tui import paths

KEYS = [
    ("Ctrl+S", "Send the request (domain lookup, AppJWT, ConsumerJWS, POST)"),
    ("Ctrl+R", "Close the conversation this session opened"),
    ("Ctrl+T", "Send a text message to that conversation"),
    ("Ctrl+N", "Switch to a fresh external consumer id"),
    ("Ctrl+B", "Copy the conversationId"),
    ("F2", "Settings (account, credentials, timeouts, retries)"),
    ("F3", "Presets: load, save as, duplicate, delete"),
    ("F4", "History of sends: view, load into the form, re-send"),
    ("F6", "Raw mode: edit the JSON body directly (toggle)"),
    ("F7", "Clear the form (start a new draft)"),
    ("Ctrl+P", "Command palette: every action, presets and history"),
    ("Tab / Shift+Tab", "Move between fields; Enter on a finding jumps to its field"),
    ("F1", "This help"),
    ("Ctrl+Q", "Quit (the draft is saved as you type)"),
]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        notes = Text()
        notes.append("\nThe panes\n", style="bold")
        notes.append("Left: the forms (Customer Info, Personal Info, Conversation, Envelope). Focus a field to see its "
                     "type, allowed values and an example at the bottom.\nRight: the exact request, rebuilt on every "
                     "keystroke, with the validator's findings. Findings warn; they never stop a send.\n")
        notes.append("\nFiles\n", style="bold")
        notes.append(f"settings  {paths.settings_file()}\npresets   {paths.presets_dir()}\n"
                     f"history   {paths.history_file()}\ndraft     {paths.draft_file()}\n")
        yield VerticalScroll(Static(Text("lp-tui keys", style="bold")), Static(table), Static(notes))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
