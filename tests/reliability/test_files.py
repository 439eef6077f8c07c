"""Files on disk: corrupt or unreadable ones are named and kept; a read-only folder loses nothing;
a kill at any moment leaves the draft and the settings whole."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from lp_tui import paths
from lp_tui.model.draft import Draft
from lp_tui.store import drafts, settings
from lp_tui.ui.session import load_session
from lp_tui.store.drafts import SavedDraft
from lp_tui.ui.app import make_app
from tests.ui.fakes import until



def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def test_corrupt_files_are_named_the_app_starts_and_nothing_is_overwritten(lp_home):
    write(paths.settings_file(), "[connection\naccount_id = ")
    write(paths.draft_file(), "draft = [")
    write(paths.history_file(), '{"action": "create conversation"}\n{broken\n')
    write(paths.presets_dir() / "bad.toml", "name = 'bad'\n[draft\n")
    session = load_session()
    saved, problem = drafts.load(paths.draft_file())
    assert saved is None and str(paths.draft_file()) in problem
    session.startup_notes.append(problem)
    assert any(str(paths.settings_file()) in note and "line 1" in note for note in session.startup_notes)
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        messages = " ".join(n.message for n in app._notifications)
        assert "settings.toml" in messages and "draft.toml" in messages
        await pilot.press("f3")
        await until(pilot, lambda: "bad.toml" in str(app.screen.query_one("#preset-problems").render()))
        await pilot.press("escape")
        await pilot.press("f4")
        await until(pilot, lambda: "line 2" in str(app.screen.query_one("#history-problems").render()))
        await pilot.press("escape")
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#s-account_id").value = "42"
        await pilot.press("ctrl+s")
        for _ in range(50):
            await pilot.pause(0.05)
            if paths.settings_file().exists() and "42" in paths.settings_file().read_text():
                break
    session.close()
    kept = [p for p in paths.config_dir().iterdir() if p.name.startswith("settings.toml.bad-")]
    assert len(kept) == 1 and kept[0].read_text() == "[connection\naccount_id = "
    assert settings.load(paths.settings_file()).connection.account_id == "42"
    assert any(p.name.startswith("draft.toml.bad-") for p in paths.data_dir().iterdir())


async def test_an_unreadable_settings_file_is_reported(lp_home):
    paths.settings_file().mkdir(parents=True)  # a folder where the file should be: unreadable as a file
    loaded = settings.load(paths.settings_file())
    assert loaded.bad_file and "cannot read it" in loaded.problems[0] and str(paths.settings_file()) in loaded.problems[0]


def unwritable_home(tmp_path: Path, monkeypatch, folder: str) -> Path:
    """An lp-tui home whose ``folder`` cannot be written: a file stands where the folder should be
    (as unwritable as a read-only folder, even for root, who ignores permission bits)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / folder).write_text("not a folder")
    monkeypatch.setenv("LP_TUI_HOME", str(home))
    return home


async def test_read_only_config_folder_saving_fails_clearly_and_nothing_typed_is_lost(tmp_path, monkeypatch):
    home = unwritable_home(tmp_path, monkeypatch, "config")
    session = load_session()
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        app.composer.query_one("#f-consumer-ctype").focus()
        await pilot.press(*"gold")
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#s-account_id").value = "777"
        await pilot.press("ctrl+s")
        for _ in range(40):
            await pilot.pause(0.05)
            if any("Settings not saved" in (n.title or "") for n in app._notifications):
                break
        note = next(n for n in app._notifications if n.title == "Settings not saved")
        assert "cannot write" in note.message and "config" in note.message
        assert session.file_conn.account_id == "777"  # kept for this session
        assert app.composer.draft.get("consumer.ctype") == "gold"
        await pilot.pause(0.4)
    saved, _ = drafts.load(home / "data" / "draft.toml")
    assert saved.draft.get("consumer.ctype") == "gold"  # the draft lives elsewhere and was saved
    session.close()


async def test_draft_folder_unwritable_keeps_the_draft_in_the_window(tmp_path, monkeypatch):
    unwritable_home(tmp_path, monkeypatch, "data")
    session = load_session()
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        app.composer.query_one("#f-consumer-ctype").focus()
        await pilot.press(*"vip")
        for _ in range(40):
            await pilot.pause(0.05)
            if any(n.title == "Draft not saved" for n in app._notifications):
                break
        assert any(n.title == "Draft not saved" for n in app._notifications)
        assert app.composer.draft.get("consumer.ctype") == "vip" and app.is_running
    session.close()


# --- kills ------------------------------------------------------------------------------------
def read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            data += chunk
            if needle in data:
                return data
    raise AssertionError(f"{needle!r} did not show within {timeout} s")


def test_sigkill_while_editing_loses_nothing(lp_home):
    """The real app in a real terminal (a pty): type, kill -9, start again: the draft is there."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, as `lp-tui --sandbox` would run it
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"], os.environ["LINES"] = "120", "40"
        os.execv(sys.executable, [sys.executable, "-m", "lp_tui", "--sandbox"])
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        read_until(fd, b"Findings", 30)
        time.sleep(0.5)
        for _ in range(6):  # Tab to the Customer type field (the fifth input)
            os.write(fd, b"\t")
            time.sleep(0.05)
        os.write(fd, "crash-tëst".encode())
        time.sleep(1.0)  # the draft is written as you type, one write at a time
        os.kill(pid, signal.SIGKILL)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    saved, problem = drafts.load(paths.draft_file())
    assert problem is None and saved is not None
    # every key typed is in the restored draft (under load, a Tab may land a few keys early, in
    # the field before Customer type: what counts here is that nothing typed is lost)
    from lp_tui.model.build import build_payload

    info = build_payload(saved.draft)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]
    assert "".join(v for v in info.values() if isinstance(v, str)) == "crash-tëst", info


WRITER = r"""
import sys, itertools
from pathlib import Path
from lp_tui.lp.config import Connection
from lp_tui.model.draft import Draft
from lp_tui.store import drafts, settings
home = Path(sys.argv[1])
print("ready", flush=True)
for i in itertools.count():
    conn = Connection(account_id=str(i), client_secret="s" * (i % 5000))
    settings.save(conn, home / "settings.toml")
    draft = Draft(); draft.set_text("consumer.ctype", str(i) * (i % 3000))
    drafts.save(home / "draft.toml", drafts.SavedDraft(draft))
"""


def test_sigkill_while_saving_leaves_whole_files(tmp_path):
    """Kill a process in the middle of writing settings and drafts, many times: each file always parses."""
    for attempt in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.05 + attempt * 0.037)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if (tmp_path / "settings.toml").exists():
            loaded = settings.load(tmp_path / "settings.toml")
            assert not loaded.bad_file, loaded.problems
            assert loaded.connection.client_secret == "s" * (int(loaded.connection.account_id) % 5000)
        if (tmp_path / "draft.toml").exists():
            saved, problem = drafts.load(tmp_path / "draft.toml")
            assert problem is None, problem
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 12  # a kill between mkstemp and rename may leave a temp file, never a torn one


def test_restored_draft_equals_the_one_left(lp_home):
    draft = Draft()
    draft.set_text("personal.contacts.0.email", "a@b.co")
    draft.set_value("conversation.ttrDefName", None)
    drafts.save(paths.draft_file(), SavedDraft(draft))
    saved, problem = drafts.load(paths.draft_file())
    assert problem is None and saved.draft == draft
