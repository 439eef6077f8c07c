"""The one builder: documented examples come out key for key; omission rules; every field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lp_tui.model import fields as F
from lp_tui.model.build import build_payload, client_properties_header, dumps, first_message_request
from lp_tui.model.draft import Draft, FieldError
from lp_tui.model.presets import load

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-examples.json"


def seed_examples() -> dict:
    return json.loads(SEED.read_text())


@pytest.mark.parametrize("preset", ["sde-companybranch", "sde-ctype-gender"])
def test_seed_examples_come_out_key_for_key(preset, tmp_path):
    expected = json.loads(json.dumps(seed_examples()[preset]).replace("{accountid}", "12345678"))
    built = build_payload(load(preset, tmp_path).draft, "12345678")
    assert dumps(built) == json.dumps(expected, indent=2, ensure_ascii=False)


def test_docs_examples_for_the_other_presets(tmp_path):
    examples = seed_examples()
    for name in ("campaign-routing", "skill-routing", "minimal"):
        expected = json.loads(json.dumps(examples[name]).replace("{accountid}", "12345678"))
        assert build_payload(load(name, tmp_path).draft, "12345678") == expected, name


def test_auto_messages_sends_client_properties(tmp_path):
    draft = load("auto-messages", tmp_path).draft
    assert client_properties_header(draft) == '{"type":".ClientProperties","features":["AUTO_MESSAGES"]}'
    body = build_payload(draft, "1")[1]["body"]
    assert body["conversationContext"] == {"visitorId": "", "sessionId": "", "interactionContextId": "2",
                                           "type": "SharkContext", "lang": "en-US"}


def test_empty_draft_gives_empty_profile_body_and_defaults():
    payload = build_payload(Draft(), "42")
    assert payload == [
        {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}},
        {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation",
         "body": {"channelType": "MESSAGING", "brandId": "42"}},
    ]
    assert list(payload[0]) == ["kind", "id", "type", "body"]


def test_no_account_no_brand_id():
    assert "brandId" not in build_payload(Draft())[1]["body"]


def test_empty_fields_are_omitted_and_empty_sdes_too():
    draft = Draft()
    draft.set_text("consumer.ctype", "vip")
    draft.set_text("consumer.ctype", "")
    draft.set_text("personal.age.year", "1980")
    draft.set_text("personal.age.year", "")
    assert build_payload(draft)[0]["body"] == {}
    assert draft.data["personal"] == {}


def test_an_sde_with_only_personal_is_the_only_sde():
    draft = Draft()
    draft.set_text("personal.firstname", "Ann")
    assert build_payload(draft)[0]["body"] == {
        "authenticatedData": {"lp_sdes": [{"type": "personal", "personal": {"firstname": "Ann"}}]}}


def test_set_converts_to_field_types():
    draft = Draft()
    draft.set_text("personal.age.year", "1980")
    draft.set_text("consumer.companySize", "500")
    draft.set_text("consumer.balance", "-400.99")
    draft.set_text("consumer.loginStatus", "0")
    info = build_payload(draft)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]
    assert info == {"balance": -400.99, "companySize": 500, "loginStatus": 0}
    assert type(info["companySize"]) is int and type(info["balance"]) is float


@pytest.mark.parametrize("path,text", [("consumer.companySize", "many"), ("personal.age.year", "19.5"),
                                       ("consumer.balance", "abc"), ("consumer.balance", "nan")])
def test_set_refuses_wrong_types_with_a_clear_message(path, text):
    with pytest.raises(FieldError, match=re.escape(path)):
        Draft().set_text(path, text)


def test_unknown_fields_are_refused_with_the_known_ones_listed():
    with pytest.raises(FieldError, match="consumer.ctype"):
        Draft().set_text("consumer.ctpye", "x")
    with pytest.raises(FieldError, match="must start with"):
        Draft().set_value("nope.x", 1)


def test_set_value_keeps_any_json_value():
    draft = Draft()
    draft.set_value("consumer.companySize", "many")
    draft.set_value("conversation.ttrDefName", None)
    draft.set_value("personal.contacts", "oops")
    payload = build_payload(draft)
    assert payload[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"] == {"companySize": "many"}
    assert payload[0]["body"]["authenticatedData"]["lp_sdes"][1]["personal"] == {"contacts": "oops"}
    assert payload[1]["body"]["ttrDefName"] is None


def test_ttr_null_by_text_and_omitted_by_default():
    draft = Draft()
    assert "ttrDefName" not in build_payload(draft)[1]["body"]
    draft.set_text("conversation.ttrDefName", "null")
    assert build_payload(draft)[1]["body"]["ttrDefName"] is None
    assert list(build_payload(draft)[1]["body"])[0] == "ttrDefName"


def test_contacts_by_index_and_past_the_end_is_an_error():
    draft = Draft()
    draft.set_text("personal.contacts.0.email", "a@b.co")
    draft.set_text("personal.contacts.0.address.country", "US")
    draft.set_text("personal.contacts.1.phone", "+1 212")
    with pytest.raises(FieldError, match="next free index is 2"):
        draft.set_text("personal.contacts.5.email", "x@y.z")
    personal = build_payload(draft)[0]["body"]["authenticatedData"]["lp_sdes"][0]["personal"]
    assert personal["contacts"] == [{"email": "a@b.co", "address": {"country": "US"}}, {"phone": "+1 212"}]


def test_dates_from_iso_text():
    draft = Draft()
    draft.set_text("consumer.lastPaymentDate", "2014-10-15")
    info = build_payload(draft)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]
    assert info["lastPaymentDate"] == {"day": 15, "month": 10, "year": 2014}
    assert list(info["lastPaymentDate"]) == ["day", "month", "year"]


def test_every_leaf_field_reaches_the_json_at_its_documented_place():
    """Each leaf of the field table, set alone, lands at the right key with the right type."""
    samples = {F.STRING: "x", F.ENUM: "MALE", F.INTEGER: "7", F.NUMBER: "2.5", F.STRING_LIST: "AUTO_MESSAGES"}
    for spec in F.FIELDS:
        if not spec.is_leaf:
            continue
        path = spec.path.replace("*", "0")
        draft = Draft()
        draft.data["conversation"] = {}
        draft.set_text(path, samples[spec.kind])
        payload = build_payload(draft, "acct")
        value = draft.get(path)
        section, rest = path.split(".", 1)
        if section == "ids":
            if rest == "message":  # the first message's id: in its SEND after the create, or in the batch
                draft.set_text("firstMessage.text", "hi")
                assert len(build_payload(draft, "acct")) == 2
                assert first_message_request(draft, "c-1")["id"] == value
                draft.set_text("firstMessage.how", "batch")
                payload = build_payload(draft, "acct")
            key = {"profile": 0, "conversation": 1, "message": 2}[rest]
            assert payload[key]["id"] == value
            continue
        if path == "firstMessage.how":  # not in a body: it says where the first message goes
            draft.set_text("firstMessage.text", "hi")
            assert len(build_payload(draft, "acct")) == 2 and first_message_request(draft, "c-1") is not None
            draft.set_text(path, "batch")
            assert len(build_payload(draft, "acct")) == 3 and first_message_request(draft, "c-1") is None
            continue
        if section == "clientProperties":
            assert json.loads(client_properties_header(draft))[rest] == value
            continue
        if section in ("consumer", "personal") and rest.startswith("auth."):
            node = payload[0]["body"]["authenticatedData"]["lp_sdes"][0]  # auth sits beside info/personal
        elif section == "consumer":
            node = payload[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]
        elif section == "personal":
            node = payload[0]["body"]["authenticatedData"]["lp_sdes"][0]["personal"]
        elif section == "profile":
            node = payload[0]["body"]
        elif section == "firstMessage":  # by default a SEND after the create, not in the batch
            assert len(payload) == 2
            send = first_message_request(draft, "c-1")
            assert send["type"] == "ms.PublishEvent" and send["id"] == "1" and send["body"]["dialogId"] == "c-1"
            node, rest = send["body"]["event"], "message"
        else:
            node = payload[1]["body"]
        for part in rest.split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        assert node == value, spec.path
        expected_type = {F.INTEGER: int, F.NUMBER: float, F.STRING_LIST: list}.get(spec.kind, str)
        assert type(node) is expected_type, spec.path


def test_quotes_dollars_and_backslashes_survive():
    draft = Draft()
    value = 'a "quoted" $HOME \\ back\\slash {accountid} </script>'
    draft.set_text("consumer.ctype", value)
    text = dumps(build_payload(draft))
    assert json.loads(text)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]["ctype"] == value


def test_lone_surrogates_still_give_valid_utf8_json():
    draft = Draft()
    draft.set_value("consumer.ctype", "a\ud800b")
    text = dumps(build_payload(draft))
    text.encode("utf-8")
    assert json.loads(text)[0]["body"]["authenticatedData"]["lp_sdes"][0]["info"]["ctype"] == "a\ud800b"
