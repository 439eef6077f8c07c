"""Reading tokens (never verifying: lp-tui is not their audience)."""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any

RENEW_EARLY = 300.0  # renew an AppJWT about five minutes before it expires


def claims(token: str | None) -> dict[str, Any]:
    """The decoded payload of a JWT, or {} when it is not one (a copy: callers may change it)."""
    return dict(_claims(token)) if token else {}


@lru_cache(maxsize=64)  # tokens are reused for an hour (AppJWT) or for ever (JWS): decode once
def _claims(token: str) -> dict[str, Any]:
    import jwt

    from lp_tui.limits import MAX_DEPTH, depth

    if len(token) > 65536:
        return {}
    try:
        value = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError, RecursionError):
        return {}
    return value if isinstance(value, dict) and depth(value) <= MAX_DEPTH else {}


MAX_TIME = 253402300799.0  # 9999-12-31 23:59:59 UTC: later (or NaN, or infinite) is not a time


def expiry(token: str) -> float | None:
    """The ``exp`` claim as seconds, when it is a usable time (a hostile 1e400 or -inf is not)."""
    exp = claims(token).get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return None
    try:
        value = float(exp)
    except OverflowError:  # an integer too large for a float
        return None
    return value if math.isfinite(value) and -MAX_TIME <= value <= MAX_TIME else None


def when(seconds: float) -> str:
    """A local time for display; never raises, whatever the number."""
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))
    except (OverflowError, OSError, ValueError):
        return f"{seconds:.0f} s after 1970"


def fresh(token: str, now: float) -> bool:
    """True while the token has more than five minutes left (or no ``exp`` at all)."""
    exp = expiry(token)
    return exp is None or exp - RENEW_EARLY > now
