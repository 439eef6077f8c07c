"""Connection settings: account, CSDS URL, credentials (masked), consumer id, tokens, timeouts, retries.

Values that come from the environment are shown as such, read-only, and never written to the file.
"""

from __future__ import annotations

import copy
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from lp_tui.lp.config import ENV_VARS, Connection, RetryPolicy
from lp_tui.ui.session import new_consumer_id

# (setting, label, help, password)
ROWS = [
    ("account_id", "Account id", "Your LivePerson site id, e.g. 12345678.", False),
    ("csds_url", "CSDS URL", "Domain API base URL; https://api.liveperson.net in production.", False),
    ("client_id", "Client id", "The app installation's client_id.", False),
    ("client_secret", "Client secret", "The app installation's client_secret (stored 0600, never shown).", True),
    ("ext_consumer_id", "External consumer id", "Your own id for the consumer; one open conversation each.", False),
    ("app_jwt", "Pasted AppJWT", "Optional: use this token instead of minting one.", True),
    ("consumer_jws", "Pasted ConsumerJWS", "Optional: use this token instead of asking IDP.", True),
    ("ca_bundle", "CA bundle", "Optional PEM file of trusted CAs (corporate proxies).", False),
    ("connect_timeout", "Connect timeout (s)", "Seconds to wait for a connection.", False),
    ("read_timeout", "Read timeout (s)", "Seconds to wait for an answer.", False),
]


class SettingsScreen(ModalScreen[Connection | None]):
    CSS_PATH = "settings.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save", priority=True)]

    def __init__(self, conn: Connection, sandbox_note: str = "") -> None:
        super().__init__()
        self.conn = copy.deepcopy(conn)
        self.sandbox_note = sandbox_note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Connection settings", classes="title")
            if self.sandbox_note:
                yield Static(self.sandbox_note, classes="note")
            with VerticalScroll():
                for name, label, help_text, password in ROWS:
                    value = getattr(self.conn, name)
                    from_env = self.conn.sources.get(name) == "environment"
                    text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
                    with Horizontal(classes="row"):
                        yield Label(label)
                        yield Input(text, password=password, id=f"s-{name}", placeholder=help_text,
                                    disabled=from_env, tooltip=help_text, compact=True)
                        if from_env:
                            yield Static(f"from ${ENV_VARS[name]}", classes="source")
                        if name == "ext_consumer_id" and not from_env:
                            yield Button("Generate", id="generate", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Authorization")
                    yield Select([("bare token (what LivePerson's tools send)", "bare"),
                                  ("Bearer <token> (undocumented)", "bearer")],
                                 value=self.conn.auth_scheme, allow_blank=False, id="s-auth_scheme", compact=True)
                with Horizontal(classes="row"):
                    yield Label("429 retries")
                    yield Input(str(self.conn.retry.retry_429), id="s-retry_429", compact=True,
                                tooltip="How many times to retry a 429 (LivePerson: wait at least 1 s).")
                with Horizontal(classes="row"):
                    yield Label("429 wait (s)")
                    yield Input(f"{self.conn.retry.wait_429:g}", id="s-wait_429", compact=True)
                with Horizontal(classes="row"):
                    yield Label("5xx retry delays (s)")
                    yield Input(", ".join(f"{d:g}" for d in self.conn.retry.delays_5xx), id="s-delays_5xx", compact=True,
                                tooltip="LivePerson advises 3 retries after 5, 10, 15 s; empty: no retries.")
            yield Static("", id="settings-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    @on(Button.Pressed, "#generate")
    def _generate(self) -> None:
        self.query_one("#s-ext_consumer_id", Input).value = new_consumer_id()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            conn = self._collect()
        except ValueError as exc:
            self.query_one("#settings-error", Static).update(str(exc))
            return
        self.dismiss(conn)

    def _collect(self) -> Connection:
        conn = copy.deepcopy(self.conn)
        values: dict[str, Any] = {}
        for name, label, _, _ in ROWS:
            widget = self.query_one(f"#s-{name}", Input)
            if widget.disabled:
                continue
            text = widget.value.strip()
            if name.endswith("timeout"):
                try:
                    number = float(text)
                except ValueError:
                    raise ValueError(f"{label}: {text!r} is not a number of seconds; e.g. 10") from None
                if number <= 0:
                    raise ValueError(f"{label}: must be more than 0 seconds")
                values[name] = number
            else:
                values[name] = text
        for name, value in values.items():
            setattr(conn, name, value)
            conn.sources[name] = "file"
        conn.auth_scheme = str(self.query_one("#s-auth_scheme", Select).value)
        try:
            retry_429 = int(self.query_one("#s-retry_429", Input).value.strip() or 0)
            wait_429 = float(self.query_one("#s-wait_429", Input).value.strip() or 1)
        except ValueError:
            raise ValueError("429 retries must be a whole number and the wait a number of seconds") from None
        delays_text = self.query_one("#s-delays_5xx", Input).value
        try:
            delays = [float(d) for d in delays_text.replace(" ", "").split(",") if d]
        except ValueError:
            raise ValueError(f"5xx retry delays: {delays_text!r}: write seconds separated by commas, e.g. 5, 10, 15") from None
        if retry_429 < 0 or wait_429 < 0 or any(d < 0 for d in delays):
            raise ValueError("retries and waits cannot be negative")
        conn.retry = RetryPolicy(retry_429, wait_429, delays)
        if conn.csds_url and not conn.csds_url.startswith(("http://", "https://")):
            raise ValueError(f"CSDS URL {conn.csds_url!r} must start with https:// (or http:// for a local sandbox)")
        return conn
