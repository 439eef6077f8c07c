"""Send history: one JSON object per line, newest last, bounded. Secrets are masked before
anything reaches this module's callers' records; this module re-checks headers anyway."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lp_tui.lp.redact import mask_headers
from lp_tui.store.atomic import keep_bad_copy, write_text

MAX_ENTRIES = 200


@dataclass
class History:
    path: Path
    limit: int = MAX_ENTRIES

    def append(self, entry: dict[str, Any]) -> None:
        entry = dict(entry)
        request = entry.get("request")
        if isinstance(request, dict) and isinstance(request.get("headers"), dict):
            request = dict(request, headers=mask_headers(request["headers"]))
            entry["request"] = request
        entries, problems = self.load()
        if problems:  # never drop unreadable lines silently: keep the old file aside
            keep_bad_copy(self.path)
        entries.append(entry)
        entries = entries[-self.limit :]
        text = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
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
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                problems.append(f"{self.path}: line {number} is not valid JSON and was skipped")
                continue
            if isinstance(value, dict):
                entries.append(value)
        return entries, problems
