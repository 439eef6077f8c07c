"""A pasted ConsumerJWS names its consumer (LivePerson's token carries ``ext_consumer_id``): it is
never used to open a conversation for another consumer (a token exported by `lp-tui token`, then a
fresh consumer id from Ctrl+N, F7 or --ext-consumer-id)."""

from __future__ import annotations

import pytest

from lp_tui.lp.client import LpClient
from lp_tui.lp.errors import LpError
from lp_tui.model import presets
from lp_tui.model.build import build_payload
from lp_tui.model.connection import Connection


def connection(sandbox, consumer: str, *, credentials: bool) -> Connection:
    conn = Connection(ext_consumer_id=consumer)
    conn.apply(sandbox.connection_values(), "test")
    conn.ext_consumer_id = consumer
    conn.consumer_jws = sandbox.state.mint_jws("the-first-consumer")
    if not credentials:
        conn.app_jwt = sandbox.state.mint_app_jwt(conn.client_id)  # pasted, as `lp-tui token` exports it
        conn.client_secret = ""
    return conn


def payload(conn: Connection):
    from pathlib import Path

    return build_payload(presets.load("minimal", Path("/nonexistent")).draft, conn.account_id)


async def test_a_pasted_consumerjws_of_another_consumer_is_not_used_when_idp_can_be_asked(sandbox):
    conn = connection(sandbox, "a-fresh-consumer", credentials=True)
    client = LpClient(conn)
    try:
        result = await client.create_conversation(payload(conn))
    finally:
        await client.aclose()
    assert result.conversation_id
    assert sandbox.state.conversations[result.conversation_id].ext_consumer_id == "a-fresh-consumer"
    jws_step = next(s for s in result.steps if s.name == "ConsumerJWS")
    assert "the-first-consumer" in jws_step.note and not jws_step.cached


async def test_a_pasted_consumerjws_of_another_consumer_is_refused_without_credentials(sandbox):
    conn = connection(sandbox, "a-fresh-consumer", credentials=False)
    client = LpClient(conn)
    try:
        with pytest.raises(LpError) as refused:
            await client.create_conversation(payload(conn))
    finally:
        await client.aclose()
    assert "is for consumer the-first-consumer, not a-fresh-consumer" in str(refused.value)
    assert not sandbox.state.conversations


async def test_a_pasted_consumerjws_of_this_consumer_is_used(sandbox):
    conn = connection(sandbox, "the-first-consumer", credentials=True)
    client = LpClient(conn)
    try:
        result = await client.create_conversation(payload(conn))
    finally:
        await client.aclose()
    jws_step = next(s for s in result.steps if s.name == "ConsumerJWS")
    assert jws_step.note == "pasted"
    assert sandbox.state.conversations[result.conversation_id].ext_consumer_id == "the-first-consumer"
