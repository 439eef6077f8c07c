"""Send overhead: HTTP calls per send (cold and warm), and a warm send against a bare httpx POST
of the same body, with the same headers, to the same sandbox, alternating in the same run."""

from __future__ import annotations

import asyncio
import time

from common import Figure, median
from sandbox_proc import sandbox_process

ROUNDS = 300


async def measure(values: dict) -> tuple[int, int, list[float], list[float]]:
    import httpx

    from lp_tui.lp.client import LpClient
    from lp_tui.model.connection import Connection, RetryPolicy
    from lp_tui.model.build import build_payload, dumps
    from lp_tui.model.presets import builtin_presets

    conn = Connection(ext_consumer_id="bench-consumer")
    conn.apply(values, "bench")
    conn.retry = RetryPolicy.none()
    client = LpClient(conn)
    draft = next(p for p in builtin_presets() if p.name == "sde-ctype-gender").draft
    payload = build_payload(draft, conn.account_id)
    body = dumps(payload).encode()

    before = client.calls
    first = await client.create_conversation(payload)
    cold_calls = client.calls - before
    headers = {"Content-Type": "application/json", "Authorization": await client.app_jwt(),
               "X-LP-ON-BEHALF": await client.consumer_jws(await client.app_jwt())}
    url = first.url
    ours, bare = [], []
    warm_calls = 0
    async with httpx.AsyncClient() as http:
        for i in range(ROUNDS):
            # alternate the order so neither side always goes first
            for side in ((0, 1) if i % 2 else (1, 0)):
                if side == 0:
                    before = client.calls
                    t = time.perf_counter()
                    await client.create_conversation(payload)
                    ours.append(time.perf_counter() - t)
                    warm_calls = client.calls - before
                else:
                    t = time.perf_counter()
                    response = await http.post(url, content=body, headers=headers)
                    response.json()
                    bare.append(time.perf_counter() - t)
    await client.aclose()
    return cold_calls, warm_calls, ours[20:], bare[20:]


def run() -> list[Figure]:
    with sandbox_process() as values:
        cold, warm, ours, bare = asyncio.run(measure(values))
    overhead = median(ours) / median(bare) - 1
    return [
        Figure("Send: HTTP calls, cold (CSDS, Sentinel, IDP, POST)", cold, "calls", None),
        Figure("Send: HTTP calls, warm", warm, "calls", 1),
        Figure("Send: warm send, median", median(ours) * 1000, "ms", None, f"bare httpx POST {median(bare) * 1000:.2f} ms"),
        Figure("Send: overhead of a warm send over a bare httpx POST", overhead * 100, "%", 20,
               f"{ROUNDS} alternating pairs, first 20 dropped"),
    ]


if __name__ == "__main__":
    from common import report

    print(report(run()))
