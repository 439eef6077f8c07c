"""Masking secrets for display, logs, history and errors."""

from __future__ import annotations

import functools

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


CUT_RUN = 12  # a secret's first characters, this many or more, count as the secret (a cut copy)
TOKEN_CHARS = "-_.~+/=%"  # with letters and digits: what may continue a token


def printed_forms(secret: str) -> list[str]:
    """How ``secret`` can be printed: as it is, as ``repr`` shows it (str and UTF-8 bytes), as the
    display boundary escapes it (``lp_tui.text.safe``) and as a JSON string holds it; longest first."""
    return list(_printed_forms(secret))


@functools.lru_cache(maxsize=64)
def _heads(secret: str) -> dict[str, str]:
    """Each printed form's first characters that count as the form cut short (``_least_run``)."""
    return {form[: _least_run(form)]: form for form in _printed_forms(secret) if len(form) > _least_run(form)}


@functools.lru_cache(maxsize=64)
def _probes(secret: str) -> tuple[str, ...]:
    """What any printed form of ``secret``, whole or cut short, contains: each long form's head, and
    each form too short to have one."""
    return (*_heads(secret), *(f for f in _printed_forms(secret) if len(f) <= _least_run(f)))


@functools.lru_cache(maxsize=64)  # a send scrubs every string of its answer with the same few secrets
def _printed_forms(secret: str) -> tuple[str, ...]:
    from lp_tui.text import safe

    forms = [secret, repr(secret)[1:-1], repr(secret.encode("utf-8", "surrogatepass"))[2:-1],
             safe(secret), safe(secret, one_line=True), *encoded_forms(secret)]
    return tuple(sorted(dict.fromkeys(f for f in forms if f), key=len, reverse=True))


def _least_run(form: str) -> int:
    """How much of ``form``'s start must be seen to call it the secret cut short: 12 characters, or
    for a JWT its shared header, the dot and 8 characters of its own payload."""
    if form.startswith("eyJ") and "." in form:
        return max(CUT_RUN, form.index(".") + 9)
    return CUT_RUN


def _extent(text: str, start: int, form: str) -> int:
    """Where ``text`` stops matching ``form`` laid over it at ``start``."""
    end = start
    limit = min(len(text), start + len(form))
    while end < limit and text[end] == form[end - start]:
        end += 1
    return end


def _scrub_secret(text: str, secret: str) -> str:
    """Mask ``secret`` in ``text`` in each printed form, whole or cut short (its first characters,
    the rest gone); at each place the longest matching form is masked."""
    forms = _printed_forms(secret)
    heads = _heads(secret)
    if not any(probe in text for probe in _probes(secret)):  # no form of it here, whole or cut short
        return text
    masked = mask(secret)
    for form in forms:  # whole forms first, longest first
        text = text.replace(form, masked)
    if not any(head in text for head in heads):
        return text
    out: list[str] = []
    pos = 0
    while True:
        found = [(i, head) for head in heads if (i := text.find(head, pos)) >= 0]
        if not found:
            break
        start = min(i for i, _ in found)
        matching = [form for form in forms if text.startswith(form[: _least_run(form)], start)]
        end = max(_extent(text, start, form) for form in matching)
        whole = any(end - start == len(form) for form in matching)
        if not whole and end < len(text) and (text[end].isalnum() or (text[end] in TOKEN_CHARS
                                                                      and text[end + 1 : end + 2].isalnum())):
            # the text goes on as another token that only starts like this one (the same JWT
            # header, the same first claims): not a cut copy of it; left whole for ``mask_jwts``.
            # Punctuation that no letter or digit follows ends the copy: "…TbK..." or "…TbK." is cut
            out.append(text[pos : start + 1])
            pos = start + 1
            continue
        out += [text[pos:start], masked]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Mask every known secret in free text (error messages, bodies, headers): as it is, in each
    form it may be printed in (``printed_forms``: repr, escaped, JSON), and cut short (its first
    characters: an error message or a store that cut it)."""
    # longest first: a secret inside another (a client id inside a token) masked first would leave
    # the head and tail of the longer one readable around its mask
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = _scrub_secret(text, secret)
    return text


def scrub_headers(headers: dict[str, Any], secrets: Iterable[str | None]) -> dict[str, Any]:
    """``mask_headers``, then every value (and name) scrubbed of the known secrets and of JWTs:
    a server may echo a token in any header of its answer."""
    found = [s for s in secrets if s and len(s) >= 4]
    out: dict[str, Any] = {}
    for name, value in mask_headers(headers).items():
        key = mask_jwts(scrub(str(name), found))
        out[key] = mask_jwts(scrub(value, found)) if isinstance(value, str) else value
    return out


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
    return scrub(text, [s for s in secrets if s])
