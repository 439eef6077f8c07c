"""Make the SVG screenshots in screenshots/ (shown in the README).

Run: python scripts/screenshots.py   (uses the same deterministic fakes as the snapshot tests)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "screenshots"


async def shoot(name: str, app, actions) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await actions(pilot)
        await pilot.pause(0.3)
        app.save_screenshot(str(OUT / f"{name}.svg"))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="lp-tui-shots-"))
    os.environ["LP_TUI_HOME"] = str(home)
    os.environ["TZ"] = "UTC"
    time.tzset()
    from lp_tui.model.presets import load
    from lp_tui.store.drafts import SavedDraft
    from lp_tui.ui.app import make_app
    from tests.ui.fakes import OK, OPEN, make_session, result

    OUT.mkdir(exist_ok=True)

    def app(script=(), preset=None):
        draft = load(preset, home / "none").draft if preset else None
        return make_app(make_session(home, script), SavedDraft(draft) if draft else None)

    async def nothing(pilot):
        pass

    async def send(pilot):
        await pilot.press("ctrl+s")
        for _ in range(50):
            await pilot.pause(0.05)
            if not pilot.app.composer.sending:
                break

    async def send_twice(pilot):
        await send(pilot)
        await send(pilot)

    async def type_vip(pilot):
        await pilot.click("#f-consumer-ctype")
        await pilot.press(*"vip")

    async def findings(pilot):
        await pilot.click("#f-consumer-companySize")
        await pilot.press(*"many")
        pilot.app.composer.query_one("#forms").active = "tab-personal"
        await pilot.pause()
        pilot.app.composer.query_one("#f-personal-gender").value = ""
        await pilot.click("#f-personal-gender")
        await pilot.press(*"male")

    async def key(name):
        async def press(pilot):
            await pilot.press(name)
            await pilot.pause(0.3)
        return press

    async def timeline(pilot):
        from tests.ui.fakes import timeline_story

        await pilot.press("f10")
        await pilot.pause(0.3)
        view = pilot.app.composer.query_one("TimelineView")
        for delivery in timeline_story():
            view.follower.inbox.deliver(delivery)

    try:
        await shoot("compose", app(), type_vip)
        await shoot("findings", app(preset="campaign-routing"), findings)
        await shoot("sent", app([result(200, OK)], "sde-ctype-gender"), send)
        await shoot("open-conversation", app([result(200, OK), result(400, OPEN)], "sde-ctype-gender"), send_twice)
        await shoot("settings", app(), await key("f2"))
        await shoot("presets", app(), await key("f3"))
        await shoot("raw-mode", app(preset="auto-messages"), await key("f6"))
        await shoot("timeline", app(preset="sde-ctype-gender"), timeline)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
