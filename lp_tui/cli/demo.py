"""``lp-tui demo SCRIPT``: a scripted demo, in the app with the presenter view, or rehearsed with ``--cli``."""

from __future__ import annotations

import argparse
import math
from typing import Any

from lp_tui.cli.common import UsageError, err, out
from lp_tui.lp.errors import EXIT_API, EXIT_OK


def register(sub: Any) -> None:
    d = sub.add_parser("demo", help="run a scripted demo on the sandbox (the presenter view; --cli to rehearse)",
                       description="Run a demo script (TOML steps: send, wait, agent, consumer, transfer, close, "
                                   "pause, expect_skill) on the built-in sandbox. In the app it plays in the "
                                   "presenter view; with --cli it prints each step and what the webhooks tell, and "
                                   "exits 0 when every expected skill was reached.")
    d.add_argument("script", metavar="SCRIPT", help="a .toml file, or the name of a shipped script "
                   "(routing-story)")
    d.add_argument("--cli", action="store_true", help="rehearse on the command line: print each step, exit 0 when "
                   "every expected skill was reached (1 with the reason otherwise)")
    d.add_argument("--rules", metavar="FILE", help="routing rules TOML for the sandbox (default: the config "
                   "folder's routing-rules.toml if present, else the built-in demo rules)")
    d.add_argument("--agent-delay", type=float, metavar="SECONDS", default=None,
                   help="seconds before the sandbox's agent joins (default 1; 0.2 with --cli)")
    d.add_argument("--speed", type=float, metavar="FACTOR", default=None,
                   help="multiply the script's pauses (0 skips them; default 1, 0 with --cli)")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from lp_tui.model.demo import DemoError, load_script

    for flag, value, limit in (("--agent-delay", args.agent_delay, 120), ("--speed", args.speed, 100)):
        if value is not None and not (math.isfinite(value) and 0 <= value <= limit):
            raise UsageError(f"{flag} {value:g}: a number, 0-{limit}")
    try:
        script = load_script(args.script)
    except DemoError as exc:
        raise UsageError(str(exc)) from None
    if not args.cli:
        return run_in_app(args, script)
    return rehearse(args, script)


def rehearse(args: argparse.Namespace, script: Any) -> int:
    import asyncio

    from lp_tui import paths
    from lp_tui.cli.common import rules_for
    from lp_tui.lp.client import LpClient
    from lp_tui.lp.demo import DemoRunner
    from lp_tui.lp.receiver import Receiver
    from lp_tui.lp.timeline import Inbox
    from lp_tui.lp.webhooks import Credentials
    from lp_tui.model.connection import Connection
    from lp_tui.model.routing import Rules
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    rules = rules_for(args) or Rules.default()
    sandbox = Sandbox(SandboxState(rules=rules)).start()
    receiver = None
    try:
        values = sandbox.connection_values()
        inbox = Inbox(lambda sid: sandbox.state.skill_names().get(sid))
        receiver = Receiver(Credentials(values["client_secret"], values["client_id"], values["account_id"]),
                            inbox.deliver).start()
        delay = args.agent_delay if args.agent_delay is not None else 0.2
        sandbox.send_webhooks_to(receiver.url, agent_delay=delay, retry_delay=0.2)
        conn = Connection(ext_consumer_id=f"demo-{script.name}")
        conn.apply(values, "demo")
        out(f"Demo {script.name}: {script.description}" if script.description else f"Demo {script.name}")
        out(f"Sandbox {sandbox.csds_url}, routing rules: {rules.source}")

        def say(kind: str, text: str) -> None:
            if kind == "caption":
                return
            (err if kind == "fail" else out)(text)

        async def go() -> Any:
            client = LpClient(conn)
            try:
                runner = DemoRunner(script, client, inbox, say, paths.presets_dir(),
                                    speed=args.speed if args.speed is not None else 0.0)
                return await runner.run()
            finally:
                await client.aclose()

        result = asyncio.run(go())
    finally:
        if receiver is not None:
            receiver.stop()
        sandbox.stop()
    return EXIT_OK if result.ok else EXIT_API


def run_in_app(args: argparse.Namespace, script: Any) -> int:
    from lp_tui.cli.common import rules_for
    from lp_tui.ui.run import run_demo_app

    return run_demo_app(script, rules_for(args), args.speed if args.speed is not None else 1.0, args.rules,
                        args.agent_delay)
