"""The engagement lookup (LivePerson's Monitoring API, CSDS service smt): the sandbox's imitation in
LivePerson's shapes, the client's reading of them and of its errors, and `lp-tui engagements`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx
import pytest

from lp_tui.lp.engagements import look_up, parse
from lp_tui.lp.errors import LpError
from lp_tui.model.routing import RulesError, parse_rules
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState

# LivePerson's own examples of the engagement method's answers (developer-center,
# pages/documents/consumer-information/monitor-api/methods/engagement.md, commit a4ed8a7754635d5b86a5050b4ef78ef02f2d1099)
LP_AVAILABLE = {"sessionId": "abc", "visitorId": "xyz", "pageId": "595933432",
                "engagementDetails": [{"campaignId": 880524023, "engagementId": 880524123, "engagementRevision": 21,
                                       "contextId": "1", "connectorId": 2642324112, "status": "expose"}]}
LP_RESUMED = {"sessionId": "abc", "visitorId": "xyz", "pageId": "2095636278",
              "engagementDetails": [{"campaignId": 880524423, "engagementId": 880524523, "engagementRevision": 23,
                                     "conversationId": "fdasfdas", "connectorId": 2642324112,
                                     "status": "conversation"}]}
LP_UNAVAILABLE = {"sessionId": "abc", "visitorId": "xyz", "pageId": "4743822558"}


def lp(*args, env=None):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, text=True, timeout=120,
                            env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_liveperson_examples_are_read_field_by_field():
    found = parse(201, LP_AVAILABLE)
    assert (found.visitor_id, found.session_id, found.page_id) == ("xyz", "abc", "595933432")
    [e] = found.engagements
    assert (e.campaign_id, e.engagement_id, e.context_id, e.status) == ("880524023", "880524123", "1", "expose")
    [r] = parse(200, LP_RESUMED).engagements
    assert (r.status, r.conversation_id) == ("conversation", "fdasfdas")
    assert parse(200, LP_UNAVAILABLE).engagements == []  # no engagementDetails: none available
    with pytest.raises(ValueError):
        parse(200, ["not", "an", "object"])


def test_sandbox_lists_the_rules_campaigns_and_keeps_a_session():
    box = Sandbox().start()
    try:
        url = f"{box.csds_url}/api/account/{box.state.account_id}/app/{box.state.client_id}/engagement"
        first = httpx.post(url, params={"v": "1.0"}, json={"entryPoints": ["sec://Sport"]}, trust_env=False)
        assert first.status_code == 201  # a new monitor session
        doc = first.json()
        pairs = [(d["campaignId"], d["engagementId"], d["status"]) for d in doc["engagementDetails"]]
        assert pairs == [(2739101812, 2739121912, "expose"), (99999, 888888, "expose")]  # numbers, as LivePerson's
        again = httpx.post(url, params={"v": "1.0", "vid": doc["visitorId"], "sid": doc["sessionId"]}, json={},
                           trust_env=False)
        assert again.status_code == 200 and again.json()["sessionId"] == doc["sessionId"]
        wrong = httpx.post(url, params={"v": "3"}, json={}, trust_env=False)
        assert wrong.status_code == 400 and wrong.json()["internalCode"] == 33
    finally:
        box.stop()


def test_rules_name_engagements_and_a_bad_table_is_named():
    rules = parse_rules('[campaigns]\n"7" = "Seven Desk"\n[engagements]\n"70" = "7"\n"80" = "8"\n', "r.toml")
    assert rules.engagements == {"70": "7", "80": "8"}
    with pytest.raises(RulesError, match=r"r.toml, line 1: \[engagements\] maps engagement ids to campaign ids"):
        parse_rules('[engagements]\n"70" = 7\n', "r.toml")


def test_client_explains_an_unknown_app_installation_id():
    from lp_tui.lp.client import LpClient
    from lp_tui.model.connection import resolve

    box = Sandbox().start()
    try:
        conn, _ = resolve("sandbox", {}, sandbox=box.connection_values())
        client = LpClient(conn)

        async def run():
            try:
                return await look_up(client, app_id="not-installed")
            finally:
                await client.aclose()

        with pytest.raises(LpError) as caught:
            asyncio.run(run())
        text = str(caught.value)
        assert "404" in text and "internalCode 18" in text and "--app-id" in text
        assert caught.value.exit_code == 1
    finally:
        box.stop()


def test_cli_engagements_on_the_sandbox_lists_campaigns_and_engagements():
    result = lp("engagements", "--sandbox")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Engagement lookup on the sandbox: 2 engagement(s)")
    assert any(line.split()[:2] == ["2739101812", "2739121912"] and "Campaign Sales" in line for line in lines)
    assert any(line.split()[:2] == ["99999", "888888"] and "Web Campaign Desk" in line for line in lines)
    as_json = json.loads(lp("engagements", "--sandbox", "--json").stdout)
    assert [e["engagementId"] for e in as_json["engagements"]] == ["2739121912", "888888"]


def test_cli_engagements_for_a_consumer_with_an_open_conversation(tmp_path):
    """The method's second use: the consumer's open conversation comes back, status conversation."""
    box = Sandbox().start()
    try:
        v = box.connection_values()
        env = {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
               "LP_CLIENT_SECRET": v["client_secret"], "LP_EXT_CONSUMER_ID": "visitor-1",
               "LP_SANDBOX_TOKEN": v["sandbox_token"]}
        assert lp("send", "--preset", "minimal", env=env).returncode == 0
        doc = json.loads(lp("engagements", "--consumer", "visitor-1", "--json", env=env).stdout)
        assert {e["status"] for e in doc["engagements"]} == {"conversation"}
        assert all(e["conversationId"] for e in doc["engagements"])
    finally:
        box.stop()


def test_cli_engagements_names_a_bad_app_id_and_exits_1():
    result = lp("engagements", "--sandbox", "--app-id", "nope\x1b[31m")
    assert result.returncode == 1
    assert "internalCode 18" in result.stderr and "\x1b" not in result.stderr


def test_a_hostile_answer_is_printed_as_plain_text():
    """Ids from the server carrying terminal escapes and markup are shown escaped, never obeyed."""
    box = Sandbox().start()
    try:
        v = box.connection_values()
        hostile = {"sessionId": "s\x1b]0;pwned\x07", "visitorId": "[bold]v[/bold]",
                   "engagementDetails": [{"campaignId": "7\x1b[2J", "engagementId": "8\u202e9", "status": "expose"}]}
        fault = httpx.post(f"{box.csds_url}/_sandbox/faults", trust_env=False,
                           headers={"Authorization": f"Bearer {v['sandbox_token']}"},
                           json={"service": "smt", "status": 201, "body": json.dumps(hostile), "times": 1})
        assert fault.status_code == 200, fault.text
        env = {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
               "LP_CLIENT_SECRET": v["client_secret"], "LP_SANDBOX_TOKEN": v["sandbox_token"]}
        result = lp("engagements", env=env)
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
        assert "\\x1b]0;pwned" in result.stdout and "[bold]v[/bold]" in result.stdout
    finally:
        box.stop()


TARGETED = '''[[rules]]
name = "campaigns"
when = { campaignId = "*" }
skill = "$campaign"

[campaigns]
"500" = "Shop Desk"
"600" = "Sports Desk"

[engagements]
"5001" = { campaign = "500", entry_points = ["https://shop.example/*"] }
"6001" = { campaign = "600", entry_points = ["sec://Sport"] }
"7001" = "500"
'''


def test_engagements_that_target_entry_points_are_offered_only_for_them(tmp_path):
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(TARGETED)
    os.chmod(tmp_path, 0o700)

    def ids(*flags):
        result = lp("engagements", "--sandbox", "--rules", str(rules_file), "--json", *flags)
        assert result.returncode == 0, result.stderr
        return [e["engagementId"] for e in json.loads(result.stdout)["engagements"]]

    assert ids() == ["7001"]  # no entry point named: only the untargeted engagement
    assert ids("--entry-point", "https://shop.example/cart") == ["5001", "7001"]
    assert ids("--entry-point", "sec://Sport", "--entry-point", "https://shop.example/") == ["5001", "6001", "7001"]


def test_the_sandbox_reports_targeted_engagements_and_they_read_back():
    from lp_tui.model.routing import rules_from_info

    rules = parse_rules(TARGETED, "t.toml")
    assert rules.entry_points == {"5001": ("https://shop.example/*",), "6001": ("sec://Sport",)}
    box = Sandbox(SandboxState(rules=rules)).start()
    try:
        again = rules_from_info(box.state.info())
        assert again is not None and again.engagements == rules.engagements
        assert again.entry_points == rules.entry_points
    finally:
        box.stop()
    with pytest.raises(RulesError, match="engagement 9: .*entry_points"):
        parse_rules('[engagements]\n"9" = { campaign = "1", entry_points = "https://x" }\n', "t.toml")
