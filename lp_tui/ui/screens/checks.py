"""Checks from the Presets screen: a folder of presets with ``[expect]`` tables, run with live results.

The runner (``lp_tui.check.runner``) does the work in a worker, on the session's connection
(each check with a fresh consumer and client); its progress comes back as ``CheckProgressed``
messages and the table, the bar and the detail follow them. Loading the presets is disk work
and runs in a thread.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, ProgressBar, Static

from lp_tui import paths
from lp_tui.check.runner import FAILED, PASSED, PENDING, RUNNING, CheckResult, Progress
from lp_tui.ui.plain import add, plain
from lp_tui.ui.widgets.table import LiveTable

COLUMNS = (("n", "#"), ("result", "Result"), ("check", "Check"), ("got", "Got"), ("expected", "Expected"))
STATE_STYLE = {PASSED: "bold green", FAILED: "bold red", RUNNING: "bold yellow", PENDING: "dim"}


class CheckProgressed(Message):
    def __init__(self, event: Progress) -> None:
        super().__init__()
        self.event = event


class ChecksFinished(Message):
    def __init__(self, results: list[CheckResult], elapsed: float) -> None:
        super().__init__()
        self.results = results
        self.elapsed = elapsed


class ChecksScreen(ModalScreen[None]):
    CSS_PATH = "checks.tcss"
    BINDINGS = [Binding("escape", "close", "Close"), Binding("r", "run", "Run again")]

    def __init__(self, session: Any, targets: list[str]) -> None:
        super().__init__()
        self.session = session
        self.targets = targets
        self.results: list[CheckResult] = []  # the last run's, complete once it is finished
        self.seen: dict[int, CheckResult] = {}  # by row, as the run reports them
        self.finished = False  # the last run is over and drawn (tests wait on this)
        self.running = False
        self.problem = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            where = ", ".join(paths.shown(t) for t in self.targets) or "the built-in edge cases"
            title = Text("Checks: ", style="bold")
            add(title, f"{where} on {self.session.badge()}", one_line=True, limit=100)
            yield Label(title, classes="title")
            yield ProgressBar(total=1, show_eta=False, id="checks-progress")
            yield LiveTable(id="checks-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="checks-detail")
            yield Static("Loading the checks…", id="checks-summary")
            with Horizontal(classes="buttons"):
                yield Button("Run again", id="run", compact=True)
                yield Button("Close", id="close", variant="primary", compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.action_run()

    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        if self.running:
            self.notify("The checks are still running.", severity="warning")
            return
        self.running = True
        self.finished = False
        self.run_checks()

    @work(exclusive=True, group="checks", exit_on_error=False)
    async def run_checks(self) -> None:
        from lp_tui.check.cases import load_cases
        from lp_tui.check.runner import run_checks
        from lp_tui.model.presets import PresetError
        from lp_tui.model.tomlio import TomlFileError

        try:
            cases, notes = await asyncio.to_thread(load_cases, self.targets, self.session.presets_dir)
        except (PresetError, TomlFileError, OSError, ValueError) as exc:
            self._stop(f"The checks could not be read: {exc}")
            return
        conn = self.session.conn
        if not (self.session.use_sandbox or conn.is_configured()):
            self._stop("Not configured: " + "; ".join(conn.missing()) + ". Open Settings (F2), or use the sandbox.")
            return
        self._start_table(cases, notes)
        factory = self.session.client_factory
        if factory is None:
            from lp_tui.lp.client import LpClient

            factory = LpClient
        started = time.perf_counter()
        results: list[CheckResult] = []
        try:
            results = await run_checks(cases, conn, factory, lambda e: self.post_message(CheckProgressed(e)))
        finally:  # drawn after every progress message (one queue), so "finished" means on screen
            self.post_message(ChecksFinished(results, time.perf_counter() - started))

    @on(ChecksFinished)
    def _finished(self, message: ChecksFinished) -> None:
        self.results = message.results
        self.running = False
        self.finished = True
        failed = sum(1 for r in self.results if not r.passed)
        text = Text(f"{len(self.results)} checks: ")
        text.append(f"{len(self.results) - failed} passed", style="bold green")
        text.append(", ")
        text.append(f"{failed} failed", style="bold red" if failed else "")
        if self.session.show_timings:
            text.append(f" ({message.elapsed:.1f} s)", style="dim")
        unclosed = any("close" in note for r in self.results for note in r.notes)
        text.append(". Some conversations may still be open: see the notes." if unclosed
                    else ". Every conversation a check opened was closed.", style="dim")
        self.query_one("#checks-summary", Static).update(text)

    def _stop(self, problem: str) -> None:
        self.problem = problem
        self.running = False
        self.finished = True
        self.query_one("#checks-summary", Static).update(plain(problem, "bold red"))

    def _start_table(self, cases: list[Any], notes: list[str]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.seen = {}
        for i, case in enumerate(cases):
            table.add_row(str(i + 1), self._state(PENDING), plain(case.name, one_line=True, limit=40), "",
                          plain(case.expect.summary(), one_line=True, limit=36), key=str(i))
        bar = self.query_one(ProgressBar)
        bar.update(total=max(len(cases), 1), progress=0)
        summary = f"Running {len(cases)} checks, each with a fresh consumer…"
        if notes:
            summary += " Skipped: " + "; ".join(notes)
        self.query_one("#checks-summary", Static).update(plain(summary))
        table.focus()

    @staticmethod
    def _state(state: str) -> Text:
        return Text("running…" if state == RUNNING else state, style=STATE_STYLE.get(state, ""))

    @on(CheckProgressed)
    def _progressed(self, message: CheckProgressed) -> None:
        event = message.event
        table = self.query_one(DataTable)
        key = str(event.index)
        result = event.result
        self.seen[event.index] = result
        state = result.state if event.phase == "done" else RUNNING
        table.update_cell(key, "result", self._state(state), update_width=True)
        if event.phase == "done":
            table.update_cell(key, "got", plain(result.got, one_line=True, limit=36), update_width=True)
            self.query_one(ProgressBar).advance(1)
        else:
            table.update_cell(key, "got", plain(f"{event.phase}…", "dim", one_line=True), update_width=True)
        if table.cursor_row == event.index:
            self._detail(result)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row in self.seen:
            self._detail(self.seen[event.cursor_row])

    def _detail(self, result: CheckResult) -> None:
        text = Text()
        add(text, result.name, "bold", one_line=True, limit=60)
        add(text, f"  {result.source}", "dim", one_line=True, limit=80)
        add(text, f"\n{result.description}", limit=400)
        add(text, f"\nexpected: {result.expected}", limit=300)
        if result.got:
            add(text, f"\ngot:      {result.got}", limit=300)
        for mismatch in result.mismatches:
            add(text, f"\n✗ {mismatch}", "red", limit=300)
        for note in result.notes:
            add(text, f"\nnote: {note}", "dim", limit=300)
        self.query_one("#checks-detail", Static).update(text)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
