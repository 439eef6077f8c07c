"""`lp-tui check`, `diff`, `send --evidence` and `build --as` as a user runs them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import json
import shutil
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import pytest

from lp_tui import paths
from lp_tui.lp.client import LpClient
from lp_tui.model.build import build_payload
from lp_tui.model.connection import Connection
from lp_tui.model.presets import load
from lp_tui.store.history import History
from tests.reliability.conftest import box, connection_env, run_cli  # noqa: F401 (box: a fixture)

BUILTIN = Path(str(resources.files("lp_tui") / "checks"))


# --- check -----------------------------------------------------------------------------------
def test_the_builtin_edge_cases_pass_on_the_sandbox_and_write_junit(tmp_path):
    junit = tmp_path / "results.xml"
    result = run_cli("check", "--sandbox", "--junit", str(junit))
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line[:3].strip().isdigit()]
    assert len(rows) == len(list(BUILTIN.glob("*.toml"))) and all("  pass  " in row for row in rows)
    assert "6 checks: 6 passed, 0 failed" in result.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "6" and suite.get("failures") == "0"
    assert {c.get("name") for c in suite.iter("testcase")} >= {"null-ttrdefname", "second-send-open-conversation"}


def test_a_changed_expectation_fails_with_exit_1_and_a_clear_row(tmp_path):
    folder = tmp_path / "checks"
    shutil.copytree(BUILTIN, folder)
    target = folder / "05-unknown-account.toml"
    target.write_text(target.read_text().replace("status = 400", "status = 401"))
    junit = tmp_path / "results.xml"
    result = run_cli("check", str(folder), "--sandbox", "--junit", str(junit))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    row = next(i for i, line in enumerate(lines) if "unknown-account" in line)
    assert "FAIL" in lines[row] and "401" in lines[row]
    assert "✗ status: expected 401, got 400" in lines[row + 1]
    assert "6 checks: 5 passed, 1 failed" in result.stdout
    failures = [c for c in ET.parse(junit).getroot().iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failures] == ["unknown-account"]
    assert failures[0].find("failure").get("message") == "status: expected 401, got 400"


def test_a_changed_second_send_expectation_is_named_as_such(tmp_path):
    (tmp_path / "two.toml").write_text((BUILTIN / "06-second-send-open-conversation.toml").read_text()
                                       .replace("already has open conversation", "no such words"))
    result = run_cli("check", str(tmp_path / "two.toml"), "--sandbox")
    assert result.returncode == 1
    assert "✗ second send: message: expected the answer to hold “no such words”" in result.stdout


def test_an_unknown_expect_key_is_one_line_naming_file_and_key(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "bad"\n[expect]\nstatus = 200\nstatsu = 201\n')
    result = run_cli("check", str(tmp_path), "--sandbox")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert str(tmp_path / "bad.toml") in result.stderr and "unknown key 'statsu'" in result.stderr


@pytest.mark.parametrize("argv,words", [
    (["check", "minimal", "--sandbox"], "has no [expect] table"),
    (["check", "nope", "--sandbox"], "unknown preset 'nope'"),
    (["check", "--sandbox", "--junit", "/nonexistent/dir/x.xml"], "--junit"),
])
def test_check_usage_errors_exit_2(argv, words):
    result = run_cli(*argv)
    assert result.returncode == 2 and words in result.stderr


def test_check_on_a_running_sandbox_closes_everything_it_opened(box):
    result = run_cli("check", env=connection_env(box))
    assert result.returncode == 0, result.stdout + result.stderr
    states = [c.state for c in box.state.conversations.values()]
    assert states and all(state == "CLOSE" for state in states)
    consumers = {c.ext_consumer_id for c in box.state.conversations.values()}
    assert len(consumers) == len([n for n in (BUILTIN.glob("*.toml"))
                                  if "conversation = true" in n.read_text()])  # a fresh consumer each


# --- send --evidence ------------------------------------------------------------------------------
def test_send_writes_markdown_and_json_evidence(box, tmp_path):
    env = connection_env(box, "evidence-consumer")
    md, js = tmp_path / "bug.md", tmp_path / "bug.json"
    first = run_cli("send", "--preset", "sde-ctype-gender", "--evidence", str(md), env=env)
    second = run_cli("send", "--preset", "sde-ctype-gender", "--evidence", str(js), env=env)
    assert first.returncode == 0 and second.returncode == 1
    text = md.read_text()
    for part in ("# lp-tui evidence: create conversation → HTTP 200", "| Account | 12345678 |",
                 "Authorization: (redacted)", '"ctype": "vip"', "| 4 | create conversation |",
                 "VIP Support", "## Findings"):
        assert part in text, part
    ev = json.loads(js.read_text())
    assert ev["response"]["status"] == 400 and ev["response"]["subs"][1]["code"] == "BAD_REQUEST"
    assert ev["explanations"][0]["title"] == "The consumer already has an open conversation"
    assert [s["name"] for s in ev["steps"]][-1] == "create conversation" and ev["steps"][-1]["elapsed_ms"] >= 0


def test_a_failed_send_still_writes_evidence(tmp_path):
    md = tmp_path / "down.md"
    result = run_cli("send", "--evidence", str(md), env={"LP_CSDS_URL": "http://127.0.0.1:9", "LP_ACCOUNT_ID": "1",
                                                          "LP_CLIENT_ID": "c", "LP_CLIENT_SECRET": "s",
                                                          "LP_EXT_CONSUMER_ID": "x"})
    assert result.returncode == 3
    assert "→ no answer" in md.read_text() and "domain lookup" in md.read_text()


def test_evidence_needs_a_known_suffix():
    result = run_cli("send", "--sandbox", "--evidence", "bug.txt")
    assert result.returncode == 2 and "name the file .md" in result.stderr


# --- diff -----------------------------------------------------------------------------------------
def _record(box, preset: str, consumer: str) -> str:
    """One send recorded in history, as the app records it."""
    v = box.connection_values()
    conn = Connection(ext_consumer_id=consumer, **v)

    async def run():
        client = LpClient(conn)
        try:
            return await client.create_conversation(build_payload(load(preset, Path("/x")).draft, v["account_id"]))
        finally:
            await client.aclose()

    entry = asyncio.run(run()).to_record()
    entry["profile"] = "test"
    History(paths.history_file()).append(entry)
    return entry["id"]


def test_diff_lists_and_compares_two_history_entries(box):
    first = _record(box, "sde-ctype-gender", "diff-1")
    second = _record(box, "sde-ctype-gender", "diff-1")  # the same consumer: refused, open conversation
    listed = run_cli("diff")
    assert listed.returncode == 0 and first in listed.stdout and second in listed.stdout
    result = run_cli("diff", first, second[:6])
    assert result.returncode == 1
    assert result.stdout.startswith(f"--- {first}") and f"+++ {second}" in result.stdout
    assert '-    "status": 200,' in result.stdout and '+    "status": 400,' in result.stdout
    assert '+        "code": "BAD_REQUEST",' in result.stdout
    same = run_cli("diff", first, first)
    assert same.returncode == 0 and "are the same" in same.stdout


@pytest.mark.parametrize("argv,words", [
    (["diff", "nope1234", "other567"], "no history entry 'nope1234'"),
    (["diff", "one"], "give two history entry ids"),
])
def test_diff_usage_errors_exit_2(argv, words):
    result = run_cli(*argv)
    assert result.returncode == 2 and words in result.stderr


# --- build --as ---------------------------------------------------------------------------------
def test_build_as_curl_names_lp_host_never_a_resolved_port(box):
    result = run_cli("build", "--as", "curl", "--preset", "minimal", env=connection_env(box))
    assert result.returncode == 0, result.stderr
    conv_host = box.state.hosts["asyncMessagingEnt"]
    assert '"http://$LP_HOST/api/account/12345678/messaging/consumer/conversation?v=3"' in result.stdout
    assert conv_host not in result.stdout and "lp-tui token" in result.stderr


def test_build_as_curl_without_a_connection_says_lp_host():
    result = run_cli("build", "--as", "curl", "--preset", "minimal", "--compact")
    assert result.returncode == 0
    assert '"https://$LP_HOST/api/account/' in result.stdout and "LP_HOST" in result.stderr
    assert "--data-raw '[{\"kind\":\"req\"" in result.stdout  # --compact applies to the body


def test_build_as_sends_nothing_so_an_unreachable_csds_does_not_matter():
    result = run_cli("build", "--as", "python", env={"LP_CSDS_URL": "http://127.0.0.1:9", "LP_ACCOUNT_ID": "1",
                                                     "LP_CLIENT_ID": "c", "LP_CLIENT_SECRET": "s"})
    assert result.returncode == 0 and "import urllib.request" in result.stdout



def test_sends_from_the_command_line_are_in_the_history_diff_reads(tmp_path):
    """`lp-tui send` records history as the app does, so `lp-tui diff` can compare two CLI sends."""
    import json as _json

    env = {**os.environ, "LP_TUI_HOME": str(tmp_path / "home")}
    for _ in range(2):
        sent = subprocess.run([sys.executable, "-m", "lp_tui", "send", "--sandbox", "--preset", "minimal"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert sent.returncode == 0, sent.stderr
    listed = subprocess.run([sys.executable, "-m", "lp_tui", "diff"], capture_output=True, text=True, env=env,
                            timeout=60)
    history = tmp_path / "home" / "data" / "history.jsonl"
    entries = [_json.loads(line) for line in history.read_text().splitlines()]
    assert [e["action"] for e in entries] == ["create conversation"] * 2
    assert all(e["profile"] == "sandbox" and e["routing"]["skill"] for e in entries)
    assert entries[0]["id"] in listed.stdout and entries[1]["id"] in listed.stdout
    diffed = subprocess.run([sys.executable, "-m", "lp_tui", "diff", entries[0]["id"], entries[1]["id"]],
                            capture_output=True, text=True, env=env, timeout=60)
    assert diffed.returncode == 1 and "conversationId" in diffed.stdout  # two conversations, two ids
    assert '"date"' not in diffed.stdout and '"content-length"' not in diffed.stdout  # always differ: left out
    everything = subprocess.run([sys.executable, "-m", "lp_tui", "diff", "--all", entries[0]["id"],
                                 entries[1]["id"]], capture_output=True, text=True, env=env, timeout=60)
    assert '"elapsed"' in everything.stdout  # timings too
    short = subprocess.run([sys.executable, "-m", "lp_tui", "diff", "abc", entries[1]["id"]],
                           capture_output=True, text=True, env=env, timeout=60)
    assert short.returncode == 2 and "too short" in short.stderr


def test_the_diff_of_a_200_and_a_400_for_two_consumers_shows_the_consumers_not_the_date(tmp_path):
    env = {**os.environ, "LP_TUI_HOME": str(tmp_path / "home")}
    bad = tmp_path / "bad.json"
    body = build_payload(load("minimal", tmp_path).draft, "12345678")
    body[1]["body"]["brandId"] = 12345678  # a number: refused
    bad.write_text(json.dumps(body))
    for extra in (["--preset", "minimal", "--ext-consumer-id", "consumer-ok"],
                  ["--raw", str(bad), "--ext-consumer-id", "consumer-refused"]):
        subprocess.run([sys.executable, "-m", "lp_tui", "send", "--sandbox", *extra], capture_output=True, env=env,
                       timeout=120)
    entries = [json.loads(line) for line in (tmp_path / "home" / "data" / "history.jsonl").read_text().splitlines()]
    assert [e["response"]["status"] for e in entries] == [200, 400]
    assert any(k.lower() == "date" for k in entries[0]["response"]["headers"])  # there to be left out
    diffed = subprocess.run([sys.executable, "-m", "lp_tui", "diff", entries[0]["id"], entries[1]["id"]],
                            capture_output=True, text=True, env=env, timeout=60)
    assert diffed.returncode == 1
    assert '-  "consumer_id": "consumer-ok",' in diffed.stdout and '+  "consumer_id": "consumer-refused",' in diffed.stdout
    lowered = diffed.stdout.lower()
    assert '"date":' not in lowered and '"content-length":' not in lowered
    everything = subprocess.run([sys.executable, "-m", "lp_tui", "diff", "--all", "--context", "1000",
                                 entries[0]["id"], entries[1]["id"]], capture_output=True, text=True, env=env,
                                timeout=60)
    assert '"date":' in everything.stdout.lower() and '"content-length":' in everything.stdout.lower()
    ignored = subprocess.run([sys.executable, "-m", "lp_tui", "diff", "--ignore", "consumer_id", entries[0]["id"],
                              entries[1]["id"]], capture_output=True, text=True, env=env, timeout=60)
    assert "consumer_id" not in ignored.stdout
