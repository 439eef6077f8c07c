"""The sandbox is reachable only from this machine's own clients: no DNS rebinding, no CSRF, no
unbounded bodies, no bad framing, no header injection through faults."""

from __future__ import annotations

import json
import socket

import pytest

from lp_tui.sandbox.server import Sandbox


@pytest.fixture
def box():
    sandbox = Sandbox().start()
    yield sandbox
    sandbox.stop()


def raw_request(box: Sandbox, data: bytes) -> bytes:
    """Send raw bytes, read the whole answer (the sandbox closes or answers; a hang fails the test)."""
    with socket.create_connection(("127.0.0.1", box.port), timeout=60) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def auth(box: Sandbox) -> str:
    """The control token's header line, as lp-tui's own callers send it."""
    return f"Authorization: Bearer {box.token}\r\n"


def post(box: Sandbox, path: str, body: bytes, host: str | None = None, extra: str = "", token: bool = True) -> bytes:
    host = host or f"127.0.0.1:{box.port}"
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n{extra}"
            f"{auth(box) if token else ''}Connection: close\r\n\r\n")
    return raw_request(box, head.encode() + body)


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


FAULT = json.dumps({"service": "conversation", "status": 500}).encode()


def test_a_foreign_host_header_gets_no_answer_but_a_refusal(box):
    answer = post(box, "/_sandbox/faults", FAULT, host="attacker.example", extra="Content-Type: text/plain\r\n")
    assert status(answer) == 421 and not box.state.faults


def test_a_cross_origin_post_is_refused(box):
    answer = post(box, "/_sandbox/faults", FAULT, extra="Origin: http://attacker.example\r\n"
                                                         "Content-Type: application/json\r\n")
    assert status(answer) == 403 and not box.state.faults


def test_a_text_plain_fault_is_refused(box):
    answer = post(box, "/_sandbox/faults", FAULT, extra="Content-Type: text/plain\r\n")
    assert status(answer) == 415 and not box.state.faults


def test_an_800_mb_body_is_refused_without_being_read(box):
    head = f"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1:{box.port}\r\n{auth(box)}Content-Length: 800000000\r\n\r\n"
    assert status(raw_request(box, head.encode() + b"{}")) == 413


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "99999999999999999999", "1, 2"])
def test_bad_framing_gets_400(box, length):
    head = f"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1:{box.port}\r\n{auth(box)}Content-Length: {length}\r\n\r\n"
    assert status(raw_request(box, head.encode() + b"{}")) == 400


def test_a_body_shorter_than_its_length_ends_without_a_hang(box):
    head = f"POST /_sandbox/faults HTTP/1.1\r\nHost: 127.0.0.1:{box.port}\r\n{auth(box)}Content-Length: 100\r\n\r\n"
    assert status(raw_request(box, head.encode() + b"{}")) == 400


@pytest.mark.parametrize("fault", [
    {"service": "csds", "headers": {"X-Evil": "a\r\nSet-Cookie: x=1"}},
    {"service": "csds", "headers": {"Bad Name": "x"}},
    {"service": "csds", "delay": 1e308},
    {"service": "csds", "delay": "abc"},
    {"service": "csds", "status": 99},
    {"service": "csds", "times": 0},
    {"service": "csds", "nonsense": 1},
    {"service": "nowhere"},
])
def test_faults_are_validated_with_a_clear_400(box, fault):
    answer = post(box, "/_sandbox/faults", json.dumps(fault).encode(), extra="Content-Type: application/json\r\n")
    assert status(answer) == 400 and b"bad fault" in answer and not box.state.faults


def test_a_good_fault_from_this_machine_is_taken(box):
    answer = post(box, "/_sandbox/faults", FAULT, extra="Content-Type: application/json\r\n")
    assert status(answer) == 200 and box.state.faults["conversation"]


@pytest.mark.parametrize("length", ["²", "1³", "٣"])
def test_a_content_length_of_other_digits_is_a_clear_400(box, length):
    """str.isdigit() takes "²" and "٣" as digits, int() does not: the server must still answer."""
    answer = raw_request(box, f"POST /_sandbox/reset HTTP/1.1\r\nHost: 127.0.0.1:{box.port}\r\n{auth(box)}"
                              f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode("utf-8"))
    assert status(answer) == 400, answer[:200]
