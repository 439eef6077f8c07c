"""The presenter's calls (transfer, agent-message, close; the keys T, S, Q, C and demo steps) to a
server that trickles its answer a byte at a time, each byte well within the read timeout: the
whole answer must come within the total time limit (total_timeout), as every other call's does,
and the presenter is told in a sentence, never left waiting."""

from __future__ import annotations

import asyncio
import time

import pytest

from lp_tui.lp.presenter import PresenterError, act
from lp_tui.model.connection import Connection

from .hostile import Handler


def trickle(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    try:
        while not h.server.stopping:  # type: ignore[attr-defined]
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.2)  # the hostile server's pace, not the test's wait
    except OSError:
        return


@pytest.mark.parametrize("action", ["transfer", "agent-message", "close"])
def test_a_trickling_answer_ends_at_the_total_time_limit(hostile, action):
    hostile.stopping = False
    hostile.script["*/" + action] = trickle
    conn = Connection(csds_url=hostile.url, total_timeout=1.0)

    async def run() -> PresenterError:
        with pytest.raises(PresenterError) as info:
            await asyncio.wait_for(act(conn, "conv-1", action, {"skill": "x", "text": "x"}), 120)  # a hang guard
        return info.value

    try:
        error = asyncio.run(run())
    finally:
        hostile.stopping = True
    assert "did not answer" in str(error) or "took longer" in str(error), error
