"""The display boundary and the bounds: what they escape, what they refuse."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lp_tui import limits
from lp_tui.text import UNSAFE, _TABLE, safe, safe_json, spans


def is_safe(text: str) -> bool:
    """No character the display boundary escapes is left in ``text``."""
    return UNSAFE.search(text) is None


def test_the_translate_table_is_exactly_the_unsafe_set():
    assert all(bool(UNSAFE.match(chr(code))) == (code in _TABLE) for code in range(0x10000))


@pytest.mark.parametrize("raw,shown", [("\x1b]2;x\x07", "\\x1b]2;x\\x07"), ("\x9b31m", "\\x9b31m"),
                                       ("a\u202eb", "a\\u202eb"), ("\ud800", "\\ud800"), ("\r", "\\x0d"),
                                       ("\x7f", "\\x7f"), ("ok\n\ttab", "ok\n\ttab")])
def test_control_characters_are_shown_as_escapes(raw, shown):
    assert safe(raw) == shown


def test_one_line_places_escape_newlines_and_tabs_too():
    assert safe("a\nb\tc", one_line=True) == "a\\nb\\tc"


@given(st.text())
def test_safe_output_is_always_safe_and_loses_nothing_readable(text):
    out = safe(text)
    assert is_safe(out)
    out.encode("utf-8")  # never a lone surrogate: this raises if one got through
    for char in text:
        if not UNSAFE.match(char):
            assert char in out


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                    max_leaves=10))
def test_safe_json_is_the_same_json_for_a_program(value):
    text = json.dumps(value, ensure_ascii=False)
    made_safe = safe_json(text)
    assert is_safe(made_safe) and json.loads(made_safe) == json.loads(text)


def test_limit_cuts_with_an_ellipsis():
    assert safe("abcdef", limit=4) == "abc…" and safe("ab", limit=4) == "ab"
    assert len(safe("\x1b" * 100, limit=10)) == 10


def test_spans_mark_the_escapes():
    assert spans("a\x1bb") == [("a", False), ("\\x1b", True), ("b", False)]


def test_json_and_toml_nesting_is_refused_past_the_limit_with_a_clear_message():
    with pytest.raises(limits.TooDeep, match="nested deeper than 100 levels"):
        limits.loads_json("[" * 5000 + "]" * 5000)
    with pytest.raises(limits.TooDeep):
        limits.loads_json("[" * 101 + "]" * 101)
    assert limits.loads_json("[" * 100 + "]" * 100) is not None
    with pytest.raises(limits.TooDeep):
        limits.loads_toml("x = " + "[" * 5000 + "]" * 5000)


def test_json_constants_are_refused_when_asked():
    with pytest.raises(ValueError, match="NaN is not allowed"):
        limits.loads_json("NaN", strict_numbers=True)


def test_files_larger_than_the_limit_are_refused(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 101)
    with pytest.raises(ValueError, match="larger than"):
        limits.read_bytes(path, 100)
    assert limits.read_bytes(path, 101) == b"x" * 101


@pytest.mark.parametrize("value,ceiling,expected", [("5", 60, 5.0), ("100000", 60, 60.0), ("inf", 60, 60.0),
                                                    ("nan", 60, None), ("-3", 60, 0.0), ("soon", 60, None),
                                                    (None, 60, None), ("1e400", 60, 60.0)])
def test_waits_from_outside_are_bounded(value, ceiling, expected):
    assert limits.finite_seconds(value, ceiling) == expected
