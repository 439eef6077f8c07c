"""Raw mode and history back to the forms: what fits is kept, what does not is named."""

from __future__ import annotations

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


def test_what_the_forms_cannot_hold_is_reported():
    payload = build_payload(Draft(), "1")
    payload[0]["body"] = {"firstName": "x", "authenticatedData": {"lp_sdes": [
        {"type": "ctmrinfo", "info": {"ctype": "vip", "shoeSize": 44}}, {"type": "cart", "total": 1}]}}
    payload.append({"kind": "req", "id": "3", "type": "ms.PublishEvent", "body": {}})
    draft, lost = draft_from_payload(payload, "1")
    assert draft.get("consumer.ctype") == "vip"
    text = " | ".join(lost)
    assert "shoeSize" in text and "firstName" in text and "'cart'" in text and "ms.PublishEvent" in text


def test_swapped_order_and_brand_id():
    payload = list(reversed(build_payload(Draft(), "1")))
    payload[0]["body"]["brandId"] = "other"
    draft, lost = draft_from_payload(payload, "1")
    assert any("order" in item for item in lost)
    assert draft.get("conversation.brandId") == "other"


def test_not_a_list():
    draft, lost = draft_from_payload({"x": 1})
    assert draft == Draft() and lost
