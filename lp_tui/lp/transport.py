"""Turning transport failures (refused, DNS, TLS, timeouts) into errors that name the step and host."""

from __future__ import annotations

import socket
import ssl

from lp_tui.lp.config import Connection
from lp_tui.lp.errors import LpError
from lp_tui.lp.redact import scrub


def transport_error(step: str, host: str, exc: BaseException, conn: Connection, secrets: list[str]) -> LpError:
    import httpx

    text = scrub(str(exc) or type(exc).__name__, secrets)
    chain, seen = [], exc
    while seen is not None and len(chain) < 6:  # httpx wraps the OS error; the cause says what happened
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    causes = " ".join(f"{type(e).__name__} {e}" for e in chain)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return LpError("transport", step, "connection refused",
                       "nothing listens there: check the CSDS URL (is the sandbox running?)", host)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return LpError("transport", step, "cannot resolve the host name",
                       "check the CSDS URL and your DNS or proxy settings", host)
    if any(isinstance(e, ssl.SSLError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in causes:
        return LpError("transport", step, f"TLS failed: {scrub(causes, secrets)[:300]}",
                       "the server's certificate is not trusted; set a CA bundle (--ca-bundle or LP_CA_BUNDLE) "
                       "if you are behind a corporate proxy", host)
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return LpError("transport", step, f"timed out ({type(exc).__name__})",
                       f"the host did not answer in time; timeouts are {conn.connect_timeout:g} s to connect, "
                       f"{conn.read_timeout:g} s to read (settings)", host)
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text or "certificate" in text.lower():
        return LpError("transport", step, f"TLS failed: {text}",
                       "the server's certificate is not trusted; set a CA bundle (--ca-bundle or LP_CA_BUNDLE) "
                       "if you are behind a corporate proxy", host)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text.lower():
        return LpError("transport", step, f"cannot resolve the host name ({text})",
                       "check the CSDS URL and your DNS or proxy settings", host)
    if "refused" in text.lower():
        return LpError("transport", step, "connection refused",
                       "nothing listens there: check the CSDS URL (is the sandbox running?)", host)
    if isinstance(exc, httpx.RemoteProtocolError):
        return LpError("transport", step, f"the server broke the HTTP exchange ({text})", "try again; check any proxy", host)
    return LpError("transport", step, f"network error: {text}", "check the network, proxy and CSDS URL", host)
