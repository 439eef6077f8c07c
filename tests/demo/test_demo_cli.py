"""``lp-tui demo SCRIPT --cli``: the shipped story on the sandbox, a script with an error, an unmet expectation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lp_tui.model.demo import DemoError, load_script, parse_script, shipped_names


def run(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LP_TUI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "lp_tui", "demo", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def test_the_shipped_story_runs_on_the_sandbox_and_exits_0(tmp_path):
    done = run("routing-story", "--cli", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "reached the skill ACME Desk (companyBranch ACME routes to the ACME skill)" in lines
    assert "reached the skill VIP Support (ctype vip routes to the VIP skill)" in lines
    assert "reached the skill Billing Specialists (transferred by agent)" in lines  # not the first rule's words
    transfer = lines.index("  transfer transferred to Billing Specialists (skillId 2736637412) by agent")
    joined = [i for i, line in enumerate(lines) if line.startswith("  joined   ASSIGNED_AGENT")]
    assert any(i > transfer for i in joined), "a new agent joins after the transfer"
    assert any(line.startswith("  left     ASSIGNED_AGENT") for line in lines[transfer:])
    assert "  closed   by AGENT (closeReason AGENT)" in lines[transfer:]
    assert lines[-1] == "done: every step ran; skills reached: ACME Desk, VIP Support, Billing Specialists"


def test_an_expected_skill_not_reached_fails_with_the_reason(tmp_path):
    script = tmp_path / "wrong.toml"
    script.write_text('[[steps]]\nsend = "sde-ctype-gender"\nexpect_skill = "Billing Specialists"\ntimeout = 1\n')
    done = run(str(script), "--cli", home=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("step 1: expected the skill 'Billing Specialists', but the conversation is on 'VIP Support' "
            "(rule: ctype vip routes to the VIP skill)") in done.stderr


def test_a_script_with_an_error_names_the_file_and_step_and_exits_2(tmp_path):
    script = tmp_path / "broken.toml"
    script.write_text('[[steps]]\nsend = "minimal"\n\n[[steps]]\nagent = "hi"\nquick_replies = "Yes"\n')
    done = run(str(script), "--cli", home=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().endswith(f"{script}, step 2 (line 4): quick_replies must be a list of 1-13 button "
                                        "titles (1-25 characters each)")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("text, message", [
    ('[[steps]]\nsend = "minimal"\nagent = "x"\n', "step 1 (line 1): one action per step; this one has send and agent"),
    ('[[steps]]\nsend = "minimal"\n[[steps]]\nclose = "nobody"\n', 'step 2 (line 3): close must be "agent" or '
                                                                   '"consumer"'),
    ('[[steps]]\nsend = "minimal"\n[[steps]]\npause = -1\n', "step 2 (line 3): pause must be seconds, 0-600"),
    ('[[steps]]\nwait = "joined"\n', "step 1 (line 1): the first step must open the conversation"),
    ('[[steps]]\nsend = "minimal"\n[[steps]]\nfly = 1\n', "step 2 (line 3): unknown key 'fly'"),
    ('steps = 3\n', "no steps"),
    ('[[steps]\n', "malformed TOML"),
    ('[[steps]]\nsend = "minimal"\n[[steps]]\nagent = "x"\nexpect_skill = "A"\n',
     "step 2 (line 3): expect_skill goes with send, transfer, or alone"),
])
def test_script_errors_are_specific(text, message):
    with pytest.raises(DemoError, match="^s.toml") as caught:
        parse_script(text, "s.toml")
    assert message in str(caught.value)


def test_shipped_scripts_are_found_by_name_and_unknown_ones_are_named():
    assert "routing-story" in shipped_names()
    script = load_script("routing-story")
    assert script.expected_skills() == ["ACME Desk", "VIP Support", "Billing Specialists"]
    with pytest.raises(DemoError, match="no demo script 'nope'.*routing-story"):
        load_script("nope")


def test_a_script_others_can_write_is_refused(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    script = folder / "s.toml"
    script.write_text('[[steps]]\nsend = "minimal"\n')
    folder.chmod(0o777)
    try:
        with pytest.raises(DemoError, match="not used"):
            load_script(str(script))
    finally:
        folder.chmod(0o755)


def test_a_huge_script_is_refused(tmp_path):
    script = tmp_path / "big.toml"
    script.write_text("# " + "x" * (300 * 1024) + '\n[[steps]]\nsend = "minimal"\n')
    with pytest.raises(DemoError, match="cannot read it"):
        load_script(str(script))


def test_text_from_the_script_and_the_webhooks_is_printed_as_plain_text(tmp_path):
    script = tmp_path / "hostile.toml"
    script.write_text('[[steps]]\nsend = "sde-ctype-gender"\n[[steps]]\nwait = "joined"\n'
                      '[[steps]]\nagent = "red \\u001b[31m title \\u001b]0;owned\\u0007 end"\n'
                      '[[steps]]\nclose = "agent"\n')
    done = run(str(script), "--cli", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "the agent says: red" in done.stdout


async def test_a_step_the_network_fails_ends_the_demo_with_the_step_named():
    """The sandbox refuses the create (a fault): the demo fails at step 1 and says why, no traceback."""
    from lp_tui.lp.client import LpClient
    from lp_tui.lp.demo import DemoRunner
    from lp_tui.lp.timeline import Inbox
    from lp_tui.model.connection import Connection
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import Fault

    with Sandbox() as box:
        box.state.add_fault("csds", Fault(status=503, times=-1))
        conn = Connection(ext_consumer_id="demo-fault")
        conn.apply(box.connection_values(), "test")
        client = LpClient(conn)
        said: list[tuple[str, str]] = []
        try:
            result = await DemoRunner(parse_script('[[steps]]\nsend = "minimal"\n'), client, Inbox(),
                                      lambda kind, text: said.append((kind, text))).run()
        finally:
            await client.aclose()
    assert not result.ok and result.reason.startswith("step 1: ")
    assert said[-1] == ("fail", result.reason)


def test_a_new_conversation_shows_none_of_the_last_ones_story_before_its_own_notifications():
    """The inbox's view falls back to the latest conversation; the demo reads only its own."""
    from types import SimpleNamespace

    from lp_tui.lp.demo import DemoRunner

    class Inbox:
        def view(self, conversation_id=None):
            return SimpleNamespace(conversation_id="first", entries=["created", "joined", "closed"])

    shown: list[tuple[str, str]] = []
    runner = DemoRunner(SimpleNamespace(steps=[]), None, Inbox(), lambda kind, text: shown.append((kind, text)),
                        presets_dir=".")
    assert runner._entries("second") == []
    assert runner._entries("first") == ["created", "joined", "closed"]
    runner.result.conversations.append("second")
    runner._flush()
    assert shown == []  # nothing of the first conversation told under the second
