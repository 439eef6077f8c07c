"""Exports as pure functions: curl and Python text, evidence, diffs. The shell and Python runs
against a live sandbox are in tests/integration/test_exports_run.py."""

from __future__ import annotations

import json
import runpy
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lp_tui.export import RequestSpec, spec_from_draft, spec_from_text, split_at_secrets
from lp_tui.export import diff, evidence
from lp_tui.export.curl import curl_command, single_quoted
from lp_tui.export.python import python_script
from lp_tui.lp.errors import TransportError
from lp_tui.model.build import build_payload, dumps
from lp_tui.model.draft import Draft
from lp_tui.model.presets import load

HOSTILE = "it's \"$HOME\" `id` $(echo pwned) \\back\\slash\\ %s\nnew line é 中文 🎉 '\"' end\\"
PUSH = "Push-Token-Secret-7Qz9'$x\""
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb21lb25lLWVsc2UifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def preset(name: str) -> Draft:
    return load(name, Path("/nonexistent")).draft


def hostile_draft() -> Draft:
    draft = preset("sde-ctype-gender")
    draft.set_value("consumer.companyBranch", HOSTILE)
    draft.set_value("personal.firstname", "'")
    draft.set_value("profile.privateData.pushNotificationData.token", PUSH)
    draft.set_value("clientProperties.features", ["AUTO_MESSAGES"])
    draft.set_value("clientProperties.appId", "it's $x")
    return draft


# --- curl ------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
def test_single_quoting_gives_sh_back_every_byte(text):
    result = subprocess.run(["sh", "-c", f"printf '%s' {single_quoted(text)}"], capture_output=True, timeout=30)
    assert result.stdout == text.encode("utf-8")


def test_curl_holds_references_never_tokens_and_the_push_token_comes_from_the_environment():
    spec = spec_from_draft(hostile_draft(), "12345678", scheme="http")
    text = curl_command(spec)
    assert '"Authorization: $LP_APP_JWT"' in text and '"X-LP-ON-BEHALF: $LP_CONSUMER_JWS"' in text
    assert PUSH not in text and "Push-Token-Secret" not in text
    assert '"$LP_PUSH_TOKEN"' in text
    assert '"http://$LP_HOST/api/account/12345678/messaging/consumer/conversation?v=3"' in text
    assert "-H 'Client-Properties: " in text and "it'\\''s $x" in text
    assert "--data-raw '" in text and "printf" not in text and "@-" not in text  # one self-contained command


def run_with_fake_curl(tmp_path, text, env):
    """A stand-in curl on PATH records its arguments, one per file, exactly."""
    fake = tmp_path / "bin" / "curl"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(f'#!/bin/sh\nn=0\nfor a in "$@"; do n=$((n+1)); printf "%s" "$a" > {tmp_path}/arg$n; done\n'
                    f'echo $n > {tmp_path}/count\n')
    fake.chmod(0o755)
    subprocess.run(["sh", "-c", text], env={"PATH": f"{fake.parent}:/usr/bin:/bin", **env}, check=True, timeout=30)
    count = int((tmp_path / "count").read_text())
    return [(tmp_path / f"arg{i}").read_bytes() for i in range(1, count + 1)]


def test_curl_sends_exactly_the_preview_body(tmp_path):
    draft = hostile_draft()
    draft.unset("profile.privateData.pushNotificationData.token")
    spec = spec_from_draft(draft, "12345678")
    args = run_with_fake_curl(tmp_path, curl_command(spec), {"LP_APP_JWT": "app.jwt.value",
                                                             "LP_CONSUMER_JWS": "jws value", "LP_HOST": "h:1"})
    assert args[args.index(b"--data-raw") + 1] == dumps(build_payload(draft, "12345678")).encode("utf-8")
    assert b"Authorization: app.jwt.value" in args and b"X-LP-ON-BEHALF: jws value" in args
    assert ("Client-Properties: " + spec.client_properties).encode() in args
    assert b"https://h:1/api/account/12345678/messaging/consumer/conversation?v=3" in args


def test_curl_without_an_account_uses_lp_host_and_the_account_variable(tmp_path):
    text = curl_command(spec_from_draft(preset("minimal"), None))
    assert '"https://$LP_HOST/api/account/$LP_ACCOUNT_ID/messaging' in text
    args = run_with_fake_curl(tmp_path, text, {"LP_HOST": "va.msg.example", "LP_ACCOUNT_ID": "42"})
    assert b"https://va.msg.example/api/account/42/messaging/consumer/conversation?v=3" in args


def test_curl_imports_into_postings_parser_shape():
    """Posting's curl import: strip `curl `, drop backslash-newlines and backslashes, shlex, and an
    argparse that knows -X, -H, -d, --data-raw, --data-binary, -F, -u, --compressed, -k, -e, -A and the URL
    (any other flag makes it fail). The command must parse that way, body whole."""
    import argparse
    import shlex

    text = curl_command(spec_from_draft(preset("sde-ctype-gender"), "12345678"))
    command = text.strip()[5:].replace("\\\n", " ").replace("\\", " ")
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("-X", "--request")
    parser.add_argument("-H", "--header", action="append")
    parser.add_argument("--data-raw")
    parser.add_argument("url", nargs="?")
    args = parser.parse_intermixed_args(shlex.split(command))
    assert args.request == "POST" and json.loads(args.data_raw) == build_payload(preset("sde-ctype-gender"),
                                                                                 "12345678")
    assert args.url.endswith("/api/account/12345678/messaging/consumer/conversation?v=3")
    assert "Content-Type: application/json" in args.header


def test_terminal_controls_in_the_body_become_json_escapes_in_curl():
    spec = spec_from_text('[{"x": "\x1b]2;t\x07 \u202e"}]', "1", "https://h")
    text = curl_command(spec)
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b]2;t\\u0007 \\u202e" in text


def test_bearer_scheme_is_kept():
    spec = spec_from_draft(preset("minimal"), "1", "https://h", bearer=True)
    assert '"Authorization: Bearer $LP_APP_JWT"' in curl_command(spec)
    assert 'f"Bearer {app_jwt}"' in python_script(spec)


def test_split_at_secrets_finds_each_encoding():
    assert split_at_secrets('a "t\\"k" b t"k', ['t"k']) == ['a "', None, '" b t"k']  # only JSON's spelling
    assert split_at_secrets('"é" "\\u00e9"', ["é"]) == ['"', None, '" "', None, '"']


# --- Python ------------------------------------------------------------------------------------
def test_python_script_embeds_the_exact_body_and_reads_the_push_token(tmp_path, monkeypatch):
    draft = hostile_draft()
    spec = spec_from_draft(draft, "12345678", source="preset x")
    text = python_script(spec)
    assert PUSH not in text and "Push-Token-Secret" not in text
    path = tmp_path / "script.py"
    path.write_text(text)
    monkeypatch.setenv("LP_PUSH_TOKEN", PUSH)
    module = runpy.run_path(str(path), run_name="not-main")
    assert module["BODY"] == dumps(build_payload(draft, "12345678"))
    assert module["CLIENT_PROPERTIES"] == spec.client_properties
    assert "LP_CLIENT_SECRET" in text and "conversationId" in text
    assert "httpx" not in text and "import urllib.request" in text  # the standard library only


def test_python_script_without_an_account_fills_the_brand_from_the_environment(tmp_path):
    text = python_script(spec_from_draft(preset("minimal"), None))
    assert 'request[1]["body"]["brandId"] = account' in text
    import ast

    ast.parse(text, feature_version=(3, 9))  # Python 3.9 can read it
    compile(text, "script.py", "exec")
    with_account = python_script(spec_from_draft(preset("minimal"), "1"))
    assert "brandId\"] = account" not in with_account


# --- evidence -----------------------------------------------------------------------------------
def _result(body_text: str, status: int = 200):
    from tests.ui.fakes import OK, result

    res = result(status, OK)
    res.request_body = body_text
    res.request_headers = {**res.request_headers, "Client-Properties": '{"type":".ClientProperties"}'}
    res.response_headers = {"content-type": "application/json", "x-echo": JWT}
    return res


def test_evidence_has_every_section_and_no_secret():
    body = dumps(build_payload(hostile_draft(), "12345678"))
    ev = evidence.from_result(_result(body + " " * 0), profile="qa", account="12345678",
                              routing={"skill": "VIP Support", "rule": "ctype vip"}, when=1767225600,
                              client_properties='{"type":".ClientProperties"}')
    text = evidence.markdown(ev)
    for heading in ("## Request", "## Findings", "## Steps", "## Response", "## Explanation", "## Routing"):
        assert heading in text
    assert "2026-01-01 00:00:00 UTC" in text and "| Profile | qa |" in text
    assert "VIP Support" in text and "domain lookup" in text and "10 ms" in text
    assert PUSH not in text and "Push-Token-Secret" not in text and JWT not in text
    as_json = json.loads(evidence.to_json(ev))
    assert as_json["request"]["headers"]["Authorization"].endswith("(redacted)")
    assert as_json["response"]["subs"][1]["body"]["conversationId"]
    assert PUSH not in evidence.to_json(ev) and JWT not in evidence.to_json(ev)


def test_evidence_markdown_cannot_be_broken_out_of():
    body = '[{"x": "```\\n# injected"}, {"y": "[link](https://evil.example) <img src=x> | cell"}]'
    ev = evidence.from_result(_result(body), profile="p|x", account="1", when=0)
    text = evidence.markdown(ev)
    assert "\n````json\n" in text  # a fence longer than the body's own backticks
    assert "| Profile | p\\|x |" in text
    assert "[link](https://evil" not in text.split("## Response")[1].split("Body:")[0]


def test_evidence_of_a_failure_and_of_a_history_entry():
    from tests.ui.fakes import OPEN, result

    error = TransportError("domain lookup", "connection refused", "is the sandbox running?", "127.0.0.1:9")
    ev = evidence.from_error("create conversation", error, [], profile="p", account="1", body="[]", when=0)
    text = evidence.markdown(ev)
    assert "→ no answer" in text and "connection refused" in text and "not reached" in text
    entry = result(400, OPEN).to_record()
    entry.update(id="abc123", time=0, profile="sandbox")
    text = evidence.markdown(evidence.from_entry(entry))
    assert "abc123" in text and "already has open conversation" in text and "BAD\\_REQUEST" in text


# --- diff ---------------------------------------------------------------------------------------
def _entries():
    from tests.ui.fakes import OK, OPEN, result

    first = result(200, OK).to_record()
    second = result(400, OPEN).to_record()
    first.update(id="first0000001", time=0, profile="p")
    second.update(id="second000002", time=60, profile="p")
    first["request"]["headers"]["Authorization"] = JWT  # as if a file held one: never shown
    return first, second


def test_unified_diff_marks_status_and_bodies():
    first, second = _entries()
    text = diff.unified(first, second)
    assert text.startswith("--- first0000001") and "+++ second000002" in text
    assert '-    "status": 200,' in text and '+    "status": 400,' in text
    assert '+        "code": "BAD_REQUEST",' in text
    assert JWT not in text and "time" not in text.split("\n", 2)[2]
    assert diff.unified(first, first) == ""


def test_side_by_side_rows_pair_changes():
    first, second = _entries()
    rows = diff.side_by_side(first, second)
    changed = [r for r in rows if r.kind == diff.CHANGED]
    assert any('"status": 200' in r.left and '"status": 400' in r.right for r in changed)
    assert diff.count_differences(rows) == sum(1 for r in rows if r.kind != diff.SAME) > 0
    assert all(r.left == r.right for r in rows if r.kind == diff.SAME)


def test_request_spec_url_needs_host_and_account():
    assert RequestSpec("[]", "1", "http://h:1").url == "http://h:1/api/account/1/messaging/consumer/conversation?v=3"
    assert RequestSpec("[]", None, "http://h:1").url is None
    with pytest.raises(AssertionError):
        assert RequestSpec("[]", "1", None).url


def test_a_hostile_preset_path_cannot_become_code_in_the_python_script():
    """The preset's path is shown in the script as data: no docstring or line it could break out of."""
    import ast

    from lp_tui.export import RequestSpec
    from lp_tui.export.python import python_script

    for source in ['preset x"""+__import__(\'os\').system(\'echo PWNED\')+""".toml', "preset a\\N{b}.toml",
                   "preset line\nbreak.toml", "preset \u2028sep'''.toml"]:
        spec = RequestSpec(body="[]", account="1", source=source)
        script = python_script(spec)
        tree = ast.parse(script)  # still valid Python
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "__import__"]
        assert not calls and "PWNED" not in ast.get_docstring(tree)
        assert "# Made from: " in script


def test_a_diff_of_huge_answers_made_to_be_slow_to_align_ends_at_once():
    """40,000 numbers from a pool of 120 in each body: aligning them would take about a minute."""
    import random

    from lp_tui.export.diff import CHANGED, MAX_ALIGNED, side_by_side, unified

    rng = random.Random(7)

    def entry(i):
        body = json.dumps([rng.randrange(120) for _ in range(40_000)], indent=1)
        return {"id": f"e{i}", "time": 0, "action": "create conversation",
                "request": {"body": "[]"}, "response": {"status": 200, "body": body}}

    a, b = entry(1), entry(2)
    rows = side_by_side(a, b)
    assert any(r.kind == CHANGED for r in rows) and len(rows) >= 40_000
    text = unified(a, b)
    assert "too large to align" in text and text.count("\n-") > 1000
    assert MAX_ALIGNED < 40_000 * 40_000
