"""The display boundary at its edges: each character a terminal would obey is shown as an escape.

Every test here fails if one character, one range end or the one-line rule is dropped from
lp_tui/text.py (tests/mutation.py checks that).
"""

from __future__ import annotations

import json

import pytest

from lp_tui.text import escape_char, is_safe, safe, safe_json, spans

# The characters that reorder or break what the eye reads, each named: dropping any one from the
# unsafe set lets a hostile server answer or header rearrange the screen.
UNSAFE_NAMED = {
    "\u061c": "ARABIC LETTER MARK",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
    "\ufeff": "BYTE ORDER MARK",
    "\ud800": "first lone surrogate",
    "\udfff": "last lone surrogate",
}
# Range ends of the C0, DEL and C1 controls (newline and tab are handled apart).
UNSAFE_EDGES = ["\x00", "\x08", "\x0b", "\x0c", "\x0d", "\x1b", "\x1f", "\x7f", "\x80", "\x9b", "\x9f"]
# Their neighbours, which are ordinary text and must stay as they are.
SAFE_NEIGHBOURS = ["\x20", "~", "\xa0", "é", "\u061b", "\u061d", "\u200d", "\u2010", "\u2027", "\u202f",
                   "\u2065", "\u206a", "\ufefe", "\uff00", "\ud7ff", "\ue000", "東", "😀"]


def expected_escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@pytest.mark.parametrize("char", [*UNSAFE_NAMED, *UNSAFE_EDGES],
                         ids=[UNSAFE_NAMED.get(c, f"U+{ord(c):04X}") for c in [*UNSAFE_NAMED, *UNSAFE_EDGES]])
def test_each_unsafe_character_is_shown_as_its_escape_everywhere(char):
    text = f"id{char}42"
    shown = expected_escape(char)
    for one_line in (False, True):
        assert safe(text, one_line=one_line) == f"id{shown}42"
        assert spans(text, one_line=one_line) == [("id", False), (shown, True), ("42", False)]
    assert escape_char(char) == shown
    assert not is_safe(text)
    assert safe_json(text) == f"id\\u{ord(char):04x}42"  # inside a JSON string: the same string, harmless


@pytest.mark.parametrize("char", SAFE_NEIGHBOURS, ids=[f"U+{ord(c):04X}" for c in SAFE_NEIGHBOURS])
def test_the_neighbours_of_the_unsafe_ranges_stay_as_they_are(char):
    text = f"a{char}b"
    assert safe(text) == text and safe(text, one_line=True) == text
    assert spans(text) == [(text, False)] and spans(text, one_line=True) == [(text, False)]
    assert is_safe(text)
    assert safe_json(json.dumps(text, ensure_ascii=False)) == json.dumps(text, ensure_ascii=False)


def test_one_line_places_show_tab_and_newline_as_escapes():
    text = "a\tb\nc"
    assert safe(text, one_line=True) == "a\\tb\\nc"
    assert spans(text, one_line=True) == [("a", False), ("\\t", True), ("b", False), ("\\n", True), ("c", False)]


def test_multi_line_places_keep_tab_and_newline():
    text = "a\tb\nc"
    assert safe(text) == text
    assert spans(text) == [(text, False)]
    assert is_safe(text)


def test_escapes_are_padded_to_their_width():
    assert escape_char("\x00") == "\\x00" and escape_char("\x9b") == "\\x9b"
    assert escape_char("\u061c") == "\\u061c" and escape_char("\ufeff") == "\\ufeff"
    assert escape_char("\n") == "\\n" and escape_char("\t") == "\\t"


def test_a_limit_is_kept_exactly_and_cut_with_an_ellipsis_one_past_it():
    assert safe("abcd", limit=4) == "abcd"
    assert safe("abcde", limit=4) == "abc…"
    assert len(safe("x" * 5000, limit=80)) == 80
    # escapes count in the limit: three ESC become twelve characters, cut to the limit
    assert safe("\x1b\x1b\x1b", limit=5) == "\\x1b…"
    assert safe("\x1b", limit=4) == "\\x1b"
    assert safe("abc", limit=0) == "…"


def test_text_of_any_type_is_shown_as_text():
    assert safe(42) == "42" and safe(None) == "None"
    assert safe(b"\x1b[31m") == "b'\\x1b[31m'"


def test_escapes_at_the_start_the_end_and_side_by_side_make_no_empty_pieces():
    assert spans("\x1b\x1b") == [("\\x1b", True), ("\\x1b", True)]
    assert spans("\u202eabc\u202c") == [("\\u202e", True), ("abc", False), ("\\u202c", True)]
    assert spans("a\n", one_line=True) == [("a", False), ("\\n", True)]
    assert spans("") == []


def test_escape_char_uses_the_short_form_only_below_256():
    assert escape_char("\xff") == "\\xff"
    assert escape_char("\u0100") == "\\u0100"
