"""The loopback servers (the sandbox, the webhook receiver) stop at once and leave nothing behind:
not the accept loop, and not a thread serving a connection the client left open."""

from __future__ import annotations

import http.client
import socket
import threading

import pytest

from lp_tui.lp import receiver as receiver_module
from lp_tui.lp.receiver import Receiver
from lp_tui.lp.webhooks import Credentials
from lp_tui.sandbox import server as sandbox_module
from lp_tui.sandbox.server import Sandbox

HANG_GUARD = 60.0  # far below the hour the handlers' own timeout is set to here: only a stop ends them


def start(kind: str):
    if kind == "sandbox":
        box = Sandbox().start()
        return box, box.servers[0], "/api/account/12345678/service/baseURI.json?version=1.0"
    rec = Receiver(Credentials("secret"), lambda delivery: None).start()
    return rec, rec._server, "/"


@pytest.mark.parametrize("kind", ["sandbox", "receiver"])
def test_stopping_ends_a_connection_the_client_left_open(kind, monkeypatch):
    """HTTP/1.1 keeps a connection open after an answer; its thread waits in a read for the next
    request. Stopping the server ends that read at once (it waited for the handler's timeout, and
    the thread kept alive whatever it referenced: in the app, the whole app)."""
    monkeypatch.setattr(sandbox_module.Handler, "timeout", 3600)
    monkeypatch.setattr(receiver_module._Handler, "timeout", 3600)
    running, server, path = start(kind)
    before = set(threading.enumerate())
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=HANG_GUARD)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.getheader("Connection", "").lower() != "close"
        assert server.open_connections == 1  # answered, and still open
        serving = [t for t in threading.enumerate() if t not in before]
        assert serving, "a thread serves the open connection"

        running.stop()

        assert conn.sock.recv(1) == b""  # the server ended it (a hang here is the old behaviour)
        for thread in serving:
            thread.join(HANG_GUARD)
            assert not thread.is_alive(), thread.name
        assert server.open_connections == 0
    finally:
        conn.close()
        running.stop()


def test_a_connection_made_while_stopping_is_refused_not_served(monkeypatch):
    """Between stop() and the accept loop's return, a connection is closed, not given a thread."""
    monkeypatch.setattr(sandbox_module.Handler, "timeout", 3600)
    box = Sandbox().start()
    server = box.servers[0]
    server.stop()
    client = socket.create_connection(("127.0.0.1", box.port), timeout=HANG_GUARD)
    try:
        server.process_request(*server.get_request())  # what the accept loop would do with it
        assert server.open_connections == 0
        assert client.recv(1) == b""
    finally:
        client.close()
        box.stop()

