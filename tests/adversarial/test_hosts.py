"""Hosts from CSDS are not trusted blindly: only a host name or IP with an optional port."""

from __future__ import annotations

import pytest

from lp_tui.lp.transport import check_host

from .conftest import cli
from .hostile import SECRET


@pytest.mark.parametrize("base_uri", ["host.example/x?", "user:pw@host.example", "http://host.example",
                                      "host.example#frag", "host example", "[::1", "host.example:99999",
                                      "host.example:", "-bad-.example", "a" * 400, "127.0.0.1/evil"])
def test_a_csds_host_that_is_not_a_host_is_a_csds_error_naming_the_service(hostile, base_uri):
    hostile.hosts["sentinel"] = base_uri
    result = cli("send", env=hostile.env())
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.decode().splitlines() if line.startswith("lp-tui:")]
    assert len(lines) == 1 and "domain lookup" in lines[0] and "'sentinel'" in lines[0], lines
    paths = [path for _, path, _, _ in hostile.requests]
    assert not any("app/token" in p for p in paths), "the credentials were sent somewhere"
    assert not any(SECRET.encode() in body for _, _, _, body in hostile.requests)


@pytest.mark.parametrize("good", ["va.msg.liveperson.net", "127.0.0.1:8400", "[::1]:8080", "host", "a-b.c-d.example."])
def test_real_host_names_pass(good):
    assert check_host(good, "x") == good


def test_plain_http_to_a_host_that_is_not_this_machine_is_warned_about():
    result = cli("send", "--no-retry", "--connect-timeout", "2", env={
        "LP_CSDS_URL": "http://lp-tui-test.invalid", "LP_ACCOUNT_ID": "1", "LP_CLIENT_ID": "c",
        "LP_CLIENT_SECRET": "s", "LP_EXT_CONSUMER_ID": "x"})
    assert b"clear text" in result.stderr and b"https://" in result.stderr


def test_plain_http_to_the_loopback_sandbox_is_quiet(hostile):
    assert b"clear text" not in cli("send", env=hostile.env()).stderr
