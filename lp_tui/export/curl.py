"""The create call as one curl command for POSIX sh.

The body goes to curl on standard input (``--data-binary @-``) from ``printf '%s'`` with the
body in single quotes: inside them sh changes nothing (``$``, backticks, backslashes, ``"``,
newlines and Unicode pass unchanged); a ``'`` is written ``'\\''``. ``printf`` is a shell
built-in, so no argument-length limit applies, and ``%s`` adds no newline: curl sends the body
byte for byte as the preview shows it. Characters a terminal would obey (ESC, bidi controls)
can only stand inside JSON strings, and are written as their JSON ``\\uXXXX`` escapes: the
same JSON, safe to show and paste.

Tokens are ``"$LP_APP_JWT"`` and ``"$LP_CONSUMER_JWS"``; a push token the body carries is
``"$LP_PUSH_TOKEN"``. Values never appear.
"""

from __future__ import annotations

import shlex

from lp_tui.export import CONVERSATION_PATH, PUSH_TOKEN_VAR, RequestSpec, split_at_secrets
from lp_tui.text import safe_json


def single_quoted(text: str) -> str:
    """``text`` in POSIX sh single quotes, exactly (a ``'`` becomes ``'\\''``)."""
    return "'" + text.replace("'", "'\\''") + "'"


def url_words(spec: RequestSpec) -> str:
    """The URL as a shell word: literal when CSDS resolved it, else from ``$LP_HOST`` (and
    ``$LP_ACCOUNT_ID`` when the account is not known)."""
    if spec.url is not None:
        return shlex.quote(spec.url)
    account = shlex.quote(spec.account) if spec.account else '"$LP_ACCOUNT_ID"'
    return f'"https://$LP_HOST"/api/account/{account}{shlex.quote(CONVERSATION_PATH)}'


def body_words(spec: RequestSpec) -> str:
    """The body as one shell word; a push token becomes a ``"$LP_PUSH_TOKEN"`` reference."""
    words = []
    for piece in split_at_secrets(spec.body, spec.push_tokens):
        words.append(f'"${PUSH_TOKEN_VAR}"' if piece is None else single_quoted(safe_json(piece)))
    return "".join(w for w in words if w != "''") or "''"


def curl_command(spec: RequestSpec) -> str:
    """One command that makes the create call the way lp-tui would send it."""
    scheme = "Bearer " if spec.bearer else ""
    lines = [
        f"printf '%s' {body_words(spec)} |",
        f"curl -sS -X POST {url_words(spec)} \\",
        "  -H 'Content-Type: application/json' \\",
        f'  -H "Authorization: {scheme}$LP_APP_JWT" \\',
        '  -H "X-LP-ON-BEHALF: $LP_CONSUMER_JWS" \\',
    ]
    if spec.client_properties:
        lines.append(f"  -H {single_quoted('Client-Properties: ' + safe_json(spec.client_properties))} \\")
    lines.append("  --data-binary @-")
    if spec.first_message is not None:  # the second step needs the answer's conversationId: say so
        lines += [
            "# The draft also has a first message, which lp-tui publishes right after this create as a SEND",
            "# (POST .../conversation/send?v=3, ms.PublishEvent with dialogId = the conversationId answered",
            "# above, the same headers). This command cannot take the id from the answer: send the message",
            "# with `lp-tui message CONVERSATION_ID TEXT`, or use the Python export, which does both steps.",
        ]
    return "\n".join(lines) + "\n"
