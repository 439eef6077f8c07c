"""accept_and_read in settings.toml: read, checked, saved without touching the rest."""

from __future__ import annotations

from lp_tui.store import settings as store


def test_it_is_read_saved_and_a_wrong_value_is_named(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('profile = "sandbox"\naccept_and_read = "yes"\n')
    path.chmod(0o600)
    loaded = store.load(path)
    assert loaded.accept_and_read is False
    assert f"{path}: accept_and_read must be true or false; it is ignored" in loaded.problems
    path.write_text('profile = "sandbox"\n')
    loaded = store.load(path)
    loaded.accept_and_read = True
    store.save(loaded)
    text = path.read_text()
    assert "accept_and_read = true" in text and 'profile = "sandbox"' in text
    assert store.load(path).accept_and_read is True
    again = store.load(path)
    again.accept_and_read = False
    store.save(again)
    assert "accept_and_read" not in path.read_text()
