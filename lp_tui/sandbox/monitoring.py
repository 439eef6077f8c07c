"""The sandbox's Monitoring API (CSDS service ``smt``): the engagement method, with the campaigns
its routing rules name.

LivePerson's method (DC-MON-ENG, spec §1.5): ``POST /api/account/{account}/app/{appInstallationId}
/engagement?v=1.0&vid=…&sid=…`` with a JSON body (entryPoints, engagementAttributes, identities,
clientProperties), no authentication beyond the two ids. It answers 201 with a new monitor session
(``visitorId``, ``sessionId``, ``pageId``) or 200 when ``vid`` and ``sid`` name one, and
``engagementDetails`` (campaignId and engagementId as numbers, contextId, status) only when an
engagement is available. Errors: ``{"time", "message", "internalCode"}`` with the documented codes.

The sandbox's choices where LivePerson decides by campaign targeting it does not have: every
engagement the rules name is available to every visitor, unless ``[engagements]`` gives it entry
points (then only to a lookup naming a matching one), so one lookup lists them all, in the
rules' order (a real account answers with the engagements the visitor is eligible for); a
consumer with an open conversation (``identities[].sub`` or ``consumerId``) gets it back with
status ``conversation``, as the method's second use case says.
"""

from __future__ import annotations

import json
import secrets
import time
import zlib
from typing import Any

API_VERSION = "1.0"


def error(status: int, code: int, message: str) -> tuple[int, Any]:
    return status, {"time": int(time.time() * 1000), "message": message, "internalCode": code}


def _number(value: str) -> int | str:
    """Ids as the method's answer shows them: numbers (ids that are not digits stay text)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else value


def engagements_of(rules: Any) -> list[tuple[str, str]]:
    """(campaignId, engagementId) for every engagement the rules name: those of ``[engagements]``,
    then one for each ``[campaigns]`` entry that has none there, its id made from the campaign's."""
    pairs = [(campaign, engagement) for engagement, campaign in rules.engagements.items()]
    covered = {campaign for campaign, _ in pairs}
    for campaign in rules.campaigns:
        if campaign not in covered:
            pairs.append((campaign, str(1_000_000_000 + zlib.crc32(f"engagement {campaign}".encode()))))
    return pairs


def offered(rules: Any, engagement_id: str, entry_points: list[Any]) -> bool:
    """An engagement that targets entry points is offered only to a lookup naming a matching one
    (``*`` patterns, as shell globs); one that targets none is offered to every visitor."""
    from fnmatch import fnmatchcase

    patterns = rules.entry_points.get(engagement_id)
    if not patterns:
        return True
    return any(isinstance(point, str) and fnmatchcase(point, pattern) for point in entry_points for pattern in patterns)


def engagement(state: Any, account: str, app: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
    """``POST …/app/{app}/engagement``: the sandbox's answer, in LivePerson's shapes."""
    if query.get("v") != API_VERSION:
        return error(400, 33, "illegal API version requested")
    if account != state.account_id:
        return error(500, 20, f"Loading account: {account[:40]}")
    if app != state.client_id:
        return error(404, 18, "invalid appInstallationId")
    try:
        doc = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error(400, 5, "request data is missing or invalid: the body is not JSON")
    if not isinstance(doc, dict):
        return error(400, 5, "request data is missing or invalid: the body must be a JSON object")
    for key in ("entryPoints", "engagementAttributes", "identities"):
        if key in doc and not isinstance(doc[key], list):
            return error(400, 5, f"request data is missing or invalid: {key} must be a list")
    vid, sid = query.get("vid"), query.get("sid")
    resumed = bool(vid and sid)
    answer: dict[str, Any] = {"sessionId": sid if resumed else secrets.token_urlsafe(16)[:22],
                              "visitorId": vid if resumed else secrets.token_hex(11)[:22],
                              "pageId": str(1_000_000_000 + secrets.randbelow(9_000_000_000))}
    consumers = [doc.get("consumerId")] + [i.get("sub") for i in doc.get("identities", []) if isinstance(i, dict)]
    with state.lock:
        rules = state.rules
        open_conv = next((c for c in state.conversations.values() if c.state == "OPEN" and c.ext_consumer_id
                          and c.ext_consumer_id in consumers), None)
    details = []
    for campaign, engagement_id in engagements_of(rules):
        if not offered(rules, engagement_id, doc.get("entryPoints", [])):
            continue
        entry: dict[str, Any] = {"campaignId": _number(campaign), "engagementId": _number(engagement_id),
                                 "engagementRevision": 1}
        if open_conv is not None:
            entry.update({"conversationId": open_conv.id, "status": "conversation"})
        else:
            entry.update({"contextId": "1", "status": "expose"})
        details.append(entry)
    if details:
        answer["engagementDetails"] = details
    return (200 if resumed else 201), answer
