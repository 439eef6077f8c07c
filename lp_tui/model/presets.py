"""Presets: a named draft with a description, as TOML. Never holds secrets.

Built-in presets ship inside the package (``lp_tui/presets``); user presets live in the
platformdirs config dir. A user preset with a built-in's name shadows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from lp_tui.model import tomlio
from lp_tui.model.draft import Draft, FieldError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PresetError(ValueError):
    """An unknown, unreadable or malformed preset; the message says which and why."""


@dataclass
class Preset:
    name: str
    description: str = ""
    draft: Draft = field(default_factory=Draft)
    builtin: bool = False
    path: Path | None = None

    def to_toml(self) -> str:
        return tomlio.dumps({"name": self.name, "description": self.description, "draft": self.draft.to_dict()})


def from_toml_data(data: dict[str, Any], source: str, builtin: bool = False, path: Path | None = None) -> Preset:
    try:
        name = data.get("name") or (path.stem if path else "")
        description = data.get("description", "")
        if not isinstance(name, str) or not isinstance(description, str):
            raise FieldError("name and description must be strings")
        draft = Draft.from_dict(tomlio.decode(data.get("draft", {})))
    except (FieldError, ValueError) as exc:
        raise PresetError(f"{source}: not a valid preset: {exc}") from None
    return Preset(name, description, draft, builtin, path)


def parse(text: str) -> Preset:
    import tomllib

    return from_toml_data(tomllib.loads(text), "<text>")


def _builtin_dir() -> Any:
    return resources.files("lp_tui") / "presets"


def builtin_presets() -> list[Preset]:
    import tomllib

    out = []
    for entry in sorted(_builtin_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append(from_toml_data(tomllib.loads(entry.read_text("utf-8")), f"built-in {entry.name}", builtin=True))
    return out


def user_presets(directory: Path) -> tuple[list[Preset], list[str]]:
    """User presets, and one message per file that could not be read (those are skipped)."""
    presets, problems = [], []
    if directory.is_dir():
        for path in sorted(directory.glob("*.toml")):
            try:
                presets.append(load_file(path))
            except PresetError as exc:
                problems.append(str(exc))
    return presets, problems


def all_presets(directory: Path) -> tuple[list[Preset], list[str]]:
    users, problems = user_presets(directory)
    names = {p.name for p in users}
    return [p for p in builtin_presets() if p.name not in names] + users, problems


def load_file(path: Path) -> Preset:
    try:
        data = tomlio.read(path)
    except tomlio.TomlFileError as exc:
        raise PresetError(str(exc)) from None
    return from_toml_data(data, str(path), path=path)


def load(name_or_path: str, directory: Path) -> Preset:
    """A preset by name (user first, then built-in) or by path to a .toml file."""
    if "/" in name_or_path or name_or_path.endswith(".toml"):
        return load_file(Path(name_or_path).expanduser())
    user_file = directory / f"{name_or_path}.toml"
    if user_file.exists():
        return load_file(user_file)
    for preset in builtin_presets():
        if preset.name == name_or_path:
            return preset
    known = ", ".join(p.name for p in all_presets(directory)[0])
    raise PresetError(f"unknown preset {name_or_path!r}; known presets: {known}")


def save(preset: Preset, directory: Path) -> Path:
    from lp_tui.store.atomic import write_text

    if not NAME_RE.match(preset.name):
        raise PresetError(f"preset name {preset.name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    path = directory / f"{preset.name}.toml"
    write_text(path, preset.to_toml(), backup=True)
    preset.path = path
    return path


def delete(name: str, directory: Path) -> None:
    path = directory / f"{name}.toml"
    if not path.exists():
        raise PresetError(f"no user preset named {name!r} (built-in presets cannot be deleted)")
    path.unlink()
