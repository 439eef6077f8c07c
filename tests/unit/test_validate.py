"""The validator: each rule finds its problem, names the field and never blocks."""

from __future__ import annotations

import pytest

from lp_tui.model.build import build_payload
from lp_tui.model.draft import Draft
from lp_tui.model.validate import ERROR, INFO, WARNING, validate


def findings_for(setup, account="12345678"):
    draft = Draft()
    for path, value in setup.items():
        draft.set_value(path, value)
    return validate(build_payload(draft, account), account)


def has(findings, level, field, words):
    return any(f.level == level and f.field == field and words in f.message for f in findings)


CASES = [
    ({"personal.gender": "male"}, WARNING, "personal.gender", "not a documented value"),
    ({"personal.contacts.0.phoneType": "CELL"}, WARNING, "personal.contacts.0.phoneType", "not a documented value"),
    ({"conversation.ttrDefName": "SLOW"}, WARNING, "conversation.ttrDefName", "not a documented value"),
    ({"conversation.ttrDefName": "CUSTOM"}, INFO, "conversation.ttrDefName", "older docs"),
    ({"conversation.channelType": "SMS"}, WARNING, "conversation.channelType", "not a documented value"),
    ({"consumer.companySize": "many"}, WARNING, "consumer.companySize", "should be an integer"),
    ({"consumer.companySize": 5.5}, WARNING, "consumer.companySize", "should be an integer"),
    ({"consumer.loginStatus": True}, WARNING, "consumer.loginStatus", "should be an integer"),
    ({"consumer.balance": "10"}, WARNING, "consumer.balance", "should be a number"),
    ({"consumer.ctype": 5}, WARNING, "consumer.ctype", "should be a string"),
    ({"conversation.skillId": -1}, WARNING, "conversation.skillId", "should be a string"),
    ({"consumer.lastPaymentDate.day": 32, "consumer.lastPaymentDate.month": 1,
      "consumer.lastPaymentDate.year": 2020}, WARNING, "consumer.lastPaymentDate.day", "out of range"),
    ({"consumer.lastPaymentDate.day": 30, "consumer.lastPaymentDate.month": 2,
      "consumer.lastPaymentDate.year": 2020}, WARNING, "consumer.lastPaymentDate.day", "out of range"),
    ({"consumer.registrationDate.day": 1, "consumer.registrationDate.month": 13,
      "consumer.registrationDate.year": 2020}, WARNING, "consumer.registrationDate.month", "out of range"),
    ({"consumer.lastPaymentDate.day": 1}, WARNING, "consumer.lastPaymentDate", "missing month, year"),
    ({"personal.age.month": 0}, WARNING, "personal.age.month", "out of range"),
    ({"personal.age.age": 400}, WARNING, "personal.age.age", "out of range"),
    ({"personal.language": "english"}, WARNING, "personal.language", "form en-US"),
    ({"conversation.conversationContext.lang": "EN"}, WARNING, "conversation.conversationContext.lang", "IETF"),
    ({"personal.contacts.0.email": "not-an-email"}, WARNING, "personal.contacts.0.email", "does not look"),
    ({"personal.contacts.0.address.country": "USA"}, WARNING, "personal.contacts.0.address.country", "ISO 3166"),
    ({"consumer.currency": "usd"}, WARNING, "consumer.currency", "three upper-case"),
    ({"consumer.storeZipCode": "20505"}, WARNING, "consumer.storeZipCode", "not supported in the authenticated"),
    ({"consumer.storeNumber": "1"}, WARNING, "consumer.storeNumber", "not supported in the authenticated"),
    ({"conversation.campaignInfo.campaignId": "1"}, WARNING, "conversation.campaignInfo.engagementId",
     "campaignId without engagementId"),
    ({"conversation.campaignInfo.engagementId": "1"}, WARNING, "conversation.campaignInfo.campaignId",
     "engagementId without campaignId"),
    ({"conversation.brandId": "999"}, WARNING, "conversation.brandId", "differs from the account"),
    ({"ids.profile": 1}, WARNING, "ids.profile", "should be a string"),
    ({"consumer.ctype": " vip"}, WARNING, "consumer.ctype", "white space"),
    ({"clientProperties.features": ["TELEPATHY"]}, WARNING, "clientProperties.features", "not a documented"),
]


@pytest.mark.parametrize("setup,level,field,words", CASES, ids=[c[2] + ":" + c[3] for c in CASES])
def test_rule(setup, level, field, words):
    draft = Draft()
    for path, value in setup.items():
        draft.set_value(path, value)
    from lp_tui.model.build import client_properties

    found = validate(build_payload(draft, "12345678"), "12345678", client_properties(draft))
    assert has(found, level, field, words), [f.line() for f in found]


def test_good_documented_examples_have_no_warnings(tmp_path):
    from lp_tui.model.presets import load

    for name in ("sde-ctype-gender", "skill-routing", "auto-messages"):
        found = validate(build_payload(load(name, tmp_path).draft, "1"), "1")
        assert not [f for f in found if f.level in (ERROR, WARNING)], (name, [f.line() for f in found])


def test_brand_missing_is_an_error():
    found = validate(build_payload(Draft()), None)
    assert has(found, ERROR, "conversation.brandId", "missing")


def test_order_and_batch_shape():
    payload = build_payload(Draft(), "1")
    found = validate(list(reversed(payload)), "1")
    assert any(f.level == ERROR and "SetUserProfile is not first" in f.message for f in found)
    assert any(f.level == ERROR and "at least two" in f.message for f in validate(payload[:1], "1"))
    assert any(f.level == ERROR and "JSON array" in f.message for f in validate({"a": 1}, "1"))


def test_unsupported_sde_types_and_fields():
    payload = build_payload(Draft(), "1")
    payload[0]["body"] = {"authenticatedData": {"lp_sdes": [
        {"type": "cart", "total": 1}, {"type": "ctmrinfo", "info": {"favouriteColour": "red"}}]}}
    found = validate(payload, "1")
    assert any(f.level == ERROR and "'cart' is not supported" in f.message for f in found)
    assert any(f.level == WARNING and f.field == "consumer.favouriteColour" for f in found)


def test_findings_are_sorted_most_severe_first_and_have_hints():
    found = findings_for({"personal.gender": "male", "consumer.storeZipCode": "1"}, account=None)
    levels = [f.level for f in found]
    assert levels == sorted(levels, key=["error", "warning", "info"].index)
    assert all(f.hint for f in found if f.level != INFO)
    assert "did you mean 'MALE'" in next(f.hint for f in found if f.field == "personal.gender")


def test_validator_never_raises_on_strange_bodies():
    for body in [None, 1, "x", [], [1, 2], [{}, {}], [{"body": []}, {"body": None}],
                 [{"type": "userprofile.SetUserProfile", "body": {"authenticatedData": {"lp_sdes": [1, None]}}},
                  {"type": "cm.ConsumerRequestConversation", "body": {"campaignInfo": "x", "conversationContext": 5}}]]:
        validate(body, "1")


def test_a_first_message_sent_after_the_create_is_said_and_checked():
    from lp_tui.model.build import first_message_facts

    draft = Draft()
    draft.set_text("firstMessage.text", " hi ")
    found = validate(build_payload(draft, "1"), "1", None, first_message_facts(draft))
    assert any(f.level == INFO and "as a SEND whose dialogId is the new conversationId" in f.message
               and f.field == "firstMessage.text" for f in found)
    assert any(f.level == WARNING and "white space" in f.message and f.field == "firstMessage.text" for f in found)
    assert not any("dialogId is required" in f.message for f in found)


def test_a_first_message_in_the_batch_names_publish_events_dialogid_requirement():
    from lp_tui.model.build import first_message_facts

    draft = Draft()
    draft.set_text("firstMessage.text", "hi")
    draft.set_text("firstMessage.how", "batch")
    payload = build_payload(draft, "1")
    found = validate(payload, "1", None, first_message_facts(draft))
    warned = [f for f in found if "dialogId is required by ms.PublishEvent" in f.message]
    assert [(f.level, f.path, f.field) for f in warned] == [(WARNING, "$[2].body.dialogId", "firstMessage.how")]
    assert not any(f.level == ERROR for f in found)  # it warns, never blocks
    payload[2]["body"]["dialogId"] = "c-1"  # with one, only the older docs' note stays
    found = validate(payload, "1")
    assert not any("dialogId is required" in f.message for f in found)
    assert any(f.level == INFO and "oldest create page" in f.message for f in found)
