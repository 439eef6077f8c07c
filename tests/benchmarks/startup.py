"""Start-up: process start to first painted screen, in a real terminal (tmux), lp-tui --sandbox
against a minimal Textual app, alternating, several rounds; medians and the ratio."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, Figure, median

ROUNDS = 7
SESSION = "lp-tui-bench"


def lp_tui_command() -> str:
    exe = Path(sys.executable).with_name("lp-tui")
    return shlex.quote(str(exe)) + " --sandbox" if exe.exists() else f"{shlex.quote(sys.executable)} -m lp_tui --sandbox"


def first_paint(command: str, marker: str, env: dict[str, str]) -> float:
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40",
                    f"env {exports} {command}"], check=True)
    try:
        deadline = started + 30
        while time.perf_counter() < deadline:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True,
                                    text=True).stdout
            if marker in screen:
                return time.perf_counter() - started
            time.sleep(0.005)
        raise RuntimeError(f"{command!r} did not paint {marker!r} within 30 s")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


def run() -> list[Figure]:
    if shutil.which("tmux") is None:
        return [Figure("Start-up (needs tmux)", float("nan"), "s", None, "tmux not found: skipped")]
    home = tempfile.mkdtemp(prefix="lp-bench-start-")
    env = {"LP_TUI_HOME": home, "TERM": os.environ.get("TERM", "xterm-256color"), "PYTHONPATH": str(ROOT)}
    minimal = f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'tests' / 'benchmarks' / 'minimal_app.py'))}"
    ours, reference, forms = [], [], []
    first_paint(lp_tui_command(), "Findings:", env)  # warm the file cache once, not counted
    first_paint(minimal, "MINIMAL APP READY", env)
    for _ in range(ROUNDS):
        reference.append(first_paint(minimal, "MINIMAL APP READY", env))
        ours.append(first_paint(lp_tui_command(), "Findings:", env))
        forms.append(first_paint(lp_tui_command(), "Customer id", env))
    posting = os.environ.get("LP_BENCH_POSTING")  # optional: the path of an installed `posting`
    posting_times = [first_paint(shlex.quote(posting), "Collection", env) for _ in range(3)] if posting else []
    shutil.rmtree(home, ignore_errors=True)
    ratio = median(ours) / median(reference)
    extra = [Figure("Start-up: Posting, first paint (median of 3)", median(posting_times), "s", None,
                    "for comparison (LP_BENCH_POSTING)")] if posting_times else []
    return extra + [
        Figure("Start-up: minimal Textual app, first paint (median)", median(reference), "s", None,
               f"{ROUNDS} rounds, alternating"),
        Figure("Start-up: lp-tui --sandbox, first paint (median)", median(ours), "s", None,
               f"sandbox started, request pane painted; min {min(ours):.2f} s, max {max(ours):.2f} s"),
        Figure("Start-up ratio lp-tui / minimal app", ratio, "×", 1.3),
        Figure("Start-up: lp-tui --sandbox, form ready to type (median)", median(forms), "s", None,
               "the first form's fields painted (they mount just after the first paint)"),
    ]


if __name__ == "__main__":
    from common import report

    print(report(run()))
