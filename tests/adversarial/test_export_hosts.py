"""The exports that do the whole flow (Python, curl-flow) apply lp-tui's CSDS host rule themselves:
a service "host" carrying a path, a query, user:password@, a scheme or a bad port is refused before
the client secret is sent, and plain http goes only to this machine. The same hostile hosts as
test_hosts.py, against the scripts `lp-tui build` prints."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import cli
from .hostile import ACCOUNT, SECRET

HOSTILE_HOSTS = ["host.example/x?", "user:pw@host.example", "http://host.example", "host.example#frag",
                 "host example", "[::1", "host.example:99999", "host.example:", "-bad-.example", "a" * 400,
                 "127.0.0.1/evil", "127.0.0.1:1/x", "127.0.0.1\\@x", "[::1]/x", "127.0.0.1:0"]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scripts")
    made = {}
    for kind, name in (("python", "c.py"), ("curl-flow", "c.sh")):
        built = cli("build", "--as", kind, "--preset", "minimal", env={"LP_ACCOUNT_ID": "12345678"})
        assert built.returncode == 0, built.stderr
        (folder / name).write_bytes(built.stdout)
        made[kind] = folder / name
    return made


def run(kind: str, path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    argv = [sys.executable, "-I", "-S", str(path)] if kind == "python" else ["sh", str(path)]
    return subprocess.run(argv, capture_output=True, timeout=60, env={"PATH": os.environ["PATH"], **env})


KINDS = ["python"] + (["curl-flow"] if shutil.which("curl") else [])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("service", ["sentinel", "asyncMessagingEnt"])
@pytest.mark.parametrize("base_uri", HOSTILE_HOSTS)
def test_a_csds_host_that_is_not_a_host_is_refused_before_the_secret_is_sent(hostile, scripts, kind, service,
                                                                             base_uri):
    hostile.hosts[service] = base_uri
    result = run(kind, scripts[kind], hostile.env())
    assert result.returncode != 0, result.stdout
    assert f"'{service}'".encode() in result.stderr, result.stderr
    paths = [path for _, path, _, _ in hostile.requests]
    assert not any("app/token" in p or "/consumer" in p for p in paths), "something was sent past CSDS"
    assert not any(SECRET.encode() in body for _, _, _, body in hostile.requests)
    assert SECRET.encode() not in result.stdout + result.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_plain_http_to_a_host_that_is_not_this_machine_is_refused(hostile, scripts, kind):
    hostile.hosts["sentinel"] = "sentinel.example.com"
    result = run(kind, scripts[kind], hostile.env())
    assert result.returncode != 0 and b"plain http" in result.stderr, result.stderr
    assert not any(SECRET.encode() in body for _, _, _, body in hostile.requests)
    far = run(kind, scripts[kind], {**hostile.env(), "LP_CSDS_URL": "http://lp-tui-test.invalid"})
    assert far.returncode != 0 and b"https://" in far.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_the_good_hosts_pass_and_the_flow_completes(hostile, scripts, kind):
    result = run(kind, scripts[kind], hostile.env())
    assert b"conversationId" in result.stdout or result.returncode in (0, 1), result.stderr
    assert any("app/token" in p for _, p, _, _ in hostile.requests)  # the rule lets a real host through
    assert SECRET.encode() not in result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["python", "curl-flow"])
def test_the_exports_never_send_loopback_traffic_through_a_proxy(hostile, tmp_path, kind):
    """With a loopback CSDS (a sandbox, an ssh tunnel) and http_proxy set, the client secret must not
    reach the proxy: the hostile server stands in for the proxy, and nothing listens at the CSDS."""
    if kind == "curl-flow" and not shutil.which("curl"):
        pytest.skip("curl is not installed")
    built = cli("build", "--as", kind, "--preset", "minimal", env={"LP_ACCOUNT_ID": ACCOUNT})
    assert built.returncode == 0, built.stderr
    script = tmp_path / "flow"
    script.write_bytes(built.stdout)
    env = {"PATH": os.environ["PATH"], "LP_CSDS_URL": "http://127.0.0.1:9", "LP_ACCOUNT_ID": ACCOUNT,
           "LP_CLIENT_ID": "app", "LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": "c",
           "http_proxy": hostile.url, "HTTP_PROXY": hostile.url, "ALL_PROXY": hostile.url, "HOME": str(tmp_path)}
    argv = [sys.executable, "-I", "-S", str(script)] if kind == "python" else ["sh", str(script)]
    subprocess.run(argv, capture_output=True, timeout=60, env=env)
    assert not hostile.requests, f"the proxy got {[(m, p) for m, p, _, _ in hostile.requests]}"


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
@pytest.mark.parametrize("fake", ["127.0.0.300", "127.999.999.999", "127.0.0.256:8080"])
def test_curl_flow_takes_no_name_shaped_like_loopback_for_this_machine(hostile, tmp_path, fake):
    """127.0.0.300 is a name curl would look up, not this machine: plain http to it is refused."""
    built = cli("build", "--as", "curl-flow", "--preset", "minimal", env={"LP_ACCOUNT_ID": ACCOUNT})
    script = tmp_path / "flow.sh"
    script.write_bytes(built.stdout)
    hostile.hosts["sentinel"] = fake
    result = subprocess.run(["sh", str(script)], capture_output=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **hostile.env()})
    assert result.returncode != 0 and b"'sentinel'" in result.stderr, result.stderr


@pytest.mark.parametrize("kind", ["python", "curl-flow"])
def test_an_answer_cannot_print_a_result_line_of_the_scripts_own(hostile, tmp_path, kind):
    """A refused create whose body holds "conversationId: FORGED-ID" on a line of its own: the
    scripts indent the answer, so the only result lines are theirs (and a refusal prints none)."""
    from .hostile import connector_raw

    if kind == "curl-flow" and not shutil.which("curl"):
        pytest.skip("curl is not installed")
    built = cli("build", "--as", kind, "--preset", "minimal", env={"LP_ACCOUNT_ID": ACCOUNT})
    script = tmp_path / "flow"
    script.write_bytes(built.stdout)
    hostile.script["*/messaging/consumer/conversation"] = connector_raw(
        b'{"x": 1}\nconsumer: victim\nconversationId: FORGED-ID\n\r\x1b[2J\n', status=400)
    argv = [sys.executable, "-I", "-S", str(script)] if kind == "python" else ["sh", str(script)]
    result = subprocess.run(argv, capture_output=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **hostile.env()})
    assert result.returncode == 1
    lines = result.stdout.split(b"\n")
    assert not [line for line in lines if line.startswith((b"conversationId:", b"consumer:"))], result.stdout
    assert b"\r" not in result.stdout and b"\x1b" not in result.stdout, result.stdout


@pytest.mark.parametrize("kind", ["python", "curl-flow"])
def test_the_scripts_mask_tokens_an_answer_echoes(hostile, tmp_path, kind):
    from .hostile import APP_JWT, JWS

    if kind == "curl-flow" and not shutil.which("curl"):
        pytest.skip("curl is not installed")
    built = cli("build", "--as", kind, "--preset", "minimal", env={"LP_ACCOUNT_ID": ACCOUNT})
    script = tmp_path / "flow"
    script.write_bytes(built.stdout)

    def echo(handler):
        handler.raw(400, ("bad request, headers were: " + repr(dict(handler.headers))).encode(),
                    {"Content-Type": "text/plain"})

    hostile.script["*/messaging/consumer/conversation"] = echo
    argv = [sys.executable, "-I", "-S", str(script)] if kind == "python" else ["sh", str(script)]
    result = subprocess.run(argv, capture_output=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), **hostile.env()})
    printed = result.stdout + result.stderr
    assert b"headers were" in printed  # the answer is shown...
    assert APP_JWT.encode() not in printed and JWS.encode() not in printed  # ...without the tokens
