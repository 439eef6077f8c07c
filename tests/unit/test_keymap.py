"""[keys] and keymap in settings.toml: what is taken, and every problem named with the file and line."""

from __future__ import annotations

from lp_tui.store import settings as store
from lp_tui.ui.keys import ACTIONS, POSTING, UNBOUND, build


def load(tmp_path, text: str):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    stored = store.load(path)
    return build(stored.keys, stored.keymap, str(path), stored.key_lines), path


def test_defaults_avoid_keys_terminals_take_except_as_alternates():
    taken = {"f1", "f10", "ctrl+pageup", "ctrl+pagedown", *(f"alt+{i}" for i in range(1, 7))}
    for action, (keys, _what) in ACTIONS.items():
        if action.startswith("form-"):
            continue  # the six direct form keys: next-form/previous-form (Alt+Left/Right) reach every form
        assert set(keys.split(",")) - taken, action


def test_a_key_from_the_file_is_used_and_the_default_it_takes_gives_way(tmp_path):
    keymap, _ = load(tmp_path, '[keys]\nsend = "ctrl+s"\n')
    assert keymap.keys["send"] == "ctrl+s"
    assert keymap.keys["save-preset"] == UNBOUND  # its only key went to send (the palette keeps it)
    assert not keymap.problems
    assert keymap.shown("send") == "Ctrl+S" and keymap.shown("save-preset") == ""


def test_unknown_ids_bad_keys_and_clashes_are_named_with_file_and_line(tmp_path):
    keymap, path = load(tmp_path, 'profile = "x"\n\n[keys]\nsned = "ctrl+b"\nmessage = "ctrl+zz"\n'
                                  'raw = "ctrl+b"\nclear = "ctrl+b"\nquit = 3\n')
    problems = "\n".join(keymap.problems)
    assert f"{path}, line 4: [keys] 'sned' is not a key id (did you mean 'send'?)" in problems
    assert f"{path}, line 5: [keys] message = 'ctrl+zz'" in problems and "not a key name" in problems
    assert f"{path}, line 7: [keys] clear = 'ctrl+b': Ctrl+B is already the key of 'raw' (line 6)" in problems
    assert f"{path}, line 8: [keys] quit must be a key in quotes" in problems
    assert keymap.keys["raw"] == "ctrl+b"  # the first one is taken
    assert keymap.keys["message"] == ACTIONS["message"][0] and keymap.keys["clear"] == ACTIONS["clear"][0]
    assert keymap.keys["quit"] == "ctrl+q"


def test_keymap_posting_and_an_unknown_keymap(tmp_path):
    keymap, _ = load(tmp_path, 'keymap = "posting"\n')
    assert keymap.keys["send"] == POSTING["send"] and keymap.keys["save-preset"] == "ctrl+s"
    assert not keymap.problems
    keymap, path = load(tmp_path, 'keymap = "emacs"\n')
    assert keymap.problems == [f"{path}, line 1: keymap = 'emacs' is not a keymap; use 'default' or 'posting'. "
                               "The default keys apply."]


def test_saving_the_settings_keeps_keys_and_keymap(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('keymap = "posting"\n[keys]\nsend = "ctrl+b"\n[profiles.qa]\naccount_id = "1"\n')
    stored = store.load(path)
    store.save(store.with_changes(stored, "qa", {"account_id": "2"}))
    again = store.load(path)
    assert again.keymap == "posting" and again.keys == {"send": "ctrl+b"}
    assert again.values("qa")["account_id"] == "2"


def test_the_help_screen_lists_every_key_id():
    from lp_tui.ui.keys import ACTIONS
    from lp_tui.ui.screens.help import ORDER

    missing = set(ACTIONS) - set(ORDER) - {"help", "quit"}
    assert not missing, f"keys the help screen does not list: {sorted(missing)}"
