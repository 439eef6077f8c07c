"""Time a program in a real terminal (tmux) from its start to a complete first screen, and to exit.

Each run gets its own tmux session on a private tmux server, a fresh lp-tui home and XDG
directories (so no draft or settings are restored), and bytecode as an installed package has it. The program waits on a FIFO until tmux streams the
pane's output to a file (``pipe-pane``); the clock starts when the FIFO is released, and the
screen is complete when every marker has been written to the terminal. Reading that file
costs the machine nothing, where polling ``capture-pane`` would start a process every few
milliseconds beside the program being measured.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
SIZE = (120, 50)  # tall enough for the whole Customer form: its last field is on screen
TIMEOUT = 30.0
XDG = ("CONFIG", "DATA", "STATE", "CACHE")  # a fresh home for programs that use the XDG directories (Posting)


@dataclass
class Run:
    paint: float  # seconds from start to every marker written
    quit: float | None  # seconds from Ctrl+Q to the process gone (None: not asked)
    cpu: float | None = None  # CPU seconds the program had used when every marker was written


def cpu_seconds(shell_pid: int) -> float | None:
    """CPU time of the pane shell's child (the program), every thread, from /proc (Linux); None elsewhere.

    Wall time on a shared machine is stretched by whatever else runs; CPU time much less so."""
    try:
        children = Path(f"/proc/{shell_pid}/task/{shell_pid}/children").read_text().split()
        total = 0
        for task in Path(f"/proc/{children[0]}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])  # nanoseconds on a CPU
        return total / 1e9
    except (OSError, IndexError, ValueError):
        return None


class Terminal:
    """A private tmux server; ``run`` starts one program in a new session and times it."""

    def __init__(self) -> None:
        self.socket = f"lp-bench-{os.getpid()}"
        self.dir = Path(tempfile.mkdtemp(prefix="lp-bench-term-"))
        self.count = itertools.count()
        # a session that outlives the runs, so the server never exits between two of them
        kept = self.tmux("new-session", "-d", "-s", "keep", "sleep 86400")
        if kept.returncode != 0:
            raise RuntimeError(f"tmux new-session failed: {kept.stderr.strip()}")

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True)

    def close(self) -> None:
        self.tmux("kill-server")
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, command: str, markers: list[str], quit_key: str | None = "C-q") -> Run:
        n = next(self.count)
        session, work = f"run{n}", self.dir / f"run{n}"
        work.mkdir()
        home = work / "home"
        fifo, out, done = work / "go", work / "out", work / "done"
        os.mkfifo(fifo)
        fresh = {"LP_TUI_HOME": home, **{f"XDG_{d}_HOME": home / "xdg" / d.lower() for d in XDG}}
        env = "env -u PYTHONDONTWRITEBYTECODE " + " ".join(f"{k}={shlex.quote(str(v))}" for k, v in fresh.items())
        script = f"read _ < {shlex.quote(str(fifo))}; {env} {command}; echo $? > {shlex.quote(str(done))}"
        started = self.tmux("new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
                            f"sh -c {shlex.quote(script)}")
        if started.returncode != 0:
            raise RuntimeError(f"tmux new-session failed: {started.stderr.strip()}")
        try:
            self.tmux("pipe-pane", "-o", "-t", session, f"cat > {shlex.quote(str(out))}")
            pane_pid = int(self.tmux("display-message", "-p", "-t", session, "#{pane_pid}").stdout.strip() or 0)
            with open(fifo, "w") as go:  # blocks until the pane's shell waits on the FIFO
                t0 = time.perf_counter()
                go.write("go\n")
            paint = self._wait_for(out, markers, t0)
            cpu = cpu_seconds(pane_pid) if pane_pid else None
            quit = None
            if quit_key:
                t1 = time.perf_counter()
                self.tmux("send-keys", "-t", session, quit_key)
                while not done.exists():
                    if time.perf_counter() - t1 > TIMEOUT:
                        raise RuntimeError(f"{command!r} did not exit within {TIMEOUT:g} s of {quit_key}")
                    time.sleep(0.001)
                quit = time.perf_counter() - t1
            self.tmux("kill-session", "-t", session)  # the pane closes: what it printed is all in `out`
            if quit_key:
                self._check_exit(command, done, out)
            return Run(paint, quit, cpu)
        finally:
            self.tmux("kill-session", "-t", session)
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _check_exit(command: str, done: Path, out: Path) -> None:
        """A run that crashed (a traceback on the terminal, a failing exit status) is not a figure."""
        status = done.read_text().strip()
        text = ESCAPES.sub(b"", out.read_bytes()).decode("utf-8", "replace")
        if status != "0" or "Traceback" in text:
            lines = [line for line in text.splitlines() if "Error" in line][-3:]
            raise RuntimeError(f"{command!r} failed (exit status {status}): " + " / ".join(lines))

    @staticmethod
    def _wait_for(out: Path, markers: list[str], t0: float) -> float:
        """Read the pane's output as it grows; only new bytes (and a little before them) are searched."""
        wanted = [m.encode() for m in markers]
        seen: set[bytes] = set()
        data = b""
        while not out.exists():
            if time.perf_counter() - t0 > TIMEOUT:
                raise RuntimeError("tmux pipe-pane never started")
            time.sleep(0.0005)
        with open(out, "rb") as stream:
            while True:
                chunk = stream.read()
                now = time.perf_counter()
                if chunk:
                    start = max(0, len(data) - 4096)  # a marker or an escape may straddle two reads
                    data += chunk
                    text = ESCAPES.sub(b"", data[start:])
                    seen.update(m for m in wanted if m in text)
                    if len(seen) == len(wanted):
                        return now - t0
                elif now - t0 > TIMEOUT:
                    missing = [m.decode() for m in wanted if m not in seen]
                    raise RuntimeError(f"not painted within {TIMEOUT:g} s: {missing}")
                else:
                    time.sleep(0.0005)
