"""The wire: reading answers within bounds, checking hosts from CSDS, naming transport failures.

An answer is read as a stream of raw bytes and decoded here, with a cap on *decoded* bytes:
a gzip bomb or an endless chunked body stops at the cap instead of filling memory.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import zlib
from dataclasses import dataclass
from typing import Any

from lp_tui.model.connection import Connection, is_loopback
from lp_tui.lp.errors import TransportError
from lp_tui.redact import scrub

ACCEPT_ENCODING = "gzip, deflate"  # what lp-tui can decode within bounds (no brotli, no zstd)
HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass
class Answer:
    """One HTTP answer, read within bounds."""

    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool = False  # the body went past the cap and was cut there

    def json(self) -> Any:
        from lp_tui.limits import loads_json

        return loads_json(self.body.decode("utf-8"))

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _Decoder:
    """gzip or deflate, one layer, never producing more than asked for."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.started = False
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self.obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        """(output of at most ``room`` bytes, input not yet used)."""
        try:
            out = self.obj.decompress(data, room)
        except zlib.error:
            if self.encoding == "deflate" and not self.started:  # raw deflate, without the zlib wrapper
                self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self.started = True
                out = self.obj.decompress(data, room)
            else:
                raise
        self.started = True
        return out, self.obj.unconsumed_tail


async def read_answer(response: Any, cap: int) -> Answer:
    """Read a streamed httpx response, stopping once ``cap`` decoded bytes are in."""
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    encodings = [e for e in encodings if e and e != "identity"]
    if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
        raise ValueError(f"the answer is encoded as {', '.join(encodings)!r}, which lp-tui does not read "
                         "(it asks for gzip or deflate)")
    decoder = _Decoder(encodings[0]) if encodings else None
    out = bytearray()
    truncated = False
    async for chunk in response.aiter_raw():
        data = chunk
        while data:
            room = cap - len(out) + 1
            if decoder is None:
                piece, data = data[:room], b""
            else:
                try:
                    piece, data = decoder.feed(data, room)
                except zlib.error as exc:
                    raise ValueError(f"the answer's {decoder.encoding} encoding is broken ({exc})") from None
            out += piece
            if len(out) > cap:
                truncated = True
                break
            if decoder is not None and not piece and data:  # no progress: a stuck stream
                break
        if truncated:
            break
    if truncated:
        del out[cap:]
    headers = {k: v for k, v in response.headers.items()}
    return Answer(response.status_code, headers, bytes(out), truncated)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def direct_mounts(*urls: str) -> dict[str, None]:
    """httpx mounts that send loopback traffic direct, whatever HTTP(S)_PROXY or ALL_PROXY say.

    A proxy cannot reach this machine's sandbox (the send fails) and should never see tokens
    meant for it; NO_PROXY would do, but people forget it. Covers 127.0.0.1, ::1, localhost and
    the loopback hosts of ``urls`` (the CSDS URL).
    """
    from urllib.parse import urlsplit

    hosts = list(LOOPBACK_HOSTS)
    for url in urls:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host and is_loopback(host):
            hosts.append(f"[{host}]" if ":" in host else host)
    return {f"all://{host}": None for host in dict.fromkeys(hosts)}


def control_headers(conn: Connection, url: str) -> dict[str, str]:
    """The header an lp-tui sandbox's control endpoints (``/_sandbox/*``) want: its token, as
    ``Authorization: Bearer``, sent only to a loopback address (a sandbox is never elsewhere)."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return {}
    if not conn.sandbox_token or not is_loopback(host):
        return {}
    return {"Authorization": f"Bearer {conn.sandbox_token}"}


def tell_sandbox_webhooks(conn: Connection, settings: dict[str, Any]) -> int | None:
    """POST ``settings`` (``{"add": url}``, ``{"remove": url}``, ...) to an lp-tui sandbox's
    ``/_sandbox/webhooks`` with its control token: the answer's status, or None when it could not
    be reached. Blocking (a thread's or a worker's); never through a proxy."""
    import httpx

    target = f"{conn.csds_url.rstrip('/')}/_sandbox/webhooks"
    try:
        with httpx.Client(timeout=5, trust_env=False, headers=control_headers(conn, target)) as http:
            with http.stream("POST", target, json=settings) as answer:  # its status only: the body is never read
                return answer.status_code
    except httpx.HTTPError:
        return None


def check_host(value: Any, service: str) -> str:
    """A service host from CSDS: a host name or an IP, with an optional port, and nothing else.

    Anything else (a path, a query, a user:password@, a scheme) would send the credentials
    somewhere other than a host: it is refused, naming the service.
    """
    if not isinstance(value, str) or not value or len(value) > 300:
        raise ValueError(f"CSDS gave service {service!r} a host that is not text")
    host, port = value, None
    if value.startswith("["):  # [IPv6]:port
        end = value.find("]")
        if end < 0:
            raise ValueError(f"CSDS gave service {service!r} the host {value!r}, which is not a host name")
        host, rest = value[1:end], value[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"CSDS gave service {service!r} the host {value!r}, which is not a host name")
            port = rest[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"CSDS gave service {service!r} the host {value!r}, which is not a host name") from None
    else:
        if value.count(":") == 1:
            host, port = value.split(":")
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            labels = host.rstrip(".").split(".")
            if not all(HOST_LABEL.match(label) for label in labels):
                raise ValueError(f"CSDS gave service {service!r} the host {value!r}: only a host name or IP with "
                                 "an optional :port is allowed there") from None
    if port is not None and (not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536):
        raise ValueError(f"CSDS gave service {service!r} the host {value!r}, whose port is not a port number")
    return value


def transport_error(step: str, host: str, exc: BaseException, conn: Connection, secrets: list[str]) -> TransportError:
    import httpx

    text = scrub(str(exc) or type(exc).__name__, secrets)
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 6:  # httpx wraps the OS error; the cause says what happened
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    causes = " ".join(f"{type(e).__name__} {e}" for e in chain)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return TransportError(step, "connection refused",
                       "nothing listens there: check the CSDS URL (is the sandbox running?)", host)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return TransportError(step, "cannot resolve the host name",
                       "check the CSDS URL and your DNS or proxy settings", host)
    if any(isinstance(e, ssl.SSLError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in causes:
        return TransportError(step, f"TLS failed: {scrub(causes, secrets)[:300]}",
                       "the server's certificate is not trusted; set a CA bundle (--ca-bundle or LP_CA_BUNDLE) "
                       "if you are behind a corporate proxy", host)
    if isinstance(exc, TimeoutError) and not isinstance(exc, httpx.TimeoutException):
        return TransportError(step, f"timed out: the whole answer took longer than {conn.total_timeout:g} s",
                       "the host answers too slowly; the limit is the 'answer time limit' setting "
                       "(--total-timeout)", host)
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(step, f"timed out ({type(exc).__name__})",
                       f"the host did not answer in time; timeouts are {conn.connect_timeout:g} s to connect, "
                       f"{conn.read_timeout:g} s to read (settings)", host)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text or "certificate" in text.lower():
        return TransportError(step, f"TLS failed: {text}",
                       "the server's certificate is not trusted; set a CA bundle (--ca-bundle or LP_CA_BUNDLE) "
                       "if you are behind a corporate proxy", host)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text.lower():
        return TransportError(step, f"cannot resolve the host name ({text})",
                       "check the CSDS URL and your DNS or proxy settings", host)
    if "refused" in text.lower():
        return TransportError(step, "connection refused",
                       "nothing listens there: check the CSDS URL (is the sandbox running?)", host)
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransportError(step, f"the server broke the HTTP exchange ({text})", "try again; check any proxy", host)
    if isinstance(exc, ValueError):  # an answer lp-tui will not read (encoding)
        return TransportError(step, text, "look at the server or proxy that answered", host)
    return TransportError(step, f"network error: {text}", "check the network, proxy and CSDS URL", host)
