"""Memory: peak RSS of the app (headless, real client, sandbox in another process) after start
and after 100 sends (each send followed by a close, so every send opens a conversation)."""

from __future__ import annotations

import json
import subprocess
import sys

from common import ROOT, Figure
from sandbox_proc import sandbox_process

SENDS = int(__import__("os").environ.get("SENDS", 100))

CHILD = r'''
import asyncio, json, sys, tempfile
from pathlib import Path
values = json.loads(sys.argv[1]); sends = int(sys.argv[2])

def rss():
    status = Path("/proc/self/status").read_text()
    get = lambda key: int(next(l for l in status.splitlines() if l.startswith(key)).split()[1]) / 1024
    return get("VmRSS:"), get("VmHWM:")

async def main():
    from lp_tui.model.connection import Connection, RetryPolicy
    from lp_tui.store.history import History
    from lp_tui.ui.app import make_app
    from lp_tui.ui.session import Session
    home = Path(tempfile.mkdtemp(prefix="lp-bench-mem-"))
    conn = Connection(ext_consumer_id="mem-consumer"); conn.apply(values, "bench"); conn.retry = RetryPolicy.none()
    session = Session(conn, settings_path=home / "s.toml", presets_dir=home / "p", draft_path=home / "d.toml",
                      history=History(home / "h.jsonl"))
    app = make_app(session)
    out = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        out["start_rss"], out["start_peak"] = rss()
        composer = app.composer
        async def wait():
            while composer.sending:
                await asyncio.sleep(0.005)
            await pilot.pause()
        out["opened"] = 0
        for _ in range(sends):
            composer.action_send(); await wait()
            out["opened"] += composer.conversation_id is not None
            composer.action_close_conversation(); await wait()
        out["end_rss"], out["end_peak"] = rss()
    print(json.dumps(out))

asyncio.run(main())
'''


def run() -> list[Figure]:
    with sandbox_process() as values:
        result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(values), str(SENDS)], cwd=ROOT,
                                capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return [
        Figure("Memory: RSS after start", data["start_rss"], "MB", None, f"peak so far {data['start_peak']:.1f} MB"),
        Figure(f"Memory: peak RSS after {SENDS} sends", data["end_peak"], "MB", 120,
               f"{data['opened']} conversations opened and closed; RSS now {data['end_rss']:.1f} MB"),
    ]


if __name__ == "__main__":
    from common import report

    print(report(run()))
