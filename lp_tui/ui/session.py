"""What the app works with, outside the widgets: connection, sandbox, client, stores.

Built once by ``run.py`` (or by a test) and injected into the app; no Textual here, so it
is tested on its own.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lp_tui import paths
from lp_tui.lp.config import Connection
from lp_tui.store.history import History


def new_consumer_id() -> str:
    return f"lp-tui-{uuid.uuid4().hex[:8]}"


@dataclass
class Session:
    file_conn: Connection  # from the settings file and the environment (what the settings screen edits)
    use_sandbox: bool = False
    forced_sandbox: bool = False  # --sandbox: stay on it whatever the settings say
    sandbox: Any = None  # a running lp_tui.sandbox.server.Sandbox
    settings_path: Path = field(default_factory=paths.settings_file)
    presets_dir: Path = field(default_factory=paths.presets_dir)
    draft_path: Path = field(default_factory=paths.draft_file)
    history: History = field(default_factory=lambda: History(paths.history_file()))
    settings_bad_file: bool = False
    startup_notes: list[str] = field(default_factory=list)
    clock: Callable[[], float] = time.time
    client_factory: Callable[[Connection], Any] | None = None
    sandbox_factory: Callable[[], Any] | None = None
    show_timings: bool = True
    _client: Any = None
    _conn: Connection | None = None

    # --- the connection in use -----------------------------------------------------------
    @property
    def conn(self) -> Connection:
        if self._conn is None:
            self._conn = self._active()
        return self._conn

    def _active(self) -> Connection:
        if not self.use_sandbox:
            return self.file_conn
        if self.sandbox is None:
            self.sandbox = self._start_sandbox()
        conn = Connection(
            connect_timeout=self.file_conn.connect_timeout,
            read_timeout=self.file_conn.read_timeout,
            retry=self.file_conn.retry,
            auth_scheme=self.file_conn.auth_scheme,
        )
        conn.apply(self.sandbox.connection_values(), "sandbox")
        if not self.file_conn.ext_consumer_id:
            self.file_conn.ext_consumer_id = new_consumer_id()
        conn.ext_consumer_id = self.file_conn.ext_consumer_id
        return conn

    def _start_sandbox(self) -> Any:
        if self.sandbox_factory is not None:
            return self.sandbox_factory()
        from lp_tui.sandbox.server import Sandbox

        return Sandbox().start()

    @property
    def client(self) -> Any:
        if self._client is None:
            if self.client_factory is not None:
                self._client = self.client_factory(self.conn)
            else:
                from lp_tui.lp.client import LpClient

                self._client = LpClient(self.conn)
        return self._client

    async def reconnect(self) -> None:
        """Settings changed: a fresh connection and client (token caches start over)."""
        old = self._client
        self._client = None
        self._conn = None
        if old is not None and hasattr(old, "aclose"):
            await old.aclose()

    def set_consumer(self, consumer_id: str) -> None:
        self.file_conn.ext_consumer_id = consumer_id
        self.file_conn.sources["ext_consumer_id"] = "file"
        self.conn.ext_consumer_id = consumer_id

    def request_url(self) -> str:
        """The CONVERSATION URL as far as it is known (the host comes from CSDS at the first send)."""
        conn = self.conn
        base = None
        if self.use_sandbox and self.sandbox is not None:
            base = self.sandbox.csds_url
        elif hasattr(self.client, "known_base"):
            base = self.client.known_base("asyncMessagingEnt")
        base = base or "https://{asyncMessagingEnt}"
        return f"{base}/api/account/{conn.account_id or '{accountId}'}/messaging/consumer/conversation?v=3"

    def request_headers(self, draft: Any) -> dict[str, str]:
        """The headers as the preview shows them: tokens masked or described, never shown."""
        from lp_tui.lp.redact import mask
        from lp_tui.model.build import client_properties_header

        conn = self.conn
        scheme = "Bearer " if conn.auth_scheme == "bearer" else ""
        app_jwt = mask(conn.app_jwt) if conn.app_jwt else "‹AppJWT, minted by Sentinel at send›"
        jws = mask(conn.consumer_jws) if conn.consumer_jws else f"‹ConsumerJWS for consumer {conn.ext_consumer_id or '?'}›"
        headers = {"Content-Type": "application/json", "Authorization": scheme + app_jwt, "X-LP-ON-BEHALF": jws}
        header = client_properties_header(draft)
        if header:
            headers["Client-Properties"] = header
        return headers

    def badge(self) -> str:
        if self.use_sandbox:
            return "SANDBOX"
        return f"ACCOUNT {self.conn.account_id}"

    def describe(self) -> str:
        conn = self.conn
        text = f"account {conn.account_id or '—'} · consumer {conn.ext_consumer_id or '—'}"
        return text if self.use_sandbox else f"{text} · {conn.csds_url}"

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None


def load_session(force_sandbox: bool = False) -> Session:
    """The session for ``lp-tui``: settings file + environment; the sandbox when asked or not configured."""
    from lp_tui.store import settings

    loaded = settings.load(paths.settings_file())
    conn = loaded.connection
    conn.apply_env()
    notes = list(loaded.problems)
    use_sandbox = force_sandbox or not conn.is_configured()
    if use_sandbox and not force_sandbox:
        notes.append("No LivePerson credentials are configured, so lp-tui runs on its built-in sandbox. "
                     "Open Settings (F2) to connect a real account.")
    return Session(conn, use_sandbox=use_sandbox, forced_sandbox=force_sandbox,
                   settings_bad_file=loaded.bad_file, startup_notes=notes)
