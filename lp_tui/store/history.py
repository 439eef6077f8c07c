"""Send history: one JSON object per line, newest last, bounded. Secrets are masked before
anything reaches this module's callers' records; this module re-checks headers anyway."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lp_tui.lp.redact import mask_headers
from lp_tui.store.atomic import StoreError, keep_bad_copy, write_text

MAX_ENTRIES = 200


@dataclass
class History:
    path: Path
    limit: int = MAX_ENTRIES

    def append(self, entry: dict[str, Any]) -> None:
        """Add one entry: an O(1) appended line, fsynced; the file is trimmed to ``limit``
        entries (atomically) once it holds half as many again."""
        entry = dict(entry)
        request = entry.get("request")
        if isinstance(request, dict) and isinstance(request.get("headers"), dict):
            request = dict(request, headers=mask_headers(request["headers"]))
            entry["request"] = request
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            with open(self.path, "rb") as handle:
                lines = sum(1 for _ in handle)
        except OSError as exc:
            raise StoreError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        if lines > self.limit + self.limit // 2:
            self.trim()

    def trim(self) -> None:
        entries, problems = self.load()
        if problems:  # never drop unreadable lines silently: keep the old file aside
            keep_bad_copy(self.path)
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries[-self.limit :])
        write_text(self.path, text, mode=0o600)

    def load(self) -> tuple[list[dict[str, Any]], list[str]]:
        """All readable entries (oldest first) and a message per unreadable line."""
        if not self.path.exists():
            return [], []
        try:
            text = self.path.read_text("utf-8", errors="replace")
        except OSError as exc:
            return [], [f"{self.path}: cannot read history ({exc.strerror or exc})"]
        entries, problems = [], []
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                problems.append(f"{self.path}: line {number} is not valid JSON and was skipped")
                continue
            if isinstance(value, dict):
                entries.append(value)
        return entries[-self.limit :], problems
