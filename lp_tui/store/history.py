"""Send history: one JSON object per line, newest last, bounded.

- An append is a whole line or nothing: on a full disk the half-written line is cut off again,
  so the next entry never glues onto a fragment; a torn last line left by anything else (a
  crash, another program) is moved to ``history.jsonl.torn-…`` first.
- Appends and trims are locked between processes (two lp-tui at once lose nothing).
- The file is never followed through a symlink; it is mode 0600 in a 0700 folder.
- Each entry is bounded (a body over ``MAX_BODY`` is stored cut, and marked so) and the file
  holds at most ``limit`` entries (trimmed once it holds half as many again).
- Loading reads the file as a stream of lines and keeps only the newest ``limit``: a huge or
  hostile file costs memory for those entries only.

Secrets are masked before records reach this module; it re-checks the request headers anyway.
"""

from __future__ import annotations

import collections
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lp_tui.limits import MAX_DEPTH, TooDeep, loads_json
from lp_tui.redact import mask_headers, mask_jwts
from lp_tui.store.atomic import StoreError, keep_bad_copy, locked, write_text

MAX_ENTRIES = 200
MAX_BODY = 256 * 1024  # characters of a request or response body kept per entry
MAX_LINE = 4 * MAX_BODY  # a longer line is not an entry lp-tui wrote: skipped, and said so
TRUNCATED = "truncated"


def bounded(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with masked request headers and bodies cut to MAX_BODY (marked ``truncated``)."""
    entry = dict(entry)
    for part in ("request", "response"):
        value = entry.get(part)
        if not isinstance(value, dict):
            continue
        value = dict(value)
        if isinstance(value.get("headers"), dict):  # a server may echo a token in its answer's headers
            value["headers"] = {k: mask_jwts(v) if isinstance(v, str) else v
                                for k, v in mask_headers(value["headers"]).items()}
        body = value.get("body")
        if isinstance(body, str) and len(body) > MAX_BODY:
            value["body"] = body[:MAX_BODY]
            value[TRUNCATED] = len(body)
        entry[part] = value
    return entry


@dataclass
class History:
    path: Path
    limit: int = MAX_ENTRIES
    torn_aside: Path | None = None  # where the last append set a torn line aside, if it did

    def append(self, entry: dict[str, Any]) -> None:
        """Add one entry as one whole line, under the lock; trim when the file has grown."""
        line = (json.dumps(bounded(entry), ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        with locked(self.path):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            except OSError as exc:
                raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None
            try:
                start = self._set_torn_tail_aside(fd)
                try:
                    written = os.write(fd, line)
                    if written != len(line):
                        raise OSError(28, "the disk took only part of the entry")
                    os.fsync(fd)
                except OSError as exc:
                    try:
                        os.ftruncate(fd, start)  # whole line or nothing
                    except OSError:
                        pass
                    raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None
                size = start + len(line)
            finally:
                os.close(fd)
            if size > 0 and self._count_lines() > self.limit + self.limit // 2:
                self._trim()

    def _set_torn_tail_aside(self, fd: int) -> int:
        """The file's size once a torn last line (no newline: a write cut short by a crash or
        a full disk, or another program) is moved to ``history.jsonl.torn-…`` (0600) and cut
        off, so the next entry starts on its own line and is never glued to the fragment."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0
        back = size
        while back > 0:  # find the last newline, reading backwards in bounded chunks
            step = min(1 << 16, back)
            chunk = os.pread(fd, step, back - step)
            if back == size and chunk.endswith(b"\n"):
                return size
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                back = back - step + cut + 1
                break
            back -= step
        kept = min(size - back, MAX_LINE)  # a fragment longer than any entry: its end is kept aside
        tail = os.pread(fd, kept, size - kept)
        if kept == size - back and _is_entry(tail):  # a whole entry that lost only its newline
            os.write(fd, b"\n")
            return size + 1
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.torn-{stamp}-{os.getpid()}")
        try:
            keep = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
            try:
                os.write(keep, tail + b"\n")
            finally:
                os.close(keep)
        except OSError:
            pass  # the fragment was no entry anyway; the new one must still start its own line
        os.ftruncate(fd, back)
        self.torn_aside = aside
        return back

    def _count_lines(self) -> int:
        with open(self.path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))

    def _trim(self) -> None:
        entries, problems = self._load()
        if problems:  # never drop unreadable lines silently: keep the old file aside
            keep_bad_copy(self.path)
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries[-self.limit :])
        write_text(self.path, text, mode=0o600)

    def load(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The newest ``limit`` readable entries (oldest first) and a message per unreadable line."""
        return self._load()

    def _load(self) -> tuple[list[dict[str, Any]], list[str]]:
        if not self.path.exists():
            return [], []
        entries: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.limit)
        problems: list[str] = []
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            return [], [f"{self.path}: cannot read history ({exc.strerror or exc})"]
        with open(fd, "rb") as handle:
            for number, raw in enumerate(_lines(handle, MAX_LINE), 1):
                if raw is None:
                    problems.append(f"{self.path}: line {number} is longer than lp-tui writes and was skipped")
                    continue
                if not raw.strip():
                    continue
                try:
                    value = loads_json(raw.decode("utf-8", errors="replace"), MAX_DEPTH)
                except (ValueError, TooDeep):
                    problems.append(f"{self.path}: line {number} is not valid JSON and was skipped")
                    continue
                if isinstance(value, dict):
                    entries.append(value)
        return list(entries), problems[:20]

    def load_newest(self, count: int) -> list[dict[str, Any]]:
        """The newest ``count`` readable entries, newest first, read from the end of the file (a
        screen shows them at once, before ``load`` has read the rest). Unreadable lines are skipped
        here; ``load`` names them."""
        if count <= 0 or not self.path.exists():
            return []
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return []
        out: list[dict[str, Any]] = []
        with open(fd, "rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            tail = b""
            budget = min(end, (count + 1) * MAX_LINE)  # never more than count long lines' worth
            position = end
            while position > end - budget and tail.count(b"\n") <= count:
                step = min(1 << 16, position - (end - budget))
                position -= step
                handle.seek(position)
                tail = handle.read(step) + tail
            lines = tail.split(b"\n")
            if position > 0:
                lines = lines[1:]  # the first may be cut
            for raw in reversed(lines):
                if len(out) >= count:
                    break
                if not raw.strip() or len(raw) > MAX_LINE:
                    continue
                try:
                    value = loads_json(raw.decode("utf-8", errors="replace"), MAX_DEPTH)
                except (ValueError, TooDeep):
                    continue
                if isinstance(value, dict):
                    out.append(value)
        return out

    def find(self, entry_id: str) -> dict[str, Any] | None:
        entries, _ = self.load()
        for entry in entries:
            if entry.get("id") == entry_id:
                return entry
        return None


def _is_entry(raw: bytes) -> bool:
    try:
        return isinstance(loads_json(raw.decode("utf-8"), MAX_DEPTH), dict)
    except (ValueError, TooDeep, UnicodeDecodeError):
        return False


def _lines(handle: Any, limit: int) -> Any:
    """The file's lines as bytes, each at most ``limit`` long (None for a longer one, skipped whole)."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the long line without holding it
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line
