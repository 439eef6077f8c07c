"""Errors and explanations in plain words, each with what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_TRANSPORT = 0, 1, 2, 3


@dataclass
class LpError(Exception):
    """A failure of one step, named, with a hint. Raise one of its subclasses, which say what
    failed: ``ApiError``, ``TransportError``, ``ConfigError`` or ``SendCancelled``."""

    kind: ClassVar[str] = "api"  # the class in one word, as evidence files write it
    exit_code: ClassVar[int] = EXIT_API  # what the command line exits with

    step: str
    message: str
    hint: str = ""
    host: str = ""
    status: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        from lp_tui.text import ident

        where = f"{self.step}" + (f" ({ident(self.host)})" if self.host else "")
        text = f"{where}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else text


class ApiError(LpError):
    """What answered (CSDS, Sentinel, IDP, the Connector API) refused, or answered something unusable."""


class TransportError(LpError):
    """No usable answer: the connection, TLS, name resolution or a time limit failed."""

    kind = "transport"
    exit_code = EXIT_TRANSPORT


class ConfigError(LpError):
    """Something the user set (or did not set) keeps the step from running; nothing was sent for it."""

    kind = "config"
    exit_code = EXIT_USAGE


class SendCancelled(LpError):
    """The user cancelled the send."""

    kind = "cancelled"


class FollowUp(StrEnum):
    """A follow-up the app can offer beside an explanation."""

    NONE = ""
    CLOSE = "close"  # close the open conversation (or switch to a fresh consumer)
    NEW_CONSUMER = "new-consumer"
    RENEW = "renew"  # mint a fresh AppJWT
    SETTINGS = "settings"


class Why(StrEnum):
    """What an explanation is about, for code to compare; its title is for people."""

    AUTH = "auth"  # one of the 401 catalogue's codes
    API_ERROR = "api-error"  # another error code in the answer's body
    UNEXPECTED = "unexpected"  # an answer the documentation does not describe
    OPEN_CONVERSATION = "open-conversation"
    CLOSED_CONVERSATION = "closed-conversation"
    REFUSED = "refused"  # a sub-request was refused
    THROTTLED = "throttled"  # 429
    SERVER_ERROR = "server-error"  # 5xx
    BAD_REQUEST = "bad-request"  # 400
    FORBIDDEN = "forbidden"  # 403
    FIRST_MESSAGE = "first-message"  # the first message after the create failed


@dataclass(frozen=True)
class Explanation:
    title: str  # for people
    detail: str
    action: str = ""  # what to do next
    follow_up: FollowUp = FollowUp.NONE
    why: Why = Why.UNEXPECTED  # for code


# The 401 catalogue (spec §4.8; the table wins over the inconsistent sample).
AUTH_ERRORS: dict[int, Explanation] = {
    40001: Explanation(
        "Missing parameter",
        "LivePerson says a required parameter is missing: the brandId, or a required AppJWT claim (iss must be Sentinel).",
        "Set the brand id (the account id) and use an AppJWT minted by Sentinel for this account.",
        FollowUp.SETTINGS,
        Why.AUTH,
    ),
    40102: Explanation(
        "Invalid AppJWT",
        "The AppJWT has expired or is invalid for this account.",
        "Get a fresh AppJWT: clear any pasted token so lp-tui mints one, and check the client id and secret.",
        FollowUp.RENEW,
        Why.AUTH,
    ),
    40103: Explanation(
        "Invalid ConsumerJWS",
        "The ConsumerJWS is invalid, or belongs to another consumer than this conversation's.",
        "Clear any pasted ConsumerJWS so lp-tui gets one from IDP for the configured external consumer id.",
        FollowUp.NEW_CONSUMER,
        Why.AUTH,
    ),
    40104: Explanation(
        "ConsumerJWS is missing",
        "The X-LP-ON-BEHALF header was not sent.",
        "Set an external consumer id (or paste a ConsumerJWS) in the settings.",
        FollowUp.SETTINGS,
        Why.AUTH,
    ),
    40105: Explanation(
        "AppJWT is missing",
        "The Authorization header was not sent.",
        "Set the client id and secret (or paste an AppJWT) in the settings.",
        FollowUp.SETTINGS,
        Why.AUTH,
    ),
}

OPEN_CONVERSATION = Explanation(
    "The consumer already has an open conversation",
    "LivePerson allows one open conversation per consumer, so it refused to open another.",
    "Close the open conversation, or switch to a fresh external consumer id, then send again.",
    FollowUp.CLOSE,
    Why.OPEN_CONVERSATION,
)
CLOSED_CONVERSATION = Explanation(
    "The conversation is closed",
    "LivePerson refuses messages to a closed conversation.",
    "Open a new conversation (send again), then message that one.",
    why=Why.CLOSED_CONVERSATION,
)


def unexpected(detail: str) -> Explanation:
    return Explanation("Unexpected answer", detail[:1].upper() + detail[1:] + ".",
                       "Look at the raw body: a proxy, a wrong host or a changed API may have answered.", why=Why.UNEXPECTED)


def explain(status: int | None, body: Any, subs: list[Any] | None = None) -> list[Explanation]:
    """Plain-language explanations of a CONVERSATION or SEND answer. Empty when all is well.

    ``subs`` are the batch's sub-answers (objects with ``ok``, ``code_text`` and ``message``).
    """
    out: list[Explanation] = []
    if isinstance(body, dict) and isinstance(body.get("body"), dict) and "errorCode" in body["body"]:
        code = body["body"].get("errorCode")
        known = AUTH_ERRORS.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
        if known:
            out.append(known)
        else:
            title = str(body["body"].get("title") or "Error")[:200]
            out.append(Explanation(f"{title} ({str(code)[:40]})", str(body["body"].get("details", ""))[:2000],
                                   "Check the headers and tokens.", why=Why.API_ERROR))
        return out
    for sub in subs or []:
        if sub.ok:
            continue
        code, msg = sub.code_text[:40], sub.message
        if sub.code is None and not isinstance(sub.body, dict):
            out.append(unexpected(f"sub-answer {sub.position + 1} is not an object with a code"))
            continue
        if sub.code is None:
            out.append(unexpected(f"sub-answer {sub.position + 1} has no code, so it is not a success"))
            continue
        lowered = msg.lower()
        if "already has open conversation" in lowered:
            out.append(OPEN_CONVERSATION)
        elif "conversation is close" in lowered:
            out.append(CLOSED_CONVERSATION)
        else:
            out.append(Explanation(f"A request was refused: {code}", msg or "(no message)",
                                   "Fix the request (see the findings) or check the account's configuration.",
                                   why=Why.REFUSED))
    if status == 429:
        out.append(Explanation("Too many requests (429)", "LivePerson is throttling this client.",
                               "Wait at least a second and send again; smooth out bursts.", why=Why.THROTTLED))
    elif status is not None and status >= 500:
        out.append(Explanation(f"LivePerson server error ({status})", "The service failed; this is not your request's fault.",
                               "LivePerson advises 3 retries after 5, 10 and 15 s; try again later if it persists.",
                               why=Why.SERVER_ERROR))
    elif status == 400 and not out:
        out.append(Explanation("Bad request (400)", "LivePerson found the request invalid.",
                               "Check the findings: SetUserProfile first, a brandId, documented fields only.",
                               why=Why.BAD_REQUEST))
    elif status == 403:
        out.append(Explanation("Forbidden (403)", "The app is not allowed to do this on this account.",
                               "Check that the app installation is enabled with scope msg.consumer.", why=Why.FORBIDDEN))
    elif status == 200 and not subs and not out:
        out.append(Explanation("Unexpected answer", "HTTP 200, but the body is not the documented array of results.",
                               "Look at the raw body: a proxy or a wrong host may have answered.", why=Why.UNEXPECTED))
    elif status is not None and status not in (200, 201) and not out:
        out.append(Explanation(f"Unexpected status {status}", "The answer is not one the documentation describes.",
                               "Look at the raw body and headers.", why=Why.UNEXPECTED))
    return out
