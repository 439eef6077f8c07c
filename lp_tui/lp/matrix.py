"""The routing matrix: each preset sent to an lp-tui sandbox with a fresh consumer, and where it went.

Shared by ``lp-tui routes`` and the app's Routing view; each renders the progress its own way.
The sandbox is started by the caller (the lp layer never imports the sandbox).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from lp_tui.limits import loads_json
from lp_tui.lp.errors import LpError
from lp_tui.model.build import build_payload, client_properties_header
from lp_tui.model.routing import Rules, driving_facts, facts_of


@dataclass
class Row:
    preset: str
    facts: dict[str, str] = field(default_factory=dict)  # the request's values that some rule tests
    ttr: str = ""
    skill: str = ""
    rule: str = ""
    problem: str = ""  # when the send did not open a conversation

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[int, int, Row | None], Any]


def sandbox_clients(values: dict[str, Any]) -> Callable[[str], Any]:
    """Clients for the matrix: a sandbox's connection values, one consumer each, no retries."""
    from lp_tui.lp.client import LpClient
    from lp_tui.model.connection import Connection, RetryPolicy

    def make_client(consumer: str) -> Any:
        conn = Connection(profile="sandbox")
        conn.apply({**values, "ext_consumer_id": consumer}, "sandbox")
        conn.retry = RetryPolicy.none()
        return LpClient(conn)

    return make_client


async def route_matrix(presets: list[Any], make_client: Callable[[str], Any], rules: Rules,
                       progress: Progress | None = None) -> list[Row]:
    """Send each preset with a fresh consumer (``make_client(consumer_id)``); close what it opened."""
    rows: list[Row] = []
    for index, preset in enumerate(presets):
        if progress is not None:
            await _call(progress(index, len(presets), None))
        client = make_client(f"lp-tui-routes-{uuid.uuid4().hex[:8]}")
        row = Row(preset.name)
        try:
            raw = getattr(preset, "raw", None)
            header = client_properties_header(preset.draft)
            if raw is not None:  # a raw preset is sent as written; its facts only when it is a batch
                try:
                    payload: Any = loads_json(raw)
                except ValueError:
                    payload = []
            else:
                payload = build_payload(preset.draft, client.conn.account_id)
            shaped = isinstance(payload, list) and len(payload) > 1 and isinstance(payload[1], dict)
            row.facts = driving_facts(facts_of(payload, header), rules)
            conversation = payload[1].get("body", {}) if shaped else {}
            if isinstance(conversation, dict) and "ttrDefName" in conversation:
                row.ttr = "null" if conversation["ttrDefName"] is None else str(conversation["ttrDefName"])
            result = await (client.create_conversation(payload, header) if raw is None else
                            client.create_conversation(None, header, raw=raw.encode("utf-8", "surrogatepass")))
            if result.conversation_id:
                routed = await client.sandbox_conversation(result.conversation_id)
                if routed:
                    row.skill, row.rule = str(routed.get("skill", "")), str(routed.get("rule", ""))
                else:
                    row.problem = "the server did not say where it routed the conversation (not an lp-tui sandbox?)"
                await client.close_conversation(result.conversation_id, header)
            else:
                row.problem = "; ".join(e.title for e in result.explanations) or f"HTTP {result.status}"
        except LpError as exc:
            row.problem = str(exc)
        finally:
            await client.aclose()
        rows.append(row)
        if progress is not None:
            await _call(progress(index + 1, len(presets), row))
    return rows


async def _call(value: Any) -> None:
    import inspect

    if inspect.isawaitable(value):
        await value
