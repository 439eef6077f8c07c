"""Connection settings and where each value came from (flag > environment > file > default)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_CSDS = "https://api.liveperson.net"

# setting name -> environment variable
ENV_VARS = {
    "account_id": "LP_ACCOUNT_ID",
    "client_id": "LP_CLIENT_ID",
    "client_secret": "LP_CLIENT_SECRET",
    "ext_consumer_id": "LP_EXT_CONSUMER_ID",
    "csds_url": "LP_CSDS_URL",
    "app_jwt": "LP_APP_JWT",
    "consumer_jws": "LP_CONSUMER_JWS",
    "ca_bundle": "LP_CA_BUNDLE",
}
SECRET_FIELDS = ("client_secret", "app_jwt", "consumer_jws")


@dataclass
class RetryPolicy:
    """LivePerson's retry guidance: 429 -> wait at least 1 s; 5xx -> 3 retries after 5, 10, 15 s."""

    retry_429: int = 1
    wait_429: float = 1.0
    delays_5xx: list[float] = field(default_factory=lambda: [5.0, 10.0, 15.0])

    @classmethod
    def none(cls) -> "RetryPolicy":
        return cls(retry_429=0, wait_429=0.0, delays_5xx=[])


@dataclass
class Connection:
    account_id: str = ""
    csds_url: str = DEFAULT_CSDS
    client_id: str = ""
    client_secret: str = ""
    ext_consumer_id: str = ""
    app_jwt: str = ""  # pasted instead of minted
    consumer_jws: str = ""  # pasted instead of minted
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    ca_bundle: str = ""
    auth_scheme: str = "bare"  # "bare" (what LivePerson's tools send) or "bearer"
    csds_ttl: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

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

    def apply(self, values: dict[str, Any], source: str) -> None:
        names = {f.name for f in fields(self)} - {"retry", "sources"}
        for key, value in values.items():
            if key in names and value not in (None, ""):
                current = getattr(self, key)
                if isinstance(current, float):
                    value = float(value)
                setattr(self, key, value)
                self.sources[key] = source
        retry = values.get("retry")
        if isinstance(retry, dict):
            self.retry = RetryPolicy(
                retry_429=int(retry.get("retry_429", self.retry.retry_429)),
                wait_429=float(retry.get("wait_429", self.retry.wait_429)),
                delays_5xx=[float(d) for d in retry.get("delays_5xx", self.retry.delays_5xx)],
            )

    def apply_env(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.apply({name: env.get(var) for name, var in ENV_VARS.items()}, "environment")

    def file_values(self) -> dict[str, Any]:
        """What belongs in the settings file: everything not from the environment or flags."""
        out: dict[str, Any] = {}
        default = Connection()
        for f in fields(self):
            if f.name in ("sources", "retry"):
                continue
            if self.sources.get(f.name) in ("environment", "flag"):
                continue
            value = getattr(self, f.name)
            if value != getattr(default, f.name) or f.name == "csds_url":
                out[f.name] = value
        out["retry"] = {
            "retry_429": self.retry.retry_429,
            "wait_429": self.retry.wait_429,
            "delays_5xx": list(self.retry.delays_5xx),
        }
        return out
