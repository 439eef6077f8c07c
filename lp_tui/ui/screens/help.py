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
from lp_tui.ui.keys import ACTIONS, current
from lp_tui.ui.plain import plain

# the order of the help; the keys are those in force (lp_tui/ui/keys.py and [keys] in settings.toml)
ORDER = ("send", "cancel", "close-conversation", "message", "new-consumer", "save-preset", "copy-id", "settings",
         "presets", "history", "raw", "evidence", "clear", "view", "pane-request", "pane-response", "routing",
         "explain-routing", "presenter", "lookup-engagements", "timeline", "form-customer", "form-personal",
         "form-profile", "form-routing", "form-envelope", "form-raw", "next-form", "previous-form", "jump",
         # in the Timeline: speaking for the consumer (ui/consumer.py), and, on the sandbox, acting as the agent
         "consumer-message", "consumer-quick-reply", "consumer-read", "consumer-typing", "consumer-urgent",
         "consumer-raw", "agent-say", "agent-quick-replies", "agent-transfer", "agent-close")
FIXED = [
    ("Ctrl+P", "Command palette: every action, profiles, presets and history"),
    ("Tab / Shift+Tab", "Move between fields, tabs, panes and buttons; Enter on a finding jumps to its field"),
]


def rows() -> list[tuple[str, str]]:
    """Every key as it is in force, with its id for [keys] in settings.toml."""
    keymap = current()
    out = [(keymap.shown(action) or "(none)", f"{ACTIONS[action][1]}  [{action}]") for action in ORDER]
    out += FIXED
    out += [(keymap.shown(action) or "(none)", f"{ACTIONS[action][1]}  [{action}]") for action in ("help", "quit")]
    return out


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,f1,q,ctrl+underscore", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2), expand=True)
        keys = rows()
        table.add_column(style="bold", no_wrap=True, width=min(24, max(len(key) for key, _ in keys)))
        table.add_column(ratio=1)
        for key, what in keys:
            table.add_row(plain(key, one_line=True), plain(what))
        notes = Text()
        notes.append("\nThe panes\n", style="bold")
        notes.append("Left: the forms (Customer Info, Personal Info, Profile, Routing, Envelope). Focus a field to see "
                     "its type, allowed values and an example at the bottom.\nRight: the exact request, rebuilt on "
                     "every keystroke, with the validator's findings (they warn; they never stop a send) and, on a "
                     "sandbox, where the request will be routed. Below it: the response, the routing rules and matrix, and the "
                     "conversation's timeline from the webhooks.\n")
        notes.append("\nChanging keys\n", style="bold")
        notes.append("In settings.toml, [keys] gives an id (in brackets above) its keys, e.g. send = \"ctrl+j\"; "
                     "keymap = \"posting\" takes Posting's keys where they mean the same thing.\n")
        notes.append("\nFiles\n", style="bold")
        files = [("settings", paths.settings_file()), ("presets", paths.presets_dir()), ("rules", paths.rules_file()),
                 ("history", paths.history_file()), ("draft", paths.draft_file())]
        notes.append_text(plain("".join(f"{name:<9} {paths.shown(path)}\n" for name, path in files)))
        yield VerticalScroll(Static(Text("lp-tui keys", style="bold")), Static(table), Static(notes))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
