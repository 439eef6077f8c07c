"""The send pipeline against the sandbox over real loopback sockets (each service on its own port)."""

from __future__ import annotations

import json
import time

import pytest

from lp_tui.lp.client import STEP_APPJWT, STEP_CREATE, STEP_CSDS, STEP_JWS, LpClient
from lp_tui.model.connection import Connection, RetryPolicy
from lp_tui.lp.errors import LpError
from lp_tui.model.build import build_payload
from lp_tui.model.presets import load
from lp_tui.sandbox.state import Fault

pytestmark = pytest.mark.asyncio


def make_client(sandbox, consumer="consumer-1", **overrides):
    conn = Connection(ext_consumer_id=consumer)
    conn.apply(sandbox.connection_values(), "test")
    conn.retry = RetryPolicy(retry_429=1, wait_429=0.0, delays_5xx=[0.0, 0.0, 0.0])
    for key, value in overrides.items():
        setattr(conn, key, value)
    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    client = LpClient(conn, sleep=fake_sleep)
    client.waits = waits
    return client


def payload(sandbox, preset="sde-ctype-gender", tmp=None):
    from pathlib import Path

    return build_payload(load(preset, Path("/nonexistent")).draft, sandbox.state.account_id)


async def test_cold_send_makes_the_documented_calls_in_order(sandbox):
    client = make_client(sandbox)
    result = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert result.ok and result.status == 200 and result.conversation_id
    assert [s.name for s in result.steps] == [STEP_CSDS, STEP_APPJWT, STEP_JWS, STEP_CREATE]
    acct = sandbox.state.account_id
    assert list(sandbox.state.log) == [
        ("GET", f"/api/account/{acct}/service/baseURI.json"),
        ("POST", f"/sentinel/api/account/{acct}/app/token"),
        ("POST", f"/api/account/{acct}/consumer"),
        ("POST", f"/api/account/{acct}/messaging/consumer/conversation"),
    ]
    assert list(sandbox.state.urls) == [
        f"GET /api/account/{acct}/service/baseURI.json?version=1.0",
        f"POST /sentinel/api/account/{acct}/app/token?v=1.0&grant_type=client_credentials",
        f"POST /api/account/{acct}/consumer?v=1.0",
        f"POST /api/account/{acct}/messaging/consumer/conversation?v=3",
    ]
    # each service on its own port, reached with the CSDS URL's scheme
    ports = {s.url.split("/")[2] for s in result.steps}
    assert len(ports) == 4
    assert [sub.req_id for sub in result.subs] == ["2,", "1,"]
    assert result.claims["AppJWT"]["iss"] == "Sentinel" and result.claims["AppJWT"]["exp"] - result.claims["AppJWT"]["iat"] == 3600
    assert "exp" not in result.claims["ConsumerJWS"]


async def test_warm_send_is_one_call_and_steps_say_cached(sandbox):
    client = make_client(sandbox)
    first = await client.create_conversation(payload(sandbox))
    await client.close_conversation(first.conversation_id)
    before = client.calls
    second = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert second.ok and client.calls - before == 1
    assert [s.cached for s in second.steps] == [True, True, True, False]
    # the order of a cold send, from cache: the domain lookup first, as LivePerson's sequence has it
    assert [s.name for s in second.steps] == [STEP_CSDS, STEP_APPJWT, STEP_JWS, STEP_CREATE]


async def test_headers_are_bare_tokens_and_masked_in_the_result(sandbox):
    client = make_client(sandbox)
    result = await client.create_conversation(payload(sandbox), '{"type":".ClientProperties","features":["AUTO_MESSAGES"]}')
    await client.aclose()
    assert result.request_headers["Authorization"].endswith("(redacted)")
    assert result.request_headers["X-LP-ON-BEHALF"].endswith("(redacted)")
    assert result.request_headers["Client-Properties"] == '{"type":".ClientProperties","features":["AUTO_MESSAGES"]}'
    token = client._app_jwt[next(iter(client._app_jwt))]
    assert token not in json.dumps(result.to_record())


async def test_open_conversation_then_close_then_send_again(sandbox):
    client = make_client(sandbox)
    first = await client.create_conversation(payload(sandbox))
    second = await client.create_conversation(payload(sandbox))
    assert second.status == 400 and not second.ok and second.conversation_id is None
    assert second.subs[0].ok and second.subs[1].code == "BAD_REQUEST"
    assert second.explanations[0].follow_up == "close"
    closed = await client.close_conversation(first.conversation_id)
    assert closed.ok and closed.subs[0].message == "OK Conversation resolved successfully"
    third = await client.create_conversation(payload(sandbox))
    assert third.ok and third.conversation_id != first.conversation_id
    await client.aclose()


async def test_message_and_message_to_a_closed_conversation(sandbox):
    client = make_client(sandbox)
    conv = (await client.create_conversation(payload(sandbox))).conversation_id
    sent = await client.send_message(conv, "Hello, I need your support")
    assert sent.ok and sent.subs[0].body == {"sequence": 0}
    await client.close_conversation(conv)
    refused = await client.send_message(conv, "still there?")
    await client.aclose()
    assert refused.status == 400 and "closed" in refused.explanations[0].title


async def test_another_consumers_conversation_is_a_401(sandbox):
    alice = make_client(sandbox, "alice")
    conv = (await alice.create_conversation(payload(sandbox))).conversation_id
    bob = make_client(sandbox, "bob")
    result = await bob.close_conversation(conv)
    await alice.aclose()
    await bob.aclose()
    assert result.status == 401 and result.body_json["body"]["errorCode"] == 40103


@pytest.mark.parametrize("setup,code", [
    ({"app_jwt": "not-a-jwt", "consumer_jws": "not-a-jws"}, 40102),
    ({"consumer_jws": "not-a-jws"}, 40103),
])
async def test_auth_errors_are_explained(sandbox, setup, code):
    client = make_client(sandbox, **setup)
    result = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert result.status == 401 and result.body_json["body"]["errorCode"] == code
    assert result.explanations and result.explanations[0].action


async def test_missing_headers_give_40105_and_40104(sandbox):
    import httpx

    base = sandbox.state.hosts["asyncMessagingEnt"]
    url = f"http://{base}/api/account/{sandbox.state.account_id}/messaging/consumer/conversation?v=3"
    async with httpx.AsyncClient() as http:
        no_auth = await http.post(url, json=[])
        client = make_client(sandbox)
        token = await client.app_jwt()
        await client.aclose()
        no_jws = await http.post(url, json=[], headers={"Authorization": token})
    assert no_auth.json()["body"]["errorCode"] == 40105 and no_auth.status_code == 401
    assert no_jws.json()["body"]["errorCode"] == 40104
    assert no_auth.json()["type"] == ".ReqBody$ErrorResp"


async def test_missing_brand_id_is_40001_and_wrong_order_is_400(sandbox):
    client = make_client(sandbox)
    body = payload(sandbox)
    del body[1]["body"]["brandId"]
    result = await client.create_conversation(body)
    assert result.body_json["body"]["errorCode"] == 40001 and result.explanations[0].title == "Missing parameter"
    assert result.status == 401 and result.body_json["code"] == 401  # the catalogue's page: always 401
    swapped = await client.create_conversation(list(reversed(payload(sandbox))))
    assert swapped.status == 400 and all(s.code == "BAD_REQUEST" for s in swapped.subs)
    raw = await client.create_conversation(None, raw=b"[{not json")
    assert raw.status == 400 and raw.body_json["code"] == "BAD_REQUEST"
    await client.aclose()


async def test_429_then_success_is_retried_visibly(sandbox):
    sandbox.state.add_fault("conversation", Fault(status=429, times=1))
    client = make_client(sandbox)
    notes = []
    result = await client.create_conversation(payload(sandbox), observer=lambda s: notes.append(s.note))
    await client.aclose()
    assert result.ok and result.steps[-1].attempts == 2
    assert any("429 throttled; retry 1/1" in n for n in notes) and client.waits == [0.0]


async def test_429_respects_retry_after_and_gives_up_after_the_policy(sandbox):
    sandbox.state.add_fault("conversation", Fault(status=429, times=3, headers={"Retry-After": "2"}))
    client = make_client(sandbox)
    result = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert result.status == 429 and client.waits == [2.0]
    assert "Too many requests" in result.explanations[-1].title


async def test_5xx_follow_the_documented_delays(sandbox):
    sandbox.state.add_fault("conversation", Fault(status=503, times=2))
    client = make_client(sandbox)
    client.conn.retry = RetryPolicy(retry_429=1, wait_429=1.0, delays_5xx=[5.0, 10.0, 15.0])
    result = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert result.ok and client.waits == [5.0, 10.0]


async def test_5xx_exhausted_is_explained(sandbox):
    sandbox.state.add_fault("conversation", Fault(status=500, times=-1))
    client = make_client(sandbox)
    result = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert result.status == 500 and result.steps[-1].attempts == 4
    assert "server error" in result.explanations[-1].title


async def test_expired_cached_appjwt_is_renewed_once(sandbox):
    client = make_client(sandbox)
    first = await client.create_conversation(payload(sandbox))
    await client.close_conversation(first.conversation_id)
    sandbox.state.clock_offset = 3700  # LivePerson now sees the cached token as expired
    result = await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert result.ok, (result.status, result.body_text, [s.line() for s in result.steps])
    names = [(s.name, s.cached) for s in result.steps]
    assert (STEP_APPJWT, False) in names and names.count((STEP_CREATE, False)) == 2


async def test_appjwt_is_renewed_five_minutes_early(sandbox):
    now = [time.time()]
    client = make_client(sandbox)
    client._clock = lambda: now[0]
    await client.app_jwt()
    await client.app_jwt()
    assert sandbox.state.log.count(("POST", f"/sentinel/api/account/{sandbox.state.account_id}/app/token")) == 1
    now[0] += 3600 - 299
    await client.app_jwt()
    await client.aclose()
    assert sandbox.state.log.count(("POST", f"/sentinel/api/account/{sandbox.state.account_id}/app/token")) == 2


async def test_expired_pasted_appjwt_is_reported_before_sending(sandbox):
    import jwt

    expired = jwt.encode({"exp": int(time.time()) - 10, "iat": int(time.time()) - 3610}, "k" * 32, algorithm="HS256")
    client = make_client(sandbox, app_jwt=expired)
    with pytest.raises(LpError) as info:
        await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert info.value.kind == "config" and "expired" in info.value.message
    assert not any(path.endswith("/conversation") for _, path in sandbox.state.log)


async def test_wrong_client_secret_is_a_clear_sentinel_error(sandbox):
    client = make_client(sandbox, client_secret="wrong-secret-value")
    with pytest.raises(LpError) as info:
        await client.create_conversation(payload(sandbox))
    await client.aclose()
    assert info.value.step == STEP_APPJWT and info.value.status == 401
    assert "wrong-secret-value" not in str(info.value)


async def test_csds_caches_per_account_with_a_time_limit(sandbox):
    now = [1000.0]
    client = make_client(sandbox)
    client._clock = lambda: now[0]
    await client.domains()
    await client.domains()
    now[0] += 61
    await client.domains()
    await client.aclose()
    assert [p for _, p in sandbox.state.log].count(f"/api/account/{sandbox.state.account_id}/service/baseURI.json") == 2


async def test_a_short_lived_appjwt_is_minted_again_each_time(sandbox):
    sandbox.state.app_jwt_lifetime = 120  # less than the five minutes lp-tui keeps in hand
    client = make_client(sandbox)
    await client.app_jwt()
    await client.app_jwt()
    await client.aclose()
    assert sum(1 for _, p in sandbox.state.log if p.endswith("/app/token")) == 2


async def test_a_create_cancelled_while_its_post_waits_is_marked_cancelled_not_done(sandbox):
    """The request went out and no answer came: the step says so (the server may still act on it)."""
    import asyncio

    client = make_client(sandbox)
    steps = []

    def observe(step):
        if step not in steps:
            steps.append(step)

    await client.create_conversation(payload(sandbox))  # tokens cached: the next send is only the POST
    sandbox.state.released.clear()  # the sandbox holds every request until released
    try:
        task = asyncio.create_task(client.create_conversation(payload(sandbox), None, observe))
        while not (steps and steps[-1].name == STEP_CREATE and steps[-1].attempts == 1):
            await asyncio.sleep(0.01)
        while len(sandbox.state.log) < 5:  # the POST reached the sandbox, which holds it
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        sandbox.state.released.set()
        await client.aclose()
    create = steps[-1]
    assert create.done and create.failed and create.status is None
    assert "→ failed" in create.line() and "cancelled before the answer" in create.line()


async def _raw_call(sandbox, path: str, body, account=None):
    """One Connector API call as given (path and query included), with real tokens; its answer."""
    import httpx

    client = make_client(sandbox, consumer="raw-caller")
    token = await client.app_jwt()
    jws = await client.consumer_jws(token)
    await client.aclose()
    base = sandbox.state.hosts["asyncMessagingEnt"]
    url = f"http://{base}/api/account/{account or sandbox.state.account_id}{path}"
    async with httpx.AsyncClient() as http:
        return await http.post(url, json=body, headers={"Authorization": token, "X-LP-ON-BEHALF": jws})


def _explained(answer):
    """lp-tui's explanation of an answer, as the client builds it."""
    from lp_tui.lp.errors import explain
    from lp_tui.lp.results import SubResult

    parsed = answer.json()
    items = parsed if isinstance(parsed, list) else [parsed] if isinstance(parsed, dict) and "reqId" in parsed else []
    subs = [SubResult(i, item.get("reqId"), item.get("code"), item.get("body")) for i, item in enumerate(items)]
    return explain(answer.status_code, parsed, subs)


@pytest.mark.parametrize("query", ["", "?v=2", "?v=3.0", "?version=3"])
@pytest.mark.parametrize("path", ["/messaging/consumer/conversation", "/messaging/consumer/conversation/send"])
async def test_a_call_without_v3_is_refused_and_explained(sandbox, path, query):
    answer = await _raw_call(sandbox, path + query, payload(sandbox))
    assert answer.status_code == 400 and "v=3 is required" in answer.json()["body"]["msg"]
    found = _explained(answer)
    assert found and "v=3 is required" in found[0].detail and found[0].action
    assert not any(conv for conv in sandbox.state.conversations.values() if conv.ext_consumer_id == "raw-caller")


@pytest.mark.parametrize("path", ["/messaging/consumer/conversation?v=3", "/messaging/consumer/conversation/send?v=3"])
async def test_another_account_in_the_path_is_refused_as_an_invalid_appjwt(sandbox, path):
    answer = await _raw_call(sandbox, path, payload(sandbox), account="99999999")
    assert answer.status_code == 401 and answer.json()["body"]["errorCode"] == 40102
    assert answer.json()["type"] == ".ReqBody$ErrorResp" and answer.json()["code"] == 401
    assert [e.title for e in _explained(answer)] == ["Invalid AppJWT"]
    assert not sandbox.state.conversations


async def test_the_same_call_with_v3_and_its_account_opens_the_conversation(sandbox):
    """The refusals above are about v and the account alone: the same call otherwise works."""
    answer = await _raw_call(sandbox, "/messaging/consumer/conversation?v=3", payload(sandbox))
    assert answer.status_code == 200 and answer.json()[1]["body"]["conversationId"]


async def test_a_refused_first_message_keeps_the_conversation_and_says_what_to_do(sandbox):
    sandbox.state.add_fault("send", Fault(status=400, times=1,
                                          body='{"code":"BAD_REQUEST","body":{"msg":"Bad Request"},"reqId":"1"}'))
    client = make_client(sandbox, consumer="refused-first")
    result = await client.create_conversation(payload(sandbox), first_message="hi")
    await client.aclose()
    assert result.conversation_id and result.subs[1].ok  # the create opened it
    assert result.first_message is not None and result.first_message.status == 400
    assert not result.ok  # one step of the send failed: the CLI exits 1
    titles = [e.title for e in result.explanations]
    assert titles == ["The first message was refused"]
    assert result.conversation_id in result.explanations[0].detail and "lp-tui message" in result.explanations[0].action
    assert [s.name for s in result.steps][-2:] == ["create conversation", "send first message"]


async def test_a_create_that_opens_nothing_sends_no_first_message(sandbox):
    client = make_client(sandbox, consumer="nothing-opened")
    body = payload(sandbox)
    body[1]["body"]["brandId"] = "not-this-account"
    result = await client.create_conversation(body, first_message="hi")
    await client.aclose()
    assert result.conversation_id is None and result.first_message is None
    assert not any("/send" in url for url in sandbox.state.urls)
