"""Masking secrets for display, logs, history and errors."""

from __future__ import annotations

import re
from typing import Any, Iterable

SECRET_HEADERS = {"authorization", "x-lp-on-behalf"}
REDACTED = "(redacted)"


def mask(secret: str | None) -> str:
    """``eyJhbGciOi…(redacted)``: enough to tell a token is there, never enough to use it."""
    if not secret:
        return ""
    prefix = secret[:10] if secret.startswith("eyJ") and len(secret) > 40 else ""
    return f"{prefix}…{REDACTED}" if prefix else REDACTED


def mask_headers(headers: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and value:
            text = str(value)
            scheme = "Bearer " if text.startswith("Bearer ") else ""
            out[name] = scheme + mask(text[len(scheme):])
        else:
            out[name] = value
    return out


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace any occurrence of a known secret in free text (error messages, bodies)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask(secret))
    return text


def scrub_value(value: Any, secrets: Iterable[str | None]) -> Any:
    """``scrub`` through parsed JSON: every string in it, keys included (a server may echo a token)."""
    found = [s for s in secrets if s and len(s) >= 4]
    if not found:
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return scrub(node, found)
        if isinstance(node, dict):
            return {walk(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value)


JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")


def mask_jwts(text: str) -> str:
    """Mask anything shaped like a whole JWT in free text: files that leave lp-tui (exports,
    evidence, diffs) carry no token even when a server echoed one lp-tui did not know of."""
    return JWT_SHAPE.sub(lambda m: mask(m.group()), text)


def encoded_forms(secret: str) -> list[str]:
    """How ``secret`` can appear inside a JSON string of a body lp-tui serialised."""
    import json

    forms = [json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]]
    return [f for f in dict.fromkeys(forms) if f]


def secret_forms(secrets: Iterable[str | None]) -> list[str]:
    """Each secret as it is and as a JSON string holds it (escaped), longest first."""
    forms: set[str] = {form for s in secrets if s and len(s) >= 4 for form in (s, *encoded_forms(s))}
    return sorted(forms, key=len, reverse=True)


def scrub_body(text: str, secrets: Iterable[str | None]) -> str:
    """``scrub`` for a JSON body: each secret as it is and as a JSON string holds it."""
    return scrub(text, secret_forms(secrets))
