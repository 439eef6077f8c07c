"""The sandbox's LivePerson endpoints (IDP, create, SEND, the engagement lookup) fed a body nested
past what a JSON parser recurses: LivePerson answers a malformed body 400, and so must the
sandbox (a 500 would make a client retry, and tell the user the sandbox broke). The presenter's
/_sandbox/ endpoints, with the token, with bad JSON and wrong types, answer 400 with a sentence."""

from __future__ import annotations

import json

import pytest

from lp_tui.sandbox.server import Sandbox

from .test_sandbox_hardening import post, status

DEEP = b"[" * 4000  # under the SEND cap of 5000 characters, far past a recursive parser's limit


@pytest.fixture
def box():
    sandbox = Sandbox().start()
    yield sandbox
    sandbox.stop()


def _bearer(box: Sandbox) -> tuple[str, str]:
    values = box.connection_values()
    app_jwt = box.state.mint_app_jwt(values["client_id"])
    return values["account_id"], f"Authorization: Bearer {app_jwt}\r\n"


def _body(answer: bytes) -> str:
    return answer.split(b"\r\n\r\n", 1)[1].decode("utf-8", "replace")


@pytest.mark.parametrize("endpoint", ["idp", "create", "send", "engagement"])
def test_a_body_nested_too_deep_is_a_bad_request_not_a_sandbox_error(box, endpoint):
    account, app_auth = _bearer(box)
    jws = box.state.mint_jws("deep-consumer")
    consumer = f"{app_auth}X-LP-ON-BEHALF: {jws}\r\nContent-Type: application/json\r\n"
    path, extra = {
        "idp": (f"/api/account/{account}/consumer?v=1.0", app_auth + "Content-Type: application/json\r\n"),
        "create": (f"/api/account/{account}/messaging/consumer/conversation?v=3", consumer),
        "send": (f"/api/account/{account}/messaging/consumer/conversation/send?v=3", consumer),
        "engagement": (f"/api/account/{account}/app/{box.connection_values()['client_id']}/engagement?v=1.0",
                       "Content-Type: application/json\r\n"),
    }[endpoint]
    answer = post(box, path, DEEP, extra=extra, token=False)
    assert status(answer) == 400, answer[:400]
    assert "recursion" not in _body(answer) and "sandbox error" not in _body(answer)


def test_the_presenter_endpoints_refuse_bad_bodies_with_a_sentence(box):
    account, _ = _bearer(box)
    conv = "no-such-conversation"
    for body in (DEEP, b"{", b"\xff\xfe", b"[]", b'"text"', b"NaN"):
        for action in ("transfer", "agent-message", "close"):
            answer = post(box, f"/_sandbox/conversations/{conv}/{action}", body,
                          extra="Content-Type: application/json\r\n")
            assert status(answer) == 400, (action, body[:10], answer[:300])
            assert "JSON object" in _body(answer)
    for body in ({"skill": ["Billing"]}, {"skill": 5}, {"skill": ""}, {"skill": "x" * 101}):
        answer = post(box, f"/_sandbox/conversations/{conv}/transfer", json.dumps(body).encode())
        assert status(answer) in (400, 404), answer[:300]
