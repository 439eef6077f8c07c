"""Snapshots of the new screens, at 120x40 and at 80x24, deterministic: the side-by-side diff of
two history entries, and a run of the built-in checks with live results (scripted answers).
Update them on purpose with: pytest tests/ui/test_snapshots_exports.py --snapshot-update
"""

from __future__ import annotations

import json

from .fakes import OK, OPEN, result, until
from .test_snapshots import app_with, fixed_clock, home, modal, size, steady_cursors  # noqa: F401 (fixtures)


def _entries(home) -> None:
    lines = []
    for i, (status, body) in enumerate(((200, OK), (400, OPEN))):
        entry = result(status, body).to_record()
        entry.update(time=1767225600 + 60 * i, id=f"entry{i}0000000", profile="sandbox")
        entry["request"]["body"] = json.dumps([{"kind": "req", "id": "1", "type": "userprofile.SetUserProfile",
                                                "body": {}}, {"kind": "req", "id": "2",
                                                              "type": "cm.ConsumerRequestConversation",
                                                              "body": {"brandId": "12345678"}}], indent=2)
        if i == 0:
            entry["routing"] = {"skill": "General", "rule": "otherwise any skill"}
        lines.append(json.dumps(entry))
    (home / "history.jsonl").write_text("\n".join(lines) + "\n")


def test_diff_of_two_history_entries(snap_compare, home, size):
    _entries(home)

    async def run_before(pilot):
        await modal(pilot, "f4", "HistoryScreen", lambda s: len(s.entries) == 2)
        await pilot.press("d", "down", "d")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "DiffScreen")
        pilot.app.clear_notifications()  # "marked for the diff" would fade at a time of its own
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)


def test_checks_run_with_live_results(snap_compare, home, size):
    async def run_before(pilot):
        await modal(pilot, "f3", "PresetsScreen", lambda s: s.items)
        await pilot.press("r")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "PromptScreen")
        await pilot.press("enter")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "ChecksScreen" and pilot.app.screen.finished)
        await until(pilot, lambda: all(w.is_finished for w in pilot.app.workers))
        await pilot.pause()

    assert snap_compare(app_with(home), terminal_size=size, run_before=run_before)
