"""Bounds on everything read from outside: nesting depth, file sizes, waits.

Answers from servers are also capped in decoded bytes (``lp/transport.py`` reads them as a
stream); the figures below are the defaults, and the README states them.
No Textual, no HTTP here: every layer may use it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

MAX_DEPTH = 100  # JSON or TOML nesting, anywhere: bodies, answers, drafts, presets, settings, rules
MAX_FILE_BYTES = 8 * 1024 * 1024  # settings, drafts, presets, rules files, raw bodies read from disk


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


def check_depth(value: T, limit: int = MAX_DEPTH) -> T:
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


class NotRegularFile(OSError):
    """A FIFO, a device, a socket or a folder where a file is read."""

    def __init__(self, reason: str) -> None:
        import errno

        super().__init__(errno.EINVAL, reason)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words: "a FIFO (named pipe)", "a device", ..."""
    import stat

    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def is_regular(path: Path) -> bool:
    """True for a regular file (through a symlink); False for a FIFO, a device, a socket, a folder,
    or what cannot be looked at. Never opens it: looking cannot block."""
    import stat

    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES, *, regular_only: bool = False) -> bytes:
    """A file's bytes, refusing one larger than ``limit`` (ValueError naming the size).

    ``regular_only`` refuses anything but a regular file (``NotRegularFile``, an OSError whose
    ``strerror`` says what it is), without
    ever waiting on it: a FIFO is opened without blocking and never read, so a FIFO among presets,
    checks, settings or rules cannot hang lp-tui. Files named on the command line for a secret or a
    raw body may be pipes (``<(…)``) and are read without it.
    """
    import stat

    if not regular_only:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise NotRegularFile(f"{file_kind(mode)}: lp-tui reads only regular files here")
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb") as handle:
                fd = -1  # the handle closes it
                data = handle.read(limit + 1)
        finally:
            if fd >= 0:
                os.close(fd)
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
