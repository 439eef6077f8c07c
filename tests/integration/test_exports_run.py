"""The acceptance runs: with `lp-tui sandbox` running and its variables exported, what
`lp-tui build --as python` prints runs with `python3 -I -S` (no site-packages at all) and opens a
conversation; what `--as curl` prints, run by sh after `eval "$(lp-tui token)"`, opens one too;
and what `--as curl-flow` prints, piped to sh, opens one with no token command; all for bodies
with hostile quoting. A routing rule that matches the hostile value exactly proves it arrived
unchanged (the sandbox routes by the JSON it parsed)."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import uuid

import httpx
import pytest
import tomli_w

from lp_tui.lp.client import LpClient
from lp_tui.model.connection import Connection
from lp_tui.model.routing import DEFAULT_RULES_TOML

HOSTILE = [
    "it's \"quoted\" $HOME and ${PATH}",
    "back`tick` $(id) \\ back\\slash \\n not a newline, ends with \\",
    "a real\nnewline and a\ttab",
    "Unicode é 中文 🎉 ‘curly’ — ∑",
    "'\"'\"' mixed '\\'' \"\\\"\" %s %n $'x' !!",
]
EXACT = "Exact Match"


def lp(*args, env, timeout=60):
    result = subprocess.run([sys.executable, "-m", "lp_tui", *args], capture_output=True, text=True,
                            timeout=timeout, env={**os.environ, **env})
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`lp-tui sandbox --split` in its own process; the banner says where (each service its own port)."""
    folder = tmp_path_factory.mktemp("sandbox")
    rules = folder / "rules.toml"
    hostile_rules = [{"name": f"hostile {i}", "when": {"companyBranch": value}, "skill": EXACT}
                     for i, value in enumerate(HOSTILE)]
    rules.write_text(tomli_w.dumps({"rules": hostile_rules}) + "\n" + DEFAULT_RULES_TOML)
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "sandbox", "--split", "--rules", str(rules)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "LP_TUI_HOME": str(folder / "home")})
    banner = []
    try:
        for line in proc.stdout:  # up once it says how to stop it
            banner.append(line)
            if "Ctrl+C stops it." in line:
                break
        values = {}
        for line in banner:
            for key, name in (("CSDS URL:", "LP_CSDS_URL"), ("account id:", "LP_ACCOUNT_ID"),
                              ("client id:", "LP_CLIENT_ID"), ("client secret:", "LP_CLIENT_SECRET")):
                if line.strip().startswith(key):
                    values[name] = line.split(":", 1)[1].split()[0]
            if line.strip().startswith("export "):  # the control token, for /_sandbox/*
                values.update(item.split("=", 1) for item in line.split()[1:] if item.startswith("LP_SANDBOX_TOKEN="))
        assert len(values) == 5, "".join(banner) + proc.stderr.read()
        yield values
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def consumer_env(live) -> dict[str, str]:
    return {**live, "LP_EXT_CONSUMER_ID": f"export-{uuid.uuid4().hex[:8]}"}


def routed_skill(live, conversation_id: str) -> str:
    answer = httpx.get(f"{live['LP_CSDS_URL']}/_sandbox/conversations/{conversation_id}", trust_env=False,
                       headers={"Authorization": f"Bearer {live['LP_SANDBOX_TOKEN']}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["skill"]


def run_python_export(tmp_path, live, *build_args) -> str:
    env = consumer_env(live)
    built = lp("build", "--as", "python", *build_args, env=env)
    assert built.returncode == 0, built.stderr
    script = tmp_path / f"create-{uuid.uuid4().hex[:6]}.py"
    script.write_text(built.stdout)
    ran = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, **env})  # -I -S: no site-packages, no httpx
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = [line for line in ran.stdout.splitlines() if line.startswith("conversationId: ")]
    assert lines, ran.stdout
    assert live["LP_CLIENT_SECRET"] not in built.stdout + ran.stdout + ran.stderr  # read, never held or shown
    return lines[0].split(": ", 1)[1]


@pytest.fixture(scope="module")
def shell_bin(tmp_path_factory):
    """A `lp-tui` on PATH that is this checkout, so the README's shell lines run as written."""
    folder = tmp_path_factory.mktemp("bin")
    (folder / "lp-tui").write_text(f"#!/bin/sh\nexec {sys.executable} -m lp_tui \"$@\"\n")
    (folder / "lp-tui").chmod(0o755)
    return folder


def sh(script: str, env: dict[str, str], shell_bin) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env, "PATH": f"{shell_bin}:{os.environ['PATH']}"})


def mint(live, consumer: str) -> tuple[str, str]:
    """An AppJWT and a ConsumerJWS from that sandbox, as lp-tui's own client gets them."""
    conn = Connection(account_id=live["LP_ACCOUNT_ID"], csds_url=live["LP_CSDS_URL"],
                      client_id=live["LP_CLIENT_ID"], client_secret=live["LP_CLIENT_SECRET"], ext_consumer_id=consumer)

    async def run() -> tuple[str, str]:
        client = LpClient(conn)
        try:
            app_jwt = await client.app_jwt()
            return app_jwt, await client.consumer_jws(app_jwt)
        finally:
            await client.aclose()

    return asyncio.run(run())


def run_curl_export(live, shell_bin, *build_args) -> str:
    """eval "$(lp-tui token)", then sh -c "$(lp-tui build --as curl ...)"."""
    env = consumer_env(live)
    words = " ".join(shlex.quote(a) for a in build_args)
    built = lp("build", "--as", "curl", *build_args, env=env)
    assert built.returncode == 0, built.stderr
    port = live["LP_CSDS_URL"].rsplit(":", 1)[1]
    assert '"http://$LP_HOST/api/account/' in built.stdout and f":{port}" not in built.stdout
    ran = sh(f'eval "$(lp-tui token)" && sh -c "$(lp-tui build --as curl {words})"', env, shell_bin)
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer[0]["code"] == "OK" and answer[1]["code"] == "OK", ran.stdout
    app_jwt, jws = mint(live, env["LP_EXT_CONSUMER_ID"])
    assert app_jwt not in built.stdout and jws not in built.stdout
    return answer[1]["body"]["conversationId"]


def run_curl_flow(live, shell_bin, *build_args) -> str:
    """lp-tui build --as curl-flow ... | sh: no token command."""
    env = consumer_env(live)
    words = " ".join(shlex.quote(a) for a in build_args)
    ran = sh(f"lp-tui build --as curl-flow {words} | sh", env, shell_bin)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.startswith("HTTP 200\n"), ran.stdout
    assert live["LP_CLIENT_SECRET"] not in ran.stdout + ran.stderr
    lines = [line for line in ran.stdout.splitlines() if line.startswith("conversationId: ")]
    assert lines, ran.stdout
    return lines[0].split(": ", 1)[1]


def test_the_python_export_of_sde_ctype_gender_opens_a_conversation(live, tmp_path):
    conversation_id = run_python_export(tmp_path, live, "--preset", "sde-ctype-gender")
    assert routed_skill(live, conversation_id) == "VIP Support"


def test_the_curl_export_of_sde_ctype_gender_opens_a_conversation(live, shell_bin):
    conversation_id = run_curl_export(live, shell_bin, "--preset", "sde-ctype-gender")
    assert routed_skill(live, conversation_id) == "VIP Support"


def test_the_curl_flow_export_of_sde_ctype_gender_opens_a_conversation_with_no_token_command(live, shell_bin):
    conversation_id = run_curl_flow(live, shell_bin, "--preset", "sde-ctype-gender")
    assert routed_skill(live, conversation_id) == "VIP Support"


def test_lp_tui_token_prints_shell_quoted_exports_into_a_pipe_and_refuses_a_terminal(live, shell_bin):
    env = consumer_env(live)
    printed = lp("token", env=env)
    assert printed.returncode == 0, printed.stderr
    names = [line.split("=", 1)[0] for line in printed.stdout.splitlines()]
    assert names == ["export LP_APP_JWT", "export LP_CONSUMER_JWS", "export LP_HOST", "export LP_ACCOUNT_ID",
                     "export LP_EXT_CONSUMER_ID"]
    ran = sh('eval "$(lp-tui token --consumer "it\'s me")" && printf "%s|%s" "$LP_EXT_CONSUMER_ID" "$LP_HOST"', env,
             shell_bin)
    consumer, host = ran.stdout.split("|")
    assert consumer == "it's me" and host.startswith("127.0.0.1:")
    import pty

    main, child = pty.openpty()  # stdout is a terminal: the tokens are not printed without --reveal
    try:
        refused = subprocess.run([sys.executable, "-m", "lp_tui", "token"], stdout=child, stderr=subprocess.PIPE,
                                 timeout=60, env={**os.environ, **env})
    finally:
        os.close(child)
        os.close(main)
    assert refused.returncode == 2 and b"--reveal" in refused.stderr


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_quoting_survives_the_python_export(live, tmp_path, value):
    conversation_id = run_python_export(tmp_path, live, "--preset", "sde-ctype-gender",
                                        "--set", f"consumer.companyBranch={value}")
    assert routed_skill(live, conversation_id) == EXACT  # the exact value arrived


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_quoting_survives_the_curl_export(live, shell_bin, value):
    conversation_id = run_curl_export(live, shell_bin, "--preset", "sde-ctype-gender", "--set",
                                      f"consumer.companyBranch={value}")
    assert routed_skill(live, conversation_id) == EXACT


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_quoting_survives_the_curl_flow_export(live, shell_bin, value):
    conversation_id = run_curl_flow(live, shell_bin, "--preset", "sde-ctype-gender", "--set",
                                    f"consumer.companyBranch={value}")
    assert routed_skill(live, conversation_id) == EXACT


def test_a_near_miss_is_not_routed_as_exact(live, tmp_path):
    """The rule is exact: one character off does not match (so the tests above can fail)."""
    conversation_id = run_python_export(tmp_path, live, "--preset", "sde-ctype-gender", "--set",
                                        f"consumer.companyBranch={HOSTILE[0]} ")
    assert routed_skill(live, conversation_id) == "VIP Support"


def sandbox_messages(live, conversation_id: str) -> list:
    answer = httpx.get(f"{live['LP_CSDS_URL']}/_sandbox/conversations/{conversation_id}", trust_env=False,
                       headers={"Authorization": f"Bearer {live['LP_SANDBOX_TOKEN']}"})
    assert answer.status_code == 200, answer.text
    return [m["text"] for m in answer.json()["messages"] if m.get("role") == "CONSUMER"]


@pytest.mark.parametrize("value", [HOSTILE[0], HOSTILE[2]], ids=["quotes", "newline"])
def test_the_python_export_of_first_message_sends_it_after_the_create(live, tmp_path, value):
    """Step 5 of the script: the SEND to the conversation the create opened, with the exact text."""
    conversation_id = run_python_export(tmp_path, live, "--preset", "first-message",
                                        "--set", f"firstMessage.text={value}")
    assert sandbox_messages(live, conversation_id) == [value]


def test_the_curl_export_of_first_message_says_it_makes_only_the_create(live, shell_bin):
    """curl cannot take the conversationId from the answer: the command says so, and makes the create."""
    env = consumer_env(live)
    built = lp("build", "--as", "curl", "--preset", "first-message", env=env)
    assert "# The draft also has a first message" in built.stdout and "lp-tui message" in built.stdout
    conversation_id = run_curl_export(live, shell_bin, "--preset", "first-message")
    assert sandbox_messages(live, conversation_id) == []
