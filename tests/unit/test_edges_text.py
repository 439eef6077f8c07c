"""The display boundary at its edges: each character a terminal would obey is shown as an escape.

Every test here fails if one character, one range end or the one-line rule is dropped from
lp_tui/text.py (tests/mutation.py checks that).
"""

from __future__ import annotations

import json

import pytest

from lp_tui.text import (CONTINUATION, ID_CHARS_SHOWN, UNSAFE, escape_char, id_shape_problem, ident, is_plain_ident,
                         record, safe, safe_json, spans)


def is_safe(text: str) -> bool:
    """No character the display boundary escapes is left in ``text``."""
    return UNSAFE.search(text) is None


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


# --- command-line records: no line of text from outside can pass for a line of lp-tui's own --------------
def test_a_record_is_one_line_with_newline_tab_and_escape_shown():
    assert record("conversationId: x\nresult: ok\tdone\x1b[2J") == "conversationId: x\\nresult: ok\\tdone\\x1b[2J"
    assert record(404) == "404"
    assert record("plain") == "plain"


def test_a_continued_record_keeps_its_lines_each_marked_as_a_continuation():
    assert CONTINUATION == "    ⋮ "
    assert record("first\nconversationId: fake\r\nlast\x1b", continued=True) == \
        "first\n    ⋮ conversationId: fake\n    ⋮ last\\x1b"
    assert record("a\tb", continued=True) == "a\tb"
    assert record("a\rb", continued=True) == "a\\x0db"  # a lone carriage return cannot rewrite the line
    assert record({"k": 1}, continued=True) == "{'k': 1}"
    assert record("one line", continued=True) == "one line"


# --- ids: what is read is what must be typed back ------------------------------------------------------
INVISIBLE_ENDS = [chr(code) for low, high in (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F),
    (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF)) for code in {low, high}]


@pytest.mark.parametrize("char", INVISIBLE_ENDS, ids=[f"U+{ord(c):04X}" for c in INVISIBLE_ENDS])
def test_each_invisible_character_is_escaped_in_an_id(char):
    code = ord(char)
    shown = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
    what = "a control character" if not is_safe(char) else "an invisible character"  # the bidi controls
    assert ident(f"a{char}b") == f"a{shown}b"
    assert spans(f"a{char}b", as_id=True) == [("a", False), (shown, True), ("b", False)]
    assert not is_plain_ident(f"a{char}b")
    assert id_shape_problem(f"a{char}") == f"it holds {what} U+{code:04X} at character 2"


def test_an_id_is_one_line_with_control_characters_escaped():
    assert ident("a\nb\tc\x1bd\u202ee") == "a\\nb\\tc\\x1bd\\u202ee"
    assert ident(12345) == "12345"
    assert spans("a\n\x1b", as_id=True) == [("a", False), ("\\n", True), ("\\x1b", True)]
    assert spans("id-1", as_id=True) == [("id-1", False)]


def test_an_id_limit_is_kept_exactly_and_cut_with_an_ellipsis_one_past_it():
    assert ident("abcd", limit=4) == "abcd"
    assert ident("abcde", limit=4) == "abc…"
    assert ident("a\u200bbc", limit=9) == "a\\u200bbc"
    assert ident("a\u200bbc", limit=8) == "a\\u200b…"  # escapes count in the limit
    assert ident("\u200b", limit=6) == "\\u200b"
    assert ident("abc", limit=0) == "…"
    assert ident("x" * 5000, limit=80) == "x" * 79 + "…"


def test_a_plain_id_is_told_apart_from_one_that_only_looks_the_same():
    assert is_plain_ident("4a5f2c1e-conv.id:7") is True
    assert is_plain_ident("café") is True  # visible, shown as it is
    assert is_plain_ident("4a5f\u200b2c1e") is False
    assert is_plain_ident("a\tb") is False


# --- an id's shape: what is copied for a shell must be one -------------------------------------------------
def test_every_id_character_is_accepted_and_an_id_of_200_characters_too():
    assert ID_CHARS_SHOWN == "letters, digits and . _ : @ + = , % / [ ] -"
    assert id_shape_problem("AZaz09._:@+=,%/[]-") == ""
    assert id_shape_problem("x") == ""
    assert id_shape_problem("x" * 200) == ""


@pytest.mark.parametrize("text, problem", [
    ("", "it is empty"),
    ("x" * 201, "it is 201 characters long (an id is at most 200)"),
    ("ab cd", "it holds a space at character 3"),
    ("ab\nrm -rf ~", "it holds a newline at character 3"),
    ("a\r", "it holds a carriage return at character 2"),
    ("\tx", "it holds a tab at character 1"),
    ("a\x1bb", "it holds a control character U+001B at character 2"),
    ("a\x7f", "it holds a control character U+007F at character 2"),
    ("ab\u202e", "it holds a control character U+202E at character 3"),
    ("a\u200bb", "it holds an invisible character U+200B at character 2"),
    ("aéb", "it holds the character 'é' (U+00E9) at character 2"),
    ("a;b", "it holds the character ';' (U+003B) at character 2"),
    ("a$(x)", "it holds the character '$' (U+0024) at character 2"),
    ("a\u0378b", "it holds the character U+0378 at character 2"),
    ("ok\u00a0", "it holds the character U+00A0 at character 3"),
])
def test_an_id_of_the_wrong_shape_is_told_why_naming_the_first_odd_character(text, problem):
    assert id_shape_problem(text) == problem
