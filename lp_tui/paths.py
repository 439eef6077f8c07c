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


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def untrusted(path: Path | str) -> str | None:
    """Why lp-tui must not read ``path`` (settings, presets, routing rules), or None if it may.

    As ssh does with its config: the file and every folder above it must be owned by you or by
    root, and writable by no one else (a folder with the sticky bit, like /tmp, may be writable
    by all: others cannot replace what is yours in it). Otherwise another user could change
    where your client secret goes. lp-tui's own package folder is exempt: files shipped with
    lp-tui are as trusted as its code, whoever installed it. A missing file is None (the caller
    says it is missing).
    """
    import stat

    if not hasattr(os, "geteuid"):
        return None
    given = Path(os.path.abspath(Path(path).expanduser()))
    real = Path(os.path.realpath(given))
    package = _package_dir()
    if real == package or package in real.parents:
        return None
    me = os.geteuid()
    try:
        import pwd

        owner = pwd.getpwuid(me).pw_name
    except (ImportError, KeyError):
        owner = str(me)
    seen: set[Path] = set()
    for here in (given, *given.parents, real, *real.parents):
        if here in seen:
            continue
        seen.add(here)
        try:
            info = os.stat(here)
        except FileNotFoundError:
            if here in (given, real):
                return None
            continue
        except OSError:
            continue
        folder = stat.S_ISDIR(info.st_mode)
        what = "the folder" if folder else "the file"
        if info.st_uid not in (me, 0):
            fix = f"chown {owner} {here}" if folder else f"chown {owner} {here}, or copy it to a file of your own"
            return (f"{what} {here} belongs to another user (uid {info.st_uid}), who could change it; "
                    f"lp-tui reads settings, presets and rules only from files and folders that you or root own: "
                    f"run {fix}")
        others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        if others and not (folder and info.st_mode & stat.S_ISVTX):
            who = "other users" if info.st_mode & stat.S_IWOTH else "its group"
            return (f"{what} {here} is writable by {who}, who could change it; lp-tui reads settings, presets "
                    f"and rules only from files and folders that no one else can write: run chmod go-w {here}")
    return None
