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
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lp_tui.model import tomlio
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
    key_lines: dict[str, int] = field(default_factory=dict)  # where each of those is in the file
    problems: list[str] = field(default_factory=list)
    bad_file: bool = False  # kept aside (renamed) before the next save

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
    if readable_by_others(path):
        result.problems.append(f"{path} is readable by other users and may hold secrets: run chmod 600 {path}")
    return result


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


def save(settings: SettingsFile) -> None:
    """Write every profile as stored (with the changes made through ``with_changes``), mode 0600.

    A file that could not be read whole is renamed aside first (``settings.toml.bad-…``).
    """
    if settings.bad_file:
        keep_bad_copy(settings.path)
        settings.bad_file = False
    data: dict[str, Any] = {}
    if settings.active:
        data["profile"] = settings.active
    if settings.theme:
        data["theme"] = settings.theme
    if settings.keymap:
        data["keymap"] = settings.keymap
    if settings.keys:
        data["keys"] = settings.keys
    data["profiles"] = {name: table for name, table in settings.profiles.items() if table or name == settings.active}
    write_text(settings.path, tomlio.dumps(data), mode=0o600)
