"""Presets: a named draft (or a raw body) with a description, as TOML. Never holds secrets.

A preset saved in raw mode holds the body's exact text under ``raw_body`` (invalid JSON
included): it loads back into raw mode and is sent as written, by the app, ``lp-tui send
--preset`` and ``lp-tui check``. ``raw_body`` and ``draft`` are never both in one file.

Built-in presets ship inside the package (``lp_tui/presets``); user presets live in the
platformdirs config dir. A user preset with a built-in's name shadows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from lp_tui.limits import is_regular
from lp_tui.model import tomlio
from lp_tui.model.draft import Draft, FieldError
from lp_tui.model.expect import Expectation, parse_expect

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class PresetError(ValueError):
    """An unknown, unreadable or malformed preset; the message says which and why."""


@dataclass
class Preset:
    name: str
    description: str = ""
    draft: Draft = field(default_factory=Draft)
    builtin: bool = False
    path: Path | None = None  # the file it was read from: the only file a delete may touch
    expect: dict[str, Any] | None = None  # what `lp-tui check` expects of the answer (model/expect.py)
    raw: str | None = None  # a raw-mode body, exactly as written; sent instead of the draft

    @property
    def is_raw(self) -> bool:
        return self.raw is not None

    @property
    def expectation(self) -> Expectation | None:
        """The parsed ``[expect]`` table (checked when the preset was read)."""
        return None if self.expect is None else parse_expect(self.expect)

    def to_toml(self) -> str:
        data: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.raw is not None:
            data["raw_body"] = self.raw
        else:
            data["draft"] = self.draft.to_dict()
        if self.expect:
            data["expect"] = self.expect
        return dump_exact(data)


def dump_exact(data: dict[str, Any]) -> str:
    """TOML for ``data`` that reads back exactly: multi-line strings where they read back the
    same (a raw body stays readable in the file), single-line escaped strings otherwise."""
    import tomllib

    import tomli_w

    encoded = tomlio.encode(data)
    text = tomli_w.dumps(encoded, multiline_strings=True)
    try:
        if tomllib.loads(text) == encoded:
            return text
    except tomllib.TOMLDecodeError:
        pass
    return tomli_w.dumps(encoded)


MAX_DESCRIPTION = 500
KNOWN_KEYS = ("name", "description", "draft", "raw_body", "expect")


def from_toml_data(data: dict[str, Any], source: str, builtin: bool = False, path: Path | None = None) -> Preset:
    """A preset from parsed TOML. A name written inside must be a plain preset name (it is never
    used as a path: a file is acted on only by the path it was read from)."""
    try:
        name = data.get("name") or (path.stem if path else "")
        description = data.get("description", "")
        if not isinstance(name, str) or not isinstance(description, str):
            raise FieldError("name and description must be strings")
        if not NAME_RE.match(name):
            raise FieldError(f"its name {name[:80]!r} is not a plain preset name (letters, digits, '.', '_', '-')")
        if len(description) > MAX_DESCRIPTION:
            raise FieldError(f"its description is longer than {MAX_DESCRIPTION} characters")
        unknown = [k for k in data if k not in KNOWN_KEYS]
        if unknown:
            raise FieldError(f"unknown key {unknown[0]!r}; known: {', '.join(KNOWN_KEYS)}")
        raw = data.get("raw_body")
        if raw is not None:
            if not isinstance(raw, str):
                raise FieldError("raw_body must be a string: the request body exactly as it is sent")
            if "draft" in data:
                raise FieldError("it has both raw_body and [draft]; keep one (raw_body is sent as written)")
        draft = Draft.from_dict(tomlio.decode(data.get("draft", {})))
        expect = data.get("expect")
        if expect is not None:
            parse_expect(expect)  # strict: an unknown key or a wrong type names the key
    except (FieldError, ValueError) as exc:
        raise PresetError(f"{source}: not a valid preset: {exc}") from None
    return Preset(name, description, draft, builtin, path, expect, raw)


def parse(text: str, source: str = "<text>") -> Preset:
    return from_toml_data(tomlio.loads(text, source), source)


def _builtin_dir() -> Any:
    return resources.files("lp_tui") / "presets"


def builtin_presets() -> list[Preset]:
    out = []
    for entry in sorted(_builtin_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomlio.loads(entry.read_text("utf-8"), f"built-in {entry.name}")
            out.append(from_toml_data(data, f"built-in {entry.name}", builtin=True))
    return out


def user_presets(directory: Path) -> tuple[list[Preset], list[str]]:
    """User presets, and one message per file that could not be read (those are skipped)."""
    presets, problems = [], []
    if directory.is_dir():
        for path in sorted(directory.glob("*.toml")):
            if not is_regular(path):  # a FIFO or a device would block or never end: never opened
                problems.append(f"{path}: not a regular file ({file_kind_of(path)}); skipped")
                continue
            try:
                presets.append(load_file(path))
            except PresetError as exc:
                problems.append(str(exc))
    return presets, problems


def file_kind_of(path: Path) -> str:
    from lp_tui.limits import file_kind

    try:
        return file_kind(path.stat().st_mode)
    except OSError as exc:
        return f"cannot look at it: {exc.strerror or exc}"


def all_presets(directory: Path) -> tuple[list[Preset], list[str]]:
    users, problems = user_presets(directory)
    names = {p.name for p in users}
    return [p for p in builtin_presets() if p.name not in names] + users, problems


def load_file(path: Path) -> Preset:
    from lp_tui.paths import untrusted

    refused = untrusted(path)
    if refused is not None:
        raise PresetError(f"{path}: not used: {refused}")
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


def check_name(name: str) -> str | None:
    """A problem with ``name`` as a preset name, or None."""
    if not NAME_RE.match(name):
        return f"preset name {name[:80]!r}: use letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit"
    return None
