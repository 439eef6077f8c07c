"""Raw mode and history back to the forms: what fits is kept, what does not is named."""

from __future__ import annotations

import json

from lp_tui.model.build import build_payload
from lp_tui.model.draft import Draft
from lp_tui.model.presets import builtin_presets
from lp_tui.model.reverse import draft_from_payload


def test_every_builtin_preset_round_trips_through_the_body():
    for preset in builtin_presets():
        draft = preset.draft.copy()
        draft.data["clientProperties"] = {}
        payload = build_payload(draft, "1")
        again, lost = draft_from_payload(payload, "1")
        assert lost == [], (preset.name, lost)
        assert build_payload(again, "1") == payload, preset.name


def test_what_the_forms_cannot_show_is_kept_and_sent_again_key_for_key():
    payload = build_payload(Draft(), "1")
    payload[0]["metadata"] = [{"type": "BotResponse"}]
    payload[0]["body"] = {"firstName": "x", "authenticatedData": {"lp_sdes": [
        {"type": "ctmrinfo", "info": {"ctype": "vip", "shoeSize": 44}, "extra": True}, {"type": "cart", "total": 1}],
        "odd": 1}, "nickname": "unknown key"}
    payload[1]["body"]["zone"] = {"deep": [1, {"x": None}]}
    payload.append({"kind": "req", "id": "3", "type": "ms.PublishEvent", "body": {}})  # not the form's shape
    payload.append("not even an object")
    draft, lost = draft_from_payload(payload, "1")
    assert draft.get("consumer.ctype") == "vip" and draft.get("profile.firstName") == "x"
    assert lost == ["request 4 (not an object)"]
    del payload[3]
    assert build_payload(draft, "1") == payload
    assert json.dumps(build_payload(draft, "1")) == json.dumps(payload)  # key order too (documented, then unknown)


def test_a_first_message_in_the_batch_comes_back_to_its_field():
    draft = Draft()
    draft.set_text("firstMessage.text", "Hello")
    draft.set_text("firstMessage.how", "batch")
    draft.set_text("ids.message", "m-1")
    again, lost = draft_from_payload(build_payload(draft, "1"), "1")
    assert lost == [] and again.get("firstMessage.text") == "Hello" and again.get("ids.message") == "m-1"
    assert again.get("firstMessage.how") == "batch"  # still in the batch: the body is unchanged
    assert build_payload(again, "1") == build_payload(draft, "1")


def test_personal_before_customer_info_keeps_its_order():
    draft = Draft()
    draft.set_text("consumer.ctype", "vip")
    draft.set_text("personal.firstname", "Ann")
    payload = build_payload(draft, "1")
    sdes = payload[0]["body"]["authenticatedData"]["lp_sdes"]
    sdes.reverse()
    again, lost = draft_from_payload(payload, "1")
    assert lost == [] and build_payload(again, "1") == payload


def test_swapped_order_and_brand_id():
    payload = list(reversed(build_payload(Draft(), "1")))
    payload[0]["body"]["brandId"] = "other"
    draft, lost = draft_from_payload(payload, "1")
    assert any("order" in item for item in lost)
    assert draft.get("conversation.brandId") == "other"


def test_not_a_list():
    draft, lost = draft_from_payload({"x": 1})
    assert draft == Draft() and lost
