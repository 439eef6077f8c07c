"""A deliberately hostile LivePerson imitation on loopback, for the adversarial suite.

Unlike the sandbox (which is faithful and defends itself), this server answers whatever a test
scripts: raw bytes, any headers, bombs, endless bodies, escape sequences, odd shapes. CSDS,
Sentinel and IDP answer plausibly by default so the flow reaches the part under attack.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

ACCOUNT = "12345678"
SECRET = "Hostile-Test-Secret-7Qx"


def jwt(payload: dict[str, Any] | str, header: dict[str, Any] | None = None) -> str:
    """An unsigned-looking JWT with exactly this payload (a string payload is used as raw JSON text)."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = payload if isinstance(payload, str) else json.dumps(payload)
    return ".".join([part(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode()), part(body.encode()),
                     part(b"signature-bytes-0123456789")])


APP_JWT = jwt({"aud": ACCOUNT, "iss": "Sentinel", "iat": 1_700_000_000, "exp": 4_102_444_800})
JWS = jwt({"account_id": ACCOUNT, "ext_consumer_id": "hostile", "lp_consumer_id": "c0ffee"})

Answer = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: "HostileServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def raw(self, status: int, body: bytes, headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self.raw(status, json.dumps(value).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append((self.command, self.path, dict(self.headers), self.body))
        path = self.path.split("?")[0]
        for prefix, answer in self.server.script.items():
            if path.startswith(prefix) or (prefix.startswith("*") and path.endswith(prefix[1:])):
                answer(self)
                return
        self.default(path)

    do_GET = do_POST = _any

    def default(self, path: str) -> None:
        host = f"127.0.0.1:{self.server.server_address[1]}"
        if path.endswith("/service/baseURI.json"):
            hosts = {"sentinel": host, "idp": host, "asyncMessagingEnt": host, **self.server.hosts}
            self.json(200, {"baseURIs": [{"service": s, "account": ACCOUNT, "baseURI": h} for s, h in hosts.items()]})
        elif path.endswith("/app/token"):
            self.json(200, {"access_token": self.server.app_jwt, "token_type": "Bearer"})
        elif path.endswith("/consumer"):
            self.json(201, {"token": self.server.jws})
        elif path.endswith("/messaging/consumer/conversation"):
            self.json(200, [{"code": "OK", "body": {"msg": "OK User Profile set successfully"}, "reqId": "1"},
                            {"code": "OK", "body": {"conversationId": "hostile-conv-1"}, "reqId": "2"}])
        elif path.endswith("/conversation/send"):
            self.json(200, {"code": "OK", "body": {"msg": "OK"}, "reqId": "1"})
        else:
            self.json(404, {"error": "no such endpoint"})


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.script: dict[str, Answer] = {}
        self.hosts: dict[str, str] = {}
        self.app_jwt = APP_JWT
        self.jws = JWS
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def env(self, **extra: str) -> dict[str, str]:
        """The LP_* variables that point lp-tui at this server."""
        return {"LP_CSDS_URL": self.url, "LP_ACCOUNT_ID": ACCOUNT, "LP_CLIENT_ID": "hostile-app",
                "LP_CLIENT_SECRET": SECRET, "LP_EXT_CONSUMER_ID": "hostile-consumer", **extra}

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


# --- ready-made answers ------------------------------------------------------------------------
ESCAPES = "\x1b]2;PWNED-TITLE\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x9b31m"
MARKUP = "[bold red]x[/] [link=https://evil.example]click[/link] [/]oops"
HOSTILE_TEXT = f"{ESCAPES} {MARKUP} \u202eevil\u202c"


def connector_answer(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return lambda h: h.json(status, value, headers)


def connector_raw(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return lambda h: h.raw(status, body, headers)


def gzip_bomb(decoded_mb: int = 1024) -> Answer:
    """A small gzip body that expands to ``decoded_mb`` megabytes of zeros."""
    data = _gzip_zeros(decoded_mb)
    return lambda h: h.raw(200, data, {"Content-Type": "application/json", "Content-Encoding": "gzip"})


@functools.lru_cache(maxsize=4)
def _gzip_zeros(decoded_mb: int) -> bytes:
    """A valid gzip stream of ``decoded_mb`` MB of zeros, built without compressing them all: after a
    full flush deflate keeps no history, so each further megabyte compresses to the same bytes."""
    import struct
    import zlib

    chunk = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)  # with the gzip header
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(decoded_mb):
        crc = zlib.crc32(chunk, crc)
    end = compressor.flush(zlib.Z_FINISH)[:-8]  # the last block; its trailer counts only two MB
    trailer = struct.pack("<II", crc, (decoded_mb << 20) & 0xFFFFFFFF)
    return first + block * (decoded_mb - 1) + end + trailer


def endless_chunked() -> Answer:
    """A chunked body that never ends (until the client hangs up)."""
    def answer(h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        piece = b"[" + b" " * 65530 + b"\n"
        try:
            while True:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        except OSError:
            return

    return answer


def gzipped(value: Any) -> bytes:
    return gzip.compress(json.dumps(value).encode())
