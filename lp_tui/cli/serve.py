"""``lp-tui serve``: the app in a web browser, through textual-serve (the optional ``serve`` extra).

Each browser tab that opens the page starts its own ``lp-tui`` process (with ``--sandbox``, its
own sandbox), drawn in the page by textual-serve's terminal. The app holds the profile's
secrets, so the page is guarded as the sandbox's control endpoints are: the server binds to
loopback unless ``--public`` says otherwise, answers only requests addressed to the host it
listens on (DNS rebinding), takes the app's websocket only from its own page (no other site's
script can drive the app) and only with the token printed at start (no other user of this
machine can either). The token comes in the printed URL; the page's websocket takes a second secret
that only the page holds. No cookie: a browser would send it to every server on this machine.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import shlex
import sys
from typing import Any

from lp_tui.cli.common import UsageError, add_connection_options, connection_flags, out, warn
from lp_tui.lp.errors import EXIT_OK

INSTALL_HINT = "pip install 'lp-tui[serve]' (in a checkout: .venv/bin/pip install -e '.[serve]')"


def register(sub: Any) -> None:
    s = sub.add_parser("serve", help="serve the app for a web browser (needs the serve extra)",
                       description="Serve the app for a web browser on this machine, for a screen share or "
                                   "someone without a terminal: open the printed URL. Each tab runs its own "
                                   f"app. Needs the optional extra: {INSTALL_HINT}.")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0 for a free one)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1); only a loopback address unless --public")
    s.add_argument("--public", action="store_true",
                   help="allow a --host that other machines can reach (whoever opens the URL drives the app "
                        "with this profile's credentials)")
    add_connection_options(s)
    s.set_defaults(func=cmd_serve)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    """The shell command textual-serve runs for each tab, and the environment it adds: the same
    profile, sandbox, rules and connection flags as this command's; secrets travel in their
    environment variables (never on a command line that ``ps`` shows)."""
    from lp_tui.model.connection import SETTINGS

    words = [sys.executable, "-m", "lp_tui"]
    env: dict[str, str] = {}
    if getattr(args, "sandbox", None):
        words.append("--sandbox")
    if getattr(args, "profile", None):
        words += ["--profile", args.profile]
    if getattr(args, "rules", None):
        words += ["--rules", os.path.abspath(os.path.expanduser(args.rules))]
    if getattr(args, "no_retry", None):
        words.append("--no-retry")
    flags = connection_flags(args)
    for setting in SETTINGS:
        if setting.name not in flags:
            continue
        value = str(flags[setting.name])
        if setting.secret:
            if not setting.env:
                raise UsageError(f"{setting.flag} cannot be passed to the served app; set it in the settings file")
            env[setting.env] = value
        else:
            words += [str(setting.flag), value]
    return " ".join(shlex.quote(word) for word in words), env


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port}: a port number, 1-65535 (0 for a free one)")
    if not is_loopback(args.host) and not args.public:
        raise UsageError(f"--host {args.host} is not a loopback address: whoever reaches it would drive the app "
                         "with this profile's credentials. Add --public to serve it there anyway")
    from lp_tui import paths
    from lp_tui.cli.common import chosen_profile
    from lp_tui.store import settings as settings_store

    chosen_profile(args, settings_store.load(paths.settings_file()))  # an unknown profile: said now, not per tab
    command, env = app_command(args)
    try:
        from lp_tui.cli import serve_web
    except ImportError as exc:
        raise UsageError(f"lp-tui serve needs the optional serve extra ({exc.name or 'textual-serve'} is not "
                         f"installed): {INSTALL_HINT}") from None
    if args.public and not is_loopback(args.host):
        warn(f"serving on {args.host}: anyone who can reach this port and has the URL's token drives the app "
             "with this profile's credentials, over plain http (put it behind HTTPS for another network)")
    os.environ.update(env)
    token = secrets.token_urlsafe(24)
    serve_web.run(command, host=args.host, port=args.port, token=token,
                  announce=lambda url: out(f"lp-tui serve: open {url}  (Ctrl+C stops it)"))
    return EXIT_OK
