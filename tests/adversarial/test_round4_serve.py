"""`lp-tui serve`'s guard attacked over real HTTP: foreign hosts and origins, no token, a token or cookie
that is not ASCII (which must be refused like any wrong token: 403 and a sentence, never a 500 with a
traceback in the presenter's terminal)."""

from __future__ import annotations

import asyncio
import logging

import pytest

pytest.importorskip("textual_serve", reason="textual-serve is not installed (pip install -e '.[test]')")

TOKEN = "Serve-Token-0123456789abcdef"


async def _exchange(port: int, request: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        data = await reader.read()  # Connection: close: the server ends the answer
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[-1]


def _ask(requests: list[bytes]) -> list[tuple[int, bytes]]:
    from aiohttp.test_utils import TestServer

    from lp_tui.cli.serve_web import GuardedServer

    async def run() -> list[tuple[int, bytes]]:
        server = GuardedServer("true", host="127.0.0.1", port=0, token=TOKEN, announce=lambda url: None)
        sock = server.bind()
        port = server.port
        sock.close()
        web = TestServer(await server._make_app(), host="127.0.0.1", port=port)
        await web.start_server()
        try:
            return [await _exchange(port, r.replace(b"{host}", f"127.0.0.1:{port}".encode())) for r in requests]
        finally:
            await web.close()

    return asyncio.run(run())


def _get(target: bytes, *headers: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: {host}\r\n" + b"".join(h + b"\r\n" for h in headers) + \
        b"Connection: close\r\n\r\n"


def test_a_token_or_cookie_that_is_not_ascii_is_refused_not_a_server_error(caplog):
    caplog.set_level(logging.ERROR)
    answers = _ask([_get(b"/?token=%C3%A9"), _get(b"/", b"Cookie: lp_tui_serve=\xc3\xa9"),
                    _get(b"/ws", b"Cookie: lp_tui_serve=%E2%80%AE")])
    for status, body in answers:
        assert status == 403, body
        assert b"open the URL lp-tui serve printed" in body
    assert "Traceback" not in caplog.text and "TypeError" not in caplog.text


def test_the_page_answers_only_its_token_its_host_and_its_own_origin():
    answers = _ask([
        _get(b"/?token=" + TOKEN.encode()),                                    # the printed URL
        _get(b"/?token=" + TOKEN[:-1].encode() + b"x"),                        # a wrong token
        _get(b"/ws?token=" + TOKEN.encode()),                                  # the token only opens the page
        _get(b"/?token=" + TOKEN.encode(), b"Origin: http://evil.example"),    # another site's script
        _get(b"/?token=" + TOKEN.encode(), b"Origin: null"),                   # a sandboxed frame, a file
        b"GET /?token=" + TOKEN.encode() + b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",  # rebinding
        _get(b"/download/anything"),
    ])
    assert [status for status, _ in answers] == [200, 403, 403, 403, 403, 403, 403]
    assert TOKEN.encode() not in answers[0][1]  # the page does not repeat the token (it travels in a cookie)


def test_the_token_never_reaches_another_server_on_this_machine():
    """Cookies are not kept apart by port: a cookie set by 127.0.0.1:8000 goes with the browser's
    requests to every server on 127.0.0.1, another user's among them, who could then drive the app
    with it. A browser (aiohttp's cookie jar keeps cookies as browsers do) that opened the printed URL
    and then visits another local server must not hand that server anything that opens the app."""
    import aiohttp
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    from lp_tui.cli.serve_web import GuardedServer

    seen: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie", "") + " " + str(request.rel_url))
        return web.Response(text="another local server")

    async def run() -> tuple[int, int]:
        server = GuardedServer("true", host="127.0.0.1", port=0, token=TOKEN, announce=lambda url: None)
        sock = server.bind()
        port = server.port
        sock.close()
        served = TestServer(await server._make_app(), host="127.0.0.1", port=port)
        other_app = web.Application()
        other_app.router.add_get("/{tail:.*}", elsewhere)
        other = TestServer(other_app, host="127.0.0.1", port=0)
        await served.start_server()
        await other.start_server()
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
                async with browser.get(f"http://127.0.0.1:{port}/?token={TOKEN}") as page:
                    page_status = page.status
                    await page.read()
                for path in ("/", "/ws", "/ws/anything"):
                    async with browser.get(f"http://127.0.0.1:{other.port}{path}") as answer:
                        await answer.read()
            # what the other server was handed, replayed against the app by that server's owner
            handed = " ".join(seen)
            stolen = handed.split("lp_tui_serve=")[-1].split(";")[0].split()[0] if "lp_tui_serve=" in handed else "x"
            try:
                replay, _ = await _exchange(port, b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                                  b"Cookie: lp_tui_serve=%s\r\nConnection: close\r\n\r\n"
                                            % (port, stolen.encode()))
            except (OSError, ValueError, IndexError):
                replay = 0  # the request got past the guard (and the app's handler hung up on it)
            return page_status, replay
        finally:
            await other.close()
            await served.close()

    page_status, replay_status = asyncio.run(run())
    assert page_status == 200
    assert not any(TOKEN in s for s in seen), seen
    assert replay_status == 403


def test_the_websocket_opens_only_with_the_key_the_page_holds():
    import re as _re

    [(status, page)] = _ask([_get(b"/?token=" + TOKEN.encode())])
    assert status == 200
    found = _re.search(rb'data-session-websocket-url="ws://127\.0\.0\.1:\d+(/ws/[A-Za-z0-9_-]{20,})"', page)
    assert found, page[:2000]
    answers = _ask([_get(b"/ws"), _get(b"/ws/not-the-key"), _get(b"/ws", b"Cookie: lp_tui_serve=" + TOKEN.encode())])
    assert [s for s, _ in answers] == [403, 403, 403]
