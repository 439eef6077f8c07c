"""Telling an lp-tui sandbox where to post webhooks reads only the answer's status: a "sandbox" whose
answer never ends (a body trickling forever) does not hold the app's receiver or `send --follow`."""

from __future__ import annotations

import socket
import threading

from lp_tui.lp.transport import tell_sandbox_webhooks
from lp_tui.model.connection import Connection


def test_an_endless_answer_is_not_read(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")
        while not stop.wait(0.2):  # a byte now and then, never the end
            try:
                conn.sendall(b" ")
            except OSError:
                break
        conn.close()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    result: list[int | None] = []
    caller = threading.Thread(target=lambda: result.append(
        tell_sandbox_webhooks(Connection(csds_url=f"http://127.0.0.1:{port}"), {"add": "http://127.0.0.1:9/"})),
        daemon=True)
    caller.start()
    caller.join(60)  # a hang guard only: the status comes as soon as the headers do
    stop.set()
    listener.close()
    assert result == [200], "the call waited for a body that never ends"
