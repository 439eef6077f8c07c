"""A loopback HTTP server that stops at once, and a bounded body reader: the sandbox and the
webhook receiver share them.

``ThreadingHTTPServer.serve_forever`` polls every 0.5 s, so stopping it (an app quitting, a
test ending) waits; ``serve`` here wakes on a socket pair instead. No Textual here.
"""

from __future__ import annotations

import selectors
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class BodyError(Exception):
    """A request body refused before it is used: (HTTP status, one-line reason)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_body(handler: BaseHTTPRequestHandler, limit: int) -> bytes:
    """The body of a request framed by one Content-Length, at most ``limit`` bytes.

    A larger body is refused (413) without being read; chunked or ambiguous framing is
    refused too (411/400): only what can be bounded before reading is accepted.
    """
    if handler.headers.get("Transfer-Encoding"):
        raise BodyError(411, "send the body with a Content-Length")
    values = handler.headers.get_all("Content-Length") or []
    if not values:
        return b""
    text = values[0].strip()
    if len(set(values)) > 1 or not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise BodyError(400, "Content-Length must be one non-negative whole number")
    length = int(text)
    if length > limit:
        shown = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
        raise BodyError(413, f"the body is larger than {shown}")
    data = handler.rfile.read(length) if length else b""
    if len(data) != length:
        raise BodyError(400, "the body is shorter than its Content-Length")
    return data


class QuickServer(ThreadingHTTPServer):
    """Accepts until ``stop``, which wakes the accept loop at once; handler threads are daemons."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._wake_r, self._wake_w = socket.socketpair()  # before binding: a failed bind closes them
        self._stop = False
        super().__init__(address, handler)

    def serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._stop:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r or self._stop:
                        return
                    self._handle_request_noblock()  # type: ignore[attr-defined]  # socketserver's own step

    def stop(self) -> None:
        self._stop = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken client connection is its own affair: never a traceback on the terminal."""
