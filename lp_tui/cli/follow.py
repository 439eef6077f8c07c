"""``lp-tui send … --follow``: a webhook receiver beside the send, and the conversation's timeline
printed as it comes, until the conversation closes or the time is up.

On the built-in sandbox the receiver takes a free loopback port and the sandbox posts to it; on
an external lp-tui sandbox lp-tui registers the receiver there itself; on LivePerson the
receiver listens on ``--webhook-port`` and the user's own HTTPS reverse proxy or tunnel must
forward to it (lp-tui does not tunnel). Timeline lines go to stdout, everything else to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from typing import Any

from lp_tui.cli.common import UsageError, err, out, warn

DEFAULT_FOLLOW = 120.0  # seconds, when --timeout is not given
DEFAULT_PORT = 8787  # the receiver's port off the sandbox: stable, so the registered URL stays right


def add_follow_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("following the conversation (LivePerson's webhooks)")
    g.add_argument("--follow", action="store_true",
                   help="after the send, print the conversation's timeline (skill, agent, messages, close) as "
                        f"webhooks bring it, until it closes or --timeout seconds pass (default {DEFAULT_FOLLOW:g})")
    g.add_argument("--close-after", type=float, metavar="SECONDS",
                   help="with --follow: close the conversation this many seconds after it opened")
    g.add_argument("--agent-delay", type=float, metavar="SECONDS",
                   help="with --follow on the built-in sandbox: seconds before its agent joins (default 1)")
    g.add_argument("--survey", action="store_true",
                   help="with --follow on the built-in sandbox: a post-conversation survey dialog opens when the "
                        "main dialog closes; following stops when the conversation (its stage) closes")
    g.add_argument("--webhook-port", type=int, metavar="PORT",
                   help=f"with --follow off the built-in sandbox: the receiver's port on 127.0.0.1 (default "
                        f"{DEFAULT_PORT}); your HTTPS tunnel registered in the app installation forwards there")


def check_follow_options(args: argparse.Namespace) -> None:
    given = [flag for flag, value in (("--close-after", args.close_after), ("--agent-delay", args.agent_delay),
                                      ("--webhook-port", args.webhook_port),
                                      ("--survey", True if getattr(args, "survey", False) else None))
             if value is not None]
    if given and not args.follow:
        raise UsageError(f"{given[0]} goes with --follow")
    if args.close_after is not None and not (math.isfinite(args.close_after) and 0 <= args.close_after <= 86400):
        raise UsageError(f"--close-after {args.close_after:g}: seconds, 0-86400")
    if args.agent_delay is not None and not (math.isfinite(args.agent_delay) and 0 <= args.agent_delay <= 120):
        raise UsageError(f"--agent-delay {args.agent_delay:g}: seconds, 0-120")
    if args.webhook_port is not None and not 0 <= args.webhook_port < 65536:
        raise UsageError(f"--webhook-port {args.webhook_port}: a port number, 1-65535 (0 for a free one)")


def follow_seconds(args: argparse.Namespace) -> float:
    """``--timeout`` (the connection's read timeout flag) also bounds the following."""
    value = getattr(args, "set_read_timeout", None)
    return float(value) if value is not None else DEFAULT_FOLLOW


class Follow:
    """The receiver of one ``send --follow`` and what it has received."""

    def __init__(self, args: argparse.Namespace, client: Any, conn: Any, sandbox: Any) -> None:
        from lp_tui.lp.timeline import Inbox
        from lp_tui.redact import scrub

        if not conn.client_secret:
            raise UsageError("--follow checks each webhook's signature with the app's client secret: set "
                             "LP_CLIENT_SECRET, --client-secret-file or the profile's client secret")
        self.args, self.client, self.conn, self.sandbox = args, client, conn, sandbox
        self.names: dict[str, str] = {}
        secrets = conn.secrets()
        self.inbox = Inbox(self._name, scrub=lambda text: scrub(text, secrets))
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.receiver: Any = None
        self.external = False
        self.registered: str | None = None  # the receiver this follow added to an external sandbox

    def _name(self, skill_id: str) -> str | None:
        if self.sandbox is not None:
            name: str | None = self.sandbox.state.skill_names().get(skill_id)
            return name
        return self.names.get(skill_id)

    async def start(self) -> None:
        from lp_tui.lp.receiver import Receiver
        from lp_tui.lp.webhooks import Credentials

        info = None if self.sandbox is not None else await self.client.sandbox_info()
        self.external = info is not None
        self._remember_names(info)
        port = self.args.webhook_port
        if port is None:
            port = 0 if self.sandbox is not None or self.external else DEFAULT_PORT
        loop = asyncio.get_running_loop()
        credentials = Credentials(self.conn.client_secret, self.conn.client_id, self.conn.account_id)
        try:
            self.receiver = Receiver(credentials, lambda d: loop.call_soon_threadsafe(self.queue.put_nowait, d),
                                     port=port).start()
        except OSError as exc:
            raise UsageError(f"--webhook-port {port}: cannot listen on 127.0.0.1 ({exc.strerror or exc}); "
                             "choose another port") from None
        url = self.receiver.url
        if self.sandbox is not None:
            delay = self.args.agent_delay
            settings: dict[str, Any] = {"agent_delay": delay} if delay is not None else {}
            if getattr(self.args, "survey", False):
                settings["survey"] = True
            self.sandbox.send_webhooks_to(url, **settings)
            err(f"following: the sandbox posts its webhooks to {url}; each signature is checked")
        elif self.external:
            await self._register(url)
        else:
            if self.args.agent_delay is not None:
                warn("--agent-delay applies to an lp-tui sandbox only")
            if getattr(self.args, "survey", False):
                warn("--survey applies to the built-in sandbox only (`lp-tui sandbox --survey` for another)")
            err(f"following: the webhook receiver listens on {url}. LivePerson reaches it only through your own "
                "HTTPS reverse proxy or tunnel forwarding there, registered as the webhook endpoint of the app "
                "installation (lp-tui does not tunnel).")

    def _remember_names(self, info: Any) -> None:
        names = info.get("skill_names") if isinstance(info, dict) else None
        if isinstance(names, dict):
            self.names.update({str(k): str(v) for k, v in list(names.items())[:1000] if isinstance(v, str)})

    async def _register(self, url: str | None) -> None:
        """Add this receiver to an external lp-tui sandbox's (with None: remove it again, and only it). The
        sandbox's own ``--webhook`` URL and other follows' receivers stay as they are."""
        import asyncio

        from lp_tui.lp.transport import tell_sandbox_webhooks

        if url is None and self.registered is None:
            return
        settings: dict[str, Any] = {"add": url} if url is not None else {"remove": self.registered}
        if url is not None and self.args.agent_delay is not None:
            settings["agent_delay"] = self.args.agent_delay
        if url is not None and getattr(self.args, "survey", False):
            warn("--survey applies to the built-in sandbox only (`lp-tui sandbox --survey` for another)")
        status = await asyncio.to_thread(tell_sandbox_webhooks, self.conn, settings)
        ok, locked = status == 200, status == 401
        if url is None:
            self.registered = None
        else:
            if ok:
                self.registered = url
                err(f"following: the lp-tui sandbox at {self.conn.csds_url} now posts its webhooks to {url} too")
            elif locked:
                warn(f"the sandbox at {self.conn.csds_url} did not take the webhook URL: its control endpoints need "
                     "its token; set LP_SANDBOX_TOKEN as `lp-tui sandbox` printed it (or sandbox_token in the "
                     "profile); nothing may arrive")
            else:
                warn(f"the sandbox at {self.conn.csds_url} did not take the webhook URL; nothing may arrive")

    async def run(self, conversation_id: str, header: str | None, opened: float) -> None:
        """Print the conversation's timeline until it closes or the time is up."""
        from lp_tui.lp.timeline import line
        from lp_tui.text import safe

        if self.external:
            self._remember_names(await self.client.sandbox_info())
        deadline = opened + follow_seconds(self.args)
        close_at = opened + self.args.close_after if self.args.close_after is not None else None
        while True:
            now = time.monotonic()
            if close_at is not None and now >= close_at:
                close_at = None
                await self._close(conversation_id, header)
                continue
            wake = min(deadline, close_at) if close_at is not None else deadline
            if now >= deadline:
                err(f"following: stopped after {follow_seconds(self.args):g} s (--timeout); the conversation may "
                    "still be open (`lp-tui close` closes it)")
                return
            try:
                delivery = await asyncio.wait_for(self.queue.get(), wake - now)
            except TimeoutError:
                continue
            if not delivery.accepted:
                self.inbox.deliver(delivery)
                warn(f"a webhook was rejected: {self.inbox.rejected[-1].reason} (answered {delivery.status})")
                continue
            for entry in self.inbox.deliver(delivery):
                if entry.conversation_id == conversation_id:
                    out(safe(line(entry), one_line=True))  # one event, one line
                    flush()
            timeline = self.inbox.timelines.get(conversation_id)
            if timeline is not None and timeline.closed:
                return

    async def _close(self, conversation_id: str, header: str | None) -> None:
        from lp_tui.lp.errors import LpError

        try:
            result = await self.client.close_conversation(conversation_id, header)
        except LpError as exc:
            err(f"--close-after: the close failed: {exc}")
            return
        if result.ok:
            err(f"--close-after: closed the conversation (HTTP {result.status})")
        else:
            detail = result.explanations[0].title if result.explanations else ""
            err(f"--close-after: the close was refused (HTTP {result.status}) {detail}".rstrip())

    async def stop(self) -> None:
        if self.external:
            await self._register(None)
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        if self.sandbox is not None:
            self.sandbox.send_webhooks_to(None)


def flush() -> None:
    import sys

    sys.stdout.flush()
