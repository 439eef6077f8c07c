"""The settings file: profiles of connection settings, the chosen profile and the theme.

TOML, mode 0600 (it may hold client secrets)::

    profile = "qa"                 # used when neither --profile nor LP_PROFILE says otherwise
    theme = "textual-dark"

    [profiles.qa]
    account_id = "12345678"
    client_secret = "..."

Every value is type-checked on load against the connection table: a wrong one is named and
set aside (the default is used), and the file is kept as a ``.bad-…`` copy before the next
save, so nothing stored is lost. Saving writes what the user changed and keeps every other
stored value as it was, unknown keys included; values from the environment are never written.
The first release's ``[connection]`` table is read as the profile ``default``.

Two lp-tui at once (two windows) never undo each other: a save takes a lock next to the file
(``settings.toml.lock``), reads the file again, and writes only the keys this window changed
since it read the file, over what is there now. When the other window changed one of the same
keys to something else, nothing is written: ``SettingsConflict`` lists them, and the caller
asks whose value wins (``prefer="mine"`` or ``"theirs"``). Keys lp-tui does not know, at the top
and in profiles, stay as they are, the legacy ``[connection]`` table included; before a save
migrates anything (the legacy table copied to ``[profiles.default]``, a ``retry`` sub-table
flattened) the file as it was is copied to ``settings.toml.backup-…`` (0600).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lp_tui.model import tomlio
from lp_tui.paths import untrusted
from lp_tui.model.connection import (
    BY_NAME,
    DEFAULT_PROFILE,
    SANDBOX_PROFILE,
    SettingError,
    check_profile_name,
    file_values,
)
from lp_tui.store.atomic import keep_bad_copy, readable_by_others, write_text


@dataclass
class SettingsFile:
    path: Path
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # as stored (raw TOML tables)
    active: str = ""  # the file's chosen profile, if any
    theme: str = ""
    keymap: Any = ""  # "posting" or "" (the default keys); checked by the app (lp_tui/ui/keys.py)
    keys: Any = field(default_factory=dict)  # [keys]: binding id -> "key,key", as stored
    accept_and_read: bool = False  # the Timeline acknowledges the agent's messages as they show (ui/consumer.py)
    key_lines: dict[str, int] = field(default_factory=dict)  # where each of those is in the file
    problems: list[str] = field(default_factory=list)
    bad_file: bool = False  # kept aside (renamed) before the next save
    # what was read (profiles as stored, the choice, the theme): a save writes only the differences
    base: dict[str, Any] = field(default_factory=dict, repr=False)
    backup: Path | None = None  # where the last save copied the file before migrating it, if it did

    def names(self) -> list[str]:
        from lp_tui.model.connection import names_of

        return names_of(self.profiles)

    def values(self, profile: str) -> dict[str, Any]:
        """The profile's usable values, typed (problems were reported at load)."""
        good, _ = file_values(self.profiles.get(profile, {}), "")
        return good

    def chosen(self) -> str:
        """The profile to use when nothing else says: the file's choice, else ``default``."""
        if self.active and (self.active in self.profiles or self.active == SANDBOX_PROFILE):
            return self.active
        return DEFAULT_PROFILE


def load(path: Path) -> SettingsFile:
    result = SettingsFile(path)
    if not path.exists():
        return result
    refused = untrusted(path)
    if refused is not None:  # another user could have chosen where the secret goes: nothing of it is used
        result.problems.append(f"{path} is not used: {refused}. Until then lp-tui uses defaults; the file is "
                               "kept and set aside before the next save.")
        result.bad_file = True
        return result
    try:
        data = tomlio.read(path)
    except tomlio.TomlFileError as exc:
        result.problems.append(f"{exc}. Using defaults; the file is kept and set aside before the next save.")
        result.bad_file = True
        return result
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        result.problems.append(f"{path}: [profiles] must be a table of profiles; it is set aside")
        result.bad_file = True
        profiles = {}
    legacy = data.get("connection")
    if isinstance(legacy, dict) and DEFAULT_PROFILE not in profiles:
        profiles = {DEFAULT_PROFILE: legacy, **profiles}
    for name, table in list(profiles.items()):
        where = f"{path}: [profiles.{name}] "
        try:
            check_profile_name(name)
        except SettingError as exc:
            result.problems.append(f"{path}: {exc}; that profile is set aside")
            result.bad_file = True
            del profiles[name]
            continue
        if not isinstance(table, dict):
            result.problems.append(f"{where}must be a table; it is set aside")
            result.bad_file = True
            del profiles[name]
            continue
        _, problems = file_values(table, where)
        if problems:
            result.problems += problems
            result.bad_file = True
    result.profiles = profiles
    if "keymap" in data or "keys" in data:
        result.keymap = data.get("keymap", "")
        result.keys = data.get("keys", {})
        result.key_lines = key_lines(path)
    for key in ("profile", "theme"):
        value = data.get(key, "")
        if not isinstance(value, str):
            result.problems.append(f"{path}: {key} must be text; it is ignored")
            result.bad_file = True
        else:
            setattr(result, "active" if key == "profile" else "theme", value)
    flag = data.get("accept_and_read", False)
    if not isinstance(flag, bool):
        result.problems.append(f"{path}: accept_and_read must be true or false; it is ignored")
        result.bad_file = True
    else:
        result.accept_and_read = flag
    if readable_by_others(path):
        result.problems.append(f"{path} is readable by other users and may hold secrets: run chmod 600 {path}")
    result.base = _snapshot(result)
    return result


def _snapshot(settings: SettingsFile) -> dict[str, Any]:
    return {"profiles": copy.deepcopy(settings.profiles), "profile": settings.active, "theme": settings.theme,
            "keymap": copy.deepcopy(settings.keymap), "keys": copy.deepcopy(settings.keys),
            "accept_and_read": settings.accept_and_read}


def key_lines(path: Path) -> dict[str, int]:
    """The line of ``keymap`` and of each ``id = …`` in ``[keys]`` (1-based), for messages that
    name the line. A plain scan: the file has been parsed already."""
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return lines
    section = ""
    for number, line in enumerate(text.splitlines()[:100_000], 1):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[] \t").split("]")[0].strip()
            if section == "keys":
                lines.setdefault("[keys]", number)
            continue
        name, sep, _ = stripped.partition("=")
        name = name.strip().strip('"\'')
        if sep and (section == "keys" or (not section and name == "keymap")):
            lines.setdefault(name, number)
    return lines


def with_changes(current: SettingsFile, profile: str, changes: dict[str, Any]) -> SettingsFile:
    """A copy with ``changes`` (setting name -> typed value, or None to remove) in ``profile``."""
    new = copy.deepcopy(current)
    table = new.profiles.setdefault(profile, {})
    retry = table.pop("retry", None)  # the first release's sub-table: flattened on the way
    if isinstance(retry, dict):
        for key, value in retry.items():
            table.setdefault(key, value)
    for name, value in changes.items():
        key = BY_NAME[name].key if name in BY_NAME else name
        if value is None or value == "":
            table.pop(key, None)
        else:
            table[key] = value
    return new


MISSING: Any = object()  # a key that is not there (distinct from any TOML value)
TOP_KEYS = ("profile", "theme", "keymap", "accept_and_read")


@dataclass(frozen=True)
class Conflict:
    """A key both windows changed, to different values (secrets shown masked)."""

    where: str  # "profiles.qa.account_id" or "theme"
    mine: str
    theirs: str


class SettingsConflict(Exception):
    """Another lp-tui saved some of the same keys since this one read the file; nothing was written."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        super().__init__("another lp-tui changed " + ", ".join(c.where for c in conflicts)
                         + " since this one read the settings")


def _shown(key: str, value: Any) -> str:
    from lp_tui.model.connection import BY_KEY, BY_NAME
    from lp_tui.redact import mask

    if value is MISSING:
        return "(not set)"
    setting = BY_NAME.get(key) or BY_KEY.get(key)
    if setting is not None and setting.secret:
        return mask(str(value)) if value else "(empty)"
    return repr(value) if not isinstance(value, str) else value


def _edits(settings: SettingsFile) -> list[tuple[tuple[str, ...], Any, Any]]:
    """(where, what this window read, what it has now) for every key it changed since reading."""
    base = settings.base or {"profiles": {}, "profile": "", "theme": ""}
    edits: list[tuple[tuple[str, ...], Any, Any]] = []
    for key, now in (("profile", settings.active), ("theme", settings.theme), ("keymap", settings.keymap),
                     ("keys", settings.keys), ("accept_and_read", settings.accept_and_read)):
        before = base.get(key, "")
        if now != before:
            edits.append(((key,), before or MISSING, now or MISSING))
    old_profiles: dict[str, Any] = base.get("profiles", {})
    for name in [*old_profiles, *(n for n in settings.profiles if n not in old_profiles)]:
        old = old_profiles.get(name)
        new = settings.profiles.get(name)
        old_table = old if isinstance(old, dict) else {}
        new_table = new if isinstance(new, dict) else {}
        for key in [*old_table, *(k for k in new_table if k not in old_table)]:
            before, now = old_table.get(key, MISSING), new_table.get(key, MISSING)
            if before != now:
                edits.append((("profiles", name, key), before, now))
    return edits


def save(settings: SettingsFile, *, prefer: str | None = None) -> SettingsFile:
    """Write the changes made through ``with_changes`` (and to ``active`` and ``theme``) since the
    file was read, merged into the file as it is now, under a lock; mode 0600.

    Raises ``SettingsConflict`` (writing nothing) when another lp-tui changed one of the same keys
    to another value, unless ``prefer`` says whose value wins ("mine" or "theirs"). A file that
    could not be read whole is renamed aside first (``settings.toml.bad-…``) and written anew.
    ``settings`` then holds what the file holds (the other window's keys too); also returned.
    """
    with _locked(settings.path):
        data, raw = _read_for_merge(settings.path)
        if data is None:  # not TOML at all: set aside whole, and written anew from this window
            keep_bad_copy(settings.path)
            settings.bad_file = False
            write_text(settings.path, tomlio.dumps(_whole(settings)), mode=0o600)
            settings.base = _snapshot(settings)
            return settings
        if settings.bad_file and raw is not None:  # values lp-tui could not use stay, and a copy is kept
            _keep_copy(settings.path, raw, "bad")
            settings.bad_file = False
        edits = _edits(settings)
        profiles = data.get("profiles")
        if not isinstance(profiles, dict):
            profiles = data["profiles"] = {}
        migrated = False
        legacy = data.get("connection")
        if isinstance(legacy, dict) and DEFAULT_PROFILE not in profiles and \
                any(where[:2] == ("profiles", DEFAULT_PROFILE) for where, _, _ in edits):
            profiles[DEFAULT_PROFILE] = copy.deepcopy(legacy)  # the legacy table itself is kept
            migrated = True
        conflicts: list[Conflict] = []
        chosen: list[tuple[tuple[str, ...], Any]] = []
        for where, before, now in edits:
            theirs = _at(data, where)
            if theirs != before and theirs != now:  # the other window changed it too, differently
                if prefer is None:
                    conflicts.append(Conflict(".".join(where), _shown(where[-1], now), _shown(where[-1], theirs)))
                    continue
                if prefer == "theirs":
                    continue
            chosen.append((where, now))
        if conflicts:
            raise SettingsConflict(conflicts)
        for where, now in chosen:
            if where[:1] == ("profiles",) and where[2] == "retry" and now is MISSING:
                migrated = migrated or isinstance(_at(data, where), dict)
            _put(data, where, now)
        touched = {where[1] for where, _ in chosen if where[0] == "profiles"}
        for name in touched:  # a profile this window emptied is dropped (unless it is the chosen one)
            if profiles.get(name) == {} and name != data.get("profile"):
                del profiles[name]
        if not profiles:
            data.pop("profiles")
        if migrated and raw is not None:
            settings.backup = _backup(settings.path, raw)
        write_text(settings.path, tomlio.dumps(_ordered(data)), mode=0o600)
    merged = _from_data(settings.path, data)
    settings.profiles, settings.active, settings.theme = merged.profiles, merged.active, merged.theme
    settings.keymap, settings.keys = merged.keymap, merged.keys
    settings.accept_and_read = merged.accept_and_read
    settings.base = _snapshot(settings)
    return settings


def _whole(settings: SettingsFile) -> dict[str, Any]:
    """Everything this window holds, as the file is written when it cannot be merged into."""
    data: dict[str, Any] = {}
    if settings.active:
        data["profile"] = settings.active
    if settings.theme:
        data["theme"] = settings.theme
    if settings.keymap:
        data["keymap"] = settings.keymap
    if settings.keys:
        data["keys"] = settings.keys
    if settings.accept_and_read:
        data["accept_and_read"] = True
    data["profiles"] = {name: table for name, table in settings.profiles.items() if table or name == settings.active}
    return data


def _locked(path: Path) -> Any:
    """The settings lock; a folder that refuses it fails as a write does ("cannot write …")."""
    import contextlib

    from lp_tui.store.atomic import StoreError, locked

    stack = contextlib.ExitStack()
    try:
        stack.enter_context(locked(path))
    except StoreError as exc:
        raise StoreError(str(exc).replace("cannot lock", "cannot write", 1)) from None
    return stack


def _read_for_merge(path: Path) -> tuple[dict[str, Any] | None, bytes | None]:
    """The file as it is now (raw TOML) and its bytes; ({}, None) when there is none; (None, None)
    when it cannot be read, or when another user could have changed it (``untrusted``: it is then
    set aside and written whole from this window, never merged into what this user saves)."""
    from lp_tui.limits import read_bytes

    if path.exists() and untrusted(path):
        return None, None
    try:
        raw = read_bytes(path, regular_only=True)
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError):
        return None, None
    try:
        data = tomlio.loads(raw, str(path))
    except tomlio.TomlFileError:
        return None, None
    return data, raw


def _at(data: dict[str, Any], where: tuple[str, ...]) -> Any:
    node: Any = data
    for key in where:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


def _put(data: dict[str, Any], where: tuple[str, ...], value: Any) -> None:
    node = data
    for key in where[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    if value is MISSING:
        node.pop(where[-1], None)
    else:
        node[where[-1]] = copy.deepcopy(value)


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    """The chosen profile and the theme first, then other top-level keys, then the profiles."""
    first = {k: data[k] for k in TOP_KEYS if k in data}
    rest = {k: v for k, v in data.items() if k not in TOP_KEYS and k != "profiles"}
    return {**first, **rest, **({"profiles": data["profiles"]} if "profiles" in data else {})}


def _from_data(path: Path, data: dict[str, Any]) -> SettingsFile:
    """What ``load`` makes of ``data`` (the profiles as stored, the legacy table as ``default``)."""
    result = SettingsFile(path)
    profiles = data.get("profiles", {})
    profiles = {k: v for k, v in profiles.items() if isinstance(v, dict)} if isinstance(profiles, dict) else {}
    legacy = data.get("connection")
    if isinstance(legacy, dict) and DEFAULT_PROFILE not in profiles:
        profiles = {DEFAULT_PROFILE: legacy, **profiles}
    result.profiles = copy.deepcopy(profiles)
    result.active = data.get("profile", "") if isinstance(data.get("profile"), str) else ""
    result.theme = data.get("theme", "") if isinstance(data.get("theme"), str) else ""
    result.keymap, result.keys = data.get("keymap", ""), data.get("keys", {})
    result.accept_and_read = data.get("accept_and_read") is True
    return result


def _backup(path: Path, raw: bytes) -> Path | None:
    """A copy of the file as it was, before a save migrates it: ``settings.toml.backup-<time>``."""
    return _keep_copy(path, raw, "backup")


def _keep_copy(path: Path, raw: bytes, kind: str) -> Path:
    """``settings.toml.<kind>-<time>`` (0600), holding ``raw``: the file as it was."""
    import time

    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{kind}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{kind}-{stamp}-{n}")
    write_text(target, raw.decode("utf-8", "replace"), mode=0o600)  # it parsed as TOML: it is UTF-8
    return target
