"""From a request body back to a draft (raw mode -> forms, history -> forms).

Keeps what the forms can represent and says, item by item, what they cannot.
"""

from __future__ import annotations

from typing import Any

from lp_tui.model import fields as F
from lp_tui.model.build import REQUEST_CONVERSATION, SET_USER_PROFILE
from lp_tui.model.draft import Draft


def _keep(value: Any, pattern: str, where: str, lost: list[str]) -> Any:
    """The part of ``value`` the field table knows; unknown keys are reported in ``lost``."""
    if not isinstance(value, dict):
        return value
    out = {}
    for key, child in value.items():
        child_pattern = f"{pattern}.{key}"
        spec = F.BY_PATH.get(child_pattern)
        if spec is None:
            lost.append(f"{where}.{key} (not a field the forms know)")
            continue
        if spec.kind == F.LIST and isinstance(child, list):
            out[key] = [_keep(item, f"{child_pattern}.*", f"{where}.{key}[{i}]", lost) for i, item in enumerate(child)]
        elif spec.kind == F.OBJECT:
            out[key] = _keep(child, child_pattern, f"{where}.{key}", lost)
        else:
            out[key] = child
    return out


def draft_from_payload(payload: Any, account_id: str | None = None) -> tuple[Draft, list[str]]:
    """A draft holding what the forms can express of ``payload``, and the list of what was dropped."""
    lost: list[str] = []
    draft = Draft()
    draft.data["conversation"] = {}
    draft.data["ids"] = {}
    if not isinstance(payload, list):
        return Draft(), ["the body is not a JSON array; the forms start empty"]
    by_type: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, env in enumerate(payload):
        if not isinstance(env, dict):
            lost.append(f"request {i + 1} (not an object)")
            continue
        kind = env.get("type")
        if kind not in (SET_USER_PROFILE, REQUEST_CONVERSATION) or kind in by_type:
            lost.append(f"request {i + 1} ({kind!r}: the forms hold one SetUserProfile and one ConsumerRequestConversation)")
            continue
        by_type[kind] = (i, env)
        extra = sorted(set(env) - {"kind", "id", "type", "body"})
        if extra:
            lost.append(f"request {i + 1}: envelope keys {', '.join(extra)}")
        if env.get("kind") != "req":
            lost.append(f"request {i + 1}: kind {env.get('kind')!r} (the forms always send \"req\")")
    if SET_USER_PROFILE in by_type and REQUEST_CONVERSATION in by_type and \
            by_type[SET_USER_PROFILE][0] > by_type[REQUEST_CONVERSATION][0]:
        lost.append("the order of the two requests (the forms always put SetUserProfile first)")
    if SET_USER_PROFILE in by_type:
        i, env = by_type[SET_USER_PROFILE]
        if "id" in env:
            draft.data["ids"]["profile"] = env["id"]
        _profile(env.get("body"), f"request {i + 1}", draft, lost)
    if REQUEST_CONVERSATION in by_type:
        i, env = by_type[REQUEST_CONVERSATION]
        if "id" in env:
            draft.data["ids"]["conversation"] = env["id"]
        body = env.get("body")
        if isinstance(body, dict):
            conv = _keep(body, "conversation", f"request {i + 1}.body", lost)
            if account_id and conv.get("brandId") == account_id:
                del conv["brandId"]  # the default: it follows the connection's account
            draft.data["conversation"] = conv
        else:
            lost.append(f"request {i + 1}: body is not an object")
    return draft, lost


def _profile(body: Any, where: str, draft: Draft, lost: list[str]) -> None:
    if not isinstance(body, dict):
        lost.append(f"{where}: body is not an object")
        return
    for key in body:
        if key != "authenticatedData":
            lost.append(f"{where}.body.{key} (non-SDE profile fields are not in the forms)")
    auth = body.get("authenticatedData")
    if auth is None:
        return
    sdes = auth.get("lp_sdes") if isinstance(auth, dict) else None
    if not isinstance(sdes, list):
        lost.append(f"{where}.body.authenticatedData (not {{\"lp_sdes\": [...]}})")
        return
    seen: set[str] = set()
    for j, sde in enumerate(sdes):
        here = f"{where}.lp_sdes[{j}]"
        kind = sde.get("type") if isinstance(sde, dict) else None
        key, section = {"ctmrinfo": ("info", "consumer"), "personal": ("personal", "personal")}.get(kind, (None, None))
        if section is None or kind in seen:
            lost.append(f"{here} (SDE type {kind!r})" if section is None else f"{here} (a second {kind} SDE)")
            continue
        seen.add(kind)
        extra = sorted(set(sde) - {"type", key})
        if extra:
            lost.append(f"{here}: keys {', '.join(extra)}")
        value = sde.get(key, {})
        if isinstance(value, dict):
            draft.data[section] = _keep(value, section, f"{here}.{key}", lost)
        else:
            lost.append(f"{here}.{key} (not an object)")
