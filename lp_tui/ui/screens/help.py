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
from lp_tui.ui.plain import plain

KEYS = [
    ("Ctrl+S", "Send the request (domain lookup, AppJWT, ConsumerJWS, POST)"),
    ("Escape", "Cancel the running send (the steps show where it stopped)"),
    ("Ctrl+R", "Close the open conversation (remembered across restarts)"),
    ("Ctrl+T", "Send a text message to it"),
    ("Ctrl+N", "Switch to a fresh external consumer id"),
    ("F5", "Copy the conversationId (the palette copies bodies and sub-responses too)"),
    ("F2", "Settings: profiles, account, credentials, timeouts, retries"),
    ("F3", "Presets: load, save as, duplicate, delete; r runs edge-case checks"),
    ("F4", "History of sends: view, load, re-send, close; e evidence, d twice diffs two, p saves as preset"),
    ("F6", "Raw mode: edit the JSON body directly (toggle)"),
    ("Ctrl+O", "Save evidence of the last send (Markdown and JSON; the palette also copies as curl or Python)"),
    ("F7", "Clear the form: a new draft and a fresh consumer id (unless one was given)"),
    ("F8", "Narrow terminals: switch between the forms and the request/response"),
    ("F9", "Routing: the rules in force and the routing matrix (r runs it)"),
    ("F10", "Timeline: what the webhooks say happened to the conversation"),
    ("Alt+1 … Alt+6", "Show a form: Customer, Personal, Profile, Routing, Envelope, Raw JSON"),
    ("Ctrl+PgUp / PgDn", "Previous / next form"),
    ("Ctrl+P", "Command palette: every action, profiles, presets and history"),
    ("Tab / Shift+Tab", "Move between fields; Enter on a finding jumps to its field"),
    ("F1", "This help"),
    ("Ctrl+Q", "Quit (the draft is saved as you type)"),
]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2), expand=True)
        table.add_column(style="bold", no_wrap=True, width=max(len(key) for key, _ in KEYS))
        table.add_column(ratio=1)
        for key, what in KEYS:
            table.add_row(key, what)
        notes = Text()
        notes.append("\nThe panes\n", style="bold")
        notes.append("Left: the forms (Customer Info, Personal Info, Profile, Routing, Envelope). Focus a field to see "
                     "its type, allowed values and an example at the bottom.\nRight: the exact request, rebuilt on "
                     "every keystroke, with the validator's findings (they warn; they never stop a send) and, on a "
                     "sandbox, where the request will be routed. Below it: the response, the routing rules and matrix, and the "
                     "conversation's timeline from the webhooks.\n")
        notes.append("\nFiles\n", style="bold")
        files = [("settings", paths.settings_file()), ("presets", paths.presets_dir()), ("rules", paths.rules_file()),
                 ("history", paths.history_file()), ("draft", paths.draft_file())]
        notes.append_text(plain("".join(f"{name:<9} {paths.shown(path)}\n" for name, path in files)))
        yield VerticalScroll(Static(Text("lp-tui keys", style="bold")), Static(table), Static(notes))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
