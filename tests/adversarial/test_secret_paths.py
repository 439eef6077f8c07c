"""Secrets go only where they should: plain http only to this machine (every host CSDS names,
not only the CSDS URL), loopback never through a proxy, and a sandbox's control endpoints only
with its token."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from lp_tui.lp.client import LpClient
from lp_tui.lp.errors import LpError
from lp_tui.model.connection import Connection, RetryPolicy
from lp_tui.sandbox.server import Sandbox
from lp_tui.sandbox.state import SandboxState

from .conftest import cli
from .hostile import SECRET

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# --- plain http: every host CSDS names ------------------------------------------------------------
def recording(csds_hosts: dict[str, str]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering CSDS with ``csds_hosts`` and every other call with a token."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("baseURI.json"):
            value: Any = {"baseURIs": [{"service": k, "baseURI": v} for k, v in csds_hosts.items()]}
        else:
            value = {"access_token": "a.b.c", "token": "d.e.f"}
        return httpx.Response(200, headers={"Content-Type": "application/json"},
                              stream=httpx.ByteStream(json.dumps(value).encode()))

    return httpx.MockTransport(answer), seen


def conn_to(csds_url: str, **values: Any) -> Connection:
    conn = Connection(retry=RetryPolicy.none())
    conn.apply({"csds_url": csds_url, "account_id": "123", "client_id": "app", "client_secret": SECRET,
                "ext_consumer_id": "c", **values}, "test")
    return conn


def mint(conn: Connection, transport: httpx.MockTransport) -> str:
    async def run() -> str:
        client = LpClient(conn, transport=transport)
        try:
            return await client.app_jwt()
        finally:
            await client.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "10.1.2.3:8080", "[2001:db8::1]:80"])
def test_a_loopback_csds_naming_a_plain_http_host_elsewhere_gets_no_secret(host):
    transport, seen = recording({"sentinel": host})
    with pytest.raises(LpError) as caught:
        mint(conn_to("http://127.0.0.1:8400"), transport)
    error = caught.value
    assert [r.url.host for r in seen] == ["127.0.0.1"], "the secret was sent to the host CSDS named"
    assert error.kind == "config" and error.exit_code == 2 and error.step == "AppJWT"
    text = str(error)
    assert host in text and "plain http://" in text and "allow_plain_http = true" in text
    assert SECRET not in text


def test_the_profile_may_allow_plain_http_explicitly():
    transport, seen = recording({"sentinel": "sentinel.example:80"})
    assert mint(conn_to("http://127.0.0.1:8400", allow_plain_http="true"), transport) == "a.b.c"
    assert seen[-1].url.host == "sentinel.example" and seen[-1].url.scheme == "http"


def test_a_plain_http_csds_url_elsewhere_is_refused_before_anything_is_sent():
    transport, seen = recording({"sentinel": "127.0.0.1:8400"})
    with pytest.raises(LpError) as caught:
        mint(conn_to("http://csds.example"), transport)
    assert not seen and caught.value.step == "domain lookup" and "the CSDS URL" in str(caught.value)


def test_loopback_hosts_over_http_and_https_hosts_are_fine():
    transport, seen = recording({"sentinel": "localhost:8401"})
    assert mint(conn_to("http://127.0.0.1:8400"), transport) == "a.b.c"
    transport, seen = recording({"sentinel": "sentinel.example"})
    assert mint(conn_to("https://csds.example"), transport) == "a.b.c"
    assert seen[-1].url.scheme == "https"


def test_the_refusal_from_the_command_line_names_the_step_the_host_and_the_setting(hostile):
    hostile.hosts["sentinel"] = "lp-tui-test.invalid:80"
    result = cli("send", "--no-retry", env=hostile.env())
    assert result.returncode == 2, result.stderr
    line = next(line for line in result.stderr.decode().splitlines() if line.startswith("lp-tui:"))
    assert "AppJWT" in line and "lp-tui-test.invalid:80" in line and "allow_plain_http" in line
    assert not any("app/token" in path for _, path, _, _ in hostile.requests)
    assert SECRET.encode() not in result.stderr


def test_the_setting_comes_from_the_environment_too(hostile):
    hostile.hosts["sentinel"] = "lp-tui-test.invalid:80"
    result = cli("send", "--no-retry", "--connect-timeout", "2", env=hostile.env(LP_ALLOW_PLAIN_HTTP="1"))
    assert b"allow_plain_http" not in result.stderr and result.returncode == 3  # it tried: the host does not exist


# --- proxies ----------------------------------------------------------------------------------------
class Proxy(ThreadingHTTPServer):
    """A recording "proxy": notes every request and answers CSDS-like JSON (or 502 to a CONNECT)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                proxy.seen.append(f"{self.command} {self.path}")
                data = json.dumps({"baseURIs": [{"service": "sentinel", "baseURI": "sentinel.example"}]}).encode()
                self.send_response(502 if self.command == "CONNECT" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_CONNECT = _any

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {name: self.url for name in PROXY_VARS} | {"NO_PROXY": "", "no_proxy": ""}


@pytest.fixture
def proxy():
    server = Proxy()
    yield server
    server.shutdown()
    server.server_close()


def test_the_built_in_sandbox_is_reached_direct_whatever_the_proxy_variables_say(proxy):
    result = cli("send", "--sandbox", "--preset", "sde-ctype-gender", env=proxy.env())
    assert result.returncode == 0, result.stderr
    assert proxy.seen == []


def test_a_loopback_csds_and_its_hosts_are_reached_direct(proxy):
    box = Sandbox(SandboxState(client_secret=SECRET), split=True).start()
    try:
        v = box.connection_values()
        env = {"LP_CSDS_URL": v["csds_url"], "LP_ACCOUNT_ID": v["account_id"], "LP_CLIENT_ID": v["client_id"],
               "LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": "proxy-consumer", **proxy.env()}
        result = cli("send", "--preset", "sde-ctype-gender", env=env)
        assert result.returncode == 0, result.stderr
    finally:
        box.stop()
    assert proxy.seen == []


def test_a_host_that_is_not_this_machine_still_goes_through_the_proxy(proxy, monkeypatch):
    for name, value in proxy.env().items():
        monkeypatch.setenv(name, value)

    async def run() -> dict[str, str]:
        client = LpClient(conn_to("http://csds.lp-tui.invalid", allow_plain_http="true"))
        try:
            return await client.domains()
        finally:
            await client.aclose()

    assert asyncio.run(run()) == {"sentinel": "sentinel.example"}
    assert proxy.seen and proxy.seen[0].startswith("GET http://csds.lp-tui.invalid/api/account/123/service/")


# --- the sandbox's control endpoints ---------------------------------------------------------------
@pytest.fixture
def box():
    sandbox = Sandbox(SandboxState(client_secret=SECRET)).start()
    yield sandbox
    sandbox.stop()


CONTROL = [("GET", "/_sandbox/conversations/x"), ("GET", "/_sandbox/webhooks"), ("POST", "/_sandbox/webhooks"),
           ("POST", "/_sandbox/faults"), ("POST", "/_sandbox/reset"), ("POST", "/_sandbox/hold"),
           ("POST", "/_sandbox/release"), ("GET", "/_sandbox/state")]


@pytest.mark.parametrize("method,path", CONTROL)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "wrong", "Basic eDp5"])
def test_a_control_endpoint_without_the_token_is_refused_with_how_to_get_it(box, method, path, authorization):
    headers = {"Content-Type": "application/json"} | ({"Authorization": authorization} if authorization else {})
    body = json.dumps({"url": "http://127.0.0.1:9/evil"}) if path == "/_sandbox/webhooks" else \
        json.dumps({"service": "conversation", "status": 500})
    answer = httpx.request(method, f"{box.csds_url}{path}", headers=headers,
                           content=body if method == "POST" else None, trust_env=False)
    assert answer.status_code == 401
    assert "LP_SANDBOX_TOKEN" in answer.json()["body"]["msg"] and "Authorization: Bearer" in answer.json()["body"]["msg"]
    assert box.state.webhooks.url is None and not box.state.faults and box.state.released.is_set()


def test_with_the_token_the_control_endpoints_answer(box):
    answer = httpx.post(f"{box.csds_url}/_sandbox/webhooks", json={"url": "http://127.0.0.1:9/hook"},
                        headers={"Authorization": f"Bearer {box.token}"}, trust_env=False)
    assert answer.status_code == 200 and box.state.webhooks.url == "http://127.0.0.1:9/hook"


def test_info_stays_open_and_reveals_no_secret(box):
    answer = httpx.get(f"{box.csds_url}/_sandbox/info", trust_env=False)
    assert answer.status_code == 200 and answer.json()["sandbox"] == "lp-tui"
    assert box.token not in answer.text and SECRET not in answer.text


def test_the_liveperson_endpoints_take_no_sandbox_token(box):
    v = box.connection_values()
    answer = httpx.get(f"{box.csds_url}/api/account/{v['account_id']}/service/baseURI.json",
                       params={"version": "1.0"}, trust_env=False)
    assert answer.status_code == 200


def test_two_sandboxes_have_different_tokens():
    assert Sandbox().token != Sandbox().token


def test_the_banner_prints_the_token_and_lp_tui_sends_it_by_itself():
    proc = subprocess.Popen([sys.executable, "-m", "lp_tui", "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        banner = []
        assert proc.stdout is not None
        for line in proc.stdout:
            banner.append(line)
            if "Ctrl+C stops it." in line:
                break
        export = next(line for line in banner if line.strip().startswith("export "))
        env = dict(item.split("=", 1) for item in export.split()[1:])
        assert len(env["LP_SANDBOX_TOKEN"]) >= 24
        unauthorised = httpx.get(f"{env['LP_CSDS_URL']}/_sandbox/state", trust_env=False)
        assert unauthorised.status_code == 401
        without = {k: v for k, v in env.items() if k != "LP_SANDBOX_TOKEN"} | {"LP_EXT_CONSUMER_ID": "no-token"}
        result = cli("send", "--preset", "sde-ctype-gender", env=without)
        assert result.returncode == 0 and b"LP_SANDBOX_TOKEN" in result.stderr  # says why routing is not shown
        assert b"sandbox routed it to" not in result.stderr
        result = cli("send", "--preset", "sde-ctype-gender", env=env | {"LP_EXT_CONSUMER_ID": "with-token"})
        assert b"sandbox routed it to" in result.stderr, result.stderr
        result = cli("send", "--preset", "sde-ctype-gender", "--follow", "--close-after", "1", "--agent-delay", "0",
                     env=env | {"LP_EXT_CONSUMER_ID": "token-follow"})
        assert result.returncode == 0, result.stderr
        assert b"now posts its webhooks to" in result.stderr  # the registration carried the token
        assert env["LP_SANDBOX_TOKEN"].encode() not in result.stdout + result.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


def test_the_client_reads_routing_from_a_sandbox_with_its_token_only(box):
    async def run(token: str) -> Any:
        conn = Connection(ext_consumer_id="routing-token", retry=RetryPolicy.none(), **box.connection_values())
        conn.sandbox_token = token
        client = LpClient(conn)
        try:
            result = await client.create_conversation([{"kind": "req", "id": "1,", "type": "userprofile.SetUserProfile",
                                                        "body": {"authenticatedData": {"lp_sdes": []}}},
                                                       {"kind": "req", "id": "2,", "type": "cm.ConsumerRequestConversation",
                                                        "body": {"brandId": conn.account_id}}])
            assert result.conversation_id, result.body_text
            return await client.sandbox_conversation(result.conversation_id)
        finally:
            await client.aclose()

    assert asyncio.run(run(box.token))["conversationId"]
    box.state.conversations.clear()
    assert asyncio.run(run("not-the-token")) is None
