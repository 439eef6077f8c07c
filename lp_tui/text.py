"""The display boundary: text from outside becomes plain, visible, harmless text.

Anything lp-tui did not write itself (server answers, headers, token claims, files, presets,
rules, webhook events, exception messages that quote them) passes through ``safe`` before a
terminal sees it, in the app and on stdout/stderr alike:

- control characters that a terminal would act on (C0 except newline and tab, DEL, C1 with
  ESC among them), the bidirectional controls that reorder what the eye reads, and lone
  surrogates (which cannot even be encoded) are shown as escapes such as ``\\x1b`` or
  ``\\u202e``;
- nothing is ever read as markup: the app draws it as a Rich ``Text`` (see ``ui/plain.py``),
  the command line prints it as is.

No Textual and no Rich here: the command line uses it without loading either.
"""

from __future__ import annotations

import re

# C0 but \t \n; DEL; C1 (ESC's 8-bit twin CSI is \x9b); the bidi marks, embeddings, overrides
# and isolates; line/paragraph separators; the BOM; lone surrogates.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff]"
)
UNSAFE_LINE = re.compile(UNSAFE.pattern[:-1] + "\t\n]")  # one-line places: tabs and newlines too


def escape_char(char: str) -> str:
    """``\\x1b`` for a code below 256, ``\\u202e`` above."""
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


UNSAFE_RANGES = ((0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0x61C, 0x61C), (0x200E, 0x200F), (0x202A, 0x202E),
                 (0x2066, 0x2069), (0x2028, 0x2029), (0xFEFF, 0xFEFF), (0xD800, 0xDFFF))  # the same set as UNSAFE

# str.translate tables, built once: a hostile 4 MB answer of control bytes is escaped in C, in
# one pass, instead of by a Python call per character.
_TABLE = {code: escape_char(chr(code)) for low, high in UNSAFE_RANGES for code in range(low, high + 1)}
_TABLE_LINE = {**_TABLE, ord("\n"): "\\n", ord("\t"): "\\t"}
_TABLE_JSON = {code: f"\\u{code:04x}" for code in _TABLE}


def safe(text: object, *, one_line: bool = False, limit: int | None = None) -> str:
    """``text`` as a string a terminal shows and never obeys.

    ``one_line`` also escapes newlines and tabs (table cells, status lines, titles).
    ``limit`` cuts the result to that many characters, ending with an ellipsis.
    """
    value = text if isinstance(text, str) else str(text)
    if limit is not None and len(value) > limit:  # escapes only lengthen: cut first, then again after
        value = value[: limit + 1]
    value = value.translate(_TABLE_LINE if one_line else _TABLE)
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 1)] + "…"
    return value


def safe_json(text: str) -> str:
    """Serialised JSON made safe the JSON way: unsafe characters become ``\\uXXXX`` escapes.

    Such characters can only stand inside string literals of valid JSON, so the result is
    still the same JSON for a program, and harmless for a terminal.
    """
    return text.translate(_TABLE_JSON)


def is_safe(text: str) -> bool:
    return UNSAFE.search(text) is None


def spans(text: str, *, one_line: bool = False) -> list[tuple[str, bool]]:
    """``safe`` as pieces: (piece, is_escape), so a widget can show escapes in their own style."""
    pattern = UNSAFE_LINE if one_line else UNSAFE
    out: list[tuple[str, bool]] = []
    pos = 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            out.append((text[pos : match.start()], False))
        out.append((escape_char(match.group()), True))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out
