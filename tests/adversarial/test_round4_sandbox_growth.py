"""A chatty consumer on the sandbox: many long messages, each with metadata, within the SEND cap of
5000 characters. GET /_sandbox/conversations/{id} is what the presenter view, the demos and
`lp-tui event` read (at most 1 MB, like every sandbox read); past that the client sees nothing at
all, and a demo's expect_skill waits in vain. The sandbox's answer must stay readable: the latest
entries, within a budget."""

from __future__ import annotations

import asyncio
import json

from lp_tui.lp.client import LpClient
from lp_tui.model.connection import Connection
from lp_tui.sandbox.server import Sandbox


def test_a_conversation_with_many_long_messages_stays_readable_by_lp_tui():
    with Sandbox() as box:
        conn = Connection(ext_consumer_id="chatty")
        conn.apply(box.connection_values(), "test")

        async def run() -> tuple[str, dict | None]:
            client = LpClient(conn)
            try:
                from lp_tui.model.build import build_payload
                from lp_tui.model.draft import Draft

                created = await client.create_conversation(build_payload(Draft(), conn.account_id), None)
                conv_id = created.conversation_id
                assert conv_id
                with box.state.lock:  # what 400 SENDs of the consumer leave (each a message with metadata)
                    conv = box.state.conversations[conv_id]
                    for i in range(400):
                        metadata = [{"type": "ExternalId", "id": "\x1b" * 900}]
                        conv.keep_metadata(metadata)
                        conv.note_event("CONSUMER", {"type": "ChatStateEvent", "chatState": "COMPOSING"}, metadata)
                        conv.publish("\x1b" * 3000 + f" message {i}", metadata=metadata)
                await client.sandbox_info()
                return conv_id, await client.sandbox_conversation(conv_id)
            finally:
                await client.aclose()

        conv_id, described = asyncio.run(run())
    assert described is not None, "the sandbox's answer is past the 1 MB lp-tui reads: the conversation is lost"
    assert described["conversationId"] == conv_id
    assert described["messages"][-1]["text"].endswith("message 399")  # the latest are kept
    assert len(json.dumps(described)) < 1024 * 1024
