"""The settings file (TOML, mode 0600: it may hold the client secret)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lp_tui.lp.config import Connection
from lp_tui.model import tomlio
from lp_tui.store.atomic import keep_bad_copy, readable_by_others, write_text


@dataclass
class LoadedSettings:
    connection: Connection
    problems: list[str] = field(default_factory=list)
    bad_file: bool = False  # the file exists but could not be used; it is moved aside before any save


def load(path: Path) -> LoadedSettings:
    conn = Connection()
    result = LoadedSettings(conn)
    if not path.exists():
        return result
    try:
        data = tomlio.read(path)
        section = data.get("connection", {})
        if not isinstance(section, dict):
            raise tomlio.TomlFileError(f"{path}: [connection] must be a table")
        conn.apply(section, "file")
    except tomlio.TomlFileError as exc:
        result.problems.append(f"{exc}. Using defaults; the file is kept and set aside before the next save.")
        result.bad_file = True
    except (TypeError, ValueError) as exc:
        result.problems.append(f"{path}: a value has the wrong type ({exc}). Using defaults for the rest.")
        result.bad_file = True
    if readable_by_others(path):
        result.problems.append(f"{path} is readable by other users and may hold secrets: run chmod 600 {path}")
    return result


def save(conn: Connection, path: Path, bad_file: bool = False) -> None:
    """Write the file values (not those from the environment or flags), mode 0600."""
    if bad_file:
        keep_bad_copy(path)
    write_text(path, tomlio.dumps({"connection": conn.file_values()}), mode=0o600)
