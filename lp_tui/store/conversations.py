"""Open conversations remembered across restarts, one per (profile, CSDS URL, account, consumer).

LivePerson allows one open conversation per consumer and has no read to find it again, so
lp-tui keeps the id of the one it opened: after a restart, ``Ctrl+R`` and ``lp-tui close``
still know what to close. JSON, mode 0600, written atomically under a lock.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lp_tui.limits import loads_json, read_bytes
from lp_tui.store.atomic import keep_bad_copy, locked, write_text

MAX_REMEMBERED = 500

Key = tuple[str, str, str, str]


def _key(key: Key) -> str:
    return json.dumps(list(key), ensure_ascii=False)


@dataclass
class Conversations:
    path: Path

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        try:
            value = loads_json(read_bytes(self.path, 4 * 1024 * 1024).decode("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            keep_bad_copy(self.path)
            return {}
        return value if isinstance(value, dict) else {}

    def get(self, key: Key | None) -> str | None:
        if key is None:
            return None
        entry = self._read().get(_key(key))
        value = entry.get("conversation_id") if isinstance(entry, dict) else None
        return value if isinstance(value, str) and value else None

    def latest(self, profile: str, csds_url: str, account: str) -> tuple[str, str] | None:
        """The newest remembered (consumer, conversation) of a profile, whatever its consumer: a
        consumer id lp-tui made up for a session is found again after a restart."""
        best: tuple[float, str, str] | None = None
        for name, entry in self._read().items():
            try:
                key = json.loads(name)
            except ValueError:
                continue
            if not (isinstance(key, list) and len(key) == 4 and key[:3] == [profile, csds_url, account]
                    and isinstance(key[3], str) and key[3] and isinstance(entry, dict)):
                continue
            conversation, when = entry.get("conversation_id"), entry.get("time", 0)
            if isinstance(conversation, str) and conversation and isinstance(when, (int, float)):
                if best is None or when > best[0]:
                    best = (float(when), key[3], conversation)
        return (best[1], best[2]) if best else None

    def client_properties(self, key: Key | None, conversation_id: str | None = None) -> str | None:
        """The Client-Properties header the key's open conversation was created with (LivePerson wants
        the same on every SEND after the create); None when none was sent, or when ``conversation_id``
        is given and is not the remembered one."""
        if key is None:
            return None
        entry = self._read().get(_key(key))
        if not isinstance(entry, dict):
            return None
        if conversation_id is not None and entry.get("conversation_id") != conversation_id:
            return None
        value = entry.get("client_properties")
        return value if isinstance(value, str) and value else None

    def remember(self, key: Key | None, conversation_id: str, client_properties: str | None = None) -> None:
        self._change(key, conversation_id, props=client_properties)

    def forget(self, key: Key | None, conversation_id: str | None = None) -> None:
        """Forget the key's conversation (only if it is ``conversation_id``, when given)."""
        self._change(key, None, conversation_id)

    def _change(self, key: Key | None, value: str | None, only: str | None = None, props: str | None = None) -> None:
        if key is None:
            return
        with locked(self.path):
            data = self._read()
            name = _key(key)
            if value is None:
                current = data.get(name)
                if only is not None and isinstance(current, dict) and current.get("conversation_id") != only:
                    return
                if data.pop(name, None) is None:
                    return
            else:
                data[name] = {"conversation_id": value, "time": time.time()}
                if props:
                    data[name]["client_properties"] = props
                if len(data) > MAX_REMEMBERED:
                    oldest = sorted(data, key=lambda k: data[k].get("time", 0) if isinstance(data[k], dict) else 0)
                    for stale in oldest[: len(data) - MAX_REMEMBERED]:
                        del data[stale]
            write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1), mode=0o600)
