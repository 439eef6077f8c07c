"""The validator's rules at their edges: each warning fires at the edge and not inside it.

A warning that never fires is a silent lie to QA; one that fires on good input teaches them to
ignore it. The payloads are written out here (as raw mode would send them), so the rules are
tested whatever the builder does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from lp_tui.model.validate import INFO, WARNING, Finding, validate

ACCOUNT = "12345678"


def batch(profile: dict | None = None, conversation: dict | None = None, **envelope: Any) -> list[dict]:
    first = {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": profile or {}}
    first.update(envelope)
    return [first, {"kind": "req", "id": "2", "type": "cm.ConsumerRequestConversation",
                    "body": {"brandId": ACCOUNT, "channelType": "MESSAGING", **(conversation or {})}}]


def sdes(*items: dict) -> dict:
    return {"authenticatedData": {"lp_sdes": list(items)}}


def ctmrinfo(**info: Any) -> dict:
    return {"type": "ctmrinfo", "info": info}


def personal(**fields: Any) -> dict:
    return {"type": "personal", "personal": fields}


def findings(payload: list, client_properties: Any = None) -> list[Finding]:
    return validate(payload, ACCOUNT, client_properties)


def at(payload: list, suffix: str, level: str = WARNING, client_properties: Any = None) -> list[str]:
    """The messages of the findings of ``level`` whose path ends with ``suffix``."""
    return [f.message for f in findings(payload, client_properties) if f.level == level and f.path.endswith(suffix)]


def test_the_base_batch_has_no_findings_to_start_from():
    assert findings(batch({"firstName": "Jo"})) == []


# 1. the month of a date: 1..12 -------------------------------------------------------------------
@pytest.mark.parametrize("month, warned", [(0, True), (1, False), (12, False), (13, True)])
def test_a_month_from_1_to_12_is_fine(month, warned):
    payload = batch(sdes(ctmrinfo(lastPaymentDate={"day": 1, "month": month, "year": 2014})))
    assert bool(at(payload, "lastPaymentDate.month")) == warned
    if warned:
        assert at(payload, "lastPaymentDate.month") == [f"month {month} is out of range"]


# 2. age: 0..150 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("age, warned", [(-1, True), (0, False), (34, False), (100, False), (101, False),
                                         (150, False), (151, True)])
def test_an_age_from_0_to_150_is_fine(age, warned):
    payload = batch(sdes(personal(age={"age": age})))
    assert at(payload, "age.age") == ([f"age {age} is out of range"] if warned else [])


# 3. e-mail: a domain with a dot ---------------------------------------------------------------------------
@pytest.mark.parametrize("email, warned", [("john@doe.com", False), ("a@b.c", False), ("john@doe", True),
                                           ("john.doe.com", True), ("john@@doe.com", True), ("jo hn@doe.com", True),
                                           ("@doe.com", True), ("john@.", True)])
def test_an_email_needs_a_name_an_at_and_a_domain_with_a_dot(email, warned):
    contact = batch(sdes(personal(contacts=[{"email": email}])))
    private = batch({"privateData": {"mail": email}})
    assert bool(at(contact, "contacts[0].email")) == warned
    assert bool(at(private, "privateData.mail")) == warned


# 4. language: xx-YY or xx_YY ------------------------------------------------------------------------------
@pytest.mark.parametrize("language, warned", [("en-US", False), ("en_US", False), ("pt_BR", False),
                                              ("en US", True), ("EN-us", True), ("en", True), ("en-USA", True),
                                              ("en.US", True)])
def test_a_language_joins_language_and_country_with_a_hyphen_or_an_underscore(language, warned):
    payload = batch(sdes(personal(language=language)))
    assert bool(at(payload, "personal.language")) == warned
    context = batch(conversation={"conversationContext": {"type": "SharkContext", "lang": language}})
    assert bool(at(context, "conversationContext.lang")) == warned


# 5. Client-Properties strings: at most 64 characters -------------------------------------------------------
@pytest.mark.parametrize("length, warned", [(1, False), (64, False), (65, True)])
def test_a_client_property_of_64_characters_is_fine_and_65_warned(length, warned):
    props = {"type": ".ClientProperties", "appId": "a" * length}
    found = at(batch(), "appId", client_properties=props)
    assert found == ([f"App id is {length} characters"] if warned else [])


# 6. a request's size: 5000 characters -----------------------------------------------------------------
def padded_request(size: int) -> list[dict]:
    """A batch whose first request is ``size`` characters as LivePerson counts them (compact JSON)."""
    payload = batch({"description": ""})
    bare = len(json.dumps(payload[0], ensure_ascii=False, separators=(",", ":")))
    payload[0]["body"]["description"] = "é" * (size - bare)  # one character each, two bytes in UTF-8
    return payload


@pytest.mark.parametrize("size, noted", [(4999, False), (5000, False), (5001, True)])
def test_a_request_over_5000_characters_is_noted(size, noted):
    found = at(padded_request(size), "$[0]", INFO)
    assert found == ([f"request 1 is {size} characters"] if noted else [])


# 7. request ids: 1..64 characters --------------------------------------------------------------------------
@pytest.mark.parametrize("length, warned", [(0, True), (1, False), (63, False), (64, False), (65, True)])
def test_an_id_of_1_to_64_characters_is_fine(length, warned):
    payload = batch(id="x" * length)
    assert at(payload, "$[0].id") == ([f"id is {length} characters; the schema allows 1-64"] if warned else [])


# 8. a date's day: the month's own length, leap years included --------------------------------------------------
@pytest.mark.parametrize("date, warned", [
    ({"day": 29, "month": 2}, False),  # no year: any year, so a leap year is possible
    ({"day": 30, "month": 2}, True),
    ({"day": 29, "month": 2, "year": 2024}, False),
    ({"day": 29, "month": 2, "year": 2023}, True),
    ({"day": 29, "month": 2, "year": 2000}, False),
    ({"day": 29, "month": 2, "year": 1900}, True),
    ({"day": 29, "month": 2, "year": "1981"}, False),  # a year that is not a number: any year
    ({"day": 31, "month": 4, "year": 2020}, True),
    ({"day": 30, "month": 4, "year": 2020}, False),
    ({"day": 31, "month": 12, "year": 2020}, False),
    ({"day": 0, "month": 1, "year": 2020}, True),
    ({"day": 31}, False),
    ({"day": 32}, True),
])
def test_a_birth_day_is_checked_against_its_month_and_year(date, warned):
    payload = batch(sdes(personal(age={"age": 40, **date})))
    assert bool(at(payload, "age.day")) == warned


# 9. a date's year: 1900..2100 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("year, warned", [(1899, True), (1900, False), (2100, False), (2101, True), (0, True)])
def test_a_year_from_1900_to_2100_is_fine(year, warned):
    payload = batch(sdes(ctmrinfo(registrationDate={"day": 1, "month": 1, "year": year})))
    assert at(payload, "registrationDate.year") == ([f"year {year} looks wrong"] if warned else [])


# 10. a phone number: at least five digits ---------------------------------------------------------------------------
@pytest.mark.parametrize("phone, warned", [
    ("12345", False), ("+1 212-788-8877", False), ("1 2 3 4 5", False), ("(1) 2.3/4-5", False),
    ("1 2 3 4", True), ("+1 (23) 4", True), ("((( )))", True), ("12a45", True), ("1" * 32, False), ("1" * 33, True),
])
def test_a_mobile_number_needs_five_digits_and_only_phone_characters(phone, warned):
    payload = batch({"privateData": {"mobileNum": phone}})
    assert bool(at(payload, "privateData.mobileNum")) == warned


# 11. one SDE of each kind ---------------------------------------------------------------------------------------------
def test_a_second_sde_of_one_kind_is_warned_and_one_of_each_is_not():
    assert at(batch(sdes(ctmrinfo(ctype="vip"), personal(firstname="Jo"))), "]") == []
    two = batch(sdes(ctmrinfo(ctype="vip"), personal(firstname="Jo"), ctmrinfo(ctype="gold")))
    assert at(two, "lp_sdes[2]") == ["a second ctmrinfo SDE"]
    assert at(two, "lp_sdes[0]") == []
    twice_personal = batch(sdes(personal(firstname="Jo"), personal(lastname="Doe")))
    assert at(twice_personal, "lp_sdes[1]") == ["a second personal SDE"]


# 12. skillId beside campaign routing --------------------------------------------------------------------------------------
@pytest.mark.parametrize("conversation, noted", [
    ({"skillId": "77", "campaignInfo": {"campaignId": "1", "engagementId": "2"}}, True),
    ({"skillId": "77", "campaignInfo": {"campaignId": "1"}}, True),
    ({"skillId": "77"}, False),
    ({"skillId": "77", "campaignInfo": {}}, False),
    ({"campaignInfo": {"campaignId": "1", "engagementId": "2"}}, False),
])
def test_skill_id_with_campaign_routing_is_noted(conversation, noted):
    found = at(batch(conversation=conversation), "skillId", INFO)
    assert found == (["both skillId and campaignInfo are set"] if noted else [])


# 13. the avatar and background picture URLs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("url, warned", [
    ("https://example.com/avatar.png", False), ("http://example.com", False), ("https://x", False), ("", False),
    ("ftp://example.com/a.png", True), ("example.com/a.png", True), ("https://", True), ("https:// x", True),
    ("javascript:alert(1)", True), ("https://exa mple.com/a.png", True),
])
@pytest.mark.parametrize("key", ["avatarUrl", "backgndImgUri"])
def test_picture_urls_must_be_http_or_https(key, url, warned):
    found = at(batch({key: url}), f"body.{key}")
    assert found == ([f"{key} {url!r} is not an http(s) URL"] if warned else [])


def test_warnings_name_the_draft_field_to_jump_to():
    payload = batch({"avatarUrl": "ftp://x", "privateData": {"mobileNum": "12"}})
    fields = {f.field for f in findings(payload) if f.level == WARNING}
    assert {"profile.avatarUrl", "profile.privateData.mobileNum"} <= fields


def test_the_validator_never_changes_the_payload():
    payload = batch(sdes(ctmrinfo(lastPaymentDate={"day": 99, "month": 13, "year": 1})), {"skillId": 1})
    before = copy.deepcopy(payload)
    validate(payload, ACCOUNT, {"appId": 5})
    assert payload == before
