"""Reading tokens (never verifying: lp-tui is not their audience)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

RENEW_EARLY = 300.0  # renew an AppJWT about five minutes before it expires


def claims(token: str | None) -> dict[str, Any]:
    """The decoded payload of a JWT, or {} when it is not one (a copy: callers may change it)."""
    return dict(_claims(token)) if token else {}


@lru_cache(maxsize=64)  # tokens are reused for an hour (AppJWT) or for ever (JWS): decode once
def _claims(token: str) -> dict[str, Any]:
    import jwt

    try:
        value = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return value if isinstance(value, dict) else {}


def expiry(token: str) -> float | None:
    exp = claims(token).get("exp")
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def fresh(token: str, now: float) -> bool:
    """True while the token has more than five minutes left (or no ``exp`` at all)."""
    exp = expiry(token)
    return exp is None or exp - RENEW_EARLY > now
