"""The client's caches, token renewal and masking at their edges, against a scripted LivePerson.

Each test speaks to an in-process fake of CSDS, Sentinel, IDP and the Connector API (httpx's
MockTransport): no sockets, no sleeps, a clock the test moves by hand.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Callable

import httpx
import jwt
import pytest

from lp_tui.lp.client import STEP_CREATE, LpClient
from lp_tui.lp.errors import LpError
from lp_tui.model.build import build_payload
from lp_tui.model.connection import Connection, RetryPolicy
from lp_tui.model.draft import Draft
from lp_tui.redact import mask

NOW = 1_900_000_000.0
ACCOUNT = "12345678"
SECRETS = {"app-1": "first-app-secret-9a8b7c", "app-2": "second-app-secret-1d2e3f"}


def app_token(client_id: str, serial: int) -> str:
    return jwt.encode({"sub": client_id, "n": serial, "exp": int(NOW) + 3600}, "sentinel-signing-key-of-the-fake-server", algorithm="HS256")


def answer(status: int, payload: Any = None, *, content: bytes | None = None,
           headers: dict[str, str] | None = None) -> httpx.Response:
    """An answer the client can stream, as a real server's."""
    data = content if content is not None else json.dumps(payload).encode()
    return httpx.Response(status, headers={"content-type": "application/json", **(headers or {})},
                          stream=httpx.ByteStream(data))


class FakeLivePerson:
    """CSDS, Sentinel, IDP and the CONVERSATION endpoint; ``conversation`` scripts the last."""

    def __init__(self, conversation: Callable[["FakeLivePerson", httpx.Request], httpx.Response] | None = None):
        self.calls: Counter[str] = Counter()
        self.minted: list[str] = []
        self.conversation = conversation or (lambda lp, request: answer(
            200, [{"reqId": "1", "code": 200, "body": {}}, {"reqId": "2", "code": 200,
                                                                 "body": {"conversationId": "conv-1"}}]))
        self.authorizations: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/service/baseURI.json"):
            self.calls["csds"] += 1
            return answer(200, {"baseURIs": [
                {"service": "sentinel", "baseURI": "sentinel.lp.test"}, {"service": "idp", "baseURI": "idp.lp.test"},
                {"service": "asyncMessagingEnt", "baseURI": "msg.lp.test"}]})
        if path.endswith("/app/token"):
            self.calls["token"] += 1
            form = dict(httpx.QueryParams(request.content.decode()))
            if SECRETS.get(form.get("client_id", "")) != form.get("client_secret"):
                return answer(401, {"error": "invalid_client"})
            token = app_token(form["client_id"], self.calls["token"])
            self.minted.append(token)
            return answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        if path.endswith("/consumer"):
            self.calls["consumer"] += 1
            return answer(200, {"token": "eyJ" + "c" * 30 + ".eyJ" + "d" * 30 + ".consumer-jws-sig"})
        if path.endswith("/messaging/consumer/conversation"):
            self.calls["conversation"] += 1
            if self.calls["conversation"] > 5:
                raise AssertionError("the client keeps sending the same create")
            self.authorizations.append(request.headers["authorization"])
            return self.conversation(self, request)
        raise AssertionError(f"unexpected {request.method} {request.url}")


def client_for(lp: FakeLivePerson, clock: Callable[[], float] = lambda: NOW, **values: Any) -> LpClient:
    settings: dict[str, Any] = {"account_id": ACCOUNT, "csds_url": "https://csds.lp.test", "client_id": "app-1",
                                "client_secret": SECRETS["app-1"], "ext_consumer_id": "consumer-1",
                                "retry": RetryPolicy.none(), **values}
    conn = Connection(**settings)
    return LpClient(conn, transport=httpx.MockTransport(lp), clock=clock)


async def create(client: LpClient):
    return await client.create_conversation(build_payload(Draft(), ACCOUNT))


def refused_40102(lp: FakeLivePerson, request: httpx.Request) -> httpx.Response:
    return answer(401, {"kind": "resp", "code": 401, "body": {"errorCode": 40102,
                                                                          "message": "Invalid AppJWT"}})


# --- the AppJWT cache ---------------------------------------------------------------------------------
async def test_a_second_app_on_the_same_account_gets_its_own_appjwt():
    lp = FakeLivePerson()
    client = client_for(lp)
    first = await client.app_jwt()
    assert jwt.decode(first, options={"verify_signature": False})["sub"] == "app-1"
    client.conn.client_id, client.conn.client_secret = "app-2", SECRETS["app-2"]
    second = await client.app_jwt()
    assert jwt.decode(second, options={"verify_signature": False})["sub"] == "app-2"
    client.conn.client_id, client.conn.client_secret = "app-1", SECRETS["app-1"]
    assert await client.app_jwt() == first  # each app's token is still cached for it
    assert lp.calls["token"] == 2
    await client.aclose()


async def test_the_creates_of_two_apps_carry_each_apps_own_token():
    lp = FakeLivePerson()
    client = client_for(lp)
    assert (await create(client)).ok
    client.conn.client_id, client.conn.client_secret = "app-2", SECRETS["app-2"]
    assert (await create(client)).ok
    subjects = [jwt.decode(a, options={"verify_signature": False})["sub"] for a in lp.authorizations]
    assert subjects == ["app-1", "app-2"]
    await client.aclose()


# --- 40102: renew once, only a minted token ------------------------------------------------------------
async def test_a_refused_minted_appjwt_is_renewed_once_and_the_create_retried():
    def once(lp: FakeLivePerson, request: httpx.Request) -> httpx.Response:
        if lp.calls["conversation"] == 1:
            return refused_40102(lp, request)
        return answer(200, [{"reqId": "1", "code": 200, "body": {}},
                                         {"reqId": "2", "code": 200, "body": {"conversationId": "conv-2"}}])

    lp = FakeLivePerson(once)
    client = client_for(lp)
    result = await create(client)
    await client.aclose()
    assert result.ok and result.conversation_id == "conv-2"
    assert lp.calls["token"] == 2 and lp.calls["conversation"] == 2
    assert lp.authorizations == lp.minted  # the retry carried the new token
    creates = [s for s in result.steps if s.name == STEP_CREATE]
    assert creates[0].note == "AppJWT refused (40102); renewing once"


async def test_a_second_40102_is_shown_not_renewed_again():
    lp = FakeLivePerson(refused_40102)
    client = client_for(lp)
    result = await create(client)
    await client.aclose()
    assert result.status == 401 and not result.ok
    assert lp.calls["conversation"] == 2 and lp.calls["token"] == 2
    assert any("Invalid AppJWT" in e.title for e in result.explanations)


async def test_a_pasted_appjwt_is_never_renewed():
    pasted = app_token("pasted-app", 0)
    lp = FakeLivePerson(refused_40102)
    client = client_for(lp, app_jwt=pasted, client_id="", client_secret="")
    result = await create(client)
    await client.aclose()
    assert result.status == 401
    assert lp.calls["conversation"] == 1 and lp.calls["token"] == 0
    assert lp.authorizations == [pasted]


@pytest.mark.parametrize("left, expired", [(-1, True), (0, True), (1, False), (3600, False)])
async def test_a_pasted_appjwt_is_refused_from_the_second_it_expires(left, expired):
    pasted = jwt.encode({"sub": "x", "exp": int(NOW) + left}, "a-signing-key-long-enough-for-hs256-use", algorithm="HS256")
    client = client_for(FakeLivePerson(), app_jwt=pasted)
    if expired:
        with pytest.raises(LpError, match="the pasted AppJWT expired at"):
            await client.app_jwt()
    else:
        assert await client.app_jwt() == pasted
    await client.aclose()


# --- the domain cache -------------------------------------------------------------------------------------
async def test_the_domain_lookup_is_asked_again_at_exactly_its_time_to_live():
    now = [NOW]
    lp = FakeLivePerson()
    client = client_for(lp, clock=lambda: now[0])
    await client.domains()
    now[0] = NOW + 60 - 0.001
    await client.domains()
    assert lp.calls["csds"] == 1
    now[0] = NOW + 60  # the cache holds for 60 s: not a tick more
    await client.domains()
    assert lp.calls["csds"] == 2
    await client.aclose()


# --- failed steps -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, failed", [(200, False), (201, False), (399, False), (400, True), (404, True)])
async def test_an_answer_from_400_up_is_a_failed_step(status, failed):
    lp = FakeLivePerson(lambda lp, request: answer(status, {"message": "no"}))
    client = client_for(lp)
    result = await create(client)
    await client.aclose()
    assert result.status == status
    assert result.steps[-1].name == STEP_CREATE and result.steps[-1].failed is failed
    assert not result.ok


# --- masking in what the client returns ----------------------------------------------------------------
async def test_tokens_a_server_echoes_are_absent_from_every_part_of_the_result():
    def echo(lp: FakeLivePerson, request: httpx.Request) -> httpx.Response:
        app = request.headers["authorization"]
        jws = request.headers["x-lp-on-behalf"]
        secret = SECRETS["app-1"]
        body = [{"reqId": "1", "code": 200, "body": {"seen": app, jws: "as a key", "secret": secret}},
                {"reqId": "2", "code": 400, "body": f"bad {app} {jws} {secret}"}]
        return answer(400, body, headers={"x-echo": f"{app} {secret}"})

    lp = FakeLivePerson(echo)
    client = client_for(lp)
    result = await create(client)
    await client.aclose()
    app = lp.minted[0]
    assert lp.authorizations == [app]  # the Authorization header is the bare AppJWT by default
    jws_token = "eyJ" + "c" * 30 + ".eyJ" + "d" * 30 + ".consumer-jws-sig"
    everything = json.dumps({
        "body_text": result.body_text, "body_json": result.body_json, "headers": result.response_headers,
        "request_headers": result.request_headers, "request_body": result.request_body,
        "subs": [repr(s) for s in result.subs], "explanations": [repr(e) for e in result.explanations],
        "steps": [repr(s) for s in result.steps], "claims": result.claims,
    })
    for secret in (app, jws_token, SECRETS["app-1"]):
        for start in range(10, len(secret) - 8, 4):  # a JWT's first ten characters may show: no more
            assert secret[start:start + 8] not in everything, (secret[:12], start)
    assert mask(app) in result.body_text and mask(jws_token) in result.body_text
    assert "x-echo" in result.response_headers and SECRETS["app-1"] not in result.response_headers["x-echo"]
    assert repr(client).count("eyJ") == 0
