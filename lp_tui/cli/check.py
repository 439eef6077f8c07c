"""``lp-tui check``: presets with an ``[expect]`` table, sent and compared, as a regression suite."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from lp_tui.cli.common import UsageError, add_connection_options, err, out, run_with_connection, warn
from lp_tui.lp.errors import EXIT_API, EXIT_OK
from lp_tui.text import safe

EXPECT_HELP = """\
A check is a preset with an [expect] table (every key optional):
  status = 400                         the HTTP status
  codes = ["OK", "BAD_REQUEST"]        each sub-request's code, in order
  error_code = 40103                   the errorCode of a 401-family answer
  message = "already has open"         text the answer holds (case-insensitive)
  skill = "VIP Support"                where an lp-tui sandbox routed it
  conversation = true                  a conversationId comes back (false: none does)
  [expect.second]                      send the same request again, same consumer, and
  status = 400                         expect this of that answer (same keys)
Each check runs with a fresh consumer; every conversation it opens is closed."""


def register(sub: Any) -> None:
    c = sub.add_parser("check", help="replay presets with [expect] tables as a suite (JUnit XML for CI)",
                       description="Send each check and compare the answer with its [expect] table. Without "
                                   "arguments: the built-in edge cases. Exit 0 when all pass, 1 on any mismatch.",
                       epilog=EXPECT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("targets", nargs="*", metavar="PRESET|DIR",
                   help="a preset (name or file), or a folder of them; 'built-in' for the shipped edge cases")
    c.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML (CI tools read it)")
    add_connection_options(c)
    c.set_defaults(func=cmd_check)


class Table:
    """The results as they come: a header, one row per check, its mismatches under it."""

    def __init__(self, names: list[str]) -> None:
        self.width = min(max([len(n) for n in names] + [5]), 40)
        self.total = len(names)
        self.bar = sys.stderr.isatty()

    def header(self) -> None:
        out(f"{'#':>3}  {'RESULT':<6}  {'CHECK':<{self.width}}  EXPECTED  →  GOT")

    def row(self, index: int, result: Any) -> None:
        self.clear_bar()
        name = safe(result.name, one_line=True, limit=self.width)
        out(f"{index + 1:>3}  {result.state:<6}  {name:<{self.width}}  {safe(result.expected, one_line=True)}  →  "
            f"{safe(result.got, one_line=True)}")
        pad = " " * (3 + 2 + 6 + 2)
        for mismatch in result.mismatches:
            out(f"{pad}✗ {safe(mismatch, one_line=True)}")
        for note in result.notes:
            out(f"{pad}note: {safe(note, one_line=True)}")

    def progress(self, index: int, phase: str, name: str) -> None:
        """A bar on a terminal's stderr (redrawn in place); nothing when stderr is a file."""
        if not self.bar:
            return
        width = 20
        filled = width * index // max(self.total, 1)
        text = safe(f"{name}: {phase}…", one_line=True, limit=60)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {index}/{self.total} {text}\x1b[K")
        sys.stderr.flush()

    def clear_bar(self) -> None:
        if self.bar:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _junit_path(given: str | None) -> Path | None:
    if not given:
        return None
    path = Path(given).expanduser()
    if not path.parent.is_dir():
        raise UsageError(f"--junit {given}: the folder {path.parent} does not exist")
    if path.is_dir():
        raise UsageError(f"--junit {given}: that is a folder; give a file name")
    return path


def cmd_check(args: argparse.Namespace) -> int:
    from lp_tui import paths
    from lp_tui.check.cases import load_cases

    junit = _junit_path(args.junit)
    cases, notes = load_cases(list(args.targets), paths.presets_dir())
    for note in notes:
        warn(note)

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        from lp_tui.check.runner import run_checks
        from lp_tui.lp.client import LpClient

        if conn.consumer_jws:
            warn("the pasted ConsumerJWS is not used: every check runs with a fresh consumer of its own")
        table = Table([c.name for c in cases])
        table.header()
        started = time.time()

        def progress(event: Any) -> None:
            if event.phase == "done":
                table.row(event.index, event.result)
            else:
                table.progress(event.index, event.phase, event.result.name)

        results = await run_checks(cases, conn, LpClient, progress)
        table.clear_bar()
        failed = [r for r in results if not r.passed]
        out(f"{len(results)} checks: {len(results) - len(failed)} passed, {len(failed)} failed "
            f"({time.time() - started:.1f} s)")
        if junit is not None:
            _write_junit(junit, results, started)
        return EXIT_API if failed else EXIT_OK

    return run_with_connection(args, job, needs_consumer=False)


def _write_junit(path: Path, results: list[Any], started: float) -> None:
    from lp_tui.check.junit import junit_xml
    from lp_tui.store.atomic import StoreError, write_text

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started))
    try:
        write_text(path, junit_xml(results, timestamp=stamp))
    except StoreError as exc:
        warn(f"JUnit XML not written: {exc}")
        return
    err(f"JUnit XML written to {path}")
