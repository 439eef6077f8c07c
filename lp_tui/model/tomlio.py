"""TOML in and out for drafts, with the two values TOML cannot hold.

TOML has no null and no integers beyond 64 bits, but a draft may hold both (``--set-json``).
They are written as ``{ "$null" = true }`` and ``{ "$bigint" = "123..." }`` and read back.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

NULL_KEY = "$null"
BIGINT_KEY = "$bigint"
INT64 = (-(2**63), 2**63 - 1)


class TomlFileError(ValueError):
    """A TOML file that cannot be read; the message names the file and what is wrong."""


def encode(value: Any) -> Any:
    if value is None:
        return {NULL_KEY: True}
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
        return {BIGINT_KEY: str(value)}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {NULL_KEY} and value[NULL_KEY] is True:
            return None
        if set(value) == {BIGINT_KEY} and isinstance(value[BIGINT_KEY], str):
            return int(value[BIGINT_KEY])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("nan and inf cannot be sent in JSON")
    return value


def dumps(data: dict[str, Any]) -> str:
    import tomli_w

    return tomli_w.dumps(encode(data))


def read(path: Path) -> dict[str, Any]:
    """Parse a TOML file within bounds (size, nesting); every failure is a TomlFileError naming
    the file (and line)."""
    from lp_tui.limits import read_bytes

    try:
        raw = read_bytes(path, regular_only=True)
    except FileNotFoundError:
        raise TomlFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise TomlFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise TomlFileError(f"{path}: {exc}") from None
    return loads(raw, str(path))


def read_text(path: Path, limit: int, missing: str = "no such file") -> str:
    """A file's text, read as every file from outside is: refused when another user could change it
    (``paths.untrusted``), at most ``limit`` bytes, a regular file, UTF-8. A TomlFileError names the
    file and what is wrong (``missing`` when it is not there)."""
    from lp_tui.limits import read_bytes
    from lp_tui.paths import untrusted

    refused = untrusted(path)
    if refused is not None:
        raise TomlFileError(f"{path}: not used: {refused}")
    try:
        raw = read_bytes(path, limit, regular_only=True)
    except FileNotFoundError:
        raise TomlFileError(f"{path}: {missing}") from None
    except (OSError, ValueError) as exc:
        raise TomlFileError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TomlFileError(f"{path}: not UTF-8 text") from None


def loads(raw: bytes | str, source: str) -> dict[str, Any]:
    """Parse TOML text within bounds; a TomlFileError names ``source`` and what is wrong."""
    from lp_tui.limits import TooDeep, loads_toml

    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise TomlFileError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    try:
        return loads_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError(f"{source}: malformed TOML: {exc}") from None
    except TooDeep as exc:
        raise TomlFileError(f"{source}: {exc}") from None
