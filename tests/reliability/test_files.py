"""Files on disk: corrupt or unreadable ones are named and kept; a read-only folder loses nothing;
a kill at any moment leaves the draft and the settings whole."""

from __future__ import annotations

import os
import pty
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
from tests.pty_read import read_until
from tests.ui.fakes import settled, typed, until



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
        # the start-up notes come as one notice (notices replace each other rather than stack up)
        await until(pilot, lambda: any("settings.toml" in n.message for n in app._notifications))
        messages = " ".join(n.message for n in app._notifications)
        assert "settings.toml" in messages and "draft.toml" in messages
        await pilot.press("f3")
        await until(pilot, lambda: "bad.toml" in str(app.screen.query_one("#preset-problems").render()))
        await pilot.press("escape")
        await pilot.press("f4")
        await until(pilot, lambda: "line 2" in str(app.screen.query_one("#history-problems").render()))
        await pilot.press("escape")
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-ext_consumer_id"))  # the screen mounted whole
        app.screen.query_one("#s-profile").value = "__new__"
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
        await pilot.press(*"qa", "enter")
        await until(pilot, lambda: app.screen.query("#s-account_id"))
        app.screen.query_one("#s-account_id").value = "42"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(n.title == "Settings saved" for n in app._notifications))
    session.close()
    kept = [p for p in paths.config_dir().iterdir() if p.name.startswith("settings.toml.bad-")]
    assert len(kept) == 1 and kept[0].read_text() == "[connection\naccount_id = "
    assert settings.load(paths.settings_file()).values("qa")["account_id"] == "42"
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
        await typed(pilot, "#f-consumer-ctype", "gold")
        await until(pilot, lambda: app.composer.draft.get("consumer.ctype") == "gold")
        await pilot.press("f2")
        await until(pilot, lambda: app.screen.query("#s-ext_consumer_id"))
        app.screen.query_one("#s-ext_consumer_id").value = "kept-consumer"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("Settings not saved" in (n.title or "") for n in app._notifications))
        note = next(n for n in app._notifications if n.title == "Settings not saved")
        assert "cannot write" in note.message and "config" in note.message
        assert session.conn.ext_consumer_id == "kept-consumer"  # kept for this session
        assert app.composer.draft.get("consumer.ctype") == "gold"
        await settled(pilot)
    saved, _ = drafts.load(home / "data" / "draft.toml")
    assert saved.draft.get("consumer.ctype") == "gold"  # the draft lives elsewhere and was saved
    session.close()


async def test_draft_folder_unwritable_keeps_the_draft_in_the_window(tmp_path, monkeypatch):
    unwritable_home(tmp_path, monkeypatch, "data")
    session = load_session()
    app = make_app(session)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await typed(pilot, "#f-consumer-ctype", "vip")
        await until(pilot, lambda: any(n.title == "Draft not saved" for n in app._notifications))
        assert app.composer.draft.get("consumer.ctype") == "vip" and app.is_running
    session.close()


# --- kills ------------------------------------------------------------------------------------
def test_sigkill_while_editing_loses_nothing(lp_home):
    """The real app in a real terminal (a pty): type, kill -9, start again: the draft is there."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, as `lp-tui --sandbox` would run it
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"], os.environ["LINES"] = "120", "40"
        os.execv(sys.executable, [sys.executable, "-m", "lp_tui", "--sandbox"])
    typed = "crash-tëst"
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        read_until(fd, b"Customer id", 60)  # the first form is on screen; typing starts in its first field
        for char in typed:
            os.write(fd, char.encode())
        # the draft is written as you type: wait until the last key is on disk, then kill
        deadline = time.monotonic() + 60
        while typed.encode() not in (paths.draft_file().read_bytes() if paths.draft_file().exists() else b""):
            assert time.monotonic() < deadline, "the typed keys never reached the draft file"
            read_until(fd, None, 0.05)  # keep the pty drained while waiting
        os.kill(pid, signal.SIGKILL)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    saved, problem = drafts.load(paths.draft_file())
    assert problem is None and saved is not None
    assert saved.draft.get("consumer.customerId") == typed  # every key, in the field typing started in


WRITER = r"""
import sys, itertools
from pathlib import Path
from lp_tui.model.draft import Draft
from lp_tui.store import drafts, settings
home = Path(sys.argv[1])
for i in itertools.count():
    stored = settings.load(home / "settings.toml")
    settings.save(settings.with_changes(stored, "qa", {"account_id": str(i), "client_secret": "s" * (1 + i % 5000)}))
    draft = Draft(); draft.set_text("consumer.ctype", str(i) * (i % 3000))
    drafts.save(home / "draft.toml", drafts.SavedDraft(draft))
    print(i, flush=True)
"""


def test_sigkill_while_saving_leaves_whole_files(tmp_path):
    """Kill a process in the middle of writing settings and drafts, many times: each file always parses."""
    for attempt in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE)
        for _ in range(1 + attempt * 3):  # a different point in the writing each time
            assert proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = settings.load(tmp_path / "settings.toml")
        assert not loaded.bad_file, loaded.problems
        values = loaded.values("qa")
        assert values["client_secret"] == "s" * (1 + int(values["account_id"]) % 5000)
        saved, problem = drafts.load(tmp_path / "draft.toml")
        assert problem is None and saved is not None, problem
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 12  # a kill between mkstemp and rename may leave a temp file, never a torn one


def test_restored_draft_equals_the_one_left(lp_home):
    draft = Draft()
    draft.set_text("personal.contacts.0.email", "a@b.co")
    draft.set_value("conversation.ttrDefName", None)
    drafts.save(paths.draft_file(), SavedDraft(draft))
    saved, problem = drafts.load(paths.draft_file())
    assert problem is None and saved.draft == draft
