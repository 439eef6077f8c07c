"""``lp-tui sandbox``: the built-in LivePerson imitation in the foreground."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lp_tui.cli.common import UsageError, err, out, rules_for
from lp_tui.lp.errors import EXIT_OK


def register(sub: Any) -> None:
    sb = sub.add_parser("sandbox", help="run the built-in LivePerson sandbox in the foreground",
                        description="A local imitation of LivePerson's CSDS, Sentinel, IDP and Connector API on "
                                    "127.0.0.1, for demos and for tests that need a server that stays up.")
    sb.add_argument("--port", type=int, default=0, help="port for CSDS (default: a free one)")
    sb.add_argument("--rules", metavar="FILE", help="routing rules TOML (default: the config folder's "
                    "routing-rules.toml if present, else the built-in demo rules)")
    sb.add_argument("--split", action="store_true", help="serve each service on its own port")
    sb.add_argument("--token-lifetime", type=int, default=3600, metavar="SECONDS",
                    help="AppJWT lifetime (default 3600, as LivePerson's); shorten it to exercise renewal")
    sb.add_argument("--verbose", action="store_true", help="log every request")
    w = sb.add_argument_group("webhooks (the sandbox plays LivePerson's side after the POST)")
    w.add_argument("--webhook", metavar="URL", help="post signed webhook notifications here (e.g. `lp-tui webhooks`' "
                   "address); also settable with POST /_sandbox/webhooks")
    w.add_argument("--agent-delay", type=float, default=1.0, metavar="SECONDS",
                   help="seconds before a sandbox agent joins a new conversation and greets the consumer (default 1)")
    w.add_argument("--webhook-fault", action="append", default=[], metavar="KIND",
                   help="for QA, once each: bad_signature, duplicate, out_of_order, timeout (repeatable)")
    w.add_argument("--survey", action="store_true",
                   help="when the main dialog closes, open a post-conversation survey dialog (the conversation's "
                        "stage stays OPEN); it closes, and the conversation with it, after --survey-wait seconds")
    w.add_argument("--survey-wait", type=float, default=2.0, metavar="SECONDS",
                   help="seconds the survey dialog stays open (default 2)")
    w.add_argument("--retry-policy", choices=("ttl", "count"), default="ttl",
                   help="ttl (default): LivePerson's current policy, retries 2, 4, 8 … s apart (the sandbox starts at "
                        "0.5 s) for --retention-time seconds, each receiver's order kept; count: the older, "
                        "deprecated one, up to 5 retries")
    w.add_argument("--retention-time", type=float, default=20.0, metavar="SECONDS",
                   help="with --retry-policy ttl: how long a failed notification is retried (default 20; "
                        "LivePerson: 2-259200)")
    w.add_argument("--quick-replies", metavar="TITLE,TITLE…", type=_titles, default=[],
                   help="the agent's greeting offers these quick-reply buttons (up to 13), e.g. 'Billing,Sales,Other'; "
                        "a consumer's choice is answered")
    sb.set_defaults(func=cmd_sandbox)


def _titles(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def cmd_sandbox(args: argparse.Namespace) -> int:
    from lp_tui.cli.foreground import Foreground
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    if args.token_lifetime < 1:
        raise UsageError("--token-lifetime must be at least 1 second")
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port}: a port number, 1-65535 (0 for a free one)")
    from lp_tui import paths
    from lp_tui.sandbox.rules_watch import RulesWatcher

    with Foreground() as foreground:  # before anything listens: Ctrl+C or SIGTERM from then on stops it cleanly
        rules = rules_for(args)
        rules_path = Path(args.rules).expanduser() if args.rules else paths.rules_file()
        try:
            state = SandboxState(rules=rules, app_jwt_lifetime=args.token_lifetime)
            state.webhooks.update({"url": args.webhook, "agent_delay": args.agent_delay,
                                   "faults": args.webhook_fault, "survey": args.survey,
                                   "survey_wait": args.survey_wait, "retry_policy": args.retry_policy,
                                   "retention_time": args.retention_time, "quick_replies": args.quick_replies})
            sandbox = Sandbox(state, port=args.port, split=args.split, verbose=args.verbose).start()
        except ValueError as exc:
            raise UsageError(f"webhooks: {exc}") from None
        except OSError as exc:
            raise UsageError(f"cannot listen on port {args.port}: {exc.strerror or exc}") from None
        try:
            v = sandbox.connection_values()
            out("lp-tui sandbox: a local imitation of LivePerson's CSDS, Sentinel, IDP and Connector API")
            out(f"  CSDS URL:      {v['csds_url']}")
            out(f"  account id:    {v['account_id']}")
            out(f"  client id:     {v['client_id']}")
            out(f"  client secret: {v['client_secret']}   (demo credentials, sandbox only)")
            out(f"Routing rules ({state.rules.source}), first match wins:")
            for line in state.rules.describe():
                out(f"  {line}")
            out("Use it:")
            out(f"  export LP_CSDS_URL={v['csds_url']} LP_ACCOUNT_ID={v['account_id']} "
                f"LP_CLIENT_ID={v['client_id']} LP_CLIENT_SECRET={v['client_secret']} "
                f"LP_SANDBOX_TOKEN={v['sandbox_token']} LP_EXT_CONSUMER_ID=demo-consumer")
            out("  lp-tui send --preset sde-ctype-gender")
            if args.webhook:
                out(f"Webhooks: signed notifications go to {args.webhook}; an agent joins after "
                    f"{args.agent_delay:g} s.")
            if args.quick_replies:
                out("Quick replies: the agent's greeting offers " + ", ".join(args.quick_replies) + ".")
            if args.survey:
                out(f"Post-conversation survey: a survey dialog opens when the main dialog closes and closes "
                    f"{args.survey_wait:g} s later, and the conversation with it.")
            else:
                out("Webhooks: none are sent until a URL is set (--webhook URL, or POST /_sandbox/webhooks "
                    "{\"url\": ...} with Authorization: Bearer $LP_SANDBOX_TOKEN).")
            if rules is not None:
                out(f"Editing {rules_path} reloads the rules (a broken edit keeps the ones in force).")
                RulesWatcher(rules_path, state, lambda message, ok: (out if ok else err)(message)).start()
            print("Ctrl+C stops it.", flush=True)
            foreground.wait()
        finally:
            sandbox.stop()
    return EXIT_OK
