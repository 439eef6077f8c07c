"""The engagement lookup: LivePerson's Monitoring API (CSDS service ``smt``), whose engagement
method gives the campaignId and engagementId a create's ``campaignInfo`` routes by, and the
visitorId, sessionId and contextId its ``conversationContext`` carries (spec §1.5, §4.5).

``POST https://{smt}/api/account/{account}/app/{appInstallationId}/engagement?v=1.0[&vid=…&sid=…]``
with a JSON body; the API is public (no token: the account and app installation ids are all it
takes). It answers with the engagement(s) this visitor is eligible for, by the account's campaign
targeting: not a list of every campaign. Listing every campaign needs LivePerson's account
configuration (Campaigns) API and a user's login, which lp-tui does not use.

UNCONFIRMED (the documentation does not say): whether a Connector API app's client id is accepted
as the app installation id (lp-tui uses it unless told another with ``--app-id``); how an
unauthenticated connector consumer is named in ``identities`` (lp-tui sends none unless asked).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from lp_tui.lp.errors import ApiError, ConfigError
from lp_tui.lp.results import Step

STEP_ENGAGEMENT = "engagement lookup"
API_VERSION = "1.0"
# The Monitoring API's documented internal codes, each with what to do (DC-MON overview).
INTERNAL_CODES = {
    33: "lp-tui asks for v=1.0, the version the documentation lists; the server refused it",
    5: "the body was refused: check the entry points and engagement attributes",
    37: "the visitor id is not known: leave out --visitor-id to start a new visit",
    39: "the session id is not known: leave out --session-id to start a new session",
    18: "the app installation id is not known to this account: give the one LivePerson issued with --app-id "
        "(lp-tui uses the profile's client id by default)",
    20: "LivePerson could not load the account: check the account id, or try again later",
}


@dataclass
class Engagement:
    """One entry of ``engagementDetails``; ids as text, whatever JSON type they came as."""

    campaign_id: str
    engagement_id: str
    context_id: str = ""
    status: str = ""
    conversation_id: str = ""
    revision: str = ""
    language: str = ""


@dataclass
class Lookup:
    """What the engagement method answered: the monitor session and the engagements offered."""

    status: int
    visitor_id: str = ""
    session_id: str = ""
    page_id: str = ""
    engagements: list[Engagement] = field(default_factory=list)
    url: str = ""


def _text(value: Any, limit: int = 200) -> str:
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    return str(value)[:limit]


def _id(value: Any) -> str:
    """An id as text: LivePerson sends them as numbers or text. A number that is not a whole one
    (1.5, NaN, Infinity, 1e20 as a float) or any other type is no id: "" (never "nan" or "1e+20")."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= 2 ** 53:  # past 2**53 a float no longer holds the id exactly
            return ""
        value = int(value)
    if isinstance(value, (int, str)):
        return str(value)[:200]
    return ""


def parse(status: int, doc: Any, url: str = "") -> Lookup:
    """The answer's fields, tolerating what the documentation allows to be absent (no
    ``engagementDetails`` when no engagement is available; a single object instead of a list)."""
    if not isinstance(doc, dict):
        raise ValueError("the answer is not a JSON object")
    details = doc.get("engagementDetails") or []
    if isinstance(details, dict):
        details = [details]
    if not isinstance(details, list):
        raise ValueError("engagementDetails is neither a list nor an object")
    found = []
    for item in details[:500]:
        if not isinstance(item, dict):
            continue
        found.append(Engagement(_id(item.get("campaignId")), _id(item.get("engagementId")),
                                _id(item.get("contextId")), _text(item.get("status")),
                                _id(item.get("conversationId")), _id(item.get("engagementRevision")),
                                _text(item.get("language"))))
    return Lookup(status, _text(doc.get("visitorId")), _text(doc.get("sessionId")), _text(doc.get("pageId")),
                  found, url)


def request_body(entry_points: list[str] | None = None, attributes: list[Any] | None = None,
                 consumer: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if entry_points:
        body["entryPoints"] = list(entry_points)
    if attributes:
        body["engagementAttributes"] = list(attributes)
    if consumer:
        body["identities"] = [{"iss": "LivePerson", "acr": "loa1", "sub": consumer}]
    return body


async def look_up(client: Any, *, app_id: str | None = None, entry_points: list[str] | None = None,
                  attributes: list[Any] | None = None, consumer: str | None = None,
                  visitor_id: str | None = None, session_id: str | None = None,
                  observer: Any = None, steps: list[Step] | None = None) -> Lookup:
    """One call of the engagement method on the connection's account, through CSDS's ``smt``."""
    from lp_tui.lp.client import _noop

    observer = observer or _noop
    steps = steps if steps is not None else []
    conn = client.conn
    app = app_id or conn.client_id
    if not app:
        raise ConfigError(STEP_ENGAGEMENT, "no app installation id",
                      "give it with --app-id, or set the profile's client id (the Connector API app's installation id)")
    base = await client._service("smt", observer, steps)
    url = f"{base}/api/account/{quote(conn.account_id, safe='')}/app/{quote(app, safe='')}/engagement"
    params = {"v": API_VERSION}
    if visitor_id:
        params["vid"] = visitor_id
    if session_id:
        params["sid"] = session_id
    step = Step(STEP_ENGAGEMENT)
    steps.append(step)
    body = json.dumps(request_body(entry_points, attributes, consumer), ensure_ascii=False).encode("utf-8")
    answer = await client._request(step, observer, "POST", url, params=params, content=body,
                                   headers={"Content-Type": "application/json", "Accept": "application/json"})
    host = urlsplit(url).netloc
    from lp_tui.limits import loads_json

    unreadable = ""
    try:
        doc = loads_json(answer.body.decode("utf-8"), strict_numbers=True)
    except (ValueError, UnicodeDecodeError) as exc:  # TooDeep among them
        doc, unreadable = None, str(exc)
    if answer.status >= 400:
        code = doc.get("internalCode") if isinstance(doc, dict) else None
        message = _text(doc.get("message")) if isinstance(doc, dict) else ""
        said = f": {message}" if message else ""
        said += f" (internalCode {code})" if isinstance(code, int) else ""
        hint = INTERNAL_CODES.get(code) if isinstance(code, int) else None
        if hint is None:
            hint = ("a 4xx means the request must change; a 5xx may pass on a later try"
                    if answer.status < 500 else "LivePerson advises 3 retries, 10, 30 and 90 s apart")
        raise ApiError(STEP_ENGAGEMENT, f"the Monitoring API answered {answer.status}{said}", hint, host,
                      answer.status)
    if unreadable:
        raise ApiError(STEP_ENGAGEMENT, f"the Monitoring API's answer is not JSON lp-tui can read ({unreadable})",
                       "check that CSDS's smt service is LivePerson's Monitoring API", host, answer.status)
    try:
        return parse(answer.status, doc, url)
    except ValueError as exc:
        raise ApiError(STEP_ENGAGEMENT, f"the Monitoring API's answer is not the engagement document ({exc})",
                      "check that CSDS's smt service is LivePerson's Monitoring API", host, answer.status) from None
