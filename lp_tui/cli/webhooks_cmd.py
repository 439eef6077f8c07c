"""``lp-tui webhooks``: LivePerson's webhook receiver in the foreground, one line per event."""

from __future__ import annotations

import argparse
from typing import Any

from lp_tui.cli.common import UsageError, add_connection_options, out, resolve_connection, warn
from lp_tui.lp.errors import EXIT_OK

DEFAULT_PORT = 8787
RECEIVER_SETTINGS = frozenset({"account_id", "client_id", "client_secret"})  # what a signature check uses


def register(sub: Any) -> None:
    w = sub.add_parser(
        "webhooks", help="receive LivePerson's webhook notifications and print each event",
        description="A webhook receiver on 127.0.0.1: each POST's x-liveperson-signature is checked with the "
                    "connection's client secret (and the client and account ids when set); a correctly signed "
                    "notification is answered 200 and printed as timeline lines, anything else is answered 401 "
                    "(or 400/413) and printed as rejected. LivePerson reaches it only through your own HTTPS "
                    "reverse proxy or tunnel, registered as the app installation's webhook endpoint; lp-tui "
                    "does not tunnel.")
    w.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; "
                   "0 for a free one)")
    w.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    add_connection_options(w, only=RECEIVER_SETTINGS)
    _every_account(w)
    w.set_defaults(func=cmd_webhooks)


def _every_account(parser: argparse.ArgumentParser) -> None:
    """``--account`` given more than once: one receiver for several accounts sharing its URL. The last one
    is still the connection's account (as everywhere); all of them are kept in ``webhook_accounts``."""
    action = parser._option_string_actions.get("--account")  # noqa: SLF001 (argparse has no public lookup)
    if action is None:
        return
    base = type(action)

    class EveryAccount(base):  # type: ignore[valid-type,misc]
        def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
            super().__call__(parser, namespace, values, option_string)
            found = list(getattr(namespace, "webhook_accounts", None) or [])
            if values not in found:
                found.append(values)
            namespace.webhook_accounts = found

    action.__class__ = EveryAccount
    action.help = (action.help or "") + "; give it again to serve several accounts on one URL (each checked with " \
        "LP_CLIENT_SECRET_<ACCOUNT> and LP_CLIENT_ID_<ACCOUNT> when set, else the connection's)"


def credentials_for(args: argparse.Namespace, conn: Any) -> list[Any]:
    """One set of credentials per account served: the connection's, or, for several ``--account``, each
    account's own secret and client id from LP_CLIENT_SECRET_<ACCOUNT> / LP_CLIENT_ID_<ACCOUNT> when set."""
    import os

    from lp_tui.lp.webhooks import Credentials

    accounts = list(getattr(args, "webhook_accounts", None) or [])
    if len(accounts) < 2:
        return [Credentials(conn.client_secret, conn.client_id, conn.account_id)]
    out_: list[Any] = []
    for account in accounts:
        account = str(account).strip()
        if not account or not account.replace("-", "").replace("_", "").isalnum():
            raise UsageError(f"--account {account!r}: an account id (letters and digits)")
        secret = os.environ.get(f"LP_CLIENT_SECRET_{account}") or conn.client_secret
        client = os.environ.get(f"LP_CLIENT_ID_{account}") or conn.client_id
        if not secret:
            raise UsageError(f"--account {account}: no client secret (set LP_CLIENT_SECRET_{account} or "
                             "LP_CLIENT_SECRET)")
        out_.append(Credentials(secret, client, account))
    return out_


def cmd_webhooks(args: argparse.Namespace) -> int:
    from lp_tui.cli.foreground import Foreground
    from lp_tui.lp.receiver import Receiver
    from lp_tui.lp.timeline import Inbox
    from lp_tui.model.connection import is_loopback
    from lp_tui.redact import scrub

    if getattr(args, "sandbox", False) or getattr(args, "profile", None) == "sandbox":
        raise UsageError("the built-in sandbox lives only as long as one command: run `lp-tui sandbox --webhook "
                         f"http://127.0.0.1:{args.port}/` in another terminal, or `lp-tui send --sandbox --follow`")
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port {args.port}: a port number, 1-65535 (0 for a free one)")
    conn, _sandbox = resolve_connection(args)
    several = len(getattr(args, "webhook_accounts", None) or []) > 1
    if not conn.client_secret and not several:
        raise UsageError("the receiver checks each signature with the app's client secret: set LP_CLIENT_SECRET, "
                         "--client-secret-file or the profile's client secret")
    served = credentials_for(args, conn)
    for value, header, flag in ((served[0].client_id, "x-liveperson-client-id", "LP_CLIENT_ID"),
                                (served[0].account_id, "x-liveperson-account-id", "LP_ACCOUNT_ID")):
        if not value:
            warn(f"{flag} is not set, so {header} is not checked")
    if not is_loopback(args.host):
        warn(f"listening on {args.host}: plain http beyond this machine; put it behind your own HTTPS reverse proxy")
    with Foreground() as foreground:  # before anything listens: Ctrl+C or SIGTERM from then on stops it cleanly
        try:
            receiver = Receiver(served, foreground.hand_over, host=args.host, port=args.port).start()
        except (OSError, OverflowError) as exc:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {getattr(exc, 'strerror', None) or exc}"
                             ) from None
        secrets = [*conn.secrets(), *(c.secret for c in served)]
        inbox = Inbox(scrub=lambda text: scrub(text, secrets))
        try:
            out(f"lp-tui webhooks: receiving LivePerson's webhook notifications at {receiver.url}")
            if several:
                out(f"  For the accounts {', '.join(c.account_id for c in served)}: each notification is checked "
                    "with the credentials of the account it names.")
            out("  Register the HTTPS address of your reverse proxy or tunnel that forwards here as the app "
                "installation's webhook endpoint (lp-tui does not tunnel).")
            out("  Signed requests are answered 200 and printed; unsigned or wrongly signed ones 401, printed as "
                "rejected.")
            print("Ctrl+C stops it.", flush=True)
            for delivery in foreground.received():
                show(inbox, delivery)
        finally:
            receiver.stop()
    return EXIT_OK


def show(inbox: Any, delivery: Any) -> None:
    """One delivery as lines: each new timeline entry, or why nothing is new, or why it was rejected."""
    import sys

    from lp_tui.lp.timeline import clock, line
    from lp_tui.text import safe

    made = inbox.deliver(delivery)
    stamp = clock(int(delivery.received * 1000))
    if not delivery.accepted:
        reason = inbox.rejected[-1].reason
        out(f"{stamp}  rejected: {reason} (answered {delivery.status} to {delivery.peer or '?'})")
    elif made:
        for entry in made:
            out(safe(line(entry, with_conversation=True), one_line=True))  # one event, one line
    else:
        note = delivery.notification
        ids = sorted({e.conversation_id for e in note.events})
        which = f"{ids[0]}  " if len(ids) == 1 else ""
        if note.events:
            what = "nothing new (a repeat, or older than what is known)"
        else:
            what = "no event lp-tui reads in it"
        out(f"{stamp}  {which}{note.type}: {what}")
    sys.stdout.flush()
