"""Bounds on everything read from outside: nesting depth, file sizes, waits.

Answers from servers are also capped in decoded bytes (``lp/transport.py`` reads them as a
stream); the figures below are the defaults, and the README states them.
No Textual, no HTTP here: every layer may use it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

MAX_DEPTH = 100  # JSON or TOML nesting, anywhere: bodies, answers, drafts, presets, settings, rules
MAX_FILE_BYTES = 8 * 1024 * 1024  # settings, drafts, presets, rules files, raw bodies read from disk
MAX_ANSWER_BYTES = 4 * 1024 * 1024  # default cap on an answer's decoded body (a setting)
MAX_WAIT = 60.0  # default ceiling of any wait a server asks for (Retry-After); a setting


class TooDeep(ValueError):
    """Nested deeper than MAX_DEPTH levels."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"nested deeper than {limit} levels (lp-tui reads at most {limit})")


def depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of lists and dicts, without recursion; stops counting past ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        children: Any
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def check_depth(value: Any, limit: int = MAX_DEPTH) -> Any:
    if depth(value, limit) > limit:
        raise TooDeep(limit)
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def loads_json(text: str | bytes, limit: int = MAX_DEPTH, *, strict_numbers: bool = False) -> Any:
    """``json.loads`` that never recurses past ``limit`` levels (TooDeep, a ValueError).

    ``strict_numbers`` refuses NaN and Infinity, which JSON does not have.
    """
    try:
        value = json.loads(text, parse_constant=_no_constants if strict_numbers else None)
    except RecursionError:
        raise TooDeep(limit) from None
    return check_depth(value, limit)


def loads_toml(text: str, limit: int = MAX_DEPTH) -> dict[str, Any]:
    import tomllib

    try:
        value = tomllib.loads(text)
    except RecursionError:
        raise TooDeep(limit) from None
    return check_depth(value, limit)


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, refusing one larger than ``limit`` (ValueError naming the size)."""
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit // (1024 * 1024)} MB (lp-tui reads at most that)")
    return data


def finite_seconds(value: Any, ceiling: float) -> float | None:
    """A wait in seconds from outside (``Retry-After``), within 0..ceiling; None when unreadable."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if math.isnan(number):
        return None
    return min(max(number, 0.0), ceiling)
