"""From a request body back to a draft (raw mode -> forms, history -> forms), without losses.

Every key and value of the body is kept: what the forms show goes to its field; what they
cannot show (unknown keys, extra envelope keys, more SDEs, more requests) stays in the draft
(unknown keys in their section, the rest under ``extras``) and the builder puts it back, so
raw -> forms -> raw gives the same JSON, key for key (key order follows the documentation).

A few shapes cannot be held at all (the body is not an array, the requests are out of order,
an element is not an object): they are listed, so the app can ask before dropping them.
"""

from __future__ import annotations

from typing import Any

from lp_tui.model.build import PUBLISH_EVENT, REQUEST_CONVERSATION, SDE_KINDS, SET_USER_PROFILE
from lp_tui.model.draft import Draft

ENVELOPE_KEYS = ("kind", "id", "type", "body")


def draft_from_payload(payload: Any, account_id: str | None = None) -> tuple[Draft, list[str]]:
    """A draft holding ``payload``, and the list of what it could not hold (empty: nothing lost)."""
    lost: list[str] = []
    draft = Draft()
    draft.data["conversation"] = {}
    draft.data["ids"] = {}
    extras: dict[str, Any] = {}
    if not isinstance(payload, list):
        return Draft(), ["the body is not a JSON array: the forms start empty"]
    if len(payload) < 2 or not all(isinstance(e, dict) for e in payload[:2]) \
            or payload[0].get("type") != SET_USER_PROFILE or payload[1].get("type") != REQUEST_CONVERSATION:
        lost.append("the order of the requests (the forms always send SetUserProfile, then "
                    "ConsumerRequestConversation)")
    requests: list[Any] = []
    found: dict[str, int] = {}
    for i, env in enumerate(payload):
        kind = env.get("type") if isinstance(env, dict) else None
        slot = {SET_USER_PROFILE: "profile", REQUEST_CONVERSATION: "conversation"}.get(kind) if isinstance(kind, str) \
            else None
        if slot and slot not in found and isinstance(env.get("body"), dict):
            found[slot] = i
            _envelope(env, slot, extras)
        elif i == 2 and len(found) == 2 and _first_message(env):
            found["message"] = i
            _envelope(env, "message", extras)
            draft.data["firstMessage"] = {"text": env["body"]["event"]["message"], "how": "batch"}
        else:
            if not isinstance(env, dict):
                lost.append(f"request {i + 1} (not an object)")
                continue
            requests.append(env)
    if requests:
        extras["requests"] = requests
    if "profile" in found:
        env = payload[found["profile"]]
        if "id" in env:
            draft.data["ids"]["profile"] = env["id"]
        _profile(env["body"], draft, extras)
    if "conversation" in found:
        env = payload[found["conversation"]]
        if "id" in env:
            draft.data["ids"]["conversation"] = env["id"]
        conv = dict(env["body"])
        if account_id and conv.get("brandId") == account_id:
            del conv["brandId"]  # the default: it follows the connection's account
        draft.data["conversation"] = conv
    if "message" in found and "id" in payload[found["message"]]:
        draft.data["ids"]["message"] = payload[found["message"]]["id"]
    draft.data["extras"] = extras
    return draft, lost


def _first_message(env: Any) -> bool:
    """The third request exactly as the form builds it: a text ContentEvent, nothing else."""
    if not isinstance(env, dict) or env.get("type") != PUBLISH_EVENT or not isinstance(env.get("body"), dict):
        return False
    body = env["body"]
    event = body.get("event")
    return set(body) == {"event"} and isinstance(event, dict) and set(event) == {"type", "contentType", "message"} \
        and event.get("type") == "ContentEvent" and event.get("contentType") == "text/plain" \
        and isinstance(event.get("message"), str)


def _envelope(env: dict[str, Any], slot: str, extras: dict[str, Any]) -> None:
    extra = {k: v for k, v in env.items() if k not in ENVELOPE_KEYS}
    if env.get("kind") != "req":
        extra["kind"] = env.get("kind")  # an odd kind (or none): kept as sent
    if extra:
        extras.setdefault("envelope", {})[slot] = extra


def _profile(body: dict[str, Any], draft: Draft, extras: dict[str, Any]) -> None:
    profile = {k: v for k, v in body.items() if k != "authenticatedData"}
    draft.data["profile"] = profile
    if "authenticatedData" not in body:
        return
    auth = body["authenticatedData"]
    sdes = auth.get("lp_sdes") if isinstance(auth, dict) else None
    if not isinstance(auth, dict) or not isinstance(sdes, list):
        profile["authenticatedData"] = auth  # not the documented shape: kept, and sent, as it was
        return
    auth_extra = {k: v for k, v in auth.items() if k != "lp_sdes"}
    if auth_extra or not sdes:
        extras["authenticatedData"] = auth_extra if sdes else {**auth_extra, "lp_sdes": []}
    other: list[Any] = []
    seen: set[str] = set()
    order: list[str] = []
    for sde in sdes:
        kind = str(sde.get("type")) if isinstance(sde, dict) else ""
        match = next(((section, key) for section, k, key in SDE_KINDS if k == kind), None)
        value = sde.get(match[1]) if match and isinstance(sde, dict) else None
        if match is None or kind in seen or not isinstance(value, dict) or other:
            other.append(sde)  # a second SDE of a kind, another kind, or one after those: kept in order
            continue
        seen.add(kind)
        order.append(kind)
        section, key = match
        data = dict(value)
        if "auth" in sde:
            data["auth"] = sde["auth"]
        elif "auth" in data:  # a key named auth inside the fields cannot be told apart: keep the SDE whole
            other.append(sde)
            continue
        draft.data[section] = data
        extra = {k: v for k, v in sde.items() if k not in ("type", key, "auth")}
        if extra:
            extras.setdefault("sde", {})[kind] = extra
    if other:
        extras["sdes"] = other
    if order and order != [k for _, k, _ in SDE_KINDS if k in order]:
        extras["sde_order"] = order  # personal before ctmrinfo, as sent
