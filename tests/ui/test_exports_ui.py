"""The app's exports, evidence, diff and checks, driven with Pilot. Waits are on conditions only."""

from __future__ import annotations

import json
import runpy
import subprocess

import pytest

from lp_tui import paths
from lp_tui.model.draft import Draft
from lp_tui.store.drafts import SavedDraft
from lp_tui.ui.app import make_app

from .fakes import OK, OPEN, make_session, result, session_for, settled, typed, until
from .test_app import run_from_palette, send

pytestmark = pytest.mark.asyncio
SIZE = (120, 40)


def notes(app) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_copy_as_curl_runs_against_the_sandbox_with_minted_tokens(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await typed(pilot, "#f-consumer-ctype", "it's $HOME")
        await settled(pilot)
        await run_from_palette(pilot, "copy as curl", "Copy as curl")
        await until(pilot, lambda: app.clipboard.startswith("curl -X POST"), "the curl command")
        command = app.clipboard
        host = session.sandbox.state.hosts["asyncMessagingEnt"]
        # $LP_HOST, never the built-in sandbox's temporary port (it dies with the app)
        assert '"http://$LP_HOST/api/account/12345678/messaging/consumer/conversation?v=3"' in command
        assert host not in command
        await until(pilot, lambda: any("Copied as curl" in n for n in notes(app)), "the notice")
        client = session.client
        app_jwt = await client.app_jwt()
        jws = await client.consumer_jws(app_jwt)
        assert app_jwt not in command and jws not in command
        ran = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "LP_APP_JWT": app_jwt, "LP_CONSUMER_JWS": jws,
                                  "LP_HOST": host})
        answer = json.loads(ran.stdout)
        conversation = session.sandbox.state.conversations[answer[1]["body"]["conversationId"]]
        assert conversation.ext_consumer_id == session.conn.ext_consumer_id
    session.close()


async def test_copy_as_python_holds_the_preview_body(tmp_path):
    app = make_app(make_session(tmp_path), SavedDraft(Draft(), '[{"raw": "it\'s \\"raw\\" $x"}, {}]'))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.raw_mode and app.composer.body_text)
        await run_from_palette(pilot, "copy as python", "Copy as Python")
        await until(pilot, lambda: "import urllib.request" in app.clipboard, "the script")
        script = tmp_path / "s.py"
        script.write_text(app.clipboard)
        assert runpy.run_path(str(script), run_name="x")["BODY"] == app.composer.body_text
        await until(pilot, lambda: any("Copied as Python" in n for n in notes(app)), "the notice")


async def test_copy_as_curl_needs_no_network_and_says_what_to_set(tmp_path):
    from lp_tui.model.connection import Connection

    conn = Connection(account_id="1", csds_url="http://127.0.0.1:9", client_id="c", client_secret="s",
                      ext_consumer_id="x")
    app = make_app(session_for(tmp_path, conn))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await run_from_palette(pilot, "copy as curl", "Copy as curl")
        await until(pilot, lambda: any("lp-tui token" in n for n in notes(app)), "the notice")
        assert '"http://$LP_HOST/api/account/1/' in app.clipboard


async def test_save_evidence_after_a_send_and_not_before(tmp_path):
    app = make_app(make_session(tmp_path, [result(200, OK)]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: any("No send yet" in n for n in notes(app)))
        await send(pilot)
        await settled(pilot)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: any(n.startswith("Evidence saved") for n in notes(app)), "the evidence")
        folder = paths.data_dir() / "evidence"
        md = next(folder.glob("*.md"))
        text = md.read_text()
        assert "8602832d-dce1-446b-8445-0d51f5926a42" in text and "VIP Support" in text
        assert json.loads(md.with_suffix(".json").read_text())["routing"]["skill"] == "VIP Support"
        assert any(md.name in n for n in notes(app))
        await until(pilot, lambda: app.composer.session.history.load()[0], "the history entry")
        entry_id = app.composer.session.history.load()[0][-1]["id"]
        assert entry_id in md.name and entry_id in text  # named after the History entry of the same send


async def test_evidence_of_a_failed_send_holds_its_body(tmp_path):
    from lp_tui.lp.errors import TransportError

    error = TransportError("domain lookup", "connection refused", "is it running?", "127.0.0.1:9")
    app = make_app(make_session(tmp_path, [error]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await typed(pilot, "#f-consumer-ctype", "gold")
        await send(pilot)
        await run_from_palette(pilot, "save evidence", "Save evidence")
        await until(pilot, lambda: any(n.startswith("Evidence saved") for n in notes(app)), "the evidence")
        text = next((paths.data_dir() / "evidence").glob("*.md")).read_text()
        assert "→ no answer" in text and '"ctype": "gold"' in text and "connection refused" in text


async def test_history_evidence_and_diff_of_two_entries(tmp_path):
    app = make_app(make_session(tmp_path, [result(200, OK), result(400, OPEN)]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await send(pilot)
        await send(pilot)
        await settled(pilot)
        await pilot.press("f4")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and len(app.screen.entries) == 2)
        history = app.screen
        await pilot.press("e")
        await until(pilot, lambda: any(n.startswith("Evidence saved") for n in notes(app)), "the evidence")
        text = next((paths.data_dir() / "evidence").glob("*.md")).read_text()
        assert history.entries[0]["id"] in text and "BAD\\_REQUEST" in text
        await pilot.press("d")
        await until(pilot, lambda: history.marked is history.entries[0])
        await pilot.press("down", "d")
        await until(pilot, lambda: type(app.screen).__name__ == "DiffScreen", "the diff")
        diff = app.screen
        assert diff.count > 0
        assert any(r.kind == "changed" and '"status": 400' in r.left and '"status": 200' in r.right for r in diff.rows)
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard.startswith("--- "), "the unified diff")
        assert '-    "status": 400,' in app.clipboard
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is history and history.marked is None)


async def test_presets_screen_runs_the_builtin_checks_live_on_the_sandbox(tmp_path):
    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        session.sandbox.state.released.clear()  # the sandbox holds every request: the run is seen mid-way
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ChecksScreen")
        screen = app.screen
        table = screen.query_one("DataTable")
        await until(pilot, lambda: str(table.get_cell_at((0, 1))) == "running…"
                    and str(table.get_cell_at((1, 1))) == "pending", "the first check to be running")
        assert "send…" in str(table.get_cell_at((0, 3))) and not screen.finished
        session.sandbox.state.released.set()
        await until(pilot, lambda: screen.finished, "the checks")
        assert screen.results and all(r.passed for r in screen.results), [r.mismatches for r in screen.results]
        assert [str(table.get_cell_at((i, 1))) for i in range(table.row_count)] == ["pass"] * len(screen.results)
        assert screen.query_one("ProgressBar").percentage == 1
        assert all(c.state == "CLOSE" for c in session.sandbox.state.conversations.values())
    session.close()


async def test_a_failing_check_shows_its_row_and_why(tmp_path):
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "wrong.toml").write_text('name = "wrong"\ndescription = "expects too much"\n[expect]\nstatus = 201\n')
    session = session_for(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "PresetsScreen" and app.screen.items)
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press(*str(folder), "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "ChecksScreen" and app.screen.finished)
        screen = app.screen
        await until(pilot, lambda: "status: expected 201, got 200" in str(screen.query_one("#checks-detail").render()))
        assert str(screen.query_one("DataTable").get_cell_at((0, 1))) == "FAIL"
        assert "0 passed, 1 failed" in str(screen.query_one("#checks-summary").render())
    session.close()


async def test_a_broken_check_folder_is_said_in_the_screen(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "bad"\n[expect]\nbogus = 1\n')
    from lp_tui.ui.screens.checks import ChecksScreen

    session = make_session(tmp_path)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        app.push_screen(ChecksScreen(session, [str(tmp_path)]))
        await until(pilot, lambda: type(app.screen).__name__ == "ChecksScreen" and app.screen.finished,
                    "the checks screen to finish")
        problem = app.screen.problem
        assert "unknown key 'bogus'" in problem and str(tmp_path / "bad.toml") in problem, (problem, sorted(
            p.name for p in tmp_path.iterdir()))


async def test_an_unplanned_failure_in_an_export_is_said_not_swallowed(tmp_path, monkeypatch):
    from lp_tui.export import python

    def broken(spec):
        raise RuntimeError("boom")

    monkeypatch.setattr(python, "python_script", broken)
    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        await run_from_palette(pilot, "copy as python", "Copy as Python")
        await until(pilot, lambda: any("Copy as Python failed" in n and "boom" in n for n in notes(app)))
        assert app.is_running and app.clipboard == ""


async def test_a_copy_names_where_it_went_and_says_plainly_when_nothing_took_it(tmp_path, monkeypatch):
    from lp_tui.ui import clipboard

    app = make_app(make_session(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.composer.body_text)
        monkeypatch.setattr(clipboard, "copy_everywhere", lambda text: ["tmux buffer", "system clipboard"])
        await run_from_palette(pilot, "copy request body", "Copy request body")
        await until(pilot, lambda: any("to the tmux buffer and system clipboard" in n for n in notes(app)))
        monkeypatch.setattr(clipboard, "copy_everywhere", lambda text: [])
        await run_from_palette(pilot, "copy as curl", "Copy as curl")
        await until(pilot, lambda: any("not copied for sure" in n and "No clipboard took" in n for n in notes(app)))
        await run_from_palette(pilot, "write the last copy", "Write the last copy to a file")
        await until(pilot, lambda: any("Written to a file" in n for n in notes(app)))
        written = list(paths.data_dir().glob("copied-*.txt"))
        assert len(written) == 1 and written[0].read_text() == app.clipboard
        assert written[0].stat().st_mode & 0o777 == 0o600
