"""Reload a sandbox's routing rules when their file changes (a presenter edits them during a demo).

A bad edit keeps the rules in force and says why; a good one replaces them at once. Polls the
file's modification time and size once a second in a daemon thread that stops with the sandbox.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from lp_tui.model.routing import RulesError, load_rules

Report = Callable[[str, bool], Any]  # (message, ok)


class RulesWatcher:
    def __init__(self, path: Path, state: Any, report: Report, interval: float = 1.0) -> None:
        self.path = path
        self.state = state
        self.report = report
        self.interval = interval
        self._seen = self._stamp()
        self._thread = threading.Thread(target=self._run, name="lp-sandbox-rules", daemon=True)

    def start(self) -> "RulesWatcher":
        self._thread.start()
        return self

    def _stamp(self) -> tuple[float, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_mtime, info.st_size)

    def _run(self) -> None:
        while not self.state.stopping.wait(self.interval):
            self.check()

    def check(self) -> bool:
        """Reload if the file changed since last seen; True when it did (reloaded or refused)."""
        stamp = self._stamp()
        if stamp == self._seen:
            return False
        self._seen = stamp
        if stamp is None:
            self.report(f"{self.path} is gone; the rules in force stay", False)
            return True
        try:
            rules = load_rules(self.path)
        except RulesError as exc:
            self.report(f"{exc}. The rules in force stay until the file is fixed.", False)
            return True
        with self.state.lock:
            self.state.rules = rules
        self.report(f"Routing rules reloaded from {self.path}: {len(rules.rules)} rules", True)
        return True
