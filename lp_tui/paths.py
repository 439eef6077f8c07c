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


def sandbox_rules_file() -> Path:
    return config_dir() / "sandbox-rules.toml"
