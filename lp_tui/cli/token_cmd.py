"""``lp-tui token``: the AppJWT and ConsumerJWS for a shell, as ``export`` lines for ``eval``.

    eval "$(lp-tui token)"      # then: sh -c "$(lp-tui build --as curl --preset sde-ctype-gender)"

Mints the tokens as a send would (CSDS, Sentinel, IDP) and prints ``export LP_APP_JWT=…``,
``LP_CONSUMER_JWS``, ``LP_HOST`` (the asyncMessagingEnt host, with its port), ``LP_ACCOUNT_ID`` and
``LP_EXT_CONSUMER_ID``, each value shell-quoted. The tokens are secrets: on a terminal they are
printed only with ``--reveal`` (they would stay in the scrollback); into a pipe or ``$(…)`` they are.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from typing import Any

from lp_tui.cli.common import UsageError, add_connection_options, err, out, run_with_connection
from lp_tui.lp.errors import EXIT_OK, EXIT_USAGE

TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._-]{1,16384}$")  # a JWT: anything else never reaches a shell


def register(sub: Any) -> None:
    t = sub.add_parser("token", help="print the AppJWT and ConsumerJWS as export lines: eval \"$(lp-tui token)\"",
                       description="Mint the AppJWT and the ConsumerJWS as a send would (CSDS, Sentinel, IDP) and "
                                   "print them, the host and the account as `export` lines for a shell: "
                                   "eval \"$(lp-tui token)\". Then `lp-tui build --as curl` runs as it is. On a "
                                   "terminal the tokens are printed only with --reveal.")
    t.add_argument("--consumer", metavar="ID", help="the external consumer id (default: the profile's, "
                   "LP_EXT_CONSUMER_ID, or a fresh one)")
    t.add_argument("--reveal", action="store_true", help="print the tokens on a terminal too")
    add_connection_options(t)
    t.set_defaults(func=cmd_token)


def cmd_token(args: argparse.Namespace) -> int:
    import uuid

    if sys.stdout.isatty() and not args.reveal:
        err("lp-tui token prints secrets (the AppJWT and the ConsumerJWS); on a terminal they would stay in the "
            "scrollback, so it prints them only into a pipe or $(...): run eval \"$(lp-tui token)\", or add "
            "--reveal to see them here")
        return EXIT_USAGE
    if getattr(args, "sandbox", False) or getattr(args, "profile", None) == "sandbox":
        raise UsageError("a throwaway sandbox (--sandbox) stops when this command ends, so its tokens and host would "
                         "point at nothing: run `lp-tui sandbox` and export the variables its banner shows")
    if args.consumer is not None:
        args.set_ext_consumer_id = args.consumer
    elif not getattr(args, "set_ext_consumer_id", None):
        import os

        from lp_tui import paths
        from lp_tui.cli.common import chosen_profile
        from lp_tui.store import settings as settings_store

        stored = settings_store.load(paths.settings_file())
        if not os.environ.get("LP_EXT_CONSUMER_ID") and not stored.values(chosen_profile(args, stored)).get(
                "ext_consumer_id"):
            args.set_ext_consumer_id = f"lp-tui-{uuid.uuid4().hex[:8]}"

    async def job(client: Any, conn: Any, sandbox: Any) -> int:
        from urllib.parse import urlsplit

        app_jwt = await client.app_jwt()
        jws = await client.consumer_jws(app_jwt)
        base = await client.service_base("asyncMessagingEnt")
        for name, value in (("AppJWT", app_jwt), ("ConsumerJWS", jws)):
            if not TOKEN_CHARS.match(value):
                raise UsageError(f"the {name} the server gave is not a token (it holds characters a JWT never "
                                 "has); it is not printed")
        parts = urlsplit(base)
        values = [("LP_APP_JWT", app_jwt), ("LP_CONSUMER_JWS", jws), ("LP_HOST", parts.netloc),
                  ("LP_ACCOUNT_ID", conn.account_id), ("LP_EXT_CONSUMER_ID", conn.ext_consumer_id)]
        for name, value in values:
            out(f"export {name}={shlex.quote(value)}")
        if parts.scheme != "https":
            err(f"note: the host speaks {parts.scheme}:// (a sandbox on this machine); `lp-tui build --as curl` "
                f"writes {parts.scheme}:// when the profile's CSDS URL does")
        return EXIT_OK

    return run_with_connection(args, job)
