"""Typing measured from outside, as a person feels it: a key written to a real terminal until
the request pane shows the new value.

Each run starts the program in its own pseudo-terminal (120x40, no tmux: the pty's output is read
directly), with a fresh temporary home, lp-tui home and XDG directories, so nothing of the user's
is read or written. Once the first screen is complete and the output has gone quiet, keys are
written to the first Customer field (focused at start) and the terminal's output is fed to a small
screen model (cursor moves, text, erasing): a key's time runs from its write to the first read
after which the screen shows ``"customerId": "<the value after that key>"`` (or a later value:
keys the app took together count as shown together). The value is never matched in the raw
stream, where it can be split across reads or cut by escape sequences; it is read off the screen.

Every group of keys appends digits to a one-letter base value, so each value is unique within the
group, and is undone with Backspace (waited for, not timed) before the next group. Keys are
written on a fixed schedule, as a person types without waiting for the screen: 100 ms apart,
and in bursts 20 ms apart.

The floor (floor_app.py: one Input, one Static showing the value as JSON, the same Textual and
none of lp-tui's code) is measured by the same code. Rounds are interleaved (lp-tui with the
typical draft, the floor, lp-tui with the large draft; the order flips every round) and each
figure is the median of the per-round ratios, at the median and at p95 of the per-key times.
The CPU time the program used per key (every thread, from a group's first key until its output
goes quiet, from /proc) is shown beside them: a shared machine stretches it much less.

    python tests/benchmarks/outside_typing.py [--rounds N] [--json PATH]
    python tests/benchmarks/run.py outside_typing [--rounds N] [--json PATH]
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import re
import select
import shlex
import shutil
import signal
import sys
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common import ROOT, Figure, load, machine, median, percentile

ROUNDS = max(1, int(os.environ.get("LP_BENCH_ROUNDS", 11)))
SIZE = (120, 40)  # columns, rows
HERE = ROOT / "tests" / "benchmarks"
BASE = "k"  # the value each group starts from (a group's values are BASE + digits)
GROUP = 10  # keys per group: the longest value (11 characters) fits the request pane's line
GROUPS = 3  # groups per run and per rhythm
PACED, BURST = 0.100, 0.020  # seconds between two keys
GOALS = {"typical": 1.2, "large": 1.5}  # lp-tui / floor at p95
START_LIMIT = 60.0  # seconds for a first screen (a loaded machine starting lp-tui with a large draft)
KEY_LIMIT = 15.0  # seconds for one key's value to show before the run is called broken
QUIET = 0.3  # seconds without output that count as idle
QUIET_LIMIT = 5.0  # never wait longer than this for idle (a blinking cursor or a clock never stops)
VALUE = re.compile(r'"customerId": "([^"\n]*)"')
ESCAPE = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[^\[\]()]")


class Screen:
    """What a terminal shows: the cells written so far, from the stream of a full-screen app.

    Understands what Textual writes (cursor positioning, text, CR/LF, erasing, synchronized-output
    brackets) and ignores the rest (colours, modes). No autowrap, as Textual turns it off."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.cells = [[" "] * columns for _ in range(rows)]
        self.x = self.y = 0
        self.synchronized = False  # inside ESC[?2026h ... ESC[?2026l: the terminal shows nothing yet
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""  # an escape sequence cut by the end of a read

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        cut = text.rfind("\x1b")
        if cut >= 0 and not ESCAPE.match(text, cut):
            text, self._pending = text[:cut], text[cut:]
        pos = 0
        for match in ESCAPE.finditer(text):
            self._text(text[pos:match.start()])
            if match.group(2):
                self._csi(match.group(1), match.group(2))
            pos = match.end()
        self._text(text[pos:])

    def text(self) -> str:
        return "\n".join("".join(row) for row in self.cells)

    def values(self) -> list[str]:
        """Every ``"customerId": "…"`` value on the screen."""
        return VALUE.findall(self.text())

    def _text(self, text: str) -> None:
        for run in re.split(r"([\x00-\x1f\x7f])", text):
            if not run:
                continue
            if len(run) == 1 and (run < " " or run == "\x7f"):
                if run == "\r":
                    self.x = 0
                elif run == "\n":
                    self._line_feed()
                elif run == "\b":
                    self.x = max(0, self.x - 1)
                continue
            row = self.cells[self.y]
            if run.isascii():
                room = self.columns - self.x
                if len(run) > room:  # no autowrap: the last column takes what does not fit
                    run = run[:max(0, room - 1)] + run[-1]
                row[self.x:self.x + len(run)] = list(run)
                self.x = min(self.columns - 1, self.x + len(run)) if len(run) == room else self.x + len(run)
                continue
            for char in run:
                width = 2 if unicodedata.east_asian_width(char) in "WF" else (0 if unicodedata.combining(char) else 1)
                if width == 0:
                    continue
                x = min(self.x, self.columns - width)
                row[x] = char
                if width == 2:
                    row[x + 1] = ""
                self.x = min(self.columns - 1, x + width) if x + width >= self.columns else x + width

    def _line_feed(self) -> None:
        if self.y < self.rows - 1:
            self.y += 1
        else:
            self.cells.pop(0)
            self.cells.append([" "] * self.columns)

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            if "2026" in params[1:].split(";"):
                if final == "h":
                    self.synchronized = True
                elif final == "l":
                    self.synchronized = False
            return
        if params and params[0] in "<=>":
            return
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(i: int, default: int) -> int:
            return numbers[i] if len(numbers) > i and numbers[i] else default

        if final in "Hf":
            self.y = min(self.rows - 1, arg(0, 1) - 1)
            self.x = min(self.columns - 1, arg(1, 1) - 1)
        elif final == "A":
            self.y = max(0, self.y - arg(0, 1))
        elif final == "B":
            self.y = min(self.rows - 1, self.y + arg(0, 1))
        elif final == "C":
            self.x = min(self.columns - 1, self.x + arg(0, 1))
        elif final == "D":
            self.x = max(0, self.x - arg(0, 1))
        elif final == "G":
            self.x = min(self.columns - 1, arg(0, 1) - 1)
        elif final == "d":
            self.y = min(self.rows - 1, arg(0, 1) - 1)
        elif final == "K":
            row, mode = self.cells[self.y], arg(0, 0)
            span = {0: range(self.x, self.columns), 1: range(0, self.x + 1)}.get(mode, range(self.columns))
            for x in span:
                row[x] = " "
        elif final == "J":
            mode = arg(0, 0)
            rows = {0: range(self.y + 1, self.rows), 1: range(0, self.y)}.get(mode, range(self.rows))
            for y in rows:
                self.cells[y] = [" "] * self.columns
            if mode in (0, 1):
                self._csi(str(mode), "K")


class Broken(RuntimeError):
    """The program did not show what was expected: a harness or app failure, never a figure."""


class PtyApp:
    """One program in its own pseudo-terminal, its output read into a ``Screen``."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = SIZE) -> None:
        import fcntl
        import struct
        import termios

        columns, rows = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))  # before the app asks
        pid = os.fork()
        if pid == 0:  # the child: a session of its own with the pty as its terminal
            try:
                os.close(master)
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                if slave > 2:
                    os.close(slave)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        os.close(slave)
        self.pid, self.fd, self.argv = pid, master, argv
        self.screen = Screen(columns, rows)
        self.closed = False

    def pump(self, timeout: float) -> float | None:
        """Read what the program wrote within ``timeout`` seconds; the time of the read, or None."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return None
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            chunk = b""
        now = time.perf_counter()
        if not chunk:
            self.closed = True
            raise Broken(f"{shlex.join(self.argv)} exited; its screen ended with:\n{self.tail()}")
        self.screen.feed(chunk)
        return now

    def write(self, data: bytes) -> float:
        """Write keys; the time just before they were handed to the terminal."""
        now = time.perf_counter()
        os.write(self.fd, data)
        return now

    def wait_for(self, condition, what: str, limit: float) -> None:
        deadline = time.perf_counter() + limit
        while not (not self.screen.synchronized and condition()):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Broken(f"{what} did not show within {limit:g} s; the screen:\n{self.tail()}")
            self.pump(left)

    def quiet(self, silence: float = QUIET, limit: float = QUIET_LIMIT) -> None:
        """Read until nothing has come for ``silence`` seconds (at most ``limit``)."""
        deadline = time.perf_counter() + limit
        while time.perf_counter() < deadline and self.pump(silence) is not None:
            pass

    def cpu(self) -> float | None:
        """CPU seconds the program has used, every thread (Linux /proc); None elsewhere.

        Wall time on a shared machine is stretched by whatever else runs; CPU time much less so."""
        try:
            return sum(int((task / "schedstat").read_text().split()[0])
                       for task in Path(f"/proc/{self.pid}/task").iterdir()) / 1e9
        except (OSError, ValueError, IndexError):
            return None

    def tail(self, lines: int = 12) -> str:
        shown = [line.rstrip() for line in self.screen.text().splitlines() if line.strip()]
        return "\n".join(shown[-lines:])

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def type_group(app: PtyApp, digits: str, interval: float) -> list[float]:
    """Write one key per digit, ``interval`` seconds apart, each appending to the field's value;
    the milliseconds from each key's write to the screen showing its value (or a later one)."""
    values = {BASE + digits[:i + 1]: i for i in range(len(digits))}
    written: list[float] = []
    shown: list[float | None] = [None] * len(digits)
    start = time.perf_counter()
    first_pending = 0
    while first_pending < len(digits):
        now = time.perf_counter()
        if len(written) < len(digits) and now >= start + len(written) * interval:
            written.append(app.write(digits[len(written)].encode()))
            continue
        if first_pending < len(written) and now - written[first_pending] > KEY_LIMIT:
            raise Broken(f"key {first_pending + 1} ({BASE + digits[:first_pending + 1]!r}) did not show within "
                         f"{KEY_LIMIT:g} s; the screen shows {app.screen.values()}:\n{app.tail()}")
        next_write = start + len(written) * interval if len(written) < len(digits) else now + KEY_LIMIT
        read_at = app.pump(min(next_write - now, KEY_LIMIT))
        if read_at is None or app.screen.synchronized:
            continue
        latest = max((values[v] for v in app.screen.values() if v in values), default=-1)
        while first_pending <= min(latest, len(written) - 1):
            shown[first_pending] = (read_at - written[first_pending]) * 1000
            first_pending += 1
    return [s for s in shown if s is not None]


def reset_group(app: PtyApp, keys: int) -> None:
    """Backspace the group's digits away (not timed) and wait for the base value and for quiet."""
    app.write(b"\x7f" * keys)
    app.wait_for(lambda: BASE in app.screen.values(), f"the value {BASE!r} after Backspace", KEY_LIMIT)
    app.quiet()


@dataclass
class RunTimes:
    paced: list[float] = field(default_factory=list)  # ms per key, keys 100 ms apart
    burst: list[float] = field(default_factory=list)  # ms per key, keys 20 ms apart
    cpu: list[float] = field(default_factory=list)  # CPU ms per key, each group's keys until quiet


def digits_for(group: int, keys: int = GROUP) -> str:
    """Different digits in every group, so a value left on screen by a group never matches the next."""
    return "".join(str((group * 3 + i) % 10) for i in range(keys))


def fresh_env(home: Path) -> dict[str, str]:
    """The environment of a run: the caller's, minus lp-tui's own variables and proxies, with a
    fresh home (HOME, LP_TUI_HOME, every XDG directory) under ``home``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LP_", "XDG_")) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update({"HOME": str(home / "home"), "LP_TUI_HOME": str(home / "lp"), "TERM": "xterm-256color",
                "NO_PROXY": "127.0.0.1,localhost", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1])})
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as an installed package has it
    for d in ("CONFIG", "DATA", "STATE", "CACHE", "RUNTIME"):
        env[f"XDG_{d}_HOME"] = str(home / "xdg" / d.lower())
    for d in ("home", "lp", "xdg"):
        (home / d).mkdir(mode=0o700)
    return env


@dataclass
class Program:
    name: str
    argv: list[str]
    ready: list[str]  # texts that show once the first screen is complete
    draft: str | None = None  # the text of a saved draft the program starts with


def lp_tui_argv() -> list[str]:
    exe = Path(sys.executable).with_name("lp-tui")
    return [str(exe), "--sandbox"] if exe.exists() else [sys.executable, "-m", "lp_tui", "--sandbox"]


def floor_program() -> Program:
    return Program("floor", [sys.executable, str(HERE / "floor_app.py")], ["Customer id", "{}"])


def lp_tui_program(name: str = "lp-tui", draft: str | None = None) -> Program:
    return Program(name, lp_tui_argv(), ["Customer id", "Findings:"], draft)


def large_draft_text() -> str:
    """The large draft of typing_latency.py (200 contacts, two 100 kB strings) as lp-tui saves it."""
    from typing_latency import large_draft

    from lp_tui.store import drafts

    return drafts.render(drafts.SavedDraft(large_draft()))


def start(program: Program, home: Path) -> PtyApp:
    env = fresh_env(home)
    if program.draft is not None:
        draft = Path(env["LP_TUI_HOME"]) / "data" / "draft.toml"  # lp_tui.paths.draft_file() under LP_TUI_HOME
        draft.parent.mkdir(parents=True)
        draft.write_text(program.draft)
        draft.chmod(0o600)
    app = PtyApp(program.argv, env)
    try:
        app.wait_for(lambda: all(m in app.screen.text() for m in program.ready), f"{program.name}'s first screen",
                     START_LIMIT)
        app.quiet()  # what mounts after the first paint, the built-in sandbox starting
        app.write(BASE.encode())
        app.wait_for(lambda: BASE in app.screen.values(), f"{program.name}: the first key's value {BASE!r}",
                     KEY_LIMIT)
        app.quiet()
    except BaseException:
        app.close()
        raise
    return app


def measure(program: Program, groups: int = GROUPS, keys: int = GROUP) -> RunTimes:
    """One run: a warm-up group (not counted), then ``groups`` groups at each rhythm, alternating."""
    home = Path(tempfile.mkdtemp(prefix="lp-bench-outside-"))
    try:
        app = start(program, home)
        try:
            times = RunTimes()
            type_group(app, digits_for(9, min(keys, 5)), PACED)
            reset_group(app, min(keys, 5))
            for g in range(groups):
                for rhythm, interval, into in (("paced", PACED, times.paced), ("burst", BURST, times.burst)):
                    before = app.cpu()
                    into += type_group(app, digits_for(2 * g + (rhythm == "burst"), keys), interval)
                    app.quiet()  # what the keys set off after their echo is theirs too
                    after = app.cpu()
                    if before is not None and after is not None:
                        times.cpu.append((after - before) * 1000 / keys)
                    reset_group(app, keys)
            return times
        finally:
            app.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def one_key(program: Program) -> tuple[float, str]:
    """The smallest use of the harness: start, write one key, time it; (ms, the value seen)."""
    home = Path(tempfile.mkdtemp(prefix="lp-bench-outside-"))
    try:
        app = start(program, home)
        try:
            [ms] = type_group(app, "7", PACED)
            return ms, next(v for v in app.screen.values() if v.startswith(BASE))
        finally:
            app.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


DETAILS: dict = {}  # the last run's raw figures, for run.py --json


def run(rounds: int | None = None) -> list[Figure]:
    rounds = rounds or ROUNDS
    # stopped with SIGTERM, the program being measured is killed too (the finally clauses run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    programs = [lp_tui_program("lp-tui typical"), floor_program(), lp_tui_program("lp-tui large", large_draft_text())]
    times: dict[str, list[RunTimes]] = {p.name: [] for p in programs}
    load_before = load()
    for p in programs:  # once each, not counted: the file cache warm and bytecode written
        measure(p, groups=1, keys=3)
    for r in range(rounds):
        for p in programs if r % 2 == 0 else reversed(programs):
            times[p.name].append(measure(p))
        print(f"… outside typing: round {r + 1} of {rounds} done", file=sys.stderr)

    def stat(runs: list[RunTimes], rhythm: str, pct: float) -> list[float]:
        return [percentile(getattr(t, rhythm), pct) for t in runs]

    figures: list[Figure] = []
    summary: dict = {}
    for draft in ("typical", "large"):
        ours = times[f"lp-tui {draft}"]
        for rhythm, label in (("paced", "keys 100 ms apart"), ("burst", "keys 20 ms apart")):
            row: dict = {}
            for pct, what in ((95, "p95"), (50, "median")):
                mine, floor = stat(ours, rhythm, pct), stat(times["floor"], rhythm, pct)
                ratios = [a / b for a, b in zip(mine, floor)]
                row[what] = {"lp_tui_ms": median(mine), "floor_ms": median(floor), "ratio": median(ratios),
                             "ratios": ratios}
                figures.append(Figure(
                    f"Typing outside, {draft} draft, {label}: lp-tui / floor at {what} (median of per-round ratios)",
                    median(ratios), "×", GOALS[draft] if pct == 95 else None,
                    f"lp-tui {median(mine):.1f} ms, floor {median(floor):.1f} ms; per-round ratios "
                    f"{min(ratios):.2f}–{max(ratios):.2f}; {rounds} rounds"))
            summary[f"{draft} {rhythm}"] = row
        if all(t.cpu for t in ours + times["floor"]):
            mine, floor = [median(t.cpu) for t in ours], [median(t.cpu) for t in times["floor"]]
            ratios = [a / b for a, b in zip(mine, floor)]
            summary[f"{draft} cpu"] = {"lp_tui_ms": median(mine), "floor_ms": median(floor), "ratio": median(ratios),
                                       "ratios": ratios}
            figures.append(Figure(
                f"Typing outside, {draft} draft: CPU per key, lp-tui / floor (median of per-round ratios)",
                median(ratios), "×", None,
                f"lp-tui {median(mine):.1f} ms, floor {median(floor):.1f} ms of CPU per key (every thread, "
                f"until quiet); less stretched by other load than wall time"))
    DETAILS.clear()
    DETAILS.update({
        "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "load_before": load_before,
        "load_after": load(), "rounds": rounds, "size": list(SIZE), "keys_per_run": {"paced": GROUPS * GROUP,
                                                                                      "burst": GROUPS * GROUP},
        "goals_p95_ratio": GOALS, "summary": summary,
        "runs": {name: [asdict(t) for t in runs] for name, runs in times.items()},
    })
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--json", type=Path, help="also write the figures and every per-key time to this file")
    args = parser.parse_args(argv)
    from common import report

    figures = run(args.rounds)
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d')}; load average {DETAILS['load_before']} before, "
          f"{DETAILS['load_after']} after\n")
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps({"figures": [{**asdict(f), "passed": f.passed} for f in figures],
                                         **DETAILS}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
