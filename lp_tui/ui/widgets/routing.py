"""The Routing view: the rules in force on a sandbox, their problems, and the routing matrix.

On real LivePerson it says plainly that routing is not readable through the Connector API.
Rules come from files (names, skills): everything is drawn as plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from lp_tui.ui.plain import add, plain

if TYPE_CHECKING:  # imported when the view is built (after the first paint): not on the first screen
    from textual.widgets import DataTable, ProgressBar

COLUMNS = ("preset", "skill", "ttrDefName", "routing values", "rule")  # the rule's long name last: the rules list above names it whole


class RoutingView(Vertical, can_focus=True):
    DEFAULT_CSS = """
    RoutingView { height: 1fr; }
    RoutingView #routing-rules-scroll { height: auto; max-height: 45%; }
    RoutingView #routing-rules { height: auto; padding: 0 1; }
    RoutingView #routing-bar { height: 1; padding: 0 1; }
    RoutingView #routing-bar Button { width: auto; min-width: 10; }
    RoutingView #routing-progress { width: 1fr; padding-left: 2; }
    RoutingView #routing-matrix { height: 1fr; }
    """
    BINDINGS = [Binding("r", "run_matrix", "Run the matrix"),
                Binding("f", "full_screen", "Full screen", tooltip="The rules and the matrix on the whole screen, "
                        "every column (Escape or f goes back)"),
                Binding("w", "why", "Why this rule", show=False, tooltip="Under the rules: each rule for the draft "
                        "as it is now, what matched or the first condition that did not (w again hides it)")]

    class RunRequested(Message):
        """The user asked for the routing matrix."""

    class Ready(Message):
        """Mounted (lazily): the screen fills it."""

    ready = False  # its parts exist: set just before Ready is posted
    explaining = False  # "w": the draft's explanation is shown under the rules
    _shown_rules: tuple[Any, str, str] = (None, "", "")

    def compose(self) -> ComposeResult:
        from textual.widgets import ProgressBar

        from lp_tui.ui.widgets.table import LiveTable

        with VerticalScroll(id="routing-rules-scroll"):
            yield Static(id="routing-rules")
        with Horizontal(id="routing-bar"):
            yield Button("Run the matrix (r)", id="routing-run", compact=True, variant="primary")
            yield Button("Full screen (f)", id="routing-full", compact=True)
            yield ProgressBar(id="routing-progress", show_eta=False)
        yield LiveTable(id="routing-matrix", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        self._table().add_columns(*COLUMNS)
        self._bar().display = False
        self.ready = True
        self.post_message(self.Ready())

    def show_rules(self, rules: Any, problem: str = "", not_sandbox: str = "") -> None:
        """The rules in force (or why there are none to show)."""
        self._shown_rules = (rules, problem, not_sandbox)
        text = Text()
        if not_sandbox:
            text.append("Routing on LivePerson\n", style="bold")
            add(text, not_sandbox)
        elif rules is None:
            text.append("This server is an lp-tui sandbox, but it did not say its rules.", style="dim")
        else:
            text.append("Rules in force", style="bold")
            add(text, f" ({rules.source}), first match wins:\n", "dim")
            for line in rules.describe():
                add(text, line + "\n")
        if problem:
            text.append("\nProblem: ", style="bold red")
            add(text, problem)
        if self.explaining and rules is not None and not not_sandbox:
            from lp_tui.ui.presenter import explain_lines_for

            text.append("\nWhy this rule, for the draft now", style="bold")
            text.append(" (w hides it):\n", style="dim")
            for line in explain_lines_for(self.app) or ["(the raw body is not JSON: nothing to explain)"]:
                add(text, line + "\n", "bold green" if " ✓ chosen" in line else "")
        self.query_one("#routing-rules", Static).update(text)
        self.query_one("#routing-run", Button).disabled = bool(not_sandbox)

    def start_matrix(self, total: int) -> None:
        table = self._table()
        table.clear()
        bar = self._bar()
        bar.display = True
        bar.update(total=total, progress=0)
        self.query_one("#routing-run", Button).disabled = True

    def add_row(self, done: int, row: Any) -> None:
        self._bar().update(progress=done)
        facts = ", ".join(f"{k}={v}" for k, v in row.facts.items()) or "—"
        skill = plain(row.skill, "bold magenta", one_line=True, limit=40) if row.skill else Text("(not routed)",
                                                                                                style="red")
        self._table().add_row(plain(row.preset, one_line=True, limit=40), skill,
                              plain(row.ttr or "—", one_line=True, limit=20),
                              plain(facts, one_line=True, limit=60),
                              plain(row.rule or row.problem, one_line=True, limit=60))

    def end_matrix(self, problem: str = "") -> None:
        self.query_one("#routing-run", Button).disabled = False
        if problem:
            self._table().add_row(Text("(stopped)", style="red"), plain(problem, one_line=True), "", "", "")

    def action_why(self) -> None:
        """Show (or hide) why the draft goes where it goes, rule by rule, under the rules."""
        self.explaining = not self.explaining
        self.show_rules(*self._shown_rules)

    @on(Button.Pressed, "#routing-full")
    def _full_screen_pressed(self) -> None:
        self.action_full_screen()

    @on(Button.Pressed, "#routing-run")
    def action_run_matrix(self) -> None:
        if not self.query_one("#routing-run", Button).disabled:
            self.post_message(self.RunRequested())

    def action_full_screen(self) -> None:
        """The view on the whole screen (every column of the matrix); again, or Escape, goes back."""
        screen = self.screen
        if screen.maximized is self:
            screen.minimize()
        else:
            screen.maximize(self, container=False)
            self._table().focus()  # arrows, Home and End then scroll it, sideways too

    @property
    def row_count(self) -> int:
        return self._table().row_count

    def _table(self) -> DataTable[Any]:
        from textual.widgets import DataTable

        return self.query_one(DataTable)

    def _bar(self) -> ProgressBar:
        from textual.widgets import ProgressBar

        return self.query_one("#routing-progress", ProgressBar)
