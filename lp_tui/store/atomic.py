"""Atomic file writes: temp file in the same folder, fsync, rename. A kill at any moment
leaves either the old file or the new one, never a torn one."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterator

from lp_tui.paths import private_dir


class StoreError(OSError):
    """A file could not be written; the message names it and says why."""


def write_text(path: Path, text: str, mode: int = 0o644, backup: bool = False) -> None:
    """Replace ``path`` with ``text`` atomically. With ``backup``, the old file is kept as ``path~``."""
    try:
        private_dir(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if backup and path.exists():
            os.replace(path, path.with_name(path.name + "~"))
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def keep_bad_copy(path: Path) -> Path | None:
    """Move an unreadable file aside (``name.bad-YYYYmmdd-HHMMSS``) so it is never overwritten silently."""
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, target)
    except OSError:
        return None
    try:  # it may hold a secret, and was perhaps readable by others: the copy is not
        os.chmod(target, 0o600)
    except OSError:
        pass
    return target


def readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


@contextlib.contextmanager
def locked(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Hold an advisory lock on ``path.lock`` between processes (two lp-tui at once).

    Yields True when the lock is held; with ``blocking=False``, False when another process has it.
    """
    import fcntl

    try:
        private_dir(path.parent)
        fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot lock {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock
