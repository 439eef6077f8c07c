"""What lp-tui sends, checked against LivePerson's own JSON schemas (vendored byte for byte under
tests/fixtures/liveperson/schemas, sources in SOURCES.md there): every built-in preset's body,
element by element (through the one builder), its first message's SEND, and the SEND bodies of
`lp-tui message` and `lp-tui close` as the client puts them on the wire."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

from lp_tui.lp.client import LpClient
from lp_tui.model import presets
from lp_tui.model.build import build_payload, client_properties, first_message_request
from lp_tui.model.connection import Connection

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "liveperson" / "schemas"
BASE = "https://schemas.invalid/"  # the vendored folder, as URIs: relative $refs resolve inside it
ACCOUNT = "12345678"


def _retrieve(uri: str) -> Resource:
    if not uri.startswith(BASE) or not (SCHEMAS / uri[len(BASE):]).is_file():
        raise NoSuchResource(ref=uri)  # a $ref to a file that is not vendored fails loudly
    return Resource.from_contents(json.loads((SCHEMAS / uri[len(BASE):]).read_text("utf-8")),
                                  default_specification=DRAFT4)


REGISTRY: Registry = Registry(retrieve=_retrieve)  # type: ignore[call-arg]


def _request_branch(title: str) -> str:
    """The ws/consumerRequests.json branch for one request type (by its title)."""
    doc = json.loads((SCHEMAS / "ws" / "consumerRequests.json").read_text("utf-8"))
    index = [b.get("title") for b in doc["anyOf"]].index(title)
    return f"{BASE}ws/consumerRequests.json#/anyOf/{index}"


# the schema each request type must meet; SetUserProfile has none published (see SOURCES.md)
FOR_TYPE = {
    "cm.ConsumerRequestConversation": _request_branch("ConsumerRequestConversation"),
    "ms.PublishEvent": _request_branch("PublishEvent"),
    "cm.UpdateConversationField": _request_branch("UpdateConversationField"),
    "userprofile.SetUserProfile": f"{BASE}infra/req.json",
}
SDE_SCHEMA = {"ctmrinfo": f"{BASE}userprofile/customerInfo.json", "personal": f"{BASE}userprofile/personalInfo.json"}


def errors(instance: Any, uri: str) -> list[str]:
    validator = Draft4Validator({"$ref": uri}, registry=REGISTRY)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance))


def element_errors(element: dict[str, Any]) -> list[str]:
    """One request of a batch (or a SEND) against the schema for its ``type``, its SDEs against theirs."""
    found = errors(element, FOR_TYPE[element["type"]])
    if element["type"] == "userprofile.SetUserProfile":
        for sde in element["body"].get("authenticatedData", {}).get("lp_sdes", []):
            found += [f"{sde['type']}: {e}" for e in errors(sde, SDE_SCHEMA[sde["type"]])]
    return found


BUILTINS = sorted(presets.builtin_presets(), key=lambda p: p.name)


def test_the_vendored_schemas_are_there_and_their_refs_resolve():
    files = sorted(p.relative_to(SCHEMAS).as_posix() for p in SCHEMAS.rglob("*.json"))
    assert "ms/PublishEvent.json" in files and "infra/req.json" in files and len(files) >= 30
    sources = (SCHEMAS / "SOURCES.md").read_text("utf-8")
    for name in files:  # each one named with its source
        assert f"assets/schema/{name}" in sources, name
    # a broken $ref would fail here, not pass silently: walk every schema used above
    for uri in [*FOR_TYPE.values(), *SDE_SCHEMA.values(), f"{BASE}infra/clientPropertiesHeader.json"]:
        Draft4Validator({"$ref": uri}, registry=REGISTRY).is_valid({})


@pytest.mark.parametrize("preset", BUILTINS, ids=[p.name for p in BUILTINS])
def test_every_builtin_preset_body_meets_liveperson_schemas(preset):
    payload = build_payload(preset.draft, ACCOUNT)
    assert [e["type"] for e in payload[:2]] == ["userprofile.SetUserProfile", "cm.ConsumerRequestConversation"]
    for i, element in enumerate(payload):
        assert element_errors(element) == [], (preset.name, i)
    send = first_message_request(preset.draft, "conversation-1")
    if send is not None:  # the first message goes after the create, as a SEND
        assert element_errors(send) == [], preset.name


def test_the_first_message_preset_creates_with_two_requests_then_a_send():
    preset = presets.load("first-message", Path("/nonexistent"))
    assert len(build_payload(preset.draft, ACCOUNT)) == 2
    send = first_message_request(preset.draft, "c-1")
    assert send["body"]["dialogId"] == "c-1" and element_errors(send) == []


def test_the_first_message_in_the_batch_breaks_publish_events_schema():
    """The QA option (older docs): the schema's requirement the validator names is real."""
    preset = presets.load("first-message", Path("/nonexistent"))
    preset.draft.set_text("firstMessage.how", "batch")
    payload = build_payload(preset.draft, ACCOUNT)
    assert payload[2]["type"] == "ms.PublishEvent"
    assert element_errors(payload[2]) == ["body: 'dialogId' is a required property"]


# --- the SEND bodies of `lp-tui message` and `lp-tui close`, as the client sends them -------------
def _sent_sends() -> dict[str, dict[str, Any]]:
    sent: dict[str, dict[str, Any]] = {}

    def reply(value: Any) -> httpx.Response:  # streamed, as lp-tui reads every answer
        return httpx.Response(200, stream=httpx.ByteStream(json.dumps(value).encode()),
                              headers={"Content-Type": "application/json"})

    def answer(request: httpx.Request) -> httpx.Response:
        if "/service/baseURI.json" in request.url.path:
            return reply({"baseURIs": [{"service": "asyncMessagingEnt", "baseURI": "msg.example"}]})
        body = json.loads(request.content)
        sent[body["type"]] = body
        return reply({"reqId": body["id"], "code": "OK", "body": {"sequence": 0}})

    conn = Connection(account_id=ACCOUNT, csds_url="https://csds.example", app_jwt="a.b.c", consumer_jws="d.e.f")

    async def run() -> None:
        client = LpClient(conn, transport=httpx.MockTransport(answer))
        try:
            await client.send_message("conv-1", "Hello, I need your support")
            await client.close_conversation("conv-1")
        finally:
            await client.aclose()

    asyncio.run(run())
    return sent


def test_the_message_send_meets_publish_events_schema():
    message = _sent_sends()["ms.PublishEvent"]
    assert message["body"]["dialogId"] == "conv-1"
    assert element_errors(message) == []


def test_the_close_send_meets_the_schema_but_for_the_documented_object_form():
    """The Connector API's pages (and LivePerson's connector tools) send conversationField as one
    object; the WebSocket schema has an array of them (spec §5.5). That is the one difference."""
    close = _sent_sends()["cm.UpdateConversationField"]
    assert element_errors(close) == ["body/conversationField: {'field': 'ConversationStateField', "
                                     "'conversationState': 'CLOSE'} is not of type 'array'"]
    as_array = {**close, "body": {**close["body"], "conversationField": [close["body"]["conversationField"]]}}
    assert element_errors(as_array) == []


@pytest.mark.parametrize("preset", [p for p in BUILTINS if client_properties(p.draft)], ids=lambda p: p.name)
def test_client_properties_of_presets_meet_the_header_schema_but_for_the_connector_type(preset):
    """The Connector API's examples name the type ".ClientProperties"; the schema ".ams.headers.ClientProperties"."""
    header = client_properties(preset.draft)
    found = errors(header, f"{BASE}infra/clientPropertiesHeader.json")
    if header.get("type") == ".ClientProperties":
        assert found == ["type: '.ClientProperties' is not one of ['.ams.headers.ClientProperties']"]
    else:
        assert found == []
