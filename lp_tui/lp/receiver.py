"""The webhook receiver: a small HTTP server that takes LivePerson's notification POSTs.

It binds to 127.0.0.1 unless told otherwise: LivePerson reaches it through the user's own HTTPS
reverse proxy or tunnel (lp-tui does not tunnel), or the sandbox posts to it directly. For each
POST it reads at most ``max_body`` bytes (413 beyond, without reading them), checks the signature
and the ids against the connection (401, recorded as rejected, never as an event), parses the
body (400 when a signed body is not a notification), answers 200 at once, and only then hands
the delivery to ``on_delivery``, in the order the requests were read (so a slow reader never
delays the answer LivePerson waits 5 s for). Every answer is a short JSON object; no traceback
ever leaves it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Iterator

from lp_tui.httpserve import BodyError, QuickServer, read_body
from lp_tui.lp.webhooks import ACCOUNT_ID, MAX_BODY_BYTES, Credentials, Notification, NotAWebhook, check, parse, pick

RECEIVER_HEADER = "X-LP-TUI-Receiver"
TURN_WAIT = 5.0  # seconds a delivery waits for the one read before it to be handed over


@dataclass(frozen=True)
class Delivery:
    """One POST and what became of it. ``accepted``: signed right and readable (200)."""

    received: float  # time.time()
    status: int
    reason: str = ""  # why it was refused; "" when accepted
    notification: Notification | None = None
    peer: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.notification is not None


class _Handler(BaseHTTPRequestHandler):
    server: "_ReceiverServer"
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # a garbled request line still gets a status line (400)
    disable_nagle_algorithm = True
    timeout = 10  # a sender that stops mid-request frees its thread after this

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the app or the CLI owns the terminal
        return

    def _answer(self, status: int, payload: dict[str, Any], close: bool = False) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header(RECEIVER_HEADER, "1")
        if close:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def do_POST(self) -> None:  # noqa: N802
        received = time.time()
        peer = self.client_address[0] if self.client_address else ""
        try:
            body = read_body(self, self.server.max_body)
        except BodyError as exc:
            delivery = Delivery(received, exc.status, str(exc), None, peer)
            with self.server.in_turn(delivery):
                self._answer(exc.status, {"error": str(exc)}, close=True)
            return
        delivery = self._judge(body, received, peer)
        with self.server.in_turn(delivery):  # answered first; handed over in the order they came
            if delivery.accepted:
                self._answer(200, {"ok": True})
            elif delivery.status == 401:
                self._answer(401, {"error": "not signed by this app installation"})
            else:
                self._answer(delivery.status, {"error": delivery.reason})

    def _judge(self, body: bytes, received: float, peer: str) -> Delivery:
        served = self.server.credentials
        listed = served if isinstance(served, tuple) else (served,)
        credentials = pick(self.headers.items(), served)
        if credentials is None:
            accounts = ", ".join(c.account_id for c in listed)
            given = (self.headers.get(ACCOUNT_ID) or "").strip()[:64]
            why = f"{ACCOUNT_ID} {given!r} is not an account this receiver serves ({accounts})" if given \
                else f"no {ACCOUNT_ID} header, and this receiver serves only named accounts ({accounts})"
            return Delivery(received, 401, why, None, peer)
        reason = check(self.headers.items(), body, credentials)
        if reason is not None:
            return Delivery(received, 401, reason, None, peer)
        secrets = [c.secret for c in listed]
        try:
            return Delivery(received, 200, "", parse(body, secrets), peer)
        except NotAWebhook as exc:
            return Delivery(received, 400, str(exc), None, peer)

    def do_GET(self) -> None:  # noqa: N802
        """A probe (a tunnel's health check, a curious browser): say what this is, record nothing."""
        self._answer(200, {"receiver": "lp-tui", "accepts": "POST of signed LivePerson webhook notifications"})

    def _not_allowed(self) -> None:
        self._answer(405, {"error": "POST only"}, close=True)

    do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815


class _ReceiverServer(QuickServer):
    def __init__(self, address: tuple[str, int], credentials: "Credentials | tuple[Credentials, ...]",
                 on_delivery: Callable[[Delivery], Any], max_body: int) -> None:
        super().__init__(address, _Handler)
        self.credentials = credentials
        self.on_delivery = on_delivery
        self.max_body = max_body
        self._turns = threading.Condition()
        self._tickets = 0
        self._turn = 0

    @contextlib.contextmanager
    def in_turn(self, delivery: Delivery) -> Iterator[None]:
        """Run the body (the answer), then hand ``delivery`` over after every request read before it.

        Requests are answered by concurrent threads; the reader still gets them in the order they
        were read. A turn not taken within TURN_WAIT is skipped, so nothing can block the reader.
        """
        with self._turns:
            ticket = self._tickets
            self._tickets += 1
        try:
            yield
        finally:
            with self._turns:
                self._turns.wait_for(lambda: self._turn >= ticket, TURN_WAIT)
            try:
                self.on_delivery(delivery)
            except Exception:  # the reader's problem; the sender already has its answer
                pass
            finally:
                with self._turns:
                    self._turn = max(self._turn, ticket + 1)
                    self._turns.notify_all()

class Receiver:
    """Runs the receiver in a background thread; ``stop`` ends it at once and frees the port.

    ``credentials``: one app installation's, or several (one URL shared by several accounts): each request
    is checked with those of the account its ``x-liveperson-account-id`` names (or those naming no account).
    """

    def __init__(self, credentials: "Credentials | list[Credentials] | tuple[Credentials, ...]",
                 on_delivery: Callable[[Delivery], Any], host: str = "127.0.0.1",
                 port: int = 0, max_body: int = MAX_BODY_BYTES) -> None:
        if not isinstance(credentials, Credentials):
            credentials = tuple(credentials)
            if len(credentials) == 1:
                credentials = credentials[0]
        listed = credentials if isinstance(credentials, tuple) else (credentials,)
        if not listed or not all(c.secret for c in listed):
            raise ValueError("the receiver needs the app's client secret to check signatures")
        self.host = host
        self._server = _ReceiverServer((host, port), credentials, on_delivery, max_body)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> "Receiver":
        self._thread = threading.Thread(target=self._server.serve, name="lp-webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "Receiver":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
