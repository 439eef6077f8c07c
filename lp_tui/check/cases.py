"""Which checks to run: the built-in edge cases, every preset of a folder, or named presets."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from lp_tui.limits import is_regular
from lp_tui.model import presets, tomlio
from lp_tui.model.expect import Expectation
from lp_tui.model.presets import Preset, PresetError

BUILTIN = "built-in"


@dataclass
class Case:
    preset: Preset
    expect: Expectation
    source: str  # the file it came from, or "built-in checks/<file>"

    @property
    def name(self) -> str:
        return self.preset.name


def _builtin_dir() -> Any:
    return resources.files("lp_tui") / "checks"


def builtin_cases() -> list[Case]:
    """The shipped edge cases (``lp_tui/checks/*.toml``), in file order."""
    out = []
    for entry in sorted(_builtin_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            source = f"built-in checks/{entry.name}"
            preset = presets.from_toml_data(tomlio.loads(entry.read_text("utf-8"), source), source, builtin=True)
            out.append(_case(preset, source))
    return out


def _case(preset: Preset, source: str) -> Case:
    expect = preset.expectation
    if expect is None:
        raise PresetError(f"{source}: preset {preset.name!r} has no [expect] table, so there is nothing to check; "
                          "add one (see `lp-tui check --help`)")
    return Case(preset, expect, source)


def folder_cases(folder: Path) -> tuple[list[Case], list[str]]:
    """Every preset in ``folder`` with an ``[expect]`` table; a note per preset without one.

    A file that is not a valid preset (an unknown ``[expect]`` key among others) is an error:
    a suite that silently skips a broken case would pass for the wrong reason.
    """
    from lp_tui.paths import untrusted

    refused = untrusted(folder)
    if refused is not None:
        raise PresetError(f"{folder}: not used: {refused}")
    cases, notes = [], []
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise PresetError(f"{folder}: no *.toml presets in this folder")
    for path in files:
        if not is_regular(path):  # a FIFO or a device would block or never end: never opened
            notes.append(f"{path}: not a regular file ({presets.file_kind_of(path)}); not a check, skipped")
            continue
        preset = presets.load_file(path)
        if preset.expect is None:
            notes.append(f"{path}: no [expect] table; not a check, skipped")
            continue
        cases.append(_case(preset, str(path)))
    if not cases:
        raise PresetError(f"{folder}: none of its presets has an [expect] table")
    return cases, notes


def load_cases(targets: list[str], presets_dir: Path) -> tuple[list[Case], list[str]]:
    """Cases for ``lp-tui check`` arguments: none means the built-in edge cases; a folder means its
    presets; anything else a preset name or file. Returns (cases, notes about skipped files)."""
    if not targets:
        return builtin_cases(), []
    cases: list[Case] = []
    notes: list[str] = []
    for target in targets:
        if target == BUILTIN:
            cases += builtin_cases()
            continue
        path = Path(target).expanduser()
        if path.is_dir():
            found, skipped = folder_cases(path)
            cases += found
            notes += skipped
            continue
        preset = presets.load(target, presets_dir)
        cases.append(_case(preset, str(preset.path) if preset.path else f"preset {preset.name}"))
    return cases, notes
