"""Keys as a real terminal sends them, through Textual's own parser."""

from __future__ import annotations


def test_alt_digits_from_a_terminal_are_the_form_keys_not_symbols():
    """xterm and tmux send Alt+2 as ESC 2; it must reach the app as alt+2 (the Profile form), never "™"."""
    from textual._xterm_parser import XTermParser

    from lp_tui.ui.app import alt_digits_as_alt_keys

    alt_digits_as_alt_keys()
    for digit in "123456":
        parser = XTermParser()
        keys = [getattr(t, "key", None) for t in parser.feed(f"\x1b{digit}")]
        try:
            keys += [getattr(t, "key", None) for t in parser.feed("")]  # end of input flushes the escape
        except Exception:
            pass
        assert keys == [f"alt+{digit}"], keys
    parser = XTermParser()
    assert [t.character for t in parser.feed("™") if hasattr(t, "character")] == ["™"]  # typed as itself

