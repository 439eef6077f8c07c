"""What the app works with, outside the widgets: the profile and its connection, the sandbox,
the client, the stores.

Built once by ``run.py`` (or by a test) and injected into the app; no Textual here, so it
is tested on its own.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from lp_tui import paths
from lp_tui.model.connection import SANDBOX_PROFILE, Connection, colour_of, resolve
from lp_tui.sandbox import DEMO_ACCOUNT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from lp_tui.store.conversations import Conversations
from lp_tui.store.history import History
from lp_tui.store.settings import SettingsFile
from lp_tui.ui.protocols import RunningSandbox, SendClient

if TYPE_CHECKING:
    from lp_tui.model.routing import Rules
    from lp_tui.ui.follow import Follower


# The built-in sandbox's connection before it has an address (its account and app are fixed).
PENDING_SANDBOX = {"account_id": DEMO_ACCOUNT, "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
                   "csds_url": "http://127.0.0.1"}


def new_consumer_id() -> str:
    return f"lp-tui-{uuid.uuid4().hex[:8]}"


@dataclass
class Session:
    settings: SettingsFile
    profile: str = SANDBOX_PROFILE
    flags: dict[str, Any] = field(default_factory=dict)  # connection flags from the command line
    environ: Mapping[str, str] | None = None  # None: the process's environment
    sandbox: RunningSandbox | None = None  # a running lp_tui.sandbox.server.Sandbox (the built-in profile)
    presets_dir: Path = field(default_factory=paths.presets_dir)
    draft_path: Path = field(default_factory=paths.draft_file)
    history: History = field(default_factory=lambda: History(paths.history_file()))
    conversations: Conversations = field(default_factory=lambda: Conversations(paths.conversations_file()))
    startup_notes: list[str] = field(default_factory=list)
    client_factory: Callable[[Connection], SendClient] | None = None
    sandbox_factory: Callable[[], RunningSandbox] | None = None
    # The app starts the built-in sandbox just after its first paint (start_sandbox, from a thread),
    # not before it: until then the connection holds the sandbox's fixed values and no address.
    defer_sandbox: bool = False
    on_sandbox_started: Callable[[], Any] | None = None  # the app's hook: the deferred sandbox runs (any thread)
    show_timings: bool = True
    accept_and_read: bool = False  # the Timeline sends ACCEPT and READ for the agent's messages as they show
    consumer_override: str = ""  # Ctrl+N: a fresh consumer for this session
    consumer_made_up: bool = False  # no consumer configured: lp-tui made this session's up
    rules: Rules | None = None  # routing rules for the built-in sandbox, None: its defaults
    rules_path: str | None = None  # where they came from, watched for changes
    external_rules: Rules | None = None  # an external lp-tui sandbox's rules, as it told them
    rules_problem: str = ""  # the last rules file problem (the rules in force were kept)
    on_rules_report: Callable[[str, bool], Any] | None = None  # the app's hook for reloads (from a thread)
    follower: Follower | None = None  # the webhook receiver and its timelines, made on first use
    follower_factory: Callable[[], Follower] | None = None  # tests: a follower with a fake receiver
    _client: SendClient | None = None
    _conn: Connection | None = None
    problems: list[str] = field(default_factory=list)  # about the current connection's values
    _sandbox_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # --- the connection in use -----------------------------------------------------------
    @property
    def use_sandbox(self) -> bool:
        """The built-in sandbox, started in this process."""
        return self.profile == SANDBOX_PROFILE

    @property
    def conn(self) -> Connection:
        conn = self._conn
        if conn is None:
            with self._sandbox_lock:  # a sandbox starting in another thread sets it anew
                if self._conn is None:
                    self._conn = self._resolve()
                conn = self._conn
        return conn

    def _resolve(self) -> Connection:
        values = self.settings.values(self.profile)
        sandbox_values = None
        if self.use_sandbox:
            if self.sandbox is None and not self.defer_sandbox:
                self.sandbox = self._start_sandbox()
            sandbox_values = self.sandbox.connection_values() if self.sandbox is not None else PENDING_SANDBOX
        conn, self.problems = resolve(self.profile, values, environ=self.environ, flags=self.flags,
                                      sandbox=sandbox_values)
        if self.consumer_override:
            conn.set("ext_consumer_id", self.consumer_override, "session")
        elif not conn.ext_consumer_id and not conn.consumer_jws:
            self.consumer_override = new_consumer_id()
            self.consumer_made_up = True  # the app may adopt the one a previous session made up
            conn.set("ext_consumer_id", self.consumer_override, "session")
        return conn

    @property
    def sandbox_pending(self) -> bool:
        """The built-in sandbox is in use but not started yet (the app starts it after its first paint)."""
        return self.use_sandbox and self.sandbox is None and self.defer_sandbox

    def start_sandbox(self) -> bool:
        """Start the deferred built-in sandbox, from any thread; True when this call started it (then
        ``on_sandbox_started`` is called). Once called, a sandbox starts as soon as it is needed.
        OSError (no loopback port): still pending, so the next send tries again and says why."""
        with self._sandbox_lock:
            if not self.sandbox_pending:
                self.defer_sandbox = False
                return False
            self.sandbox = self._start_sandbox()
            self.defer_sandbox = False
            self._conn = None  # resolved again, with the sandbox's address (the consumer id is kept)
        if self.on_sandbox_started is not None:
            self.on_sandbox_started()
        return True

    def _start_sandbox(self) -> RunningSandbox:
        if self.sandbox_factory is not None:
            return self.sandbox_factory()
        from lp_tui.sandbox.server import Sandbox
        from lp_tui.sandbox.state import SandboxState

        sandbox = Sandbox(SandboxState(rules=self.rules)).start()
        if self.rules_path:
            from lp_tui.sandbox.rules_watch import RulesWatcher

            RulesWatcher(Path(self.rules_path), sandbox.state, self._rules_report).start()
        return sandbox

    def _rules_report(self, message: str, ok: bool) -> None:
        self.rules_problem = "" if ok else message
        if self.on_rules_report is not None:
            self.on_rules_report(message, ok)

    def routing_rules(self) -> Rules | None:
        """The rules the sandbox in use routes by (the same engine predicts); None off a sandbox."""
        if self.use_sandbox and (self.sandbox is not None or self.defer_sandbox):
            state = getattr(self.sandbox, "state", None)  # not started yet: the rules it will start with
            if state is not None:
                rules: Rules = state.rules
                return rules
            from lp_tui.model.routing import Rules

            return self.rules or Rules.default()
        if self.is_sandbox:
            return self.external_rules
        return None

    @property
    def client(self) -> SendClient:
        if self._client is None:
            if self.sandbox_pending:  # a send before the background start finished (or after it failed)
                try:
                    self.start_sandbox()
                except OSError as exc:
                    from lp_tui.lp.errors import TransportError

                    raise TransportError("start the sandbox", f"the built-in sandbox did not start: {exc}",
                                  "free a port on 127.0.0.1, or use a profile that is not the sandbox") from None
            if self.client_factory is not None:
                self._client = self.client_factory(self.conn)
            else:
                from lp_tui.lp.client import LpClient

                self._client = LpClient(self.conn)
        return self._client

    async def reconnect(self) -> None:
        """Settings or profile changed: a fresh connection and client (token caches start over)."""
        self._conn = None
        self.external_rules = None
        await self.close_client()

    async def close_client(self) -> None:
        """End the HTTP client's connections (a reconnect, the app quitting); a later send makes a new client."""
        old, self._client = self._client, None
        if old is not None and hasattr(old, "aclose"):
            await old.aclose()

    async def switch(self, profile: str) -> None:
        self.profile = profile
        self.consumer_override = ""
        self.consumer_made_up = False
        await self.reconnect()

    def set_consumer(self, consumer_id: str) -> None:
        self.consumer_override = consumer_id
        self.consumer_made_up = False
        self.conn.set("ext_consumer_id", consumer_id, "session")

    # --- what the request pane and the status bar show ------------------------------------
    @property
    def is_sandbox(self) -> bool:
        """An lp-tui sandbox, built in or external (an external one says so in its answers)."""
        return self.use_sandbox or bool(self.client.sandbox_version)

    def sandbox_url(self) -> str:
        if self.use_sandbox:
            return self.sandbox.csds_url if self.sandbox is not None else ""
        return self.conn.csds_url if self.is_sandbox else ""

    def request_url(self) -> str:
        """The CONVERSATION URL as far as it is known (the host comes from CSDS at the first send)."""
        from lp_tui.lp.client import api_url

        base = None
        if self._client is not None:  # only a client made already can know it
            base = self._client.known_base("asyncMessagingEnt")
        if base is None and self.use_sandbox:
            base = self.sandbox.csds_url if self.sandbox is not None else "http://127.0.0.1:{port}"
        return api_url(base or "https://{asyncMessagingEnt}", self.conn.account_id or "{accountId}")

    def request_headers(self, draft: Any) -> dict[str, str]:
        """The headers as the preview shows them: tokens masked or described, never shown."""
        from lp_tui.lp.client import api_headers
        from lp_tui.model.build import client_properties_header
        from lp_tui.redact import mask

        conn = self.conn
        scheme = "Bearer " if conn.auth_scheme == "bearer" else ""
        app_jwt = mask(conn.app_jwt) if conn.app_jwt else "‹AppJWT, minted by Sentinel at send›"
        jws = mask(conn.consumer_jws) if conn.consumer_jws else f"‹ConsumerJWS for consumer {conn.ext_consumer_id or '?'}›"
        return api_headers(scheme + app_jwt, jws, client_properties_header(draft))

    def badge(self) -> str:
        if self.is_sandbox:
            return "SANDBOX" if self.profile == SANDBOX_PROFILE else f"{self.profile} · SANDBOX"
        return f"{self.profile} · ACCOUNT {self.conn.account_id or '?'}"

    def badge_colour(self) -> str:
        return "yellow" if self.is_sandbox and not self.conn.colour else colour_of(self.conn)

    def describe(self) -> str:
        conn = self.conn
        text = f"account {conn.account_id or '—'} · consumer {conn.ext_consumer_id or '—'}"
        url = self.sandbox_url() if self.is_sandbox else conn.csds_url
        return f"{text} · {url}" if url else text

    # --- remembered conversations ------------------------------------------------------------
    def conversation_key(self) -> tuple[str, str, str, str] | None:
        """Where the open conversation is remembered; None for the built-in sandbox (it dies with us)."""
        if self.use_sandbox:
            return None
        conn = self.conn
        return (self.profile, conn.csds_url, conn.account_id, conn.ext_consumer_id)

    def close(self) -> None:
        if self.follower is not None:
            self.follower.stop()
        with self._sandbox_lock:
            self.defer_sandbox = False  # a background start after this would find nothing to do
            if self.sandbox is not None:
                self.sandbox.stop()
                self.sandbox = None


def load_session(force_sandbox: bool = False, profile: str | None = None, flags: dict[str, Any] | None = None,
                 environ: Mapping[str, str] | None = None, defer_sandbox: bool = False) -> Session:
    """The session for ``lp-tui``: the chosen profile from the settings file, the environment and flags.

    The profile: ``--profile``, else ``LP_PROFILE``, else ``--sandbox``, else the file's choice.
    When that profile cannot reach an account (nothing configured), the built-in sandbox is used.
    """
    import os

    from lp_tui.store import settings as settings_store

    env = os.environ if environ is None else environ
    stored = settings_store.load(paths.settings_file())
    notes = list(stored.problems)
    chosen = profile or env.get("LP_PROFILE") or (SANDBOX_PROFILE if force_sandbox else stored.chosen())
    if chosen not in stored.profiles and chosen not in (SANDBOX_PROFILE, "default"):
        from lp_tui.model.connection import names_of

        raise ValueError(f"unknown profile {chosen!r}; profiles: {', '.join(names_of(stored.profiles))}")
    session = Session(stored, chosen, flags=dict(flags or {}), environ=environ,
                      startup_notes=notes, defer_sandbox=defer_sandbox)
    session.accept_and_read = stored.accept_and_read
    if not session.use_sandbox and not session.conn.is_configured():
        from lp_tui.model.connection import BY_NAME

        where = ("account_id", "csds_url", "client_id", "client_secret", "app_jwt")  # flags that name a connection
        given = [name for name in where if (flags or {}).get(name) not in (None, "")]
        if given:  # the command line named a connection: start on it, and say what it lacks
            notes.append("The connection from the command line (" + ", ".join(BY_NAME[n].flag or n for n in given) +
                         ") is not complete: " + "; ".join(session.conn.missing()) + ". Sends say so until it is; "
                         "add the flags, the environment variables or Settings (F2).")
        elif profile or env.get("LP_PROFILE"):
            notes.append(f"Profile {chosen!r} is not complete: " + "; ".join(session.conn.missing()) +
                         ". Open Settings (F2) to finish it.")
        else:
            if chosen in stored.profiles and any(stored.profiles[chosen].values()):
                notes.append(f"Profile {chosen!r} is not complete (" + "; ".join(session.conn.missing()) +
                             "), so lp-tui runs on its built-in sandbox. Open Settings (F2) to finish it.")
            else:
                notes.append("No LivePerson credentials are configured, so lp-tui runs on its built-in sandbox. "
                             "Open Settings (F2) to connect a real account.")
            session.profile = SANDBOX_PROFILE
            session._conn = None
    notes += session.problems
    notes += session.conn.warnings()
    return session
