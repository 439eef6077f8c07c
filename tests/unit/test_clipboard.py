"""Which clipboards a copy goes to, and what the notice says (the tmux run is in
tests/integration/test_tmux_copy.py)."""

from __future__ import annotations

import base64

from lp_tui.ui import clipboard


def which_of(*installed):
    return lambda name: f"/usr/bin/{name}" if name in installed else None


def test_under_tmux_the_buffer_and_the_system_clipboard_both_take_it():
    ran = []

    def run(backend, text):
        ran.append(backend.argv)
        return True

    places = clipboard.copy_everywhere("x", {"TMUX": "/tmp/tmux-1/default,1,0", "DISPLAY": ":0"},
                                       which_of("tmux", "xclip", "xsel"), run)
    assert places == ["tmux buffer", "system clipboard"]
    assert ran == [("tmux", "load-buffer", "-"), ("xclip", "-selection", "clipboard", "-in")]  # one system program
    assert clipboard.described(places) == "tmux buffer and system clipboard"


def test_a_program_that_fails_is_passed_over_for_the_next():
    places = clipboard.copy_everywhere("x", {"DISPLAY": ":0"}, which_of("xclip", "xsel"),
                                       lambda backend, text: backend.argv[0] == "xsel")
    assert places == ["system clipboard"]


def test_wayland_macos_and_wsl_programs_are_found_and_nothing_without_any():
    assert [b.argv[0] for b in clipboard.backends({"WAYLAND_DISPLAY": "wayland-0"}, which_of("wl-copy"))] == ["wl-copy"]
    assert [b.argv[0] for b in clipboard.backends({}, which_of("pbcopy"))] == ["pbcopy"]
    assert [b.argv[0] for b in clipboard.backends({}, which_of("clip.exe"))] == ["clip.exe"]
    assert clipboard.backends({}, which_of("xclip", "tmux")) == []  # no display, no tmux session
    assert clipboard.copy_everywhere("x", {}, which_of(), lambda b, t: True) == []


def test_a_hanging_program_is_stopped_at_its_time_limit(tmp_path):
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    assert clipboard.run_backend(clipboard.Backend("system clipboard", (str(slow),)), "x", timeout=0.5) is False


def test_a_program_gets_the_exact_text(tmp_path):
    keep = tmp_path / "keep"
    keep.write_text(f"#!/bin/sh\ncat > {tmp_path}/got\n")
    keep.chmod(0o755)
    text = "curl -X POST 'é \"$x\"'\n"
    assert clipboard.run_backend(clipboard.Backend("system clipboard", (str(keep),)), text)
    assert (tmp_path / "got").read_text() == text


def test_tmux_passthrough_wraps_osc_52():
    wrapped = clipboard.tmux_passthrough("hé")
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]52;c;") and wrapped.endswith("\x07\x1b\\")
    assert base64.b64decode(wrapped.split(";")[-1].split("\x07")[0]).decode() == "hé"
