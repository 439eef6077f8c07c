"""Writing and deleting user presets. A file is trusted only as far as its path.

Save writes ``<presets>/<name>.toml`` for a checked plain name. Delete removes exactly the file
a preset was read from, and only when that file is a regular file directly inside the presets
folder: never a path built from a name written inside a file.
"""

from __future__ import annotations

import os
from pathlib import Path

from lp_tui.model.presets import Preset, PresetError, check_name
from lp_tui.store.atomic import write_text


def save(preset: Preset, directory: Path) -> Path:
    problem = check_name(preset.name)
    if problem:
        raise PresetError(problem)
    path = directory / f"{preset.name}.toml"
    write_text(path, preset.to_toml(), backup=True)
    preset.path = path
    return path


def delete(preset: Preset, directory: Path) -> None:
    """Delete the file ``preset`` was read from; refuse anything else."""
    if preset.builtin or preset.path is None:
        raise PresetError(f"{preset.name!r} is a built-in preset; built-in presets cannot be deleted")
    path = preset.path
    try:
        folder = directory.resolve(strict=True)
        parent = path.parent.resolve(strict=True)
    except OSError:
        raise PresetError(f"{path} is not in the presets folder {directory}; it is not deleted") from None
    if parent != folder or path.suffix != ".toml" or path.is_symlink() or not path.is_file():
        raise PresetError(f"{path} is not a preset file in {directory}; it is not deleted")
    try:
        os.unlink(path)
    except FileNotFoundError:
        raise PresetError(f"{path} is already gone") from None
