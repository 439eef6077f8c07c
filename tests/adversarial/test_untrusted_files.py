"""Files another user could change are not trusted (as ssh does with its config): settings,
presets and routing rules in a file or folder writable by others, or owned by another user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lp_tui import paths
from lp_tui.check.cases import folder_cases
from lp_tui.model import presets
from lp_tui.model.routing import RulesError, load_rules
from lp_tui.store import settings as store

from .conftest import cli
from .hostile import SECRET

OTHER_UID = 54321  # nobody on this machine
PRESET = 'name = "mine"\ndescription = "x"\n[draft.consumer]\nctype = "vip"\n[expect]\nstatus = 200\n'


def settings_pointing_at(url: str) -> Path:
    config = paths.config_dir()
    config.mkdir(parents=True, exist_ok=True)
    os.chmod(config, 0o700)
    paths.settings_file().write_text(f'[profiles.qa]\ncsds_url = "{url}"\naccount_id = "123"\nclient_id = "app"\n')
    os.chmod(paths.settings_file(), 0o600)
    return paths.settings_file()


def test_settings_in_a_folder_others_can_write_send_the_secret_nowhere(lp_home, hostile):
    path = settings_pointing_at(hostile.url)
    os.chmod(path.parent, 0o777)
    result = cli("send", "--profile", "qa", env={"LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": "x"})
    assert hostile.requests == [], "the secret went where a file others could write said"
    assert result.returncode == 2
    text = result.stderr.decode()
    assert f"chmod go-w {path.parent}" in text and "other users" in text


@pytest.mark.parametrize("mode,who", [(0o620, "its group"), (0o602, "other users")])
def test_a_settings_file_others_can_write_is_not_used(lp_home, mode, who):
    path = settings_pointing_at("https://csds.example")
    os.chmod(path, mode)
    loaded = store.load(path)
    assert loaded.profiles == {} and loaded.bad_file  # kept aside before a save: nothing of it is lost
    assert any(f"writable by {who}" in p and f"chmod go-w {path}" in p for p in loaded.problems), loaded.problems


def test_a_settings_file_of_another_user_is_not_used(lp_home):
    path = settings_pointing_at("https://csds.example")
    os.chown(path, OTHER_UID, -1)
    loaded = store.load(path)
    assert loaded.profiles == {}
    assert any("another user" in p and "chown" in p for p in loaded.problems), loaded.problems


def test_a_settings_folder_of_another_user_is_not_used(lp_home):
    path = settings_pointing_at("https://csds.example")
    os.chown(path.parent, OTHER_UID, -1)
    assert any(f"chown" in p and str(path.parent) in p for p in store.load(path).problems)


def test_a_settings_link_into_a_folder_others_can_write_is_not_used(lp_home, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    (shared / "settings.toml").write_text('[profiles.qa]\ncsds_url = "https://csds.example"\n')
    paths.config_dir().mkdir(parents=True)
    paths.settings_file().symlink_to(shared / "settings.toml")
    assert store.load(paths.settings_file()).profiles == {}


def test_root_and_you_are_trusted_and_a_sticky_shared_folder_is_fine(lp_home, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: others cannot replace what is yours in it
    mine = shared / "mine"
    mine.mkdir(mode=0o700)
    path = mine / "settings.toml"
    path.write_text('[profiles.qa]\naccount_id = "123"\n')
    assert store.load(path).profiles == {"qa": {"account_id": "123"}}
    monkeypatch.setattr(os, "geteuid", lambda: OTHER_UID)  # a user other than root: root's files are fine
    assert paths.untrusted(path) is None
    os.chown(path, OTHER_UID, -1)
    assert paths.untrusted(path) is None
    os.chown(path, OTHER_UID + 1, -1)
    assert "another user" in (paths.untrusted(path) or "")


def test_a_user_preset_others_can_write_is_refused_saying_what_to_fix(lp_home):
    folder = paths.presets_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(PRESET)
    assert presets.load("mine", folder).name == "mine"
    os.chmod(folder / "mine.toml", 0o666)
    with pytest.raises(presets.PresetError, match=f"chmod go-w {folder / 'mine.toml'}"):
        presets.load("mine", folder)
    found, problems = presets.user_presets(folder)
    assert found == [] and "chmod go-w" in problems[0]
    result = cli("build", "--preset", "mine")
    assert result.returncode == 2 and b"chmod go-w" in result.stderr


def test_a_preset_of_another_user_is_refused(lp_home, tmp_path):
    path = tmp_path / "theirs.toml"
    path.write_text(PRESET)
    os.chown(path, OTHER_UID, -1)
    with pytest.raises(presets.PresetError, match="another user.*copy it"):
        presets.load(str(path), tmp_path)


def test_rules_in_a_folder_others_can_write_are_refused(lp_home, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    path = folder / "rules.toml"
    path.write_text('[[rules]]\nname = "all"\nskill = "General"\n')
    load_rules(path)
    os.chmod(folder, 0o777)
    with pytest.raises(RulesError, match=f"chmod go-w {folder}"):
        load_rules(path)
    result = cli("sandbox", "--rules", str(path))
    assert result.returncode == 2 and f"chmod go-w {folder}".encode() in result.stderr


def test_a_check_folder_others_can_write_is_refused(lp_home, tmp_path):
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "mine.toml").write_text(PRESET)
    assert len(folder_cases(folder)[0]) == 1
    os.chmod(folder, 0o775)
    with pytest.raises(presets.PresetError, match=f"chmod go-w {folder}"):
        folder_cases(folder)
    result = cli("check", str(folder), "--sandbox")
    assert result.returncode == 2 and b"chmod go-w" in result.stderr


def test_files_shipped_with_lp_tui_are_exempt(tmp_path, monkeypatch):
    folder = tmp_path / "package"
    folder.mkdir()
    os.chmod(folder, 0o777)
    (folder / "preset.toml").write_text(PRESET)
    assert paths.untrusted(folder / "preset.toml") is not None
    monkeypatch.setattr(paths, "_package_dir", lambda: folder)
    assert paths.untrusted(folder / "preset.toml") is None
    assert presets.builtin_presets()  # the real package's own presets load whoever installed them


def test_a_refused_settings_file_is_never_merged_into_the_next_save(tmp_path):
    """Refused at load (its group could change it), the file must not come back through a save of
    something else: the save sets it aside and writes only this window's settings."""
    from lp_tui.store import settings as st

    folder = tmp_path / "config"
    folder.mkdir(mode=0o700)
    path = folder / "settings.toml"
    path.write_text('profile = "default"\n[profiles.default]\ncsds_url = "https://elsewhere.example"\n'
                    'account_id = "123"\nclient_id = "app"\nclient_secret = "s3cret"\n')
    os.chmod(path, 0o664)  # group-writable: someone in the group wrote csds_url
    first = st.load(path)
    assert first.bad_file and "default" not in first.profiles
    first.theme = "textual-light"  # the user saves something unrelated
    st.save(first)
    again = st.load(path)
    assert not again.problems
    assert again.profiles.get("default", {}).get("csds_url") != "https://elsewhere.example", again.profiles
    assert again.theme == "textual-light"
    kept = [p for p in folder.iterdir() if ".bad-" in p.name]
    assert kept and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)  # set aside, for no one else


def test_a_broken_settings_file_set_aside_is_readable_by_no_one_else(tmp_path):
    """A hand-made 0644 file with a typo holds the secret: its copy kept aside is 0600."""
    from lp_tui.store import settings as st

    folder = tmp_path / "config"
    folder.mkdir(mode=0o700)
    path = folder / "settings.toml"
    path.write_text('[profiles.default]\nclient_secret = "S3cret-Value-xyz"\naccount_id = "1\n')  # no closing quote
    os.chmod(path, 0o644)
    loaded = st.load(path)
    assert loaded.bad_file
    loaded.theme = "textual-dark"
    st.save(loaded)
    copies = [p for p in folder.iterdir() if ".bad-" in p.name]
    assert copies and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in copies)
