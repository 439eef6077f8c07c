"""Where one key's time goes: a stdlib cProfile of keys typed into the first Customer field, from
the key event to the next painted frame, and any timer or worker that follows (debounced checks,
the draft save), summed over KEYS keys and grouped by stage.

    .venv/bin/python tests/benchmarks/key_milestones.py [--large] [--top N]

(profile_key.py follows the call graph and lists the widgets painted; this one sums stages by where
each function lives and lists the milestones of a key's path: whole-screen reflows, the request
rebuilt, the checks, the draft save.)

Stages are matched on the function's file and name (Input, message dispatch, draft update, JSON
build, highlight, validation, routing prediction, status bar, draft save, layout, compositor,
output); the raw top entries by own time and by cumulative time follow.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (puts the repository on sys.path)

KEYS = 40

# (stage, file fragment, function names or None for any): the first match wins, checked in order
STAGES = [
    ("draft save", "store/drafts.py", None),
    ("draft save", "draft_saver.py", None),
    ("validation", "model/validate.py", None),
    ("routing prediction", "model/routing.py", None),
    ("JSON build", "model/build.py", None),
    ("JSON build", "json/encoder.py", None),
    ("draft update", "model/draft.py", None),
    ("highlight (JSON view)", "widgets/json_view.py", None),
    ("status bar", "widgets/status.py", None),
    ("Input", "widgets/_input.py", None),
    ("layout", "textual/_arrange.py", None),
    ("layout", "textual/layouts/", None),
    ("layout", "textual/box_model.py", None),
    ("compositor", "textual/_compositor.py", None),
    ("output", "textual/drivers/", None),
    ("output", "rich/segment.py", None),
    ("styles/CSS", "textual/css/", None),
    ("message dispatch", "textual/message_pump.py", None),
]


# milestones of a key's path: (label, file fragment, function names); cumulative time, so they nest
MILESTONES = [
    ("Input: the key handled", "widgets/_input.py", ("_on_key",)),
    ("message dispatch (all handlers)", "message_pump.py", ("_dispatch_message",)),
    ("draft update (field_changed)", "lp_tui/ui/", ("field_changed",)),
    ("request rebuilt (JSON build + view)", "lp_tui/ui/", ("refresh_preview", "build")),
    ("  JSON build (build_payload + dumps)", "model/build.py", ("build_payload", "dumps")),
    ("  JSON view set_text", "widgets/json_view.py", ("set_text",)),
    ("validation", "model/validate.py", ("validate",)),
    ("routing prediction", "lp_tui/ui/", ("_predict",)),
    ("status bar", "widgets/status.py", ("_draw",)),
    ("draft save (copy + write)", "lp_tui/", ("autosave", "_write_draft", "_due", "_write")),
    ("whole-screen layout (Compositor.reflow)", "textual/_compositor.py", ("reflow",)),
    ("layout refresh (Screen._refresh_layout)", "textual/screen.py", ("_refresh_layout",)),
    ("compositor paint (Screen._compositor_refresh)", "textual/screen.py", ("_compositor_refresh",)),
    ("lines rendered (Widget.render_lines)", "textual/widget.py", ("render_lines",)),
    ("output (driver write)", "textual/drivers/", ("write",)),
]


def milestones(stats: pstats.Stats, keys: int) -> list[tuple[str, float, int]]:
    rows = []
    for label, fragment, names in MILESTONES:
        total, calls = 0.0, 0
        for (filename, _line, name), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if fragment in filename and name in names and "tests/" not in filename:
                total += ct
                calls += nc
        rows.append((label, total / keys * 1000, calls))
    return rows


def stage_of(filename: str) -> str:
    for stage, fragment, _ in STAGES:
        if fragment in filename:
            return stage
    if "/lp_tui/" in filename:
        return "lp-tui (other)"
    if "/textual/" in filename:
        return "textual (other)"
    if "/rich/" in filename:
        return "rich (other)"
    return "other"


async def profile(draft, profiler: cProfile.Profile) -> tuple[int, float]:
    from textual import events

    from lp_tui.store.drafts import SavedDraft
    from lp_tui.ui.app import make_app
    from lp_tui.ui.widgets.preview import RequestPreview
    from tests.ui.fakes import make_session, settled, until

    home = Path(tempfile.mkdtemp(prefix="lp-profile-"))
    app = make_app(make_session(home), SavedDraft(draft) if draft is not None else None)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.composer.query("SectionForm") and app.composer.body_text, "the first screen")
        await settled(pilot)
        await pilot.click("#f-consumer-ctype")
        await settled(pilot)
        screen = app.screen
        frames: list[float] = []
        painted = asyncio.Event()
        original = screen._compositor_refresh

        def timed_refresh() -> None:
            original()
            frames.append(time.perf_counter())
            painted.set()

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
        preview = app.composer.query_one(RequestPreview)
        total = 0.0
        for i in range(KEYS):
            expected = f'"ctype": "{"k" * (i + 1)}"'
            event = events.Key("k", "k")
            event.set_sender(app)
            t0 = time.perf_counter()
            profiler.enable()
            app._driver.send_message(event)
            painted.clear()
            while True:  # no busy polling (it would be most of the profile): woken by each frame
                await painted.wait()
                painted.clear()
                if expected in preview.body_text:
                    break
            # what follows the frame (debounced checks, the draft save) belongs to the key as well
            await settled(pilot)
            profiler.disable()
            total += (frames[-1] - t0) * 1000
    return KEYS, total / KEYS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--large", action="store_true", help="the large draft (200 contacts, 100 kB strings)")
    parser.add_argument("--top", type=int, default=25, help="raw entries to list (default 25)")
    args = parser.parse_args()
    draft = None
    if args.large:
        from typing_latency import large_draft

        draft = large_draft()
    profiler = cProfile.Profile()
    keys, frame_ms = asyncio.run(profile(draft, profiler))
    stats = pstats.Stats(profiler)
    by_stage: dict[str, float] = {}
    total = 0.0
    for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        stage = stage_of(filename)
        if "select.epoll" in name or "/asyncio/" in filename or "selectors.py" in filename \
                or filename.endswith(("profile_key.py", "fakes.py")):
            stage = "event loop and waiting (not the key's)"
        
        by_stage[stage] = by_stage.get(stage, 0.0) + tt
        total += tt
    print(f"{keys} keys profiled; key → frame painted, mean {frame_ms:.1f} ms (under the profiler)")
    print(f"profiled CPU per key, all stages: {total / keys * 1000:.2f} ms (the event loop's own share listed apart)\n")
    print(f"{'stage (own time)':28} {'ms/key':>8} {'share':>7}")
    for stage, tt in sorted(by_stage.items(), key=lambda kv: -kv[1]):
        print(f"{stage:28} {tt / keys * 1000:8.2f} {tt / total * 100:6.1f}%")
    print()
    print(f"{'milestone (cumulative; nested)':48} {'ms/key':>8} {'calls':>7}")
    for label, ms, calls in milestones(stats, keys):
        print(f"{label:48} {ms:8.2f} {calls:7d}")
    print()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
