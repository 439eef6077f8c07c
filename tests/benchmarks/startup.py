"""Start-up: process start to the first complete screen in a real terminal (tmux, 120x50).

lp-tui --sandbox against the replica of its first screen (replica_app.py: the same Textual
widgets, none of lp-tui's code) and a minimal Textual app, interleaved round by round (the
order flips every round), each run in a fresh home and its own tmux session. Complete means
the request pane (its "Findings:" line) and the last Customer field are on screen. The budget
is the median of the per-round ratios. Quitting (Ctrl+Q to the process gone) is timed too.

LP_BENCH_ROUNDS sets the rounds (default 11); LP_BENCH_POSTING=/path/to/posting adds Posting for
comparison (skipped when not set: nothing is downloaded). CPU time to the complete screen is shown
beside wall time: on a shared machine it is far less stretched by other load.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from common import ROOT, Figure, median
from terminal import Terminal

ROUNDS = max(9, int(os.environ.get("LP_BENCH_ROUNDS", 11)))
COMPLETE = ["Findings:", "Auth issuer (iss)"]
HERE = ROOT / "tests" / "benchmarks"


def lp_tui_command() -> str:
    exe = Path(sys.executable).with_name("lp-tui")
    return shlex.quote(str(exe)) + " --sandbox" if exe.exists() else f"{shlex.quote(sys.executable)} -m lp_tui --sandbox"


def programs() -> dict[str, tuple[str, list[str], str | None]]:
    """name -> (command, markers of a complete first screen, quit key)."""
    py = shlex.quote(sys.executable)
    found = {
        "replica": (f"{py} {shlex.quote(str(HERE / 'replica_app.py'))}", COMPLETE, "C-q"),
        "lp-tui": (lp_tui_command(), COMPLETE, "C-q"),
        "minimal": (f"{py} {shlex.quote(str(HERE / 'minimal_app.py'))}", ["MINIMAL APP READY"], "C-q"),
    }
    posting = os.environ.get("LP_BENCH_POSTING")  # optional: the path of an installed `posting`
    if posting:
        found["posting"] = (shlex.quote(posting), ["Collection"], None)
    return found


def run() -> list[Figure]:
    if shutil.which("tmux") is None:
        return [Figure("Start-up (needs tmux)", float("nan"), "s", None, "tmux not found: skipped")]
    progs = programs()
    names = list(progs)
    paint: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    quits: dict[str, list[float]] = {name: [] for name in names}
    terminal = Terminal()
    try:
        for name in names:  # warm the file cache and write bytecode once, not counted
            terminal.run(*progs[name])
        for r in range(ROUNDS):
            for name in names if r % 2 == 0 else reversed(names):
                result = terminal.run(*progs[name])
                paint[name].append(result.paint)
                if result.cpu is not None:
                    cpu[name].append(result.cpu)
                if result.quit is not None:
                    quits[name].append(result.quit)
    finally:
        terminal.close()

    def ratio(a: str, b: str) -> float:
        return median([x / y for x, y in zip(paint[a], paint[b])])

    def spread(a: str, b: str) -> str:
        ratios = sorted(x / y for x, y in zip(paint[a], paint[b]))
        return f"{ratios[0]:.2f}–{ratios[-1]:.2f}, middle half {ratios[len(ratios) // 4]:.2f}–{ratios[-1 - len(ratios) // 4]:.2f}"

    note = f"{ROUNDS} interleaved rounds, fresh home each run"
    figures = [
        Figure("Start-up: replica of the first screen, complete (median)", median(paint["replica"]), "s", None,
               f"{note}; the same Textual widgets, none of lp-tui's code"),
        Figure("Start-up: lp-tui --sandbox, complete (median)", median(paint["lp-tui"]), "s", None,
               f"request pane and last Customer field painted; min {min(paint['lp-tui']):.2f} s, "
               f"max {max(paint['lp-tui']):.2f} s"),
        Figure("Start-up ratio lp-tui / replica (median of per-round ratios)", ratio("lp-tui", "replica"), "×", 1.05,
               f"stretch goal ≤ 0.95×; per-round ratios {spread('lp-tui', 'replica')}"),
        *([Figure("Start-up CPU ratio lp-tui / replica (median of per-round ratios)",
                  median([x / y for x, y in zip(cpu["lp-tui"], cpu["replica"])]), "×", None,
                  f"CPU used by the first complete screen: lp-tui {median(cpu['lp-tui']):.2f} s, replica "
                  f"{median(cpu['replica']):.2f} s (less stretched by other load than wall time)")]
          if len(cpu["lp-tui"]) == len(cpu["replica"]) == ROUNDS else []),
        Figure("Start-up: minimal Textual app, first paint (median)", median(paint["minimal"]), "s", None,
               f"for scale; lp-tui / minimal {ratio('lp-tui', 'minimal'):.2f}×"),
        Figure("Quit: lp-tui, Ctrl+Q to process gone (median)", median(quits["lp-tui"]), "s", None,
               f"replica {median(quits['replica']):.2f} s; per-round ratio "
               f"{median([a / b for a, b in zip(quits['lp-tui'], quits['replica'])]):.2f}×"),
    ]
    if "posting" in paint:
        figures.append(Figure("Start-up ratio lp-tui / Posting (median of per-round ratios)",
                              ratio("lp-tui", "posting"), "×", None,
                              f"Posting first paint {median(paint['posting']):.2f} s (LP_BENCH_POSTING)"))
    return figures


if __name__ == "__main__":
    from common import report

    print(report(run()))
