"""`lp-tui build` and `lp-tui presets` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lp_tui.cli import main

SEED = json.loads((Path(__file__).resolve().parents[1] / "data" / "seed-examples.json").read_text())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("preset", ["sde-companybranch", "sde-ctype-gender"])
def test_build_prints_the_seed_example(capsys, preset):
    code, out, err = run(capsys, "build", "--preset", preset, "--account", "12345678")
    expected = json.loads(json.dumps(SEED[preset]).replace("{accountid}", "12345678"))
    assert code == 0
    assert out == json.dumps(expected, indent=2) + "\n"  # key order included


def test_set_gives_json_types_and_set_json_gives_a_string_with_a_warning(capsys):
    code, out, err = run(capsys, "build", "--set", "personal.age.year=1980", "--set", "consumer.companySize=500",
                         "--set", "consumer.balance=-400.99", "--account", "1")
    body = json.loads(out)
    info = body[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]
    assert info == {"balance": -400.99, "companySize": 500}
    assert body[0]["body"]["authenticatedData"]["lp_sdes"][1]["personal"] == {"age": {"year": 1980}}
    assert '"companySize": 500' in out and '"balance": -400.99' in out and '"year": 1980' in out
    code, out, err = run(capsys, "build", "--set-json", 'consumer.companySize="many"', "--account", "1")
    assert code == 0
    assert json.loads(out)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"] == {"companySize": "many"}
    assert "warning: consumer.companySize" in err and "integer" in err


def test_compact(capsys):
    code, out, _ = run(capsys, "build", "--compact", "--account", "1")
    assert out.count("\n") == 1 and ": " not in out


@pytest.mark.parametrize("argv,words", [
    (["build", "--set", "consumer.nope=1"], "unknown field 'consumer.nope'"),
    (["build", "--set", "consumer.companySize=many"], "is not an integer"),
    (["build", "--set", "consumer.ctype"], "write FIELD=VALUE"),
    (["build", "--set-json", "consumer.ctype=many"], "is not JSON"),
    (["build", "--set-json", "consumer.balance=NaN"], "is not JSON"),
    (["build", "--preset", "nope"], "unknown preset 'nope'"),
])
def test_usage_errors_exit_2_with_one_line(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_malformed_preset_file_names_file_and_line(capsys, tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("name = 'x'\n[draft\n")
    code, _, err = run(capsys, "build", "--preset", str(bad))
    assert code == 2 and str(bad) in err and "line 2" in err


def test_presets_lists_builtins_and_user_presets(capsys, lp_home):
    user = lp_home / "config" / "presets"
    user.mkdir(parents=True)
    (user / "mine.toml").write_text('name = "mine"\ndescription = "my edge case"\n[draft.consumer]\nctype = "x"\n')
    code, out, _ = run(capsys, "presets")
    assert code == 0
    assert "sde-companybranch" in out and "built-in" in out
    assert "mine" in out and "my edge case" in out and "user" in out


def test_build_account_from_environment(capsys, monkeypatch):
    monkeypatch.setenv("LP_ACCOUNT_ID", "777")
    _, out, _ = run(capsys, "build")
    assert json.loads(out)[1]["body"]["brandId"] == "777"


def test_python_dash_m_works_like_the_script():
    result = subprocess.run([sys.executable, "-m", "lp_tui", "build", "--compact", "--account", "5"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and json.loads(result.stdout)[1]["body"]["brandId"] == "5"


def test_sandbox_refuses_a_zero_token_lifetime(capsys):
    code, _, err = run(capsys, "sandbox", "--token-lifetime", "0")
    assert code == 2 and "--token-lifetime" in err
