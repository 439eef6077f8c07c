"""Where one key's time goes: a key typed into the first Customer field, profiled, by phase.

The app runs headless (App.run_test, 120x40) with a driver that renders and "writes" every frame
as a terminal driver would (Textual's headless driver skips that work), its output fed to the
screen model of outside_typing.py. Once the app is idle, each key is profiled with cProfile twice:
from the key event to the frame that shows the new value in the request pane (the echo), then
from there until the app is idle again (work that waits for a timer or runs after the echo).

Each function's own time is given to a phase: the phase of the function itself when it belongs
to one (by module and name), otherwise the phases of its callers, in proportion to the time each
caller spent in it. So a phase holds its functions and whatever they call that has no phase of
its own (Rich, Textual's CSS, the standard library). Times are of the UI thread only (the draft
is written by a thread, the built-in sandbox runs in another); "idle" is the event loop waiting.

    python tests/benchmarks/profile_key.py [--keys N] [--large] [--top N] [--dump FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, load, machine

BASE = "k"
SIZE = (120, 40)
QUIET = 0.3  # seconds without a frame (and no worker running) that count as idle
IDLE_LIMIT = 5.0

PHASES = ("Input handling", "message dispatch", "draft update", "JSON build and highlight", "validation",
          "routing prediction", "status bar", "draft save", "layout", "compositor", "paint (widgets render)",
          "output", "lp-tui, other", "event loop, other")
IDLE = "idle (waiting for events or the next frame)"
LAYOUT_FUNCS = {"reflow", "reflow_visible", "_arrange_root", "full_map", "_refresh_layout", "_size_updated",
                "_get_box_model", "get_content_width", "get_content_height", "arrange", "_arrange",
                "_update_size", "layout_widgets", "_check_layout"}
OUTPUT_FUNCS = {"_display", "render_segments", "_begin_update", "_end_update", "write", "flush"}
PAINT_FUNCS = {"render_lines", "render_line", "_render", "_render_content", "render_strips", "_get_renders"}


def module_of(filename: str) -> str:
    """``lp_tui/...`` or ``textual/...`` (the part of the path that names the module), else the path."""
    path = filename.replace("\\", "/")
    if "/lib/python3" in path and "site-packages" not in path:
        return "stdlib/" + path.split("/lib/python3", 1)[1].split("/", 1)[-1]
    for root in ("/lp_tui/", "/textual/", "/rich/", "/asyncio/"):
        if root in path:
            return root[1:] + path.split(root, 1)[1]
    return path


def phase_of(filename: str, func: str) -> str | None:
    """The phase a function belongs to by itself, or None (it takes its callers' phases)."""
    if filename.endswith("profile_key.py"):  # the widgets' painting, timed by the wrapper; the rest is ours
        return "paint (widgets render)" if func == "timed_render_lines" else "(profiler)"
    if "epoll" in func or "select.select" in func or filename.endswith("selectors.py"):
        return IDLE
    mod = module_of(filename)
    if mod.startswith("lp_tui/"):
        low = mod.lower()
        if "store/" in low or "tomlio" in low or func in ("autosave", "_write_draft", "snapshot") or "save" in func:
            return "draft save"
        if "validat" in low or "finding" in low or "validat" in func or "finding" in func:
            return "validation"
        if "routing" in low or "predict" in func:
            return "routing prediction"
        if "status" in low or func == "update_status":
            return "status bar"
        if any(k in low for k in ("build.py", "json_view", "preview", "reverse.py")) or func in (
                "refresh_preview", "schedule_refresh", "current_payload", "_follow_focus", "_field_line",
                "_narrow_summary", "dumps"):
            return "JSON build and highlight"
        if "model/draft" in low or "model/fields" in low or func in ("field_changed", "draft_changed"):
            return "draft update"
        return "lp-tui, other"
    if mod.startswith("textual/"):
        if mod.startswith("textual/widgets/_input"):
            return "Input handling"
        if mod.startswith("textual/drivers/") or func in OUTPUT_FUNCS and mod in ("textual/app.py",
                                                                                    "textual/_compositor.py"):
            return "output"
        if mod.startswith(("textual/_arrange", "textual/_layout", "textual/layouts/", "textual/_resolve",
                           "textual/box_model")) or func in LAYOUT_FUNCS:
            return "layout"
        if mod.startswith(("textual/_styles_cache", "textual/strip", "textual/content")) or (
                func in PAINT_FUNCS and mod in ("textual/widget.py", "textual/scroll_view.py")):
            return "paint (widgets render)"
        if mod.startswith("textual/_compositor") or func == "_compositor_refresh":
            return "compositor"
        if mod.startswith(("textual/message_pump", "textual/_callback", "textual/message.py", "textual/binding",
                           "textual/keys")) or "dispatch" in func or func in ("_on_key", "post_message"):
            return "message dispatch"
    return None


def by_phase(stats: pstats.Stats) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Seconds of own time per phase, and per phase the functions that gave it the most."""
    table = stats.stats  # type: ignore[attr-defined]
    ROOT_PHASE = "event loop, other"  # called from outside the profile (the running event loop)
    mixes: dict[tuple, dict[str, float]] = {}
    weights: dict[tuple, dict[tuple, float]] = {}
    for func, entry in table.items():
        own = phase_of(func[0], func[2])
        if own is not None:
            mixes[func] = {own: 1.0}
            continue
        # recursion says nothing about the phase: a function's callers other than itself decide,
        # in proportion to the time it spent for each
        callers = {c: v for c, v in entry[4].items() if c != func}
        w = {c: float(v[2]) for c, v in callers.items()}
        if sum(w.values()) <= 0:
            w = {c: float(v[1]) for c, v in callers.items()}
        total = sum(w.values())
        weights[func] = {c: x / total for c, x in w.items()} if total > 0 else {}
        mixes[func] = {} if weights[func] else {ROOT_PHASE: 1.0}
    # phases flow down the call graph until they settle; what a cycle keeps circling is shared
    # out in the proportions that did arrive (normalised below)
    for _ in range(40):
        for func, w in weights.items():
            if not w:
                continue
            result: dict[str, float] = {}
            for caller, share in w.items():
                for phase, part in mixes.get(caller, {ROOT_PHASE: 1.0}).items():
                    result[phase] = result.get(phase, 0.0) + part * share
            mixes[func] = result
    for func, result in mixes.items():
        total = sum(result.values())
        mixes[func] = {p: x / total for p, x in result.items()} if total > 0 else {ROOT_PHASE: 1.0}

    def mix(func: tuple) -> dict[str, float]:
        return mixes[func]

    phases: dict[str, float] = {}
    tops: dict[str, dict[str, float]] = {}
    for func, (_cc, _nc, tt, _ct, _callers) in table.items():
        for phase, share in mix(func).items():
            phases[phase] = phases.get(phase, 0.0) + tt * share
            name = f"{module_of(func[0])}:{func[2]}" if func[0] != "~" else func[2]
            tops.setdefault(phase, {})[name] = tops.setdefault(phase, {}).get(name, 0.0) + tt * share
    return phases, tops


def table(title: str, stats: pstats.Stats, keys: int, wall: float, top: int) -> str:
    phases, tops = by_phase(stats)
    phases.pop("(profiler)", None)
    idle = phases.pop(IDLE, 0.0)
    busy = sum(phases.values())
    lines = [f"{title}: {wall / keys * 1000:.1f} ms per key from the key to the end (wall, profiled), "
             f"{busy / keys * 1000:.1f} ms working, {idle / keys * 1000:.1f} ms idle",
             "", "| Phase | ms per key | share | most of it in |", "| --- | ---: | ---: | --- |"]
    for phase in sorted(phases, key=lambda p: -phases[p]):
        ms = phases[phase] / keys * 1000
        if ms < 0.005:
            continue
        heavy = sorted(tops[phase].items(), key=lambda kv: -kv[1])[:top]
        where = ", ".join(f"{name} {t / keys * 1000:.2f}" for name, t in heavy)
        lines.append(f"| {phase} | {ms:.2f} | {phases[phase] / busy:.0%} | {where} |")
    return "\n".join(lines)


def widgets(title: str, painted: dict[str, list[float]], keys: int) -> str:
    """Which widgets rendered lines, how many and for how long (render_lines, timed under the profiler)."""
    if not painted:
        return f"{title}: none"
    lines = [f"{title} (per key; under the profiler):", "", "| Widget | renders | lines | ms |",
             "| --- | ---: | ---: | ---: |"]
    for name, (calls, rows, seconds) in sorted(painted.items(), key=lambda kv: -kv[1][2]):
        lines.append(f"| {name} | {calls / keys:.1f} | {rows / keys:.1f} | {seconds / keys * 1000:.2f} |")
    return "\n".join(lines)


async def profile_keys(keys: int, large: bool) -> tuple[pstats.Stats, pstats.Stats, float, float, dict]:
    import textual.drivers.headless_driver as headless
    from outside_typing import Screen
    from textual import events

    from lp_tui.store.drafts import SavedDraft
    from lp_tui.ui.app import make_app
    from tests.ui.fakes import make_session

    screen = Screen(*SIZE)
    frames: list[float] = []
    wanted: dict[str, asyncio.Event] = {}

    class WritingDriver(headless.HeadlessDriver):
        """Headless, but the app renders every update for the terminal as a real driver has it."""

        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            screen.feed(data.encode())
            frames.append(time.perf_counter())
            if wanted:
                shown = screen.values()
                for value, event in wanted.items():
                    if value in shown:
                        event.set()

    painted: dict[str, dict[str, list[float]]] = {"echo": {}, "after": {}}
    phase: list[str | None] = [None]  # which of the two is being profiled, if any
    depth = [0]

    def timed(render_lines):
        def timed_render_lines(self, crop):
            depth[0] += 1
            started = time.perf_counter()
            try:
                return render_lines(self, crop)
            finally:
                depth[0] -= 1
                if depth[0] == 0 and phase[0] is not None:
                    name = type(self).__name__ + (f"#{self.id}" if self.id else "")
                    record = painted[phase[0]].setdefault(name, [0, 0, 0.0])
                    record[0] += 1
                    record[1] += crop.height
                    record[2] += time.perf_counter() - started
        timed_render_lines.wrapped = render_lines  # type: ignore[attr-defined]
        return timed_render_lines

    draft = None
    if large:
        from typing_latency import large_draft

        draft = SavedDraft(large_draft())
    home = Path(tempfile.mkdtemp(prefix="lp-bench-profile-"))
    app = make_app(make_session(home), draft)
    original = headless.HeadlessDriver
    headless.HeadlessDriver = WritingDriver  # type: ignore[misc]  # App.run_test imports it by name
    try:
        async with app.run_test(size=SIZE) as pilot:
            headless.HeadlessDriver = original  # type: ignore[misc]

            async def until(condition, what: str, limit: float = 60.0) -> None:
                deadline = time.perf_counter() + limit
                while not condition():
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"{what} did not happen within {limit:g} s")
                    await asyncio.sleep(0.02)

            async def idle() -> None:
                """No worker running and no frame for QUIET seconds (at most IDLE_LIMIT)."""
                started = time.perf_counter()
                while time.perf_counter() - started < IDLE_LIMIT:
                    last = frames[-1] if frames else started
                    if all(w.is_finished for w in app.workers) and time.perf_counter() - last >= QUIET:
                        return
                    await asyncio.sleep(0.02)

            async def key(char: str, value: str) -> None:
                done = wanted[value] = asyncio.Event()
                event = events.Key(char, char if len(char) == 1 else None)
                event.set_sender(app)
                app._driver.send_message(event)  # type: ignore[union-attr]  # as the driver hands a key over
                await asyncio.wait_for(done.wait(), 30)
                del wanted[value]

            text = screen.text
            await until(lambda: "Customer id" in text() and "Findings:" in text(), "the first screen")
            await idle()
            focused = app.focused
            if getattr(focused, "id", None) != "f-consumer-customerId":
                raise RuntimeError(f"the first Customer field has no focus ({focused!r})")
            if hasattr(focused, "cursor_blink"):
                focused.cursor_blink = False  # a blinking cursor repaints twice a second: noise in the profile
            await key(BASE, BASE)
            await idle()
            wrapped = []
            for node in [app.screen, *app.screen.walk_children()]:
                for cls in type(node).__mro__:
                    if "render_lines" in cls.__dict__ and cls not in wrapped:
                        wrapped.append(cls)
                        cls.render_lines = timed(cls.__dict__["render_lines"])
            echo, after = cProfile.Profile(), cProfile.Profile()
            echo_wall = after_wall = 0.0
            value = BASE
            for i in range(keys):
                digit = str((i + 1) % 10)
                value += digit
                t0 = time.perf_counter()
                phase[0] = "echo"
                echo.enable()
                await key(digit, value)
                echo.disable()
                t1 = time.perf_counter()
                phase[0] = "after"
                after.enable()
                await idle()
                after.disable()
                phase[0] = None
                echo_wall += t1 - t0
                after_wall += time.perf_counter() - t1
                if len(value) >= 11:  # keep the value inside the request pane's line
                    for _ in range(len(value) - 1):
                        value = value[:-1]
                        await key("backspace", value)
                    await idle()
            for cls in wrapped:
                cls.render_lines = cls.__dict__["render_lines"].wrapped
    finally:
        headless.HeadlessDriver = original  # type: ignore[misc]
    return pstats.Stats(echo), pstats.Stats(after), echo_wall, after_wall, painted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Where one key's time goes, by phase.")
    parser.add_argument("--keys", type=int, default=1, help="keys to profile (figures are per key; default 1)")
    parser.add_argument("--large", action="store_true", help="the large draft (200 contacts, 100 kB strings)")
    parser.add_argument("--top", type=int, default=3, help="functions named per phase (default 3)")
    parser.add_argument("--dump", type=Path, help="also save the raw profiles (FILE.echo, FILE.after) for pstats")
    args = parser.parse_args(argv)
    if args.keys < 1:
        parser.error("--keys must be at least 1")
    sys.path.insert(0, str(ROOT))
    echo, after, echo_wall, after_wall, painted = asyncio.run(profile_keys(args.keys, args.large))
    draft = "large" if args.large else "typical"
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d %H:%M')}; load average {load()}")
    print(f"{args.keys} key(s) typed into the first Customer field, {draft} draft, {SIZE[0]}x{SIZE[1]}, "
          f"profiled (cProfile slows Python code down: compare phases, not totals with the benchmarks)\n")
    print(table("Key → the new value on screen (the echo)", echo, args.keys, echo_wall, args.top))
    print()
    print()
    print(widgets("Widgets painted for the echo", painted["echo"], args.keys))
    print()
    print(table("After the echo until idle (timers, work after the frame)", after, args.keys, after_wall, args.top))
    print()
    print(widgets("Widgets painted after the echo", painted["after"], args.keys))
    if args.dump:
        echo.dump_stats(f"{args.dump}.echo")
        after.dump_stats(f"{args.dump}.after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
