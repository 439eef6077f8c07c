"""The app's webhook receiver and the timelines it fills, outside the widgets (no Textual here).

On the built-in sandbox it starts with the session and the sandbox posts to it; for a real
account the user starts it (palette), on a port their HTTPS reverse proxy or tunnel forwards
to. A new profile means new credentials: the receiver of the old one stops. The Timeline
widget draws ``inbox``; ``on_change`` tells it (from the receiver's threads) that there is
something new, once until it has drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from lp_tui.ui.protocols import WebhookReceiver

if TYPE_CHECKING:
    from lp_tui.ui.session import Session

SANDBOX, ACCOUNT = "sandbox", "account"
DEFAULT_PORT = 8787


class Follower:
    def __init__(self, receiver_factory: Callable[..., WebhookReceiver] | None = None) -> None:
        from lp_tui.lp.timeline import Inbox  # here, not at the top: the first screen has no timeline

        self.inbox = Inbox()
        self.receiver: WebhookReceiver | None = None
        self.mode = ""  # SANDBOX, ACCOUNT, or "" when not running
        self.profile = ""
        self.on_change: Callable[[], Any] = lambda: None
        self._sandbox: Any = None
        self._external: Any = None  # the connection of an external lp-tui sandbox told to post here
        self._telling: Any = None  # the thread telling it (tests join it)
        self.external_problem = ""  # why that sandbox did not take the receiver, if it did not
        self._receiver_factory = receiver_factory
        self._key: tuple[str, ...] = ()
        self._port, self._host = 0, "127.0.0.1"

    @property
    def running(self) -> bool:
        return self.receiver is not None

    @property
    def url(self) -> str:
        return self.receiver.url if self.receiver is not None else ""

    def _changed(self) -> None:
        self.on_change()

    def follow_session(self, session: Session) -> None:
        """Match the session: running for its built-in sandbox; restarted on new credentials (a
        receiver for an account keeps its port); stopped when the profile changed."""
        if session.use_sandbox:
            session.conn  # resolving the connection starts the built-in sandbox
        sandbox = session.sandbox if session.use_sandbox else None
        if self.running and self._key != _key_of(session):
            again = self.mode == ACCOUNT and self.profile == session.profile
            self.stop()
            if again:
                self.start(session, self._port, self._host)
        if self.running and self.mode == SANDBOX and sandbox is not self._sandbox:
            self.stop()
        if sandbox is not None and hasattr(sandbox, "send_webhooks_to") and not self.running:
            self.start(session)

    def start(self, session: Session, port: int = 0, host: str = "127.0.0.1") -> str:
        """Start the receiver with the session's credentials; its URL. ValueError/OSError say why not."""
        from lp_tui.lp.receiver import Receiver
        from lp_tui.lp.timeline import Inbox
        from lp_tui.lp.webhooks import Credentials
        from lp_tui.redact import scrub

        self.stop()
        conn = session.conn
        if not conn.client_secret:
            raise ValueError("the receiver checks each webhook's signature with the app's client secret: set it in "
                             "Settings (F2) or LP_CLIENT_SECRET")
        sandbox = session.sandbox if session.use_sandbox else None
        state = getattr(sandbox, "state", None)
        names: Callable[[str], str | None] = (lambda sid: state.skill_names().get(sid)) if state is not None \
            else (lambda sid: None)
        secrets = conn.secrets()
        self.inbox = Inbox(names, on_change=self._changed, scrub=lambda text: scrub(text, secrets))
        factory: Callable[..., WebhookReceiver] = self._receiver_factory or Receiver
        receiver = factory(Credentials(conn.client_secret, conn.client_id, conn.account_id), self.inbox.deliver,
                           host=host, port=port).start()
        self.receiver = receiver
        self.profile = session.profile
        self._key, self._host = _key_of(session), host
        self._port = getattr(receiver, "port", port)  # the port bound: a restart keeps it (it is registered)
        if sandbox is not None and hasattr(sandbox, "send_webhooks_to"):
            self.mode, self._sandbox = SANDBOX, sandbox
            sandbox.send_webhooks_to(receiver.url)
        elif getattr(session, "external_rules", None) is not None:  # an lp-tui sandbox elsewhere on this machine
            self.mode, self._external = SANDBOX, conn
            self._tell_external(conn, {"add": receiver.url})
        else:
            self.mode = ACCOUNT
        self._changed()
        return receiver.url

    def _tell_external(self, conn: Any, settings: dict[str, Any]) -> None:
        """Add this receiver to an external lp-tui sandbox's, or remove it (and only it), as `send
        --follow` does; on a thread, never on the UI's, and only on this machine, with its token."""
        import threading
        from urllib.parse import urlsplit

        from lp_tui.lp.transport import tell_sandbox_webhooks
        from lp_tui.model.connection import is_loopback

        try:
            if not is_loopback(urlsplit(conn.csds_url).hostname or ""):
                return
        except ValueError:
            return

        def post() -> None:
            status = tell_sandbox_webhooks(conn, settings)
            self.external_problem = "" if status == 200 else (
                "the sandbox refused the receiver: its control endpoints need its token (LP_SANDBOX_TOKEN)"
                if status == 401 else "the sandbox could not be told" if status is None
                else f"the sandbox answered {status}")
            self._changed()

        thread = threading.Thread(target=post, name="lp-tui external sandbox", daemon=True)
        self._telling = thread
        thread.start()

    def stop(self) -> None:
        receiver, self.receiver = self.receiver, None
        if self._external is not None and receiver is not None:
            self._tell_external(self._external, {"remove": receiver.url})
            self._external = None
        if self._sandbox is not None:
            try:
                self._sandbox.send_webhooks_to(None)
            except ValueError:
                pass
            self._sandbox = None
        if receiver is not None:
            receiver.stop()
        self.mode = ""
        self._changed()


def _key_of(session: Session) -> tuple[str, ...]:
    """What a running receiver depends on: the profile and the credentials it checks with."""
    conn = session.conn
    return (session.profile, conn.client_secret, conn.client_id, conn.account_id)


def follower_of(session: Session) -> Follower:
    """The session's follower, made on first use (a test may give a factory for a fake receiver)."""
    if session.follower is None:
        factory = session.follower_factory
        session.follower = factory() if factory is not None else Follower()
    return session.follower
