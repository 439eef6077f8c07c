"""The one builder: draft -> request body (a list of dicts), serialised once.

The preview, ``lp-tui build``, ``lp-tui send`` and the TUI all call ``build_payload``;
what the preview shows is byte for byte what is sent.
"""

from __future__ import annotations

import json
from typing import Any

from lp_tui.model import fields as F
from lp_tui.model.draft import Draft

SET_USER_PROFILE = "userprofile.SetUserProfile"
REQUEST_CONVERSATION = "cm.ConsumerRequestConversation"


def _ordered(value: Any, pattern: str) -> Any:
    """Documented key order and pruning of empty containers; values pass unchanged."""
    if isinstance(value, dict):
        known = F.child_order(pattern)
        keys = [k for k in known if k in value] + [k for k in value if k not in known]
        out = {}
        for key in keys:
            child = _ordered(value[key], f"{pattern}.{key}")
            if child == {} or child == []:
                continue
            out[key] = child
        return out
    if isinstance(value, list):
        items = [_ordered(item, f"{pattern}.*") for item in value]
        return [item for item in items if item != {} and item != []]
    return value


def _envelope(draft: Draft, id_key: str, type_: str, body: dict[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {"kind": "req"}
    if draft.has(f"ids.{id_key}"):
        env["id"] = draft.get(f"ids.{id_key}")
    env["type"] = type_
    env["body"] = body
    return env


def profile_body(draft: Draft) -> dict[str, Any]:
    sdes: list[dict[str, Any]] = []
    info = _ordered(draft.data.get("consumer", {}), "consumer")
    if info:
        sdes.append({"type": "ctmrinfo", "info": info})
    personal = _ordered(draft.data.get("personal", {}), "personal")
    if personal:
        sdes.append({"type": "personal", "personal": personal})
    return {"authenticatedData": {"lp_sdes": sdes}} if sdes else {}


def conversation_body(draft: Draft, account_id: str | None) -> dict[str, Any]:
    conv = dict(draft.data.get("conversation", {}))
    if "brandId" not in conv and account_id:
        conv["brandId"] = account_id
    return _ordered(conv, "conversation")


def build_payload(draft: Draft, account_id: str | None = None) -> list[dict[str, Any]]:
    """The CONVERSATION request body: SetUserProfile first, ConsumerRequestConversation second.

    ``brandId`` defaults to ``account_id`` when the draft does not set it. Never raises
    for any draft content.
    """
    return [
        _envelope(draft, "profile", SET_USER_PROFILE, profile_body(draft)),
        _envelope(draft, "conversation", REQUEST_CONVERSATION, conversation_body(draft, account_id)),
    ]


def client_properties(draft: Draft) -> dict[str, Any] | None:
    props = _ordered(draft.data.get("clientProperties", {}), "clientProperties")
    return props or None


def client_properties_header(draft: Draft) -> str | None:
    """The optional ``Client-Properties`` header value (compact JSON), or None."""
    props = client_properties(draft)
    return None if props is None else dumps(props, compact=True)


def dumps(payload: Any, compact: bool = False) -> str:
    """The one serialisation: UTF-8 kept as is, 2-space indent unless compact."""
    kwargs: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    text = json.dumps(payload, ensure_ascii=False, **kwargs)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them so the JSON stays valid UTF-8
        text = json.dumps(payload, ensure_ascii=True, **kwargs)
    return text


def conversation_path(account_id: str) -> str:
    return f"/api/account/{account_id}/messaging/consumer/conversation?v=3"
