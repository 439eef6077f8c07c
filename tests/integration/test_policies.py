"""The timings and caches LivePerson's guidance fixes, probed at their edges (so a changed number fails)."""

from __future__ import annotations

import time

from lp_tui.lp.client import LpClient
from lp_tui.model.connection import Connection, RetryPolicy
from lp_tui.model.validate import validate
from lp_tui.model.build import build_payload
from lp_tui.model.draft import Draft
from lp_tui.sandbox.state import Fault

TOKEN_PATH = "/sentinel/api/account/12345678/app/token"


def client_on(sandbox, consumer="policy-consumer", **kwargs) -> LpClient:
    conn = Connection(ext_consumer_id=consumer)
    conn.apply(sandbox.connection_values(), "test")
    return LpClient(conn, **kwargs)


def count(sandbox, suffix: str) -> int:
    return sum(1 for _, path in sandbox.state.log if path.endswith(suffix))


def test_the_default_retry_policy_is_livepersons():
    policy = RetryPolicy()
    assert policy.delays_5xx == [5.0, 10.0, 15.0] and policy.retry_429 == 1 and policy.wait_429 == 1.0
    assert Connection().retry == policy


async def test_5xx_is_retried_after_5_10_and_15_seconds_by_default(sandbox):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    sandbox.state.add_fault("conversation", Fault(status=503, times=-1))
    client = client_on(sandbox, sleep=sleep)
    result = await client.create_conversation(build_payload(Draft(), "12345678"))
    await client.aclose()
    assert waits == [5.0, 10.0, 15.0] and result.status == 503 and result.steps[-1].attempts == 4


async def test_429_waits_at_least_a_second_by_default(sandbox):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    sandbox.state.add_fault("conversation", Fault(status=429, times=1))
    client = client_on(sandbox, sleep=sleep)
    result = await client.create_conversation(build_payload(Draft(), "12345678"))
    await client.aclose()
    assert waits == [1.0] and result.ok


async def test_the_domain_lookup_is_cached_for_exactly_sixty_seconds(sandbox):
    now = [1000.0]
    client = client_on(sandbox, clock=lambda: now[0])
    for step, lookups in ((0, 1), (31, 1), (28.5, 1), (1, 2)):  # t+0, t+31, t+59.5: cached; t+60.5: asked again
        now[0] += step
        await client.domains()
        assert count(sandbox, "/service/baseURI.json") == lookups, now[0] - 1000
    await client.aclose()


async def test_the_appjwt_is_renewed_five_minutes_before_it_expires_not_earlier(sandbox):
    start = time.time()
    now = [start]
    client = client_on(sandbox, clock=lambda: now[0])
    await client.app_jwt()
    now[0] = start + 3600 - 301  # 5 min 1 s left: still good
    await client.app_jwt()
    assert count(sandbox, "/app/token") == 1
    now[0] = start + 3600 - 299  # under 5 min left: renewed
    await client.app_jwt()
    assert count(sandbox, "/app/token") == 2
    await client.aclose()


async def test_each_consumer_gets_its_own_consumerjws(sandbox):
    """A fresh consumer (Ctrl+N) must not reuse the last consumer's token."""
    client = client_on(sandbox, consumer="consumer-a")
    first = await client.create_conversation(build_payload(Draft(), "12345678"))
    client.conn.ext_consumer_id = "consumer-b"
    second = await client.create_conversation(build_payload(Draft(), "12345678"))
    await client.aclose()
    assert first.ok and second.ok, second.explanations  # b has no open conversation: a's would refuse it
    assert count(sandbox, "/consumer") == 2
    owners = {c.ext_consumer_id for c in sandbox.state.conversations.values()}
    assert owners == {"consumer-a", "consumer-b"}


def _findings_for(path: str, value):
    draft = Draft()
    draft.set_value(path, value)
    return [f for f in validate(build_payload(draft, "1"), "1") if f.field and f.field.startswith(path)]


def test_language_may_join_with_an_underscore_or_a_hyphen():
    assert _findings_for("personal.language", "en_US") == []
    assert _findings_for("personal.language", "en-US") == []
    assert _findings_for("personal.language", "en US")


def test_date_years_from_1900_to_2100_are_fine_and_outside_warned():
    for year, warned in ((1899, True), (1900, False), (2100, False), (2101, True)):
        found = _findings_for("consumer.lastPaymentDate", {"day": 1, "month": 1, "year": year})
        assert bool(found) == warned, year
