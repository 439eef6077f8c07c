"""Make the SVG screenshots in screenshots/ (shown in the README): every picture the README links.

Run: .venv/bin/python tests/screenshots.py

It drives the app as the snapshot tests do: the deterministic fakes of tests/ui/fakes.py (fixed
sandbox address, ids and answers, no timings), a throwaway home, no blinking cursor, and waits
on conditions (a form mounted, a send finished, a screen shown), never on time.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "screenshots"
SIZE = (120, 40)

Action = Callable[[Any], Awaitable[None]]


def linked_pictures() -> set[str]:
    """The screenshots the README shows or links, by name (``compose`` for screenshots/compose.svg)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"screenshots/([\w-]+)\.svg", text))


async def shoot(name: str, app: Any, action: Action, size: tuple[int, int] = SIZE) -> None:
    async with app.run_test(size=size) as pilot:
        await action(pilot)
        app.save_screenshot(str(OUT / f"{name}.svg"))
    print(f"screenshots/{name}.svg")


def presenter_app() -> Any:
    """The presenter view with a fixed story (a transfer and the close), as its snapshot test shows it."""
    from tests.demo.test_presenter_app import PresenterApp

    return PresenterApp()


async def presenter_shown(pilot: Any) -> None:
    from tests.ui.fakes import until

    await until(pilot, lambda: getattr(pilot.app.screen, "_drawn", None) is not None, "the story drawn")


async def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="lp-tui-shots-"))
    os.environ["LP_TUI_HOME"] = str(home)
    os.environ["TZ"] = "UTC"
    time.tzset()
    from textual.widgets import Input, TextArea

    from lp_tui.model.presets import load
    from lp_tui.store.drafts import SavedDraft
    from lp_tui.ui.app import make_app
    from tests.ui.fakes import OK, OPEN, make_session, result, typed, until

    Input.cursor_blink = False  # a blinking cursor would make each picture depend on when it was taken
    TextArea.cursor_blink = False
    OUT.mkdir(exist_ok=True)

    def app(script: tuple = (), preset: str | None = None) -> Any:
        draft = load(preset, home / "none").draft if preset else None
        return make_app(make_session(home, script), SavedDraft(draft) if draft else None)

    async def ready(pilot: Any) -> None:
        """The first screen is complete: a form mounted, the request drawn, nothing in flight."""
        composer = pilot.app.composer
        await until(pilot, lambda: composer.query("SectionForm") and composer.body_text, "the first screen")
        await until(pilot, lambda: all(w.is_finished for w in pilot.app.workers), "start-up work")
        await pilot.pause()

    async def send(pilot: Any) -> None:
        await ready(pilot)
        composer = pilot.app.composer
        before = composer.outcome
        await pilot.press("ctrl+j")
        await until(pilot, lambda: composer.outcome is not before and not composer.busy, "the send")
        await until(pilot, lambda: composer.query("ResponseView"), "the response pane")
        await until(pilot, lambda: all(w.is_finished for w in pilot.app.workers), "the history write")
        await pilot.pause()

    async def send_twice(pilot: Any) -> None:
        await send(pilot)
        await send(pilot)

    async def type_vip(pilot: Any) -> None:
        await ready(pilot)
        await typed(pilot, "#f-consumer-ctype", "vip")
        await until(pilot, lambda: '"ctype": "vip"' in pilot.app.composer.body_text, "the preview")
        await pilot.pause()

    async def findings(pilot: Any) -> None:
        await ready(pilot)
        composer = pilot.app.composer
        await typed(pilot, "#f-consumer-companySize", "many")
        await pilot.press("alt+2")
        await until(pilot, lambda: composer.query("#f-personal-gender"), "the Personal form")
        composer.query_one("#f-personal-gender").value = ""
        await typed(pilot, "#f-personal-gender", "male")
        await until(pilot, lambda: '"gender": "male"' in composer.body_text and composer.findings, "the findings")
        await pilot.pause()

    def modal(key: str, name: str, loaded: Callable[[Any], Any] = lambda screen: True) -> Action:
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press(key)
            await until(pilot, lambda: type(pilot.app.screen).__name__ == name and loaded(pilot.app.screen), name)
            await pilot.pause()
        return run

    async def raw_mode(pilot: Any) -> None:
        await ready(pilot)
        composer = pilot.app.composer
        await pilot.press("f6")
        await until(pilot, lambda: composer.raw_mode and pilot.app.focused is composer.query_one("#raw-editor"),
                    "raw mode")
        await pilot.pause()

    def form(key: str, field: str) -> Action:
        async def run(pilot: Any) -> None:
            await ready(pilot)
            await pilot.press(key)
            await until(pilot, lambda: pilot.app.composer.query(field), "the form")
            await pilot.pause()
        return run

    async def routing(pilot: Any) -> None:
        from lp_tui.model.presets import builtin_presets

        await ready(pilot)
        await pilot.press("f9")
        await until(pilot, lambda: pilot.app.focused is not None and pilot.app.focused.id == "routing-run", "F9")
        await pilot.press("r")
        view = pilot.app.composer.query_one("RoutingView")
        await until(pilot, lambda: view.row_count == len(builtin_presets())
                    and not view.query_one("#routing-run").disabled, "the matrix")
        await pilot.pause()

    async def narrow(pilot: Any) -> None:
        await send(pilot)
        await until(pilot, lambda: pilot.app.composer.has_class("-show-right"), "the response side")
        await pilot.pause()

    async def timeline(pilot: Any) -> None:
        from tests.ui.fakes import timeline_story

        await ready(pilot)
        await pilot.press("f10")
        await until(pilot, lambda: pilot.app.composer.query("TimelineView"), "the Timeline pane")
        view = pilot.app.composer.query_one("TimelineView")
        await until(pilot, lambda: view.follower.running, "the receiver")
        story = timeline_story()
        for delivery in story:
            view.follower.inbox.deliver(delivery)
        await until(pilot, lambda: view.shown is not None and view.shown.closed, "the whole story drawn")
        await pilot.pause()

    async def consumer(pilot: Any) -> None:
        """The Timeline after the consumer answered the agent's quick reply (speaking for the consumer)."""
        await ready(pilot)
        await pilot.press("f10")
        await until(pilot, lambda: pilot.app.composer.query("TimelineView"), "the Timeline pane")
        view = pilot.app.composer.query_one("TimelineView")
        await until(pilot, lambda: view.follower.running, "the receiver")
        story = consumer_story()
        for delivery in story:
            view.follower.inbox.deliver(delivery)
        await until(pilot, lambda: view.shown is not None and view.shown.accepted == len(story)
                    and "You chose" in view.shown_text(), "the whole story drawn")
        await pilot.pause()

    shots: dict[str, tuple[Any, Action]] = {
        "compose": (lambda: app(), type_vip),
        "findings": (lambda: app(preset="campaign-routing"), findings),
        "sent": (lambda: app((result(200, OK),), "sde-ctype-gender"), send),
        "open-conversation": (lambda: app((result(200, OK), result(400, OPEN)), "sde-ctype-gender"), send_twice),
        "settings": (lambda: app(), modal("f2", "SettingsScreen", lambda s: s.query("#s-ext_consumer_id"))),
        "presets": (lambda: app(), modal("f3", "PresetsScreen", lambda s: s.items)),
        "raw-mode": (lambda: app(preset="auto-messages"), raw_mode),
        "profile": (lambda: app(preset="demo-app-profile"), form("alt+3", "#f-profile-firstName")),
        "routing": (lambda: app(), routing),
        "timeline": (lambda: app(), timeline),
        "consumer": (lambda: app(), consumer),
        "narrow": (lambda: app((result(200, OK),), "sde-ctype-gender"), narrow),
        "presenter": (presenter_app, presenter_shown),
    }
    sizes = {"narrow": (80, 24), "presenter": (80, 24)}
    missing = linked_pictures() - set(shots)
    try:
        for name, (make, action) in shots.items():
            await shoot(name, make(), action, sizes.get(name, SIZE))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if missing:
        print(f"the README links pictures this script does not make: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    return 0


def consumer_story() -> list[Any]:
    """An open conversation in the sandbox's own notification bodies, fixed times and ids: the agent greets
    with quick replies, the consumer types, answers one (its ACTION, then its text), the agent reads it and
    answers; the consumer marks the conversation urgent."""
    from lp_tui.lp.receiver import Delivery
    from lp_tui.lp.webhooks import parse
    from lp_tui.sandbox import notes
    from lp_tui.sandbox.agent import Seat
    from lp_tui.sandbox.state import Conversation, SandboxState

    t0 = 1767225600  # 2026-01-01 00:00:00 UTC
    conv = Conversation("8602832d-dce1-446b-8445-0d51f5926a42", "5b0f1e2d", "snapshot-consumer", "VIP Support",
                        "ctype vip routes to the VIP skill", created=t0, skill_id="4235030150")
    seat, agent, state = Seat(), "e9b2c4d6a8f0", SandboxState()
    question = "3e70da9b76de4c2a911ea41aee698b82"
    bodies = [notes.conversation(state, conv, seat, (t0 + 1) * 1000)]
    seat.agent_id = agent
    bodies += [notes.conversation(state, conv, seat, (t0 + 2) * 1000),
               notes.message(conv, 0, agent, "ASSIGNED_AGENT", "Hello, this is VIP Support (a sandbox agent). How can "
                             "I help you today?", (t0 + 3) * 1000, quick_replies=("Billing", "Sales", "Other"),
                             question_id=question),
               notes.receipt(conv, conv.consumer, "CONSUMER", "ACCEPT", [0], (t0 + 5) * 1000),
               notes.receipt(conv, conv.consumer, "CONSUMER", "READ", [0], (t0 + 5) * 1000),
               notes.chat_state(conv, conv.consumer, "CONSUMER", "COMPOSING"),
               notes.consumer_event(conv, {"type": "AcceptStatusEvent", "status": "ACTION", "sequenceList": [0]},
                                    (t0 + 9) * 1000, [notes.answer_metadata(question, "Sales")]),
               notes.message(conv, 1, conv.consumer, "CONSUMER", "Sales", (t0 + 9) * 1000),
               notes.receipt(conv, agent, "ASSIGNED_AGENT", "READ", [1], (t0 + 10) * 1000),
               notes.message(conv, 2, agent, "ASSIGNED_AGENT", "You chose: Sales. Thank you!", (t0 + 11) * 1000)]
    seat.ttr_type, seat.ttr_value = "URGENT", 300
    bodies.append(notes.conversation(state, conv, seat, (t0 + 20) * 1000))
    return [Delivery(t0 + i, 200, "", parse(note.body), "127.0.0.1") for i, note in enumerate(bodies) if note]


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
