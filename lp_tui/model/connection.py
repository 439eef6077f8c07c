"""The connection: one declarative table of every connection setting, and profiles.

The table drives the command-line flags, the ``LP_*`` environment variables, the settings
file (type-checked on load), the Settings screen and the precedence: a flag beats the
environment, which beats the profile's own value in the file, which beats the default.
Secrets are marked once here; masking, ``repr`` and the ``--X-file`` flags follow from it.

Profiles are named connections (``qa``, ``prod``, ...). The built-in sandbox is always the
profile ``sandbox``: its address and credentials come from the sandbox itself.
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from lp_tui.redact import mask

DEFAULT_CSDS = "https://api.liveperson.net"
SANDBOX_PROFILE = "sandbox"
DEFAULT_PROFILE = "default"
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
COLOURS = ("green", "blue", "cyan", "magenta", "yellow", "red", "white")

TEXT, SECRET, URL, PATH, SECONDS, COUNT, SECONDS_LIST, CHOICE, MEGABYTES, FLAG = (
    "text", "secret", "url", "path", "seconds", "count", "seconds-list", "choice", "megabytes", "flag")


class SettingError(ValueError):
    """A setting value that cannot be used; the message names the setting and how to fix it."""


@dataclass(frozen=True)
class Setting:
    name: str  # attribute of Connection (dotted for the retry policy) and key in the settings file
    label: str
    help: str
    kind: str = TEXT
    default: Any = ""
    env: str | None = None
    flag: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float = 0.0
    maximum: float = math.inf
    connection: bool = True  # describes where and who to connect as (the sandbox profile supplies these)
    pattern: str = ""  # for text: what a value must match (it goes into URL paths), and how to say it
    pattern_hint: str = ""

    @property
    def secret(self) -> bool:
        return self.kind == SECRET

    @property
    def key(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def parse(self, value: Any, where: str = "") -> Any:
        """The typed value from a file (TOML types) or from text (environment, flag, form)."""
        label = f"{where}{self.key}"
        kind = self.kind
        if kind in (TEXT, SECRET, PATH, URL, CHOICE):
            if not isinstance(value, str):
                raise SettingError(f"{label} must be text, not {_type(value)}")
            value = value.strip() if kind != SECRET else value
            if "\n" in value or "\r" in value or "\x00" in value:
                raise SettingError(f"{label} must be one line")
            if kind == SECRET:
                check_secret_text(value, f"{self.label} ({label})", header=self.name in HEADER_TOKENS)
            if kind == URL and value:
                check_csds_url(value, label)
            if self.pattern and value and not re.fullmatch(self.pattern, value):
                raise SettingError(f"{label} must be {self.pattern_hint}, not {value[:80]!r}")
            if kind == CHOICE and value not in self.choices:
                raise SettingError(f"{label} must be one of {', '.join(self.choices)}, not {value!r}")
            return value
        if kind == FLAG:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return value.strip().lower() in ("1", "true", "yes", "on")
            raise SettingError(f"{label} must be true or false, not {value!r}")
        if kind == SECONDS_LIST:
            items = [p for p in value.replace(" ", "").split(",") if p] if isinstance(value, str) else value
            if not isinstance(items, list):
                raise SettingError(f"{label} must be seconds separated by commas, e.g. 5, 10, 15")
            return [self._number(item, label) for item in items][:10]
        number = self._number(value, label)
        if kind == COUNT:
            if number != int(number):
                raise SettingError(f"{label} must be a whole number, not {value!r}")
            return int(number)
        return number

    def _number(self, value: Any, label: str) -> float:
        if isinstance(value, bool):
            raise SettingError(f"{label} must be a number, not {value!r}")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise SettingError(f"{label}: {value!r} is not a number; e.g. {self.default}") from None
        if not isinstance(value, (int, float)):
            raise SettingError(f"{label} must be a number, not {_type(value)}")
        if not math.isfinite(value):
            raise SettingError(f"{label} must be a finite number, not {value!r}; e.g. {self.default}")
        if not self.minimum <= value <= self.maximum:
            top = "" if math.isinf(self.maximum) else f" and at most {self.maximum:g}"
            raise SettingError(f"{label} must be at least {self.minimum:g}{top}, not {value:g}")
        return float(value)

    def text(self, value: Any) -> str:
        """How the value shows in a form field."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, list):
            return ", ".join(f"{v:g}" for v in value)
        return "" if value is None else str(value)


HEADER_TOKENS = ("app_jwt", "consumer_jws")  # sent as HTTP header values: printable ASCII only


def token_problem(value: str, *, header: bool = True) -> str:
    """What makes ``value`` unusable as a token, in words that never quote it; "" when usable.

    A control character (or, for a header, anything but printable ASCII) would either be refused
    by the HTTP library with the whole token in its message, or change what is sent.
    """
    for position, char in enumerate(value, 1):
        code = ord(char)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return f"holds a control character (U+{code:04X}) at character {position} of {len(value)}"
        if header and code > 0x7E:
            return (f"holds a character that cannot go in an HTTP header (U+{code:04X}) at character "
                    f"{position} of {len(value)}")
    return ""


def check_secret_text(value: str, label: str, *, header: bool = True) -> None:
    """SettingError naming the setting and what is wrong, never the secret itself."""
    problem = token_problem(value, header=header)
    if problem:
        raise SettingError(f"{label} {problem}: a token is printable ASCII; paste it again without it "
                           "(the value is not shown)")


def _type(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def check_csds_url(value: str, label: str = "csds_url") -> None:
    """An http(s) base URL with a host and nothing that would change where secrets go."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise SettingError(f"{label} {value!r} is not a URL; e.g. {DEFAULT_CSDS}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError(f"{label} {value!r} must be an https:// URL with a host, e.g. {DEFAULT_CSDS} "
                           "(http:// only for a local sandbox)")
    if parts.username is not None or parts.password is not None:
        raise SettingError(f"{label} {value!r} must not hold a user name or password")
    if parts.query or parts.fragment:
        raise SettingError(f"{label} {value!r} must not have a query or fragment")
    if port == 0:
        raise SettingError(f"{label} {value!r}: port 0 is not a port")


ALLOW_PLAIN_HTTP_HOW = ("if you mean it, allow it for this profile: allow_plain_http = true in the settings "
                        "file (Settings, F2), LP_ALLOW_PLAIN_HTTP=1 or --allow-plain-http true")


def plain_http_refusal(url: str, conn: "Connection") -> str | None:
    """Why ``url`` may not carry secrets: plain http:// to a host that is not this machine, unless
    the profile allows it (``allow_plain_http``). None when it may."""
    parts = urlsplit(url)
    if parts.scheme != "http" or is_loopback(parts.hostname) or conn.allow_plain_http:
        return None
    return (f"plain http:// to {parts.netloc}, which is not this machine: the client secret and the tokens "
            "would travel in clear text, so lp-tui refuses to send")


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


SETTINGS: tuple[Setting, ...] = (
    Setting("account_id", "Account id", "Your LivePerson site id, e.g. 12345678.", env="LP_ACCOUNT_ID", flag="--account",
            pattern=r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}",
            pattern_hint="a LivePerson site id: digits (e.g. 12345678), letters, '-' or '_', at most 40"),
    Setting("csds_url", "CSDS URL", "Domain API base URL; https://api.liveperson.net in production.", URL,
            DEFAULT_CSDS, "LP_CSDS_URL", "--csds-url"),
    Setting("client_id", "Client id", "The app installation's client_id.", env="LP_CLIENT_ID", flag="--client-id"),
    Setting("client_secret", "Client secret", "The app installation's client_secret (stored 0600, never shown).",
            SECRET, env="LP_CLIENT_SECRET", flag="--client-secret"),
    Setting("ext_consumer_id", "External consumer id", "Your own id for the consumer; one open conversation each.",
            env="LP_EXT_CONSUMER_ID", flag="--ext-consumer-id"),
    Setting("app_jwt", "Pasted AppJWT", "Optional: use this token instead of minting one.", SECRET,
            env="LP_APP_JWT", flag="--app-jwt"),
    Setting("consumer_jws", "Pasted ConsumerJWS", "Optional: use this token instead of asking IDP.", SECRET,
            env="LP_CONSUMER_JWS", flag="--consumer-jws"),
    Setting("ca_bundle", "CA bundle", "Optional PEM file of trusted CAs (corporate proxies).", PATH,
            env="LP_CA_BUNDLE", flag="--ca-bundle"),
    Setting("auth_scheme", "Authorization", "bare: the token alone, as LivePerson's tools send it; bearer: "
            "'Bearer <token>' (undocumented).", CHOICE, "bare", "LP_AUTH_SCHEME", "--auth-scheme",
            choices=("bare", "bearer"), connection=False),
    Setting("connect_timeout", "Connect timeout (s)", "Seconds to wait for a connection.", SECONDS, 10.0,
            flag="--connect-timeout", minimum=0.01, maximum=600, connection=False),
    Setting("read_timeout", "Read timeout (s)", "Seconds to wait for each part of an answer.", SECONDS, 30.0,
            flag="--timeout", minimum=0.01, maximum=600, connection=False),
    Setting("total_timeout", "Answer time limit (s)", "Seconds one whole answer may take, however it trickles in.",
            SECONDS, 60.0, flag="--total-timeout", minimum=0.01, maximum=3600, connection=False),
    Setting("retry.retry_429", "429 retries", "How many times to retry a 429 (LivePerson: wait at least 1 s).",
            COUNT, 1, maximum=10, connection=False),
    Setting("retry.wait_429", "429 wait (s)", "Seconds before retrying a 429, or Retry-After if longer.",
            SECONDS, 1.0, maximum=600, connection=False),
    Setting("retry.delays_5xx", "5xx retry delays (s)", "LivePerson advises 3 retries after 5, 10, 15 s; "
            "empty: no retries.", SECONDS_LIST, [5.0, 10.0, 15.0], maximum=600, connection=False),
    Setting("max_wait", "Longest wait (s)", "The longest a server may make lp-tui wait (Retry-After); "
            "longer requests are cut to this and said so.", SECONDS, 60.0, flag="--max-wait", maximum=3600,
            connection=False),
    Setting("max_answer_mb", "Answer size cap (MB)", "lp-tui stops reading an answer after this many "
            "decoded megabytes, and says so.", MEGABYTES, 4.0, flag="--max-answer-mb", minimum=0.01,
            maximum=512, connection=False),
    Setting("allow_plain_http", "Allow plain http", "true: lp-tui may send the client secret and tokens over "
            "plain http:// to a host that is not this machine (CSDS URL or a host CSDS names); otherwise refused.",
            FLAG, False, "LP_ALLOW_PLAIN_HTTP", "--allow-plain-http"),
    Setting("sandbox_token", "Sandbox control token", "An external lp-tui sandbox's control token "
            "(its banner's LP_SANDBOX_TOKEN); lp-tui sends it to /_sandbox/* on a loopback CSDS URL only.",
            SECRET, env="LP_SANDBOX_TOKEN"),
    Setting("production", "Production account", "true: the first send of a session to this profile asks first, "
            "and the badge is drawn in a warning colour.", FLAG, False, connection=False),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
SECRET_NAMES = tuple(s.name for s in SETTINGS if s.secret)


def _default(name: str) -> Any:
    """The table's default of a setting: the one place each default is written."""
    return BY_NAME[name].default


@dataclass
class RetryPolicy:
    """LivePerson's retry guidance: 429 -> wait at least 1 s; 5xx -> 3 retries after 5, 10, 15 s."""

    retry_429: int = _default("retry.retry_429")
    wait_429: float = _default("retry.wait_429")
    delays_5xx: list[float] = field(default_factory=lambda: list(_default("retry.delays_5xx")))

    @classmethod
    def none(cls) -> "RetryPolicy":
        return cls(retry_429=0, wait_429=0.0, delays_5xx=[])


@dataclass(repr=False)
class Connection:
    """Where to connect and as whom; ``sources`` says where each value came from.

    Its ``repr`` masks every secret (crash reports print objects).
    """

    # Each setting's default is the table's (SETTINGS), read from there.
    account_id: str = _default("account_id")
    csds_url: str = _default("csds_url")
    client_id: str = _default("client_id")
    client_secret: str = _default("client_secret")
    ext_consumer_id: str = _default("ext_consumer_id")
    app_jwt: str = _default("app_jwt")  # pasted instead of minted
    consumer_jws: str = _default("consumer_jws")  # pasted instead of minted
    ca_bundle: str = _default("ca_bundle")
    auth_scheme: str = _default("auth_scheme")  # "bare" (what LivePerson's tools send) or "bearer"
    connect_timeout: float = _default("connect_timeout")
    read_timeout: float = _default("read_timeout")
    total_timeout: float = _default("total_timeout")
    max_wait: float = _default("max_wait")
    max_answer_mb: float = _default("max_answer_mb")
    production: bool = _default("production")
    allow_plain_http: bool = _default("allow_plain_http")  # plain http:// to a host that is not this machine
    sandbox_token: str = _default("sandbox_token")  # an lp-tui sandbox's control token (/_sandbox/* only)
    csds_ttl: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    profile: str = DEFAULT_PROFILE
    colour: str = ""
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        shown = ", ".join(f"{s.name}={mask(self.get(s.name)) if s.secret else self.get(s.name)!r}"
                          for s in SETTINGS)
        return f"Connection(profile={self.profile!r}, {shown})"

    __str__ = __repr__

    # --- values by setting name (``retry.wait_429`` reaches into the policy) -----------------
    def get(self, name: str) -> Any:
        if name.startswith("retry."):
            return getattr(self.retry, name[6:])
        return getattr(self, name)

    def set(self, name: str, value: Any, source: str) -> None:
        if name.startswith("retry."):
            setattr(self.retry, name[6:], list(value) if isinstance(value, list) else value)
        else:
            setattr(self, name, value)
        self.sources[name] = source

    @property
    def max_answer_bytes(self) -> int:
        return int(self.max_answer_mb * 1024 * 1024)

    # --- what a send needs ----------------------------------------------------------------------
    def is_configured(self) -> bool:
        """Enough to reach a real account: an account id and a way to get an AppJWT."""
        return bool(self.account_id and (self.app_jwt or (self.client_id and self.client_secret)))

    def missing(self) -> list[str]:
        """What a send still needs, in words."""
        out = []
        if not self.account_id:
            out.append("account id (--account or LP_ACCOUNT_ID)")
        if not self.app_jwt and not (self.client_id and self.client_secret):
            out.append("client id and secret (--client-id/--client-secret), or a pasted AppJWT (--app-jwt)")
        if not self.consumer_jws and not self.ext_consumer_id:
            out.append("external consumer id (--ext-consumer-id), or a pasted ConsumerJWS (--consumer-jws)")
        return out

    def warnings(self) -> list[str]:
        """Risks worth a line before sending: tokens in clear text to a non-loopback host."""
        parts = urlsplit(self.csds_url)
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            if self.allow_plain_http:
                return [f"the CSDS URL {self.csds_url} is plain http:// to a host that is not this machine: "
                        "the client secret and the tokens travel in clear text (allow_plain_http is on); "
                        "use https://"]
            return [f"the CSDS URL {self.csds_url} is plain http:// to a host that is not this machine: "
                    "the client secret and the tokens would travel in clear text, so lp-tui refuses to send; "
                    "use https://, or " + ALLOW_PLAIN_HTTP_HOW]
        return []

    def secrets(self) -> list[str]:
        """The values of the settings the table marks secret, those that are set."""
        return [value for name in SECRET_NAMES if (value := self.get(name))]

    # --- layers -----------------------------------------------------------------------------------
    def apply(self, values: Mapping[str, Any], source: str, *, strict: bool = True) -> list[str]:
        """Apply typed or textual values by setting name (or bare key); empty values are skipped.

        Returns one problem per value that cannot be used (``strict``: raise the first instead).
        """
        problems = []
        for key, value in values.items():
            setting = BY_NAME.get(key) or BY_KEY.get(key)
            if setting is None or value is None or value == "":
                continue
            try:
                self.set(setting.name, setting.parse(value), source)
            except SettingError as exc:
                if strict:
                    raise
                problems.append(str(exc))
        return problems

    def apply_env(self, environ: Mapping[str, str] | None = None, *, connection: bool = True) -> list[str]:
        """The ``LP_*`` variables. ``connection=False`` skips those that say where to connect."""
        import os

        env = os.environ if environ is None else environ
        values = {s.name: env.get(s.env) for s in SETTINGS if s.env and (connection or not s.connection)}
        problems = self.apply(values, "environment", strict=False)
        return [f"{p} (from the environment)" for p in problems]


def file_values(values: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """A profile's table from the settings file, type-checked: (usable values, problems).

    A wrong value is named and left out (the default is used); unknown keys are named too.
    """
    good: dict[str, Any] = {}
    problems: list[str] = []
    retry = values.get("retry")  # the first release wrote the policy as a sub-table
    flat = dict(values)
    if isinstance(retry, dict):
        flat.pop("retry")
        flat.update({f"retry.{k}": v for k, v in retry.items()})
    for key, value in flat.items():
        setting = BY_NAME.get(key) or BY_KEY.get(key)
        if key == "colour":
            if isinstance(value, str) and value in COLOURS:
                good["colour"] = value
            else:
                problems.append(f"{where}colour must be one of {', '.join(COLOURS)}; the default is used")
            continue
        if setting is None:
            problems.append(f"{where}{key} is not a setting lp-tui knows; it is kept in the file but not used")
            continue
        try:
            good[setting.name] = setting.parse(value, where)
        except SettingError as exc:
            problems.append(f"{exc}; the default is used")
    return good, problems


def resolve(profile: str, values: Mapping[str, Any], *, environ: Mapping[str, str] | None = None,
            flags: Mapping[str, Any] | None = None, sandbox: Mapping[str, str] | None = None
            ) -> tuple[Connection, list[str]]:
    """The connection for ``profile``: defaults < the profile's file values < environment < flags.

    With ``sandbox`` (the built-in sandbox's values), where to connect comes from it alone:
    the environment's connection variables describe another server and are not used.
    """
    import os

    env = os.environ if environ is None else environ
    conn = Connection(profile=profile)
    problems: list[str] = []
    conn.apply(values, "file", strict=False)
    if "colour" in values:
        conn.colour = values["colour"]
    if sandbox is not None:
        for setting in SETTINGS:
            if setting.connection and setting.name != "ext_consumer_id":
                conn.set(setting.name, setting.default, "default")
                conn.sources.pop(setting.name, None)
        conn.apply(sandbox, "sandbox")
    problems += conn.apply_env(env, connection=sandbox is None)
    if sandbox is not None and env.get("LP_EXT_CONSUMER_ID"):
        conn.apply({"ext_consumer_id": env["LP_EXT_CONSUMER_ID"]}, "environment")
    if flags:
        usable = {k: v for k, v in flags.items()
                  if sandbox is None or not BY_NAME[k].connection or k in ("ext_consumer_id", "app_jwt", "consumer_jws")}
        conn.apply(usable, "flag")
    return conn, problems


def colour_of(conn: Connection) -> str:
    if conn.colour:
        return conn.colour
    return "red" if conn.production else "green"


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME.match(name):
        raise SettingError(f"profile name {name!r}: letters, digits, '.', '_' or '-' (at most 32)")
    return name


def names_of(profiles: Iterable[str]) -> list[str]:
    """Profile names for display: the built-in sandbox first, then the file's, sorted."""
    rest = sorted(set(profiles) - {SANDBOX_PROFILE})
    return [SANDBOX_PROFILE, *rest]
