"""A loopback HTTP server that stops at once, and a bounded body reader: the sandbox and the
webhook receiver share them.

``ThreadingHTTPServer.serve_forever`` polls every 0.5 s, so stopping it (an app quitting, a
test ending) waits; ``serve`` here wakes on a socket pair instead. Stopping also ends the
connections still open (a client's idle keep-alive ones included), so no handler thread outlives
the server. No Textual here.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
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
    """Accepts until ``stop``, which wakes the accept loop at once and ends the open connections;
    ``server_close`` then waits (briefly) for their handler threads."""

    daemon_threads = True
    allow_reuse_address = True
    close_wait = 2.0  # seconds server_close waits, in all, for handler threads to end

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self._wake_r, self._wake_w = socket.socketpair()  # before binding: a failed bind closes them
        self._stop = False
        # The connections being served and their threads. A keep-alive connection the client leaves
        # open holds its thread in a read until Handler.timeout: stop() shuts those sockets so the
        # threads end now. A thread also holds what was sys.stderr when it was made (a Textual
        # app's print capture, in the app), so a lingering one kept a whole app alive.
        self._conn_lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._handlers: list[threading.Thread] = []
        super().__init__(address, handler)

    @property
    def open_connections(self) -> int:
        """Connections accepted and not yet ended (a client's idle keep-alive ones included)."""
        with self._conn_lock:
            return len(self._open)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            if self._stop:  # accepted while stopping: closed, not served
                super().shutdown_request(request)
                return
            self._open.add(request)
            thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                      name=f"{type(self).__name__}-connection", daemon=True)
            self._handlers = [t for t in self._handlers if t.is_alive()] + [thread]
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        # Under the lock: stop() must never shut a socket whose descriptor was closed and reused.
        with self._conn_lock:
            self._open.discard(request)
            super().shutdown_request(request)

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
        """The accept loop returns at once and every open connection is ended (its handler's
        read or write fails and the handler returns)."""
        with self._conn_lock:
            self._stop = True
            for request in self._open:
                try:
                    request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()
        with self._conn_lock:
            handlers, self._handlers = self._handlers, []
        deadline = time.monotonic() + self.close_wait
        for thread in handlers:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken client connection is its own affair: never a traceback on the terminal."""
