"""The routing rule engine: checked rules files, the built-in story, one engine for sandbox and prediction."""

from __future__ import annotations

from pathlib import Path

import json
import os
import subprocess
import sys
import threading

import pytest

from lp_tui.lp.client import LpClient
from lp_tui.model import presets
from lp_tui.model.build import build_payload, client_properties_header
from lp_tui.model.connection import Connection
from lp_tui.model.draft import Draft
from lp_tui.model.routing import Rules, RulesError, facts_of, parse_rules, rules_from_info
from lp_tui.sandbox.rules_watch import RulesWatcher
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState

BOSTON = '[[rules]]\nname = "Boston branch"\nwhen = { companyBranch = "Boston" }\nskill = "Boston Sales"\n'


def lp(*args, env=None, timeout=120):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.mark.parametrize("text,where,words", [
    ('[[rules]]\nname = "x"\nwehn = { ctype = "vip" }\nskill = "A"\n', "line 3", ["'wehn'", "name, when, skill"]),
    ('[[rules]]\nname = "ok"\nwhen = {}\nskill = "A"\n\n[[rules]]\nname = "y"\nwhen = { cytpe = "vip" }\nskill = "B"\n',
     "line 8", ["'cytpe'", "ctype"]),
    ('[[rules]]\nname = "x"\nwhen = {}\nskill = "$skill"\n', "line 4", ["'$skill'", "$skillId"]),
    ('[[rules]]\nname = "x"\nwhen = { ctype = true }\nskill = "A"\n', "line 3", ["ctype must be text"]),
    ('[[rules]]\nname = "x"\nwhen = "vip"\nskill = "A"\n', "line 3", ["when must be a table"]),
    ('[[rules]]\nname = "x"\nwhen = {}\n', "line 1", ["needs a skill"]),
    ('[rules]\nname = "x"\n', "line", ["[[rules]] tables"]),
    ('[[rules]]\nskill = "A"\n[extra]\nx = 1\n', "line 3", ["unknown key 'extra'", "rules, campaigns, skills"]),
    ('[[rules]\n', "line 1", ["malformed TOML"]),
])
def test_a_rules_file_is_checked_whole_naming_file_line_and_what_is_known(text, where, words):
    with pytest.raises(RulesError) as info:
        parse_rules(text, "my-rules.toml")
    message = str(info.value)
    assert message.startswith("my-rules.toml") and where in message, message
    for word in words:
        assert word in message, message


def test_the_cli_refuses_a_misspelled_key_with_exit_2_naming_it_and_the_line(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\nname = "vip"\nwehn = { ctype = "vip" }\nskill = "VIP"\n')
    for args in (["sandbox", "--rules", str(rules)], ["send", "--sandbox", "--rules", str(rules)],
                 ["routes", "--rules", str(rules)]):
        result = lp(*args)
        assert result.returncode == 2, args
        assert str(rules) in result.stderr and "'wehn'" in result.stderr and "line 3" in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1


def test_the_built_in_rules_give_every_built_in_preset_its_own_named_skill():
    rules = Rules.default()
    outcomes = {}
    for preset in presets.builtin_presets():
        payload = build_payload(preset.draft, "12345678")
        decision = rules.route(facts_of(payload, client_properties_header(preset.draft)))
        assert decision.index >= 0 and decision.skill, preset.name
        outcomes[preset.name] = decision.skill
    # first-message's message is a SEND after the create, when routing is done: it routes like minimal;
    # only the older docs' form (the message in the create call) reaches the first-message rule
    assert outcomes.pop("first-message") == outcomes["minimal"]
    batch = presets.load("first-message", Path("/nonexistent")).draft
    batch.set_text("firstMessage.how", "batch")
    assert rules.route(facts_of(build_payload(batch, "12345678"), None)).skill == "Live Chat"
    assert len(set(outcomes.values())) == len(outcomes), outcomes
    assert outcomes["sde-ctype-gender"] == "VIP Support" and outcomes["sde-companybranch"] == "ACME Desk"
    assert outcomes["minimal"] == "General" and outcomes["campaign-routing"] == "Campaign Sales"


def test_ctype_matches_case_insensitively_and_minus_one_is_no_skill():
    rules = Rules.default()
    assert rules.route({"ctype": "VIP"}).skill == "VIP Support"
    assert rules.route({"skillId": "-1"}).skill == "General"
    assert rules.route({"skillId": "2736637412"}).skill == "Billing Specialists"
    assert rules.route({"skillId": "42"}).skill == "skill 42"


def test_the_prediction_is_what_the_sandbox_then_does():
    """One engine: facts from the built body predict exactly the sandbox's routing, for every preset."""
    rules = Rules.default()
    with Sandbox(SandboxState(rules=rules)) as box:
        for preset in presets.builtin_presets():
            predicted = rules.route(facts_of(build_payload(preset.draft, "12345678"),
                                             client_properties_header(preset.draft)))
            conn = Connection(ext_consumer_id=f"predict-{preset.name}")
            conn.apply(box.connection_values(), "test")

            async def send():
                client = LpClient(conn)
                try:
                    result = await client.create_conversation(build_payload(preset.draft, conn.account_id),
                                                              client_properties_header(preset.draft))
                    return await client.sandbox_conversation(result.conversation_id)
                finally:
                    await client.aclose()

            import asyncio

            routed = asyncio.run(send())
            assert (routed["skill"], routed["rule"]) == (predicted.skill, predicted.rule), preset.name


def test_an_external_sandbox_says_its_rules_and_they_read_back_the_same(tmp_path):
    rules = parse_rules(BOSTON, "boston.toml")
    with Sandbox(SandboxState(rules=rules)) as box:
        import httpx

        info = httpx.get(f"{box.csds_url}/_sandbox/info").json()
    again = rules_from_info(info)
    assert again is not None and again.source == "boston.toml" and again.describe() == rules.describe()


def test_boston_end_to_end_through_the_cli(tmp_path):
    """The issue's acceptance: a rules file routing companyBranch Boston, in send --sandbox and in an
    external sandbox through its exported variables."""
    rules = tmp_path / "boston.toml"
    rules.write_text(BOSTON + '\n[[rules]]\nname = "rest"\nwhen = {}\nskill = "General"\n')
    result = lp("send", "--sandbox", "--rules", str(rules), "--set", "consumer.companyBranch=Boston")
    assert result.returncode == 0 and "'Boston Sales'" in result.stderr and "Boston branch" in result.stderr
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "sandbox", "--rules", str(rules)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = []
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl+C stops it." in line:
                break
        text = "".join(banner)
        assert "Boston branch" in text and "Boston Sales" in text  # the rules in force, shown at start
        url = next(line.split()[-1] for line in banner if "CSDS URL:" in line)
        env = {"LP_CSDS_URL": url, "LP_ACCOUNT_ID": "12345678", "LP_CLIENT_ID": "sandbox-app-0001",
               "LP_CLIENT_SECRET": "sandbox-secret-0001", "LP_EXT_CONSUMER_ID": "boston-consumer",
               "LP_SANDBOX_TOKEN": next(item.split("=", 1)[1] for line in banner for item in line.split()
                                        if item.startswith("LP_SANDBOX_TOKEN="))}
        external = lp("send", "--set", "consumer.companyBranch=Boston", env=env)
        assert external.returncode == 0 and "'Boston Sales'" in external.stderr, external.stderr
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_routes_prints_one_row_per_built_in_preset_and_json_parses():
    table = lp("routes")
    assert table.returncode == 0, table.stderr
    names = [p.name for p in presets.builtin_presets()]
    lines = table.stdout.splitlines()
    for name in names:
        row = next(line for line in lines if line.startswith(name + " "))
        assert "(not routed)" not in row
    data = json.loads(lp("routes", "--json").stdout)
    assert [row["preset"] for row in data] == sorted(names) and all(row["skill"] and row["rule"] for row in data)


def test_rules_reload_when_the_file_changes_and_a_bad_edit_keeps_them(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(BOSTON)
    state = SandboxState(rules=parse_rules(BOSTON, str(path)))
    reports: list[tuple[str, bool]] = []
    watcher = RulesWatcher(path, state, lambda message, ok: reports.append((message, ok)))
    path.write_text(BOSTON.replace("Boston Sales", "Boston Desk") + "\n")
    assert watcher.check() and reports[-1][1] and "reloaded" in reports[-1][0]
    assert state.rules.route({"companyBranch": "Boston"}).skill == "Boston Desk"
    path.write_text('[[rules]]\nwehn = {}\nskill = "X"\n')
    assert watcher.check() and not reports[-1][1] and "'wehn'" in reports[-1][0] and "stay" in reports[-1][0]
    assert state.rules.route({"companyBranch": "Boston"}).skill == "Boston Desk"  # kept
    assert not watcher.check()  # nothing changed since


def test_the_watcher_thread_stops_with_the_sandbox(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(BOSTON)
    box = Sandbox(SandboxState(rules=parse_rules(BOSTON))).start()
    watcher = RulesWatcher(path, box.state, lambda *a: None, interval=0.05).start()
    box.stop()
    watcher._thread.join(timeout=10)
    assert not watcher._thread.is_alive()
    assert threading.active_count() >= 1
