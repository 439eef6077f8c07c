"""The webhook receiver over real loopback sockets: 200, 401, 400, 411, 413, 405; answers first."""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading

import pytest

from lp_tui.lp.receiver import Receiver
from lp_tui.lp.webhooks import Credentials, sign
from tests.unit.test_webhooks import OPEN, SECRET

CREDS = Credentials(SECRET, "app-1", "12345678")
BODY = json.dumps(OPEN).encode()


@pytest.fixture
def receiver():
    got: queue.Queue = queue.Queue()
    with Receiver(CREDS, got.put) as rec:
        rec.got = got
        yield rec


def post(rec, body: bytes, signature: str | None = "good", extra: dict | None = None, method: str = "POST"):
    headers = {"Content-Type": "application/json", "x-liveperson-client-id": "app-1",
               "x-liveperson-account-id": "12345678", **(extra or {})}
    if signature == "good":
        headers["x-liveperson-signature"] = sign(body, SECRET)
    elif signature is not None:
        headers["x-liveperson-signature"] = signature
    conn = http.client.HTTPConnection("127.0.0.1", rec.port, timeout=30)  # a hang guard, not a speed test
    try:
        conn.request(method, "/lp/webhooks", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        conn.close()


def raw_request(rec, data: bytes, half_close: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", rec.port), timeout=30) as sock:
        sock.sendall(data)
        if half_close:  # the sender says it is done: nothing more will come
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_it_binds_to_loopback_by_default(receiver):
    assert receiver.url == f"http://127.0.0.1:{receiver.port}/"


def test_a_signed_notification_is_answered_200_and_handed_over(receiver):
    status, answer = post(receiver, BODY)
    assert status == 200 and answer == {"ok": True}
    delivery = receiver.got.get(timeout=30)
    assert delivery.accepted and delivery.status == 200 and delivery.peer == "127.0.0.1"
    assert delivery.notification.events[0].conversation_id == "f2384f56-1"


def test_sha256_is_accepted_too(receiver):
    status, _ = post(receiver, BODY, sign(BODY, SECRET, "sha256"))
    assert status == 200 and receiver.got.get(timeout=30).accepted


@pytest.mark.parametrize("signature,why", [(None, "not signed"), ("sha1=AAAA", "does not match"),
                                           (sign(BODY, "wrong-secret"), "does not match")])
def test_unsigned_or_wrongly_signed_gets_401_and_is_recorded_as_rejected(receiver, signature, why):
    status, answer = post(receiver, BODY, signature)
    assert status == 401 and "error" in answer
    delivery = receiver.got.get(timeout=30)
    assert not delivery.accepted and delivery.notification is None and why in delivery.reason


def test_another_app_or_account_gets_401(receiver):
    status, _ = post(receiver, BODY, extra={"x-liveperson-client-id": "someone-else"})
    assert status == 401
    assert "is not this connection's client id" in receiver.got.get(timeout=30).reason


def test_a_signed_body_that_is_not_a_notification_gets_400(receiver):
    status, answer = post(receiver, b"{not json")
    assert status == 400 and "not JSON" in answer["error"]
    assert receiver.got.get(timeout=30).status == 400


def test_a_body_over_the_cap_gets_413_without_being_read():
    got: queue.Queue = queue.Queue()
    with Receiver(CREDS, got.put, max_body=1000) as rec:
        reply = raw_request(rec, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 413")
        assert got.get(timeout=30).status == 413


@pytest.mark.parametrize("request_bytes,status", [
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", b"411"),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", b"400"),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", b"400"),
    (b"GARBAGE\r\n\r\n", b"400"),
])
def test_bad_framing_is_refused_with_one_status(receiver, request_bytes, status):
    reply = raw_request(receiver, request_bytes)
    assert reply.split(b" ")[1] == status
    assert b"Traceback" not in reply


def test_a_body_shorter_than_announced_is_refused(receiver):
    reply = raw_request(receiver, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort", half_close=True)
    # the sender closed its side after 5 of 100 bytes: 400, or nothing at all if it is already gone
    assert reply == b"" or reply.split(b" ")[1] == b"400"


def test_other_methods(receiver):
    assert post(receiver, b"", None, method="GET")[0] == 200
    assert post(receiver, BODY, method="PUT")[0] == 405
    assert receiver.got.empty()  # nothing recorded for probes


def test_the_answer_goes_out_before_the_reader_is_called():
    release = threading.Event()
    called = threading.Event()

    def slow_reader(delivery):
        called.set()
        release.wait(60)  # blocks until the test has its answer; a receiver that answered after it would hang

    with Receiver(CREDS, slow_reader) as rec:
        status, _ = post(rec, BODY)
        assert status == 200
        assert called.wait(30)
        release.set()


def test_a_failing_reader_never_breaks_the_receiver():
    def broken(delivery):
        raise RuntimeError("boom")

    with Receiver(CREDS, broken) as rec:
        assert post(rec, BODY)[0] == 200
        assert post(rec, BODY)[0] == 200


def test_keep_alive_serves_several_posts_on_one_connection(receiver):
    conn = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=30)
    try:
        for _ in range(3):
            conn.request("POST", "/", body=BODY, headers={"x-liveperson-signature": sign(BODY, SECRET),
                                                          "x-liveperson-client-id": "app-1",
                                                          "x-liveperson-account-id": "12345678"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
    finally:
        conn.close()
    assert sum(receiver.got.get(timeout=30).accepted for _ in range(3)) == 3


def test_stop_frees_the_port_at_once():
    rec = Receiver(CREDS, lambda d: None).start()
    port = rec.port
    rec.stop()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_a_receiver_needs_the_secret():
    with pytest.raises(ValueError):
        Receiver(Credentials(""), lambda d: None)
