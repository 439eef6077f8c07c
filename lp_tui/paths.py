"""Every directory lp-tui uses, via platformdirs. ``LP_TUI_HOME`` puts them all under one
folder (tests, demos, portable use)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "lp-tui"


def _home() -> Path | None:
    value = os.environ.get("LP_TUI_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def settings_file() -> Path:
    return config_dir() / "settings.toml"


def presets_dir() -> Path:
    return config_dir() / "presets"


def history_file() -> Path:
    return data_dir() / "history.jsonl"


def draft_file() -> Path:
    return data_dir() / "draft.toml"


def conversations_file() -> Path:
    return data_dir() / "conversations.json"


def rules_file() -> Path:
    """Routing rules for the built-in sandbox, used when present (``--rules`` overrides it)."""
    return config_dir() / "routing-rules.toml"


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) a folder only its owner can use (0700), whatever the umask."""
    missing = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    return path


def shown(path: Path | str) -> str:
    """A path as lp-tui shows it: under ``$LP_TUI_HOME`` or ``~`` when it is, so it stays short."""
    text = str(path)
    home = _home()
    if home is not None and (text == str(home) or text.startswith(str(home) + os.sep)):
        return "$LP_TUI_HOME" + text[len(str(home)):]
    user = str(Path.home())
    if user not in ("/", "") and (text == user or text.startswith(user + os.sep)):
        return "~" + text[len(user):]
    return text
