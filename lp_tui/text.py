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


CONTINUATION = "    ⋮ "  # starts each continued line of a multi-line record on stdout/stderr


def record(text: object, *, continued: bool = False) -> str:
    """``text`` as one record of command-line output: never a line that text from outside made.

    By default the record is one line (newlines shown as ``\\n``). With ``continued`` its lines
    are kept, each one after the first starting with ``CONTINUATION``: a multi-line answer stays
    readable, and none of its lines can pass for a line of lp-tui's own (``conversationId: …``).
    """
    if not continued:
        return safe(text, one_line=True)
    value = safe((text if isinstance(text, str) else str(text)).replace("\r\n", "\n"))
    return value.replace("\n", "\n" + CONTINUATION)


# What reads as another character or as nothing: zero-width spaces and joiners, the word joiner
# and invisible operators, soft hyphen, the Mongolian vowel separator, variation selectors, tags,
# and the bidi controls ``safe`` already escapes. Shown escaped wherever an id, a host or anything
# a user may type back is shown, so two ids that look the same are seen to differ.
_INVISIBLE_RANGES = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
                     (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F),
                     (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
_TABLE_ID = {**_TABLE_LINE, **{code: escape_char(chr(code)) if code < 0x10000 else f"\\U{code:08x}"
                              for low, high in _INVISIBLE_RANGES for code in range(low, high + 1)}}


UNSAFE_ID = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in
                                     (*UNSAFE_RANGES, *_INVISIBLE_RANGES, (0x09, 0x0A))) + "]")


def ident(text: object, *, limit: int | None = None) -> str:
    """An id, a host name, a profile or file name: one line, with every invisible or reordering
    character escaped (``\\u200b``, ``\\u202e``), so what is read is what must be typed back."""
    value = text if isinstance(text, str) else str(text)
    if limit is not None and len(value) > limit:
        value = value[: limit + 1]
    value = value.translate(_TABLE_ID)
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 1)] + "…"
    return value


def is_plain_ident(text: str) -> bool:
    """True when ``ident`` shows ``text`` as it is (nothing invisible, nothing escaped)."""
    return ident(text) == text


ID_CHARS = re.compile(r"[A-Za-z0-9._:@+=,%/\[\]-]+")  # printable ASCII a shell gives no meaning to (but glob [])
ID_CHARS_SHOWN = "letters, digits and . _ : @ + = , % / [ ] -"
MAX_ID = 200


def id_shape_problem(text: str) -> str:
    """Why ``text`` does not have an id's shape (one line of ``ID_CHARS_SHOWN``, at most 200
    characters), in words that name the first odd character by its code; "" if it does.

    What is copied for the user to paste into a shell must be such an id: a server's "id" holding
    a newline and a command would run it when pasted."""
    if not text:
        return "it is empty"
    if len(text) > MAX_ID:
        return f"it is {len(text)} characters long (an id is at most {MAX_ID})"
    if ID_CHARS.fullmatch(text):
        return ""
    for position, char in enumerate(text, 1):
        if not ID_CHARS.fullmatch(char):
            what = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space"}.get(char)
            if what is None:
                if UNSAFE_LINE.fullmatch(char):
                    what = f"a control character U+{ord(char):04X}"
                elif ident(char) != char:
                    what = f"an invisible character U+{ord(char):04X}"
                else:
                    what = f"the character {char!r} (U+{ord(char):04X})" if char.isprintable() else \
                        f"the character U+{ord(char):04X}"
            return f"it holds {what} at character {position}"
    return "it is not an id"  # pragma: no cover (every character was checked)


def spans(text: str, *, one_line: bool = False, as_id: bool = False) -> list[tuple[str, bool]]:
    """``safe`` as pieces: (piece, is_escape), so a widget can show escapes in their own style.

    ``as_id``: ``ident``'s rendering (one line, invisible characters escaped too)."""
    pattern = UNSAFE_ID if as_id else UNSAFE_LINE if one_line else UNSAFE
    out: list[tuple[str, bool]] = []
    pos = 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            out.append((text[pos : match.start()], False))
        out.append((match.group().translate(_TABLE_ID) if as_id else escape_char(match.group()), True))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out
