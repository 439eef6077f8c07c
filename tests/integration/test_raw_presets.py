"""Presets hold what was sent: a raw body with a missing comma, saved by `lp-tui send --save-preset`,
printed byte for byte by `lp-tui build --preset`, and sent as written by `send --preset` and `check`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lp_tui.model import presets

BAD = (b'[\r\n  {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {"x": "it\'s \\"q\\" \\\\"}}\n'
       b'  {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation", "body": {"brandId": "\xc3\xa9 \'\'\'"}}\n'
       b']')


def lp(*args, home, stdin=None):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, timeout=120, input=stdin,
                            env={**os.environ, "LP_TUI_HOME": str(home)})
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


def test_a_raw_body_with_a_missing_comma_survives_save_build_send_and_check(tmp_path, home):
    bad = tmp_path / "bad.json"
    bad.write_bytes(BAD)
    sent = lp("send", "--sandbox", "--raw", str(bad), "--save-preset", "broken", "--expect", home=home)
    assert sent.returncode == 1 and b"not JSON" in sent.stdout, sent.stderr  # the sandbox got it as written
    assert b"Saved preset broken" in sent.stderr
    built = lp("build", "--preset", "broken", home=home)
    assert built.returncode == 0 and built.stdout == BAD  # byte for byte
    assert b"not valid JSON" in built.stderr
    again = lp("send", "--sandbox", "--preset", "broken", home=home)
    assert again.returncode == 1 and b"not JSON" in again.stdout
    checked = lp("check", "--sandbox", "broken", home=home)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert b"1 passed" in checked.stdout and b"400 BAD_REQUEST" in checked.stdout
    refused = lp("send", "--sandbox", "--preset", "broken", "--set", "consumer.ctype=vip", home=home)
    assert refused.returncode == 2 and b"raw body" in refused.stderr


def test_send_save_preset_saves_the_draft_it_sent_with_expectations(home):
    sent = lp("send", "--sandbox", "--preset", "sde-ctype-gender", "--set", "consumer.ctype=vip",
              "--save-preset", "vip-case", "--expect", "--description", "vip routes to VIP", home=home)
    assert sent.returncode == 0, sent.stderr
    saved = presets.load("vip-case", home / "config" / "presets")
    assert saved.raw is None and saved.draft.get("consumer.ctype") == "vip"
    assert saved.description == "vip routes to VIP"
    assert saved.expect == {"status": 200, "codes": ["OK", "OK"], "conversation": True, "skill": "VIP Support"}
    checked = lp("check", "--sandbox", "vip-case", home=home)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_save_preset_checks_the_name_before_sending(home):
    result = lp("send", "--sandbox", "--preset", "minimal", "--save-preset", "../evil", home=home)
    assert result.returncode == 2 and b"--save-preset" in result.stderr and b"HTTP" not in result.stderr
    result = lp("send", "--sandbox", "--preset", "minimal", "--expect", home=home)
    assert result.returncode == 2 and b"--save-preset" in result.stderr


def test_expectations_saved_from_an_open_conversation_refusal_pass_in_check(home):
    import json

    import tomli_w

    from lp_tui.model.expect import expect_from_record

    refused = json.dumps([{"reqId": "1", "code": "OK", "body": {"msg": "OK"}},
                          {"reqId": "2", "code": "BAD_REQUEST",
                           "body": {"msg": "Consumer request conversation failed: User x already has open "
                                           "conversation. Close it before opening another"}}])
    expect = expect_from_record({"response": {"status": 400, "body": refused}})
    folder = home / "config" / "presets"
    folder.mkdir(parents=True)
    (folder / "open-twice.toml").write_text(tomli_w.dumps(
        {"name": "open-twice", "description": "a second open is refused", "draft": {"consumer": {"ctype": "vip"}},
         "expect": expect}))
    checked = lp("check", "--sandbox", "open-twice", home=home)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert b"1 passed" in checked.stdout
