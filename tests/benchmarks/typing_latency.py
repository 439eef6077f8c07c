"""Typing latency: from a key press in a form field to the preview holding the new JSON, and to
the next painted frame, for a typical draft and a large one (200 contacts, 100 kB strings).

Instrumented, not Pilot-timed: the key event goes straight to the app's driver and the
screen's compositor refresh is timestamped, so Pilot's idle waits are not counted.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from common import Figure, median, percentile

KEYS = 60


def large_draft():
    from lp_tui.model.draft import Draft

    draft = Draft()
    for i in range(200):
        draft.set_text(f"personal.contacts.{i}.email", f"user{i}@example.com")
        draft.set_text(f"personal.contacts.{i}.phone", "+1 212-788-8877")
        draft.set_text(f"personal.contacts.{i}.phoneType", "MOBILE")
    draft.set_text("consumer.companyBranch", "b" * 100_000)
    draft.set_text("personal.company", "c" * 100_000)
    return draft


async def measure(draft) -> tuple[list[float], list[float]]:
    from textual import events

    from lp_tui.store.drafts import SavedDraft
    from lp_tui.ui.app import make_app
    from lp_tui.ui.widgets.preview import RequestPreview
    from tests.ui.fakes import make_session

    home = Path(tempfile.mkdtemp(prefix="lp-bench-"))
    app = make_app(make_session(home), SavedDraft(draft) if draft is not None else None)
    updated, painted = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        from tests.ui.fakes import settled, until

        # typing is measured once the app is idle: the first screen complete, and what mounts after
        # the first paint (hidden forms and panes, the built-in sandbox) done
        await until(pilot, lambda: app.composer.query("SectionForm") and app.composer.body_text, "the first screen")
        await settled(pilot)
        await pilot.click("#f-consumer-ctype")
        await settled(pilot)
        screen = app.screen
        frames: list[float] = []
        original = screen._compositor_refresh

        def timed_refresh():
            original()
            frames.append(time.perf_counter())

        screen._compositor_refresh = timed_refresh
        preview = app.composer.query_one(RequestPreview)
        for i in range(KEYS):
            expected = f'"ctype": "{"k" * (i + 1)}"'
            t0 = time.perf_counter()
            event = events.Key("k", "k")
            event.set_sender(app)
            app._driver.send_message(event)
            while expected not in preview.body_text:
                await asyncio.sleep(0)
            t1 = time.perf_counter()
            while not frames or frames[-1] < t1:
                await asyncio.sleep(0)
            updated.append((t1 - t0) * 1000)
            painted.append((frames[-1] - t0) * 1000)
            await asyncio.sleep(0.02)  # a fast typist: 50 keys a second
    return updated, painted


def run() -> list[Figure]:
    figures = []
    for label, draft, budget in (("typical draft", None, 16.0), ("large draft", large_draft(), 50.0)):
        updated, painted = asyncio.run(measure(draft))
        figures.append(Figure(f"Typing, {label}: key → preview updated, p95", percentile(updated, 95), "ms", budget,
                              f"median {median(updated):.1f} ms"))
        figures.append(Figure(f"Typing, {label}: key → frame painted, p95", percentile(painted, 95), "ms", None,
                              f"median {median(painted):.1f} ms; includes Textual's 60 fps frame pacing"))
    return figures


if __name__ == "__main__":
    from common import report

    print(report(run()))
