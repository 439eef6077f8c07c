"""Every fault, through `lp-tui send`: the documented exit code and one clear line naming the step.

Each service of the sandbox runs on its own port, so a fault can be put on one service alone.
"""

from __future__ import annotations

import socket
import time

import pytest

from lp_tui.sandbox.state import Fault
from tests.tls_server import untrusted_https_server

from .conftest import connection_env, error_lines, run_cli

SERVICES = {  # fault-injection name -> (CSDS service name, step named in the message)
    "csds": (None, "domain lookup"),
    "sentinel": ("sentinel", "AppJWT"),
    "idp": ("idp", "ConsumerJWS"),
    "conversation": ("asyncMessagingEnt", "create conversation"),
}


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def send(box, *extra, consumer="rel-consumer"):
    return run_cli("send", "--no-retry", *extra, env=connection_env(box, consumer))


def assert_one_error(result, code: int, step: str, *words: str) -> None:
    assert result.returncode == code, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert step in lines[0], lines[0]
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("service", SERVICES)
def test_refused(box, service):
    csds_name, step = SERVICES[service]
    if csds_name is None:
        env = {**connection_env(box), "LP_CSDS_URL": f"http://{closed_port()}"}
        result = run_cli("send", "--no-retry", env=env)
    else:
        box.state.hosts[csds_name] = closed_port()
        result = send(box)
    assert_one_error(result, 3, step, "connection refused")


@pytest.mark.parametrize("service", SERVICES)
def test_slow_times_out(box, service):
    box.state.add_fault(service, Fault(hang=True))  # never answers: the read timeout ends it
    result = send(box, "--timeout", "0.5")
    assert_one_error(result, 3, SERVICES[service][1], "timed out")


@pytest.mark.parametrize("service", ["csds", "sentinel", "idp"])
def test_answering_500(box, service):
    box.state.add_fault(service, Fault(status=500, times=-1))
    assert_one_error(send(box), 1, SERVICES[service][1], "500")


def test_connector_answering_500_is_explained(box):
    box.state.add_fault("conversation", Fault(status=500, times=-1))
    result = send(box)
    assert result.returncode == 1 and "server error (500)" in result.stderr


@pytest.mark.parametrize("service", ["csds", "sentinel", "idp"])
def test_answering_non_json(box, service):
    box.state.add_fault(service, Fault(body="<html>maintenance</html>", content_type="text/html"))
    assert_one_error(send(box), 1, SERVICES[service][1])


def test_connector_answering_non_json(box):
    box.state.add_fault("conversation", Fault(body="<html>proxy error</html>", content_type="text/html"))
    result = send(box)
    assert result.returncode == 1 and "<html>proxy error</html>" in result.stdout
    assert "Unexpected answer" in result.stderr


@pytest.mark.parametrize("missing", ["sentinel", "idp", "asyncMessagingEnt"])
def test_csds_without_the_needed_service(box, missing):
    del box.state.hosts[missing]
    assert_one_error(send(box), 1, "domain lookup", repr(missing))


def test_dripping_answer(box):
    # every piece comes well within the read timeout; the whole would take 19 s: the answer time limit ends it
    box.state.add_fault("conversation", Fault(body="[" + " " * 300 + "]", drip=1.0))
    assert_one_error(send(box, "--total-timeout", "1"), 3, "create conversation", "timed out", "longer than 1 s")


def test_huge_answer(box):
    box.state.add_fault("conversation", Fault(body="[" + " " * 10_000_000 + "]"))
    result = run_cli("send", "--no-retry", env=connection_env(box))
    assert result.returncode == 1 and "Unexpected answer" in result.stderr and "larger than 4 MB" in result.stderr


def test_429_then_success(box):
    box.state.add_fault("conversation", Fault(status=429, times=1))
    result = run_cli("send", env=connection_env(box))  # default policy: one retry after at least 1 s
    assert result.returncode == 0 and "(2 attempts)" in result.stderr and "429 throttled" not in result.stdout


def test_5xx_then_success(box, tmp_path, lp_home):
    settings = lp_home / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text("[profiles.default]\nretry_429 = 1\nwait_429 = 0.0\ndelays_5xx = [0.1, 0.1, 0.1]\n")
    settings.chmod(0o600)
    box.state.add_fault("conversation", Fault(status=503, times=2))
    result = run_cli("send", env=connection_env(box))
    assert result.returncode == 0 and "(3 attempts)" in result.stderr


def test_tls_failure_names_the_step(untrusted_https):
    env = {"LP_CSDS_URL": untrusted_https, "LP_ACCOUNT_ID": "1", "LP_CLIENT_ID": "c",
           "LP_CLIENT_SECRET": "s", "LP_EXT_CONSUMER_ID": "x"}
    assert_one_error(run_cli("send", "--no-retry", env=env), 3, "domain lookup", "TLS failed", "CA bundle")


@pytest.fixture
def untrusted_https(tmp_path):
    with untrusted_https_server(tmp_path) as (url, _cert):
        yield url


def test_unknown_host_names_the_step(lp_home):
    env = {"LP_CSDS_URL": "https://lp-tui-test.invalid", "LP_ACCOUNT_ID": "1", "LP_CLIENT_ID": "c",
           "LP_CLIENT_SECRET": "s", "LP_EXT_CONSUMER_ID": "x"}
    result = run_cli("send", "--no-retry", env=env)
    assert result.returncode == 3
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "domain lookup" in lines[0] and "lp-tui-test.invalid" in lines[0]
    assert "cannot resolve the host name" in lines[0] or "timed out" in lines[0]
