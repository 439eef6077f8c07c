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
PUBLISH_EVENT = "ms.PublishEvent"
SDE_KINDS = (("consumer", "ctmrinfo", "info"), ("personal", "personal", "personal"))
BODY_SECTIONS = ("profile", "conversation")  # the sections that are the bodies of the batch's requests 1 and 2


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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _envelope(draft: Draft, id_key: str, type_: str, body: Any, default_id: str | None = None) -> dict[str, Any]:
    env: dict[str, Any] = {"kind": "req"}
    if draft.has(f"ids.{id_key}"):
        env["id"] = draft.get(f"ids.{id_key}")
    elif default_id is not None:
        env["id"] = default_id
    env["type"] = type_
    env["body"] = body
    for key, value in _dict(_dict(draft.extras.get("envelope")).get(id_key)).items():
        env[key] = value  # raw mode's own envelope keys (metadata, an odd kind, ...)
    return env


def _sde(draft: Draft, section: str, kind: str, key: str) -> dict[str, Any] | None:
    """One SDE: its fields under ``key``, and its ``auth`` object beside them (the schema's place)."""
    data = dict(_dict(draft.data.get(section)))
    auth = data.pop("auth", None)
    fields = _ordered(data, section)
    auth_value = _ordered(auth, f"{section}.auth")
    extra = _dict(_dict(draft.extras.get("sde")).get(kind))
    if not fields and auth_value in (None, {}, []) and not extra:
        return None
    sde: dict[str, Any] = {"type": kind, key: fields}
    if auth is not None and auth_value != {}:
        sde["auth"] = auth_value
    sde.update(extra)
    return sde


def profile_body(draft: Draft) -> dict[str, Any]:
    """SetUserProfile's body: the profile fields, authenticatedData (the SDEs), privateData: the
    schema's order. Empty when nothing is set (the documented minimal ``{}``)."""
    kinds = list(SDE_KINDS)
    order = draft.extras.get("sde_order")
    if isinstance(order, list):  # raw mode sent personal first: keep it so
        kinds.sort(key=lambda k: order.index(k[1]) if k[1] in order else len(order))
    sdes = [sde for section, kind, key in kinds if (sde := _sde(draft, section, kind, key))]
    extra_sdes = draft.extras.get("sdes")
    sdes += extra_sdes if isinstance(extra_sdes, list) else []
    profile = _ordered(_dict(draft.data.get("profile")), "profile")
    body: dict[str, Any] = {}
    for key in F.PROFILE_ORDER:
        if key == "authenticatedData":
            auth_extra = _dict(draft.extras.get("authenticatedData"))
            if sdes or auth_extra:
                body[key] = {"lp_sdes": sdes, **auth_extra}
        elif key in profile:
            body[key] = profile[key]
    body.update({k: v for k, v in profile.items() if k not in body})
    return body


def conversation_body(draft: Draft, account_id: str | None) -> dict[str, Any]:
    conv = dict(_dict(draft.data.get("conversation")))
    if "brandId" not in conv and account_id:
        conv["brandId"] = account_id
    ordered: dict[str, Any] = _ordered(conv, "conversation")
    return ordered


def first_message_in_batch(draft: Draft) -> bool:
    """True when the draft asks for the older docs' form: the first message as a third request of
    the create call (``firstMessage.how = "batch"``), for QA."""
    how = draft.get("firstMessage.how") if draft.has("firstMessage.how") else None
    return isinstance(how, str) and how.strip().lower() == "batch"


def first_message(draft: Draft) -> dict[str, Any] | None:
    """The third request of the create call, only when the draft asks for the in-batch form (oldest
    docs): a ContentEvent without a dialogId, since no conversation exists yet."""
    if not draft.has("firstMessage.text") or not first_message_in_batch(draft):
        return None
    event = {"type": "ContentEvent", "contentType": "text/plain", "message": draft.get("firstMessage.text")}
    return _envelope(draft, "message", PUBLISH_EVENT, {"event": event}, default_id="3")


def first_message_after(draft: Draft) -> Any:
    """The first message's text when it is published right after the create, as a SEND (the
    default); None when there is none or it goes in the batch. Any JSON value QA put there passes."""
    if not draft.has("firstMessage.text") or first_message_in_batch(draft):
        return None
    return draft.get("firstMessage.text")


def first_message_facts(draft: Draft) -> dict[str, Any] | None:
    """The draft's first message as the validator checks it: its text, how it is sent and its id
    (only the keys the draft has); None when the draft has none of them."""
    facts = {key: draft.get(path) for key, path in (("text", "firstMessage.text"), ("how", "firstMessage.how"),
                                                     ("id", "ids.message")) if draft.has(path)}
    return facts or None


def message_request(conversation_id: str, message: Any, request_id: Any = "1") -> dict[str, Any]:
    """The SEND that publishes a text message (ms.PublishEvent): ``dialogId`` is the conversation's
    main dialog, its conversationId, as LivePerson's SEND page and schema require; ``conversationId``
    beside it, as LivePerson's how-to guide and demo app send it."""
    return {"kind": "req", "id": request_id, "type": PUBLISH_EVENT,
            "body": {"dialogId": conversation_id, "conversationId": conversation_id,
                     "event": {"type": "ContentEvent", "contentType": "text/plain", "message": message}}}


def first_message_request(draft: Draft, conversation_id: str) -> dict[str, Any] | None:
    """The SEND that follows the create for the draft's first message, or None."""
    message = first_message_after(draft)
    if message is None:
        return None
    request_id = draft.get("ids.message") if draft.has("ids.message") else "1"
    return message_request(conversation_id, message, request_id)


def build_payload(draft: Draft, account_id: str | None = None) -> list[Any]:
    """The CONVERSATION request body: SetUserProfile first, ConsumerRequestConversation second,
    then the first message when the draft asks for it in the batch (older docs; by default it is a
    SEND after the create, see ``first_message_request``) and any requests raw mode added.

    ``brandId`` defaults to ``account_id`` when the draft does not set it. Never raises
    for any draft content.
    """
    payload: list[Any] = [
        _envelope(draft, "profile", SET_USER_PROFILE, profile_body(draft)),
        _envelope(draft, "conversation", REQUEST_CONVERSATION, conversation_body(draft, account_id)),
    ]
    message = first_message(draft)
    if message is not None:
        payload.append(message)
    extra = draft.extras.get("requests")
    payload += extra if isinstance(extra, list) else []
    return payload


def secret_values(payload: Any) -> list[str]:
    """Secrets the body itself carries (the field table's secret fields, e.g. the push token), to mask
    wherever the body is shown or kept."""
    found: list[str] = []
    batch = payload if isinstance(payload, list) else []
    for path in F.SECRET_PATHS:
        section, _, rest = path.partition(".")
        position = BODY_SECTIONS.index(section)  # a secret field elsewhere fails here, never goes unmasked
        env = batch[position] if position < len(batch) else None
        node: Any = env.get("body") if isinstance(env, dict) else None
        for key in rest.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            found.append(node)
    return found


def secret_values_of_text(text: str) -> list[str]:
    """``secret_values`` of a body given as text (raw mode, history); [] when it is not JSON."""
    from lp_tui.limits import loads_json

    try:
        return secret_values(loads_json(text))
    except ValueError:
        return []


def client_properties(draft: Draft) -> dict[str, Any] | None:
    props = _ordered(draft.data.get("clientProperties", {}), "clientProperties")
    return props or None


def client_properties_header(draft: Draft) -> str | None:
    """The optional ``Client-Properties`` header value (compact JSON), or None."""
    props = client_properties(draft)
    return None if props is None else header_json(props)


def header_json(value: Any) -> str:
    """JSON for an HTTP header (``Client-Properties``): compact, and ASCII, as header values must
    be. Any other character is written as a ``\\uXXXX`` escape, which is the same JSON: what the
    server parses is exactly what was typed (``"é"`` arrives as ``"\\u00e9"``, read back as é)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def dumps(payload: Any, compact: bool = False) -> str:
    """The one serialisation: UTF-8 kept as is, 2-space indent unless compact."""
    kwargs: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    text = json.dumps(payload, ensure_ascii=False, **kwargs)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: escape them so the JSON stays valid UTF-8
        text = json.dumps(payload, ensure_ascii=True, **kwargs)
    return text
