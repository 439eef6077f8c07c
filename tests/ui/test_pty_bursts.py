"""Fast keys in a real terminal (a pty): a burst written at once lands where a person expects,
after Tab, Shift+Tab and arrows, in a dialog and in the raw editor (Pilot hands keys over one by
one and waits between them; a terminal does not)."""

from __future__ import annotations

import os
import pty
import signal
import sys
import time

from lp_tui import paths
from lp_tui.store import drafts
from tests.pty_read import read_until


def start_app(lp_home, *args: str) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, as `lp-tui --sandbox` runs it
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-m", "lp_tui", "--sandbox", *args])
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    return pid, fd


def stop_app(pid: int, fd: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fd)


def wait_for(fd: int, condition, what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen"
        read_until(fd, None, 0.05)  # keep the pty drained while waiting


def test_save_dialog_name_tab_description_in_one_write(lp_home):
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Customer id", 60)
        os.write(fd, b"\x13")  # Ctrl+S: save the draft as a preset
        read_until(fd, b"Save the current draft as a preset", 60)
        os.write(fd, b"fast-case\tdescribed in one go\r")  # one write: name, Tab, description, Enter
        preset = paths.presets_dir() / "fast-case.toml"
        wait_for(fd, preset.exists, "the preset file")
        text = preset.read_text()
        assert 'name = "fast-case"' in text and 'description = "described in one go"' in text
    finally:
        stop_app(pid, fd)


def test_raw_editor_down_ten_end_enter_edits_line_eleven(lp_home):
    raw = "\n".join(f"line{i}" for i in range(1, 21))
    paths.draft_file().parent.mkdir(parents=True, exist_ok=True)
    drafts.save(paths.draft_file(), drafts.SavedDraft(drafts.Draft(), raw))
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Raw mode: this exact text", 60)  # the raw editor has focus, its cursor on line 1
        os.write(fd, b"\x1b[B" * 10 + b"\x1b[F" + b"\rXX")  # Down x10, End, Enter, XX: one write
        def edited() -> bool:
            saved, _ = drafts.load(paths.draft_file())
            return saved is not None and saved.raw_body is not None and "XX" in saved.raw_body
        wait_for(fd, edited, "the edit reaching the draft")
        saved, _ = drafts.load(paths.draft_file())
        lines = saved.raw_body.split("\n")
        assert lines[10] == "line11" and lines[11] == "XX" and lines[12] == "line12", lines
    finally:
        stop_app(pid, fd)


def test_keys_typed_with_the_key_that_opens_the_dialog_wait_for_it(lp_home):
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Customer id", 60)
        os.write(fd, b"\x13quick-case\tcame with the key\r")  # Ctrl+S and the dialog's answers: one write
        preset = paths.presets_dir() / "quick-case.toml"
        wait_for(fd, preset.exists, "the preset file")
        assert 'description = "came with the key"' in preset.read_text()
    finally:
        stop_app(pid, fd)


def test_jump_letter_and_the_text_after_it_in_one_write(lp_home):
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Customer id", 60)
        os.write(fd, b"\x07")  # Ctrl+G: jump mode
        read_until(fd, b"Jump: press a letter", 60)
        # the first form field's letter comes after the six form tabs' letters (a s d f g h)
        os.write(fd, b"jQUICK42")  # the letter and the text typed after it: one write

        def typed() -> bool:
            saved, _ = drafts.load(paths.draft_file())
            return saved is not None and "QUICK42" in str(saved.draft.to_dict())
        wait_for(fd, typed, "the text reaching the draft")
        saved, _ = drafts.load(paths.draft_file())
        assert saved.draft.get("consumer.customerId") == "QUICK42"  # all of it, in the field the letter chose
    finally:
        stop_app(pid, fd)


def test_escape_and_another_key_at_once_leave_jump_mode_without_a_crash(lp_home):
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Customer id", 60)
        os.write(fd, b"\x07")
        read_until(fd, b"Jump: press a letter", 60)
        os.write(fd, b"\x1b\x1b[20~")  # Escape, then F9 (the Routing tab), in one write
        os.write(fd, b"\x07")  # the app still answers: jump mode again
        out = read_until(fd, b"Jump: press a letter", 60)
        assert b"ScreenStackError" not in out and b"Traceback" not in out
        assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # still running
    finally:
        stop_app(pid, fd)


def _last_sent_message(kind: str = "ContentEvent") -> str | None:
    import json

    path = paths.history_file()
    if not path.exists():
        return None
    for line in reversed(path.read_text().splitlines()):
        body = json.loads(line).get("request", {}).get("body", "")
        if kind in body:
            return json.loads(body)[0]["body"]["event"].get("message") if body.startswith("[") else \
                json.loads(body)["body"]["event"].get("message")
    return None


def test_ctrl_t_and_the_message_typed_with_it_in_one_write(lp_home):
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Customer id", 60)
        os.write(fd, b"\n")  # Ctrl+J: send, to open a conversation
        read_until(fd, b"open ", 60)
        os.write(fd, b"\x14my real question\r")  # Ctrl+T, the text and Enter: one write
        wait_for(fd, lambda: _last_sent_message() == "my real question", "the message as typed")
        saved, _ = drafts.load(paths.draft_file())
        assert "my real question" not in str(saved.draft.to_dict() if saved else "")  # none of it in a field
    finally:
        stop_app(pid, fd)


def test_a_timeline_letter_and_the_text_typed_with_it_in_one_write(lp_home):
    pid, fd = start_app(lp_home)
    try:
        read_until(fd, b"Customer id", 60)
        # F10 (the Timeline, with focus): one escape sequence, which a loaded machine cannot split as
        # it may split Alt+T's Escape and "t"
        os.write(fd, b"\x1b[21~")
        read_until(fd, b"checked", 60)  # "… the sandbox posts here; signatures checked"
        os.write(fd, b"\n")  # Ctrl+J: send (the Response pane shows)
        read_until(fd, b"open ", 60)
        os.write(fd, b"\x1b[21~")  # the Timeline again, with focus
        read_until(fd, b"Hello, this is", 60)  # the agent joined and greeted
        os.write(fd, b"msaid in one go\r")  # m (speak for the consumer), the text and Enter: one write
        wait_for(fd, lambda: _last_sent_message() == "said in one go", "the consumer's message as typed")
    finally:
        stop_app(pid, fd)
