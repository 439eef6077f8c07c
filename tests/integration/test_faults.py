"""Faults on every step: refused, timeouts, 5xx, non-JSON, missing services, drips, huge bodies, TLS.

Each names the failing step and host, gives a hint, and leaks no secret.
"""

from __future__ import annotations

import socket

import pytest

from lp_tui.lp.client import STEP_APPJWT, STEP_CREATE, STEP_CSDS, STEP_JWS, LpClient
from lp_tui.model.connection import Connection, RetryPolicy
from lp_tui.lp.errors import EXIT_API, EXIT_TRANSPORT, LpError
from lp_tui.model.build import build_payload
from lp_tui.model.draft import Draft
from lp_tui.sandbox.state import Fault
from tests.tls_server import untrusted_https_server

pytestmark = pytest.mark.asyncio
SECRET = "s3cret-Value-0001"


def client_for(sandbox, **overrides):
    conn = Connection(ext_consumer_id="c1", connect_timeout=10, read_timeout=10)
    conn.apply(sandbox.connection_values(), "test")
    conn.retry = RetryPolicy(retry_429=1, wait_429=0, delays_5xx=[0, 0, 0])
    for key, value in overrides.items():
        setattr(conn, key, value)
    return LpClient(conn)


async def send(client, sandbox=None):
    try:
        return await client.create_conversation(build_payload(Draft(), client.conn.account_id))
    finally:
        await client.aclose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_csds_refused():
    conn = Connection(account_id="1", client_id="c", client_secret=SECRET, ext_consumer_id="x",
                      csds_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(LpError) as info:
        await send(LpClient(conn))
    err = info.value
    assert err.kind == "transport" and err.exit_code == EXIT_TRANSPORT and err.step == STEP_CSDS
    assert "refused" in err.message and "127.0.0.1" in err.host and "sandbox running" in err.hint
    assert SECRET not in str(err)


@pytest.mark.parametrize("service,step", [("csds", STEP_CSDS), ("sentinel", STEP_APPJWT), ("idp", STEP_JWS),
                                          ("conversation", STEP_CREATE)])
async def test_each_service_timing_out_names_its_step(sandbox, service, step):
    import httpx

    client = client_for(sandbox)
    # The steps before the one that hangs are done (and cached) first, with no tight limit: on a
    # busy machine one of them could take longer than the 0.5 s below.
    if service != "csds":
        await client.domains()
    if service in ("idp", "conversation"):
        jwt = await client.app_jwt()
        if service == "conversation":
            await client.consumer_jws(jwt)
    sandbox.state.add_fault(service, Fault(hang=True))  # never answers: the read timeout must end it
    client.conn.read_timeout = 0.5
    client._client().timeout = httpx.Timeout(0.5, connect=client.conn.connect_timeout)
    with pytest.raises(LpError) as info:
        await send(client)
    assert info.value.step == step and "timed out" in info.value.message and "settings" in info.value.hint


@pytest.mark.parametrize("service,step", [("csds", STEP_CSDS), ("sentinel", STEP_APPJWT), ("idp", STEP_JWS)])
async def test_each_service_answering_500_is_an_error_naming_it(sandbox, service, step):
    sandbox.state.add_fault(service, Fault(status=500, times=-1))
    with pytest.raises(LpError) as info:
        await send(client_for(sandbox))
    assert info.value.step == step and info.value.status == 500 and info.value.exit_code == EXIT_API


async def test_connector_500_then_success(sandbox):
    sandbox.state.add_fault("conversation", Fault(status=502, times=1))
    result = await send(client_for(sandbox))
    assert result.ok and result.steps[-1].attempts == 2


@pytest.mark.parametrize("service,step", [("csds", STEP_CSDS), ("sentinel", STEP_APPJWT), ("idp", STEP_JWS)])
async def test_each_service_answering_non_json(sandbox, service, step):
    sandbox.state.add_fault(service, Fault(body="<html>maintenance</html>", content_type="text/html"))
    with pytest.raises(LpError) as info:
        await send(client_for(sandbox))
    assert info.value.step == step


async def test_connector_answering_non_json_is_explained_not_ok(sandbox):
    sandbox.state.add_fault("conversation", Fault(body="<html>proxy</html>", content_type="text/html"))
    result = await send(client_for(sandbox))
    assert not result.ok and result.body_json is None and result.body_text == "<html>proxy</html>"
    assert result.explanations[0].title == "Unexpected answer"


@pytest.mark.parametrize("missing", ["sentinel", "idp", "asyncMessagingEnt"])
async def test_csds_without_a_needed_service(sandbox, missing):
    del sandbox.state.hosts[missing]
    with pytest.raises(LpError) as info:
        await send(client_for(sandbox))
    assert info.value.step == STEP_CSDS and repr(missing) in info.value.message


async def test_unknown_account_at_csds(sandbox):
    with pytest.raises(LpError) as info:
        await send(client_for(sandbox, account_id="99999"))
    assert info.value.step == STEP_CSDS and "account id" in info.value.hint


async def test_a_dripping_answer_hits_the_time_limit(sandbox):
    client = client_for(sandbox)
    payload = build_payload(Draft(), client.conn.account_id)
    try:
        # The domains and tokens are fetched (and cached) first, with no tight limit: on a busy
        # machine the domain lookup alone can take more than the 1 s below.
        assert (await client.create_conversation(payload)).ok
        # each 16-byte piece comes well within the read timeout; the whole would take 25 s
        sandbox.state.add_fault("conversation", Fault(body="x" * 400, drip=1.0))
        client.conn.total_timeout = 1.0
        with pytest.raises(LpError) as info:
            await client.create_conversation(payload)
    finally:
        await client.aclose()
    assert info.value.step == STEP_CREATE and "timed out" in info.value.message
    assert "longer than 1 s" in info.value.message and "--total-timeout" in info.value.hint


async def test_a_slow_drip_within_the_limit_is_read_whole(sandbox):
    sandbox.state.add_fault("conversation", Fault(body='[{"code":"OK","body":{},"reqId":"1"}]', drip=0.02))
    result = await send(client_for(sandbox))
    assert result.body_json == [{"code": "OK", "body": {}, "reqId": "1"}]


async def test_a_10mb_answer_is_kept_bounded(sandbox):
    sandbox.state.add_fault("conversation", Fault(body="[" + " " * 10_000_000 + "]"))
    result = await send(client_for(sandbox))
    assert result.truncated and len(result.body_text) == 4 * 1024 * 1024 and not result.ok
    assert "larger than 4 MB" in result.explanations[0].detail


@pytest.fixture
def untrusted_https(tmp_path):
    with untrusted_https_server(tmp_path) as value:
        yield value


async def test_tls_failure_is_explained_and_a_ca_bundle_fixes_it(untrusted_https):
    url, cert = untrusted_https
    conn = Connection(account_id="1", client_id="c", client_secret=SECRET, ext_consumer_id="x", csds_url=url,
                      connect_timeout=10, read_timeout=10)
    with pytest.raises(LpError) as info:
        await send(LpClient(conn))
    assert info.value.kind == "transport" and "TLS" in info.value.message and "CA bundle" in info.value.hint
    conn.ca_bundle = str(cert)
    with pytest.raises(LpError) as info:
        await send(LpClient(conn))
    assert info.value.kind == "api" and "'sentinel'" in info.value.message  # TLS passed; the document is empty
