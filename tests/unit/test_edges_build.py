"""The builder at its edges: the bytes sent are the bytes shown, empty things are not sent, and
documented order and defaults hold."""

from __future__ import annotations

import json

from lp_tui.model import fields as F
from lp_tui.model.build import build_payload, client_properties_header, dumps, secret_values, secret_values_of_text
from lp_tui.model.draft import Draft

CP_ORDER = ("type", "appId", "appVersion", "ipAddress", "deviceFamily", "os", "osVersion", "osName",
            "integration", "integrationVersion", "browser", "browserVersion", "timeZone", "deviceManufacture",
            "deviceModel", "features")  # the Client-Properties schema's order, as the README's form shows it


def draft_with(**values) -> Draft:
    draft = Draft()
    for path, value in values.items():
        draft.set_value(path.replace("__", "."), value)
    return draft


def profile_of(draft: Draft, account: str | None = "12345678") -> dict:
    return build_payload(draft, account)[0]["body"]


def conversation_of(draft: Draft, account: str | None = "12345678") -> dict:
    return build_payload(draft, account)[1]["body"]


def test_non_ascii_text_is_written_as_itself_not_as_escapes():
    draft = draft_with(profile__firstName="Zoë", profile__lastName="東京 😀", personal__firstname="Ñandú")
    for compact in (False, True):
        text = dumps(build_payload(draft, "1"), compact=compact)
        assert "Zoë" in text and "東京 😀" in text and "Ñandú" in text
        assert "\\u" not in text
        assert "Zoë".encode() in text.encode("utf-8")


def test_a_lone_surrogate_is_escaped_so_the_body_stays_valid_utf8():
    draft = draft_with(profile__firstName="bad\ud800half", profile__lastName="Zoë")
    text = dumps(build_payload(draft, "1"))
    data = json.loads(text.encode("utf-8"))
    assert data[0]["body"]["firstName"] == "bad\ud800half"


def test_the_compact_form_has_no_spaces_and_the_preview_form_two_space_indent():
    payload = [{"a": [1, {"b": "c"}]}]
    assert dumps(payload, compact=True) == '[{"a":[1,{"b":"c"}]}]'
    assert dumps(payload) == json.dumps(payload, indent=2)


def test_empty_lists_and_objects_are_not_sent():
    assert "personal" not in json.dumps(profile_of(draft_with(personal__contacts=[])))
    assert "contacts" not in json.dumps(profile_of(draft_with(personal__contacts=[{}], personal__firstname="Jo")))
    assert "address" not in json.dumps(profile_of(draft_with(personal__contacts=[{"address": {}, "email": "a@b.co"}])))


def test_empty_items_are_dropped_from_a_list_and_the_others_kept_in_order():
    draft = draft_with(personal__contacts=[{}, {"email": "a@b.co"}, {"address": {}}, {"phone": "+1 555 0100"}, []])
    sde = profile_of(draft)["authenticatedData"]["lp_sdes"][0]
    assert sde["personal"]["contacts"] == [{"email": "a@b.co"}, {"phone": "+1 555 0100"}]


def test_values_that_are_empty_strings_zero_or_false_are_sent():
    draft = draft_with(profile__firstName="", consumer__balance=0, conversation__skillId="")
    assert profile_of(draft)["firstName"] == ""
    assert profile_of(draft)["authenticatedData"]["lp_sdes"][0]["info"]["balance"] == 0
    assert conversation_of(draft)["skillId"] == ""


def test_client_properties_keys_keep_the_documented_order_whatever_order_they_were_set_in():
    assert F.child_order("clientProperties") == CP_ORDER
    draft = Draft()
    values = {"features": ["AUTO_MESSAGES"], "timeZone": "UTC", "os": "LINUX", "appId": "com.x", "type": ".ClientProperties"}
    for key, value in values.items():
        draft.set_value(f"clientProperties.{key}", value)
    header = client_properties_header(draft)
    assert header is not None
    assert list(json.loads(header)) == ["type", "appId", "os", "timeZone", "features"]
    assert header == '{"type":".ClientProperties","appId":"com.x","os":"LINUX","timeZone":"UTC","features":["AUTO_MESSAGES"]}'


def test_no_client_properties_header_when_none_are_set():
    assert client_properties_header(Draft()) is None
    assert client_properties_header(draft_with(clientProperties__features=[])) is None


def test_an_empty_brand_id_is_sent_as_given_not_replaced_by_the_account():
    assert conversation_of(draft_with(conversation__brandId=""))["brandId"] == ""
    assert conversation_of(draft_with(conversation__brandId="other"))["brandId"] == "other"
    assert conversation_of(Draft())["brandId"] == "12345678"
    assert "brandId" not in conversation_of(Draft(), None)
    assert "brandId" not in conversation_of(Draft(), "")


def test_the_batch_is_set_user_profile_first_and_request_conversation_second():
    payload = build_payload(Draft(), "1")
    assert [r["type"] for r in payload[:2]] == ["userprofile.SetUserProfile", "cm.ConsumerRequestConversation"]
    assert payload[0] == {"kind": "req", "id": "1", "type": "userprofile.SetUserProfile", "body": {}}
    assert list(payload[1]) == ["kind", "id", "type", "body"]


def test_keys_the_field_table_does_not_know_are_kept_after_the_known_ones():
    draft = Draft.from_dict({"profile": {"zeta": 1, "firstName": "Jo", "alpha": {"b": 2}},
                             "personal": {"nickname": "J", "firstname": "Jo"}})
    body = profile_of(draft)
    assert list(body) == ["firstName", "authenticatedData", "zeta", "alpha"]
    assert body["zeta"] == 1 and body["alpha"] == {"b": 2}
    assert list(body["authenticatedData"]["lp_sdes"][0]["personal"]) == ["firstname", "nickname"]


def test_an_empty_value_is_dropped_without_dropping_the_keys_after_it():
    draft = Draft.from_dict({"personal": {"firstname": {}, "lastname": "Doe", "contacts": [], "gender": "FEMALE"}})
    personal = profile_of(draft)["authenticatedData"]["lp_sdes"][0]["personal"]
    assert personal == {"lastname": "Doe", "gender": "FEMALE"}


def test_the_push_token_is_known_as_a_secret_of_the_body():
    """The token the body carries is masked wherever the body is shown or kept: it must be found."""
    token = "push-token-0123456789"
    draft = draft_with(profile__privateData__pushNotificationData__token=token,
                       profile__privateData__pushNotificationData__serviceName="APNS")
    payload = build_payload(draft, "1")
    assert secret_values(payload) == [token]
    assert secret_values_of_text(dumps(payload)) == [token]
    assert secret_values(build_payload(Draft(), "1")) == []
    assert secret_values_of_text("not json") == [] and secret_values_of_text("[]") == []
    second = build_payload(Draft(), "1")
    second[1]["body"]["privateData"] = {"pushNotificationData": {"token": token}}
    assert secret_values(second) == []  # only SetUserProfile carries one
    odd = [{"body": {"privateData": {"pushNotificationData": {"token": ""}}}}, "x"]
    assert secret_values(odd) == [] and secret_values({"not": "a batch"}) == []


def test_raw_modes_sde_order_is_kept_even_when_it_names_only_some_kinds():
    both = {"consumer": {"ctype": "vip"}, "personal": {"firstname": "Jo"}}
    for order, expected in ((["personal"], ["personal", "ctmrinfo"]), (["ctmrinfo", "personal"], ["ctmrinfo", "personal"]),
                            (["personal", "ctmrinfo"], ["personal", "ctmrinfo"]), ([], ["ctmrinfo", "personal"])):
        draft = Draft.from_dict({**both, "extras": {"sde_order": order}})
        assert [s["type"] for s in profile_of(draft)["authenticatedData"]["lp_sdes"]] == expected, order


def test_private_data_keys_keep_the_documented_order():
    draft = Draft.from_dict({"profile": {"privateData": {"pushNotificationData": {"token": "t0ken-1", "serviceName": "APNS"},
                                                         "mail": "a@b.co", "mobileNum": "+1 555 0100"}}})
    private = profile_of(draft)["privateData"]
    assert list(private) == ["mobileNum", "mail", "pushNotificationData"]


def test_a_body_that_is_not_a_batch_of_objects_has_no_secrets():
    assert secret_values(["x"]) == [] and secret_values([None, {}]) == [] and secret_values([]) == []


def test_a_lone_surrogate_keeps_the_preview_layout():
    payload = build_payload(draft_with(profile__firstName="bad\ud800half"), "1")
    assert dumps(payload) == json.dumps(payload, indent=2)
    assert dumps(payload, compact=True) == json.dumps(payload, separators=(",", ":"))
