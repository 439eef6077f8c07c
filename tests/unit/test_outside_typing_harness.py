"""The outside typing benchmark's harness works (tests/benchmarks/outside_typing.py): its screen
model reads a value however the terminal stream cuts it, and one key written to the floor app in
a real pty is timed and its value found. No timing is asserted: the figures are the benchmark's."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import outside_typing  # noqa: E402
from outside_typing import Screen  # noqa: E402

LINE = b'\x1b[21;61H\x1b[1;38;5;32;48;5;234m"customerId"\x1b[0m\x1b[38;5;253;48;5;234m: \x1b[0m\x1b[38;5;71;48;5;234m"k42"\x1b[0m'


def test_a_value_cut_anywhere_in_the_stream_is_read_off_the_screen():
    for cut in range(1, len(LINE)):  # inside an escape sequence, inside the text, between the two
        screen = Screen(120, 40)
        screen.feed(LINE[:cut])
        screen.feed(LINE[cut:])
        assert screen.values() == ["k42"], cut


def test_a_character_cut_between_two_reads_is_decoded_whole():
    data = '\x1b[1;1H▶ "customerId": "k1"'.encode()
    split = data.index("▶".encode()) + 1  # the middle of the arrow's three bytes
    screen = Screen(120, 40)
    screen.feed(data[:split])
    screen.feed(data[split:])
    assert screen.text().splitlines()[0].startswith('▶ "customerId": "k1"')


def test_a_line_partly_rewritten_shows_the_new_value_and_not_the_old():
    screen = Screen(120, 40)
    screen.feed(b'\x1b[5;10H"customerId": "k12"')
    screen.feed(b'\x1b[5;27H3"')  # the cursor moved into the line, two cells rewritten
    assert screen.values() == ["k13"]
    screen.feed(b"\x1b[5;1H\x1b[2K")  # the line erased
    assert screen.values() == []


def test_a_value_placed_by_line_feeds_and_carriage_returns():
    screen = Screen(20, 3)
    screen.feed(b'one\r\ntwo\r\n"customerId": "k9"\r\nafter')  # the last line feed scrolls the screen
    assert screen.text().splitlines() == ["two".ljust(20), '"customerId": "k9"'.ljust(20), "after".ljust(20)]


def test_a_frame_in_synchronized_output_is_not_shown_until_it_ends():
    screen = Screen(120, 40)
    screen.feed(b'\x1b[?2026h\x1b[1;1H"customerId": "k5"')
    assert screen.synchronized
    screen.feed(b"\x1b[?2026l")
    assert not screen.synchronized and screen.values() == ["k5"]


def test_one_key_to_the_floor_app_in_a_pty_is_timed_and_its_value_found():
    ms, value = outside_typing.one_key(outside_typing.floor_program())
    assert value == outside_typing.BASE + "7"  # the key's value, read off the floor app's JSON
    assert math.isfinite(ms) and ms > 0


def test_a_run_that_never_shows_the_value_is_a_clear_failure_not_a_figure(monkeypatch):
    monkeypatch.setattr(outside_typing, "START_LIMIT", 2.0)  # the text never shows: the limit only ends the wait
    program = outside_typing.floor_program()
    program.ready = ["text the floor app never shows"]
    with pytest.raises(outside_typing.Broken, match="first screen did not show within"):
        outside_typing.one_key(program)


def test_run_py_names_an_unknown_benchmark_and_a_bad_rounds_count(capsys):
    import run

    for argv, said in ((["startup", "bogus"], "no benchmark named 'bogus'"), (["--rounds", "0"], "at least 1")):
        with pytest.raises(SystemExit) as stopped:
            run.main(argv)
        assert stopped.value.code == 2 and said in capsys.readouterr().err


def deep(n: int) -> int:
    return deep(n - 1) + len(json.dumps({"n": n})) if n else 0


def phase_root() -> int:
    return sum(deep(30) for _ in range(50))


def test_profile_phases_follow_calls_through_recursion(monkeypatch):
    """Time spent in a recursive function (and what it calls) belongs to the phase that called it."""
    import cProfile
    import pstats

    import profile_key

    real = profile_key.phase_of
    monkeypatch.setattr(profile_key, "phase_of",
                        lambda filename, func: "validation" if func == "phase_root" else real(filename, func))
    profiler = cProfile.Profile()
    profiler.runcall(phase_root)
    phases, tops = profile_key.by_phase(pstats.Stats(profiler))
    assert phases["validation"] > 0.95 * sum(phases.values()), phases
    assert any("deep" in name for name in tops["validation"])
