"""The command line: `lp-tui send --sandbox` (start a sandbox, four calls, stop it) against
`python -c "import httpx"`, paired and interleaved (the order flips every round), each run in a
fresh home, with bytecode as an installed package has it. The budget is the median of the
per-round ratios of wall time; CPU time is shown beside it, since a busy machine stretches
wall time but not CPU time.

LP_BENCH_ROUNDS sets the rounds (default 21).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, median

ROUNDS = max(9, int(os.environ.get("LP_BENCH_ROUNDS_CLI", os.environ.get("LP_BENCH_ROUNDS", 21))))


def commands() -> dict[str, list[str]]:
    exe = Path(sys.executable).with_name("lp-tui")
    send = [str(exe)] if exe.exists() else [sys.executable, "-m", "lp_tui"]
    return {"httpx": [sys.executable, "-c", "import httpx"], "send": [*send, "send", "--sandbox"]}


def timed(command: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run in a fresh home."""
    home = tempfile.mkdtemp(prefix="lp-bench-cli-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["LP_TUI_HOME"] = home
    env.update({f"XDG_{d}_HOME": os.path.join(home, "xdg", d.lower()) for d in ("CONFIG", "DATA", "STATE", "CACHE")})
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run() -> list[Figure]:
    cmds = commands()
    names = list(cmds)
    walls: dict[str, list[float]] = {n: [] for n in names}
    cpus: dict[str, list[float]] = {n: [] for n in names}
    for name in names:  # bytecode and file cache, not counted
        timed(cmds[name])
    for r in range(ROUNDS):
        for name in names if r % 2 == 0 else reversed(names):
            wall, cpu = timed(cmds[name])
            walls[name].append(wall)
            cpus[name].append(cpu)
    ratio = median([a / b for a, b in zip(walls["send"], walls["httpx"])])
    cpu_ratio = median([a / b for a, b in zip(cpus["send"], cpus["httpx"])])
    return [
        Figure('CLI: python -c "import httpx" (median)', median(walls["httpx"]) * 1000, "ms", None,
               f"CPU {median(cpus['httpx']) * 1000:.0f} ms; {ROUNDS} interleaved rounds"),
        Figure("CLI: lp-tui send --sandbox (median)", median(walls["send"]) * 1000, "ms", None,
               f"CPU {median(cpus['send']) * 1000:.0f} ms; sandbox started and stopped, four calls"),
        Figure("CLI ratio send --sandbox / import httpx (median of per-round ratios)", ratio, "×", 3.0,
               f"CPU time ratio {cpu_ratio:.2f}×"),
    ]


if __name__ == "__main__":
    from common import report

    print(report(run()))
