"""Presets: built-ins load; user presets save, shadow, delete; any draft round-trips through TOML."""

from __future__ import annotations

import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lp_tui.model import fields as F
from lp_tui.model import presets, tomlio
from lp_tui.model.build import build_payload, dumps
from lp_tui.model.draft import Draft
from lp_tui.store import presets as preset_files

BUILTINS = {"minimal", "sde-companybranch", "sde-ctype-gender", "campaign-routing", "skill-routing", "auto-messages",
            "campaign-with-context", "connector-guide", "demo-app-profile", "first-message"}


def test_builtins_are_all_there_with_descriptions():
    found = {p.name: p for p in presets.builtin_presets()}
    assert set(found) == BUILTINS
    assert all(p.description and p.builtin for p in found.values())


def test_save_load_shadow_delete(tmp_path):
    draft = Draft()
    draft.set_text("consumer.ctype", "gold")
    path = preset_files.save(presets.Preset("sde-ctype-gender", "mine", draft), tmp_path)
    assert path.exists()
    mine = presets.load("sde-ctype-gender", tmp_path)
    assert mine.draft == draft and mine.path == path  # the user's shadows the built-in
    preset_files.delete(mine, tmp_path)
    assert presets.load("sde-ctype-gender", tmp_path).builtin
    with pytest.raises(presets.PresetError, match="built-in presets cannot be deleted"):
        preset_files.delete(presets.load("minimal", tmp_path), tmp_path)


def test_bad_names_and_unknown_presets(tmp_path):
    with pytest.raises(presets.PresetError, match="preset name"):
        preset_files.save(presets.Preset("../evil", "", Draft()), tmp_path)
    with pytest.raises(presets.PresetError, match="known presets: auto-messages"):
        presets.load("nope", tmp_path)


def test_malformed_toml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[draft.consumer]\nctype = "unterminated\n')
    with pytest.raises(presets.PresetError) as info:
        presets.load(str(bad), tmp_path)
    assert str(bad) in str(info.value) and "line 3" in str(info.value)
    found, problems = presets.user_presets(tmp_path)
    assert found == [] and len(problems) == 1


def test_a_preset_file_with_an_unknown_section_is_refused(tmp_path):
    bad = tmp_path / "odd.toml"
    bad.write_text('name = "odd"\n[draft.secrets]\nclient_secret = "x"\n')
    with pytest.raises(presets.PresetError, match="unknown draft section"):
        presets.load(str(bad), tmp_path)


def test_presets_never_hold_secret_fields():
    for preset in presets.builtin_presets():
        text = preset.to_toml().lower()
        assert "secret" not in text and "jwt" not in text and "jws" not in text


# --- property: any draft round-trips through TOML, and the builder never raises ------------------
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=8),
                                                    children, max_size=3)), max_leaves=8)
LEAVES = [f.path for f in F.FIELDS if "*" not in f.path]
CONTACT_LEAVES = [f.path for f in F.FIELDS if f.path.startswith("personal.contacts.*.")]


@st.composite
def drafts(draw):
    draft = Draft()
    for _ in range(draw(st.integers(0, 8))):
        path = draw(st.sampled_from(LEAVES + CONTACT_LEAVES))
        if "*" in path:
            path = path.replace("*", str(draw(st.integers(0, len(draft.contacts())))))
        if draw(st.booleans()):
            draft.set_value(path, draw(json_values))
        else:
            draft.set_value(path, draw(st.text(max_size=40)))
    return draft


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts())
def test_any_draft_round_trips_through_toml(tmp_path_factory, draft):
    directory = tmp_path_factory.mktemp("presets")
    preset = presets.Preset("p", "d", draft)
    preset_files.save(preset, directory)
    again = presets.load("p", directory).draft
    assert again == draft
    import json

    assert json.loads(dumps(build_payload(again, "1"))) == json.loads(dumps(build_payload(draft, "1")))


def test_null_and_big_integers_survive_toml():
    draft = Draft()
    draft.set_value("conversation.ttrDefName", None)
    draft.set_value("consumer.companySize", 2**70)
    assert Draft.from_dict(tomlio.decode(__import__("tomllib").loads(tomlio.dumps(draft.to_dict())))) == draft


def test_saved_preset_file_is_written_atomically(tmp_path):
    preset_files.save(presets.Preset("a", "", Draft()), tmp_path)
    preset_files.save(presets.Preset("a", "second", Draft()), tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["a.toml", "a.toml~"]


@pytest.mark.parametrize("raw", [
    '[\n  {"a": 1}\n  {"b": 2}\n]\n',                     # a missing comma
    "line\r\nwith CRLF\r\n",                               # carriage returns kept
    "'''\"\"\" quotes \\ back\\slash\ttab\n\n",            # TOML delimiters and escapes inside
    "no newline at the end",
    "",
    "\n\nstarts with newlines",
    "é 中文 🎉 \u202e bidi \x1b escape",
])
def test_a_raw_body_round_trips_through_the_preset_file_exactly(tmp_path, raw):
    from lp_tui.model.presets import Preset, load_file
    from lp_tui.store.presets import save

    path = save(Preset("raw-case", "d", raw=raw, expect={"status": 400}), tmp_path)
    back = load_file(path)
    assert back.raw == raw and back.expect == {"status": 400}


def test_a_preset_with_both_raw_body_and_draft_is_refused_naming_both(tmp_path):
    from lp_tui.model.presets import PresetError, load_file

    path = tmp_path / "both.toml"
    path.write_text('raw_body = "[]"\n[draft.consumer]\nctype = "vip"\n')
    with pytest.raises(PresetError, match="raw_body and \\[draft\\]"):
        load_file(path)
