"""The web server behind ``lp-tui serve``: textual-serve's, with the guards an app holding secrets
needs. Imported only by ``lp-tui serve``, and only when the ``serve`` extra is installed (an
ImportError here is the message "install the extra").
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import signal
import socket
from typing import Any, Awaitable, Callable

from aiohttp import web
from aiohttp.web_runner import GracefulExit
from textual_serve.server import Server

# textual-serve's page asks Google Fonts for Roboto Mono: a served demo loads nothing from outside
# this machine (the terminal falls back to the browser's monospace font).
_OUTSIDE_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)


WILDCARDS = ("0.0.0.0", "::", "[::]")  # --host values that listen on every address of this machine


def machine_names() -> set[str]:
    """The names and addresses other machines may use for this one: its host name, its fully
    qualified name, and the addresses they resolve to here (IPv6 in brackets, as a Host header has it)."""
    names: set[str] = set()
    try:
        hostname = socket.gethostname()
        names |= {hostname, socket.getfqdn()}
        for info in socket.getaddrinfo(hostname, None):
            address = str(info[4][0])
            names.add(f"[{address}]" if ":" in address else address)
    except OSError:
        pass
    return {n for n in names if n}


class GuardedServer(Server):
    """textual-serve's server, answering only its own host, its own page and the token's holder.

    The token opens the page (``/?token=…``); the page's websocket is at ``/ws/<key>``, a second
    secret that only the page holds. No cookie: a browser sends a cookie of 127.0.0.1 to every
    port of 127.0.0.1, so any other server on this machine (another user's) would receive it.
    """

    def __init__(self, command: str, *, host: str, port: int, token: str,
                 announce: Callable[[str], None]) -> None:
        super().__init__(command, host=host, port=port, title="lp-tui")
        self.token = token
        self.ws_key = secrets.token_urlsafe(24)  # the page's websocket path: /ws/<ws_key>
        self.announce = announce
        self.sock: socket.socket | None = None

    # --- binding ---------------------------------------------------------------------------------
    def bind(self) -> socket.socket:
        """Bind before serving, so port 0 gets a free port whose number the URL can say."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host.strip("[]"), self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        shown = f"[{self.host.strip('[]')}]" if family == socket.AF_INET6 else self.host
        self.public_url = f"http://{shown}:{self.port}"
        self.sock = sock
        return sock

    def allowed_hosts(self) -> set[str]:
        hosts = {f"{self.host}:{self.port}".lower(), self.public_url.split("//", 1)[1].lower()}
        if self.host in ("127.0.0.1", "localhost", "::1", "[::1]") or self.host in WILDCARDS:
            hosts |= {f"127.0.0.1:{self.port}", f"localhost:{self.port}", f"[::1]:{self.port}"}
        if self.host in WILDCARDS:  # --public on every address: this machine's own names and addresses
            hosts |= {f"{name}:{self.port}".lower() for name in machine_names()}  # (never another site's name)
        return hosts

    # --- guards ----------------------------------------------------------------------------------
    def refusal(self, request: web.Request) -> str | None:
        """Why a request is refused, or None. Static files (scripts, styles, fonts) are public."""
        if (request.host or "").lower() not in self.allowed_hosts():
            return "this server answers only requests addressed to the host it listens on"
        if request.path.startswith("/static/"):
            return None
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower().split("//", 1)[-1] not in self.allowed_hosts():
            return "another site's page cannot drive this app"
        if request.path == "/":
            if _same(request.query.get("token", ""), self.token):
                return None
        elif request.path.startswith("/ws/") and _same(request.path[len("/ws/"):], self.ws_key):
            return None
        return "open the URL lp-tui serve printed (it holds the token)"

    def websocket_url(self) -> str:
        """The page's websocket as textual-serve writes it into the page."""
        return "ws:" + f"{self.public_url}/ws".split(":", 1)[1]

    @web.middleware
    async def guard(self, request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        problem = self.refusal(request)
        if problem:
            return web.Response(status=403, text=f"lp-tui serve: {problem}\n")
        response = await handler(request)
        if request.path == "/" and isinstance(response, web.Response) and response.text:
            attribute = f'data-session-websocket-url="{self.websocket_url()}"'
            if attribute not in response.text:  # the page would open /ws, which answers no one
                return web.Response(status=500, text="lp-tui serve: textual-serve's page is not the one lp-tui "
                                                     "knows (its websocket address was not found)\n")
            text = response.text.replace(attribute, f'data-session-websocket-url="{self.websocket_url()}/'
                                                    f'{self.ws_key}"')
            response.text = _OUTSIDE_FONT.sub("", text)
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        app.router.add_get("/ws/{key}", self.handle_websocket)  # the guard lets only the page's key in
        return app

    async def on_startup(self, app: web.Application) -> None:
        self.announce(f"{self.public_url}/?token={self.token}")

    # --- running ---------------------------------------------------------------------------------
    def serve(self, debug: bool = False) -> None:
        self.debug = debug
        self.initialize_logging()
        sock = self.sock or self.bind()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_exit)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            web.run_app(self._make_app(), sock=sock, handle_signals=False, loop=loop,
                        print=lambda *args: None)
        except GracefulExit:
            pass
        finally:
            sock.close()


def run(command: str, *, host: str, port: int, token: str, announce: Callable[[str], None]) -> Any:
    server = GuardedServer(command, host=host, port=port, token=token, announce=announce)
    try:
        server.bind()
    except OSError as exc:
        from lp_tui.cli.common import UsageError

        raise UsageError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    server.serve()
    return None


def _same(given: str, secret: str) -> bool:
    """Whether ``given`` is ``secret``, in constant time; as bytes, so text that is not ASCII (which
    ``compare_digest`` refuses to compare as str) is simply not the secret."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), secret.encode())
