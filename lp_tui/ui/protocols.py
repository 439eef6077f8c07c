"""What the app needs from a client, a sandbox and a webhook receiver, as types.

``lp.client.LpClient``, ``sandbox.server.Sandbox`` and ``lp.receiver.Receiver`` meet these; so must
the stand-ins the tests give the session (tests/ui/fakes.py), which mypy checks against them.
No Textual here.
"""

from __future__ import annotations

from typing import Any, Protocol

from lp_tui.lp.results import Observer, SendResult, Step


class SendClient(Protocol):
    """What the app sends with (one per connection; it caches tokens)."""

    sandbox_version: str | None  # set when the CSDS host said it is an lp-tui sandbox
    sandbox_locked: bool  # that sandbox's control endpoints refused: lp-tui lacks its token

    async def create_conversation(self, payload: Any, client_properties: str | None = None,
                                  observer: Observer = ..., raw: bytes | None = None, *,
                                  first_message: Any = None, message_id: Any = "1") -> SendResult: ...

    async def close_conversation(self, conversation_id: str, client_properties: str | None = None,
                                 observer: Observer = ...) -> SendResult: ...

    async def send_message(self, conversation_id: str, text: Any, client_properties: str | None = None,
                           observer: Observer = ...) -> SendResult: ...

    async def sandbox_conversation(self, conversation_id: str) -> dict[str, Any] | None: ...

    async def sandbox_info(self) -> dict[str, Any] | None: ...

    async def domains(self, observer: Observer = ..., steps: list[Step] | None = None) -> dict[str, str]: ...

    def known_base(self, service: str) -> str | None: ...

    async def aclose(self) -> None: ...


class RunningSandbox(Protocol):
    """A started sandbox the session connects to (the built-in one)."""

    @property
    def csds_url(self) -> str: ...

    def connection_values(self) -> dict[str, str]: ...

    def stop(self) -> None: ...


class WebhookReceiver(Protocol):
    """A started webhook receiver (lp.receiver.Receiver)."""

    @property
    def url(self) -> str: ...

    def start(self) -> WebhookReceiver: ...

    def stop(self) -> None: ...
