"""The presenter acts as the agent on an lp-tui sandbox: ``POST /_sandbox/conversations/{id}/transfer``,
``…/agent-message`` and ``…/close``, with the sandbox's token (sent to loopback only). No Textual."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from lp_tui.lp.transport import control_headers, read_answer
from lp_tui.model.connection import Connection

ACTIONS = ("transfer", "agent-message", "close")
MAX_ANSWER = 1024 * 1024


class PresenterError(Exception):
    """The sandbox refused or could not be reached; the message says why, plainly."""


async def act(conn: Connection, conversation_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """Do ``action`` as the agent of ``conversation_id``; the sandbox's answer (a dict)."""
    import asyncio

    import httpx

    if action not in ACTIONS:
        raise PresenterError(f"unknown action {action!r}")
    url = f"{conn.csds_url.rstrip('/')}/_sandbox/conversations/{quote(conversation_id, safe='')}/{action}"
    headers = {"Content-Type": "application/json", **control_headers(conn, url)}
    limit = min(conn.total_timeout, 10)
    try:
        async with asyncio.timeout(limit):  # the whole answer, however slowly it trickles in
            async with httpx.AsyncClient(timeout=limit, trust_env=False) as client:
                async with client.stream("POST", url, content=json.dumps(body).encode(), headers=headers) as response:
                    answer = await read_answer(response, MAX_ANSWER)
    except TimeoutError:
        raise PresenterError(f"the sandbox at {conn.csds_url} took longer than {limit:g} s to answer") from None
    except (httpx.HTTPError, OSError) as exc:
        raise PresenterError(f"the sandbox at {conn.csds_url} did not answer ({type(exc).__name__})") from None
    except ValueError as exc:  # an answer lp-tui does not read (its encoding, its size)
        raise PresenterError(f"the sandbox's answer could not be read: {exc}") from None
    try:
        data = answer.json()
    except ValueError:
        data = None
    if answer.status == 401:
        raise PresenterError("the sandbox wants its control token: set LP_SANDBOX_TOKEN as `lp-tui sandbox` "
                             "printed it (or sandbox_token in the profile)")
    if answer.status != 200 or not isinstance(data, dict):
        why = data.get("error") if isinstance(data, dict) else None
        raise PresenterError(f"the sandbox refused the {action} ({answer.status}): {str(why or 'no reason given')[:300]}")
    return data
