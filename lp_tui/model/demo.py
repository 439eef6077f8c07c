"""Scripted demos: a TOML file of steps, read and checked whole before anything runs.

::

    name = "routing-story"
    description = "What the built-in rules do, told in one conversation"

    [[steps]]
    caption = "A VIP customer writes in"      # shown large in the presenter view (optional on every step)
    send = "sde-ctype-gender"                 # a preset, or a table of fields: send = { "consumer.ctype" = "vip" }
    expect_skill = "VIP Support"              # wait until the conversation is on this skill (else the demo fails)

    [[steps]]
    wait = "joined"                           # wait for an agent to join (or "closed")

    [[steps]]
    agent = "Hello! Billing or orders?"       # the agent says (after an agent has joined)
    quick_replies = ["Billing", "Orders"]     # as buttons

    [[steps]]
    consumer = "Billing, please"              # the consumer says (a SEND, as Ctrl+T)

    [[steps]]
    transfer = "Billing Specialists"          # the agent transfers the conversation to another skill
    expect_skill = "Billing Specialists"

    [[steps]]
    pause = 2                                 # seconds; also allowed after any step

    [[steps]]
    close = "agent"                           # or "consumer"

Every problem is a DemoError naming the file, the step number (and its line) and what is wrong.
Pure: no I/O beyond ``load_script``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACTIONS = ("send", "agent", "consumer", "transfer", "close", "wait", "expect_skill", "pause")
STEP_KEYS = (*ACTIONS, "quick_replies", "caption", "timeout")
TOP_KEYS = ("name", "description", "steps")
WAITS = ("joined", "closed")
CLOSERS = ("agent", "consumer")
MAX_STEPS = 200
MAX_PAUSE = 600.0  # seconds
MAX_TIMEOUT = 600.0
DEFAULT_TIMEOUT = 30.0
MAX_TEXT = 2000
MAX_SCRIPT_BYTES = 256 * 1024
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class DemoError(ValueError):
    """A demo script that cannot run; the message names the file, the step and what to fix."""


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    action: str  # one of ACTIONS
    value: Any  # the preset name or {field: value}, the text, the skill, "agent"/"consumer", the wait, seconds
    expect_skill: str = ""
    quick_replies: tuple[str, ...] = ()
    caption: str = ""
    pause: float = 0.0  # after the step
    timeout: float = DEFAULT_TIMEOUT
    line: int = 0

    def describe(self) -> str:
        """The step in a few words (raw text: the caller shows it through the display boundary)."""
        if self.action == "send":
            what = (f"send preset {self.value}" if isinstance(self.value, str) else
                    "send " + ", ".join(f"{k}={v}" for k, v in self.value.items()))
        elif self.action == "agent":
            what = f"the agent says: {self.value}" + (f"  [{' · '.join(self.quick_replies)}]"
                                                     if self.quick_replies else "")
        elif self.action == "consumer":
            what = f"the consumer says: {self.value}"
        elif self.action == "transfer":
            what = f"the agent transfers to {self.value}"
        elif self.action == "close":
            what = f"the {self.value} closes the conversation"
        elif self.action == "wait":
            what = "wait for an agent to join" if self.value == "joined" else "wait for the close"
        elif self.action == "expect_skill":
            what = f"expect the skill {self.value}"
        else:
            what = f"pause {self.value:g} s"
        if self.expect_skill and self.action != "expect_skill":
            what += f" (expect skill {self.expect_skill})"
        return what


@dataclass
class Script:
    name: str
    description: str = ""
    steps: list[Step] = field(default_factory=list)
    source: str = ""

    def expected_skills(self) -> list[str]:
        return [s.expect_skill or s.value for s in self.steps if s.expect_skill or s.action == "expect_skill"]


def parse_script(text: str, source: str = "demo script") -> Script:
    """A Script from TOML text, checked whole; DemoError names the file, the step and its line."""
    from lp_tui.model import tomlio

    try:
        data = tomlio.loads(text, source)
    except tomlio.TomlFileError as exc:
        raise DemoError(str(exc)) from None
    headers = [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"^\s*\[\[\s*steps\s*\]\]", line)]
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise DemoError(f"{source}: unknown key {unknown[0]!r}; known: {', '.join(TOP_KEYS)}")
    stem = Path(source.split(" ")[0]).stem
    name = data.get("name", stem if NAME_RE.match(stem) else "demo")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise DemoError(f"{source}: name must be letters, digits, '.', '_' or '-' (at most 64)")
    description = data.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        raise DemoError(f"{source}: description must be text (at most 500 characters)")
    items = data.get("steps")
    if not isinstance(items, list) or not items:
        raise DemoError(f"{source}: no steps; add [[steps]] tables (send, agent, consumer, transfer, close, wait, "
                        "expect_skill, pause)")
    if len(items) > MAX_STEPS:
        raise DemoError(f"{source}: {len(items)} steps; at most {MAX_STEPS}")
    steps = [_step(item, i + 1, headers[i] if i < len(headers) else 0, source) for i, item in enumerate(items)]
    if steps[0].action not in ("send", "pause"):
        raise DemoError(f"{_where(source, 1, steps[0].line)}: the first step must open the conversation (send = …)")
    return Script(name, description, steps, source)


def _where(source: str, number: int, line: int) -> str:
    return f"{source}, step {number}" + (f" (line {line})" if line else "")


def _seconds(value: Any, what: str, limit: float, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= limit:
        raise DemoError(f"{where}: {what} must be seconds, 0-{limit:g}")
    return float(value)


def _text(value: Any, what: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise DemoError(f"{where}: {what} must be text (1-{MAX_TEXT} characters)")
    return value


def _step(item: Any, number: int, line: int, source: str) -> Step:
    where = _where(source, number, line)
    if not isinstance(item, dict):
        raise DemoError(f"{where}: a step is a [[steps]] table")
    for key in item:
        if key not in STEP_KEYS:
            raise DemoError(f"{where}: unknown key {key!r}; a step has one of {', '.join(ACTIONS)} "
                            f"(and quick_replies, caption, timeout)")
    actions = [k for k in ("send", "agent", "consumer", "transfer", "close", "wait") if k in item]
    if len(actions) > 1:
        raise DemoError(f"{where}: one action per step; this one has {' and '.join(actions)}")
    action = actions[0] if actions else ("expect_skill" if "expect_skill" in item else
                                         "pause" if "pause" in item else "")
    if not action:
        raise DemoError(f"{where}: the step does nothing; give it one of {', '.join(ACTIONS)}")
    expect = _text(item["expect_skill"], "expect_skill", where) if "expect_skill" in item else ""
    caption = _text(item["caption"], "caption", where) if "caption" in item else ""
    pause = _seconds(item["pause"], "pause", MAX_PAUSE, where) if "pause" in item else 0.0
    timeout = _seconds(item["timeout"], "timeout", MAX_TIMEOUT, where) if "timeout" in item else DEFAULT_TIMEOUT
    replies: tuple[str, ...] = ()
    if "quick_replies" in item:
        if action != "agent":
            raise DemoError(f"{where}: quick_replies go with agent = \"…\"")
        listed = item["quick_replies"]
        if not isinstance(listed, list) or not 0 < len(listed) <= 13 or not all(
                isinstance(r, str) and 0 < len(r.strip()) <= 25 for r in listed):
            raise DemoError(f"{where}: quick_replies must be a list of 1-13 button titles (1-25 characters each)")
        replies = tuple(r.strip() for r in listed)
    value: Any
    if action == "send":
        value = item["send"]
        if isinstance(value, dict):
            if not value or not all(isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                    for k, v in value.items()):
                raise DemoError(f"{where}: send = {{ field = value, … }} needs fields by their --set paths "
                                "(e.g. \"consumer.ctype\" = \"vip\")")
            value = {k: str(v) for k, v in value.items()}
        elif not isinstance(value, str) or not value.strip():
            raise DemoError(f"{where}: send must be a preset name or a table of fields")
    elif action in ("agent", "consumer", "transfer"):
        value = _text(item[action], action, where)
    elif action == "close":
        value = item["close"]
        if value is True:
            value = "agent"
        if value not in CLOSERS:
            raise DemoError(f"{where}: close must be \"agent\" or \"consumer\"")
    elif action == "wait":
        value = item["wait"]
        if value not in WAITS:
            raise DemoError(f"{where}: wait must be one of {', '.join(repr(w) for w in WAITS)}")
    elif action == "expect_skill":
        value = expect
    else:
        value, pause = pause, 0.0
    if expect and action not in ("send", "transfer", "expect_skill"):
        raise DemoError(f"{where}: expect_skill goes with send, transfer, or alone")
    return Step(number, action, value, expect, replies, caption, pause, timeout, line)


def shipped_dir() -> Any:
    from importlib.resources import files

    return files("lp_tui") / "demos"


def shipped_names() -> list[str]:
    return sorted(p.name[:-5] for p in shipped_dir().iterdir() if p.name.endswith(".toml"))


def load_script(name_or_path: str) -> Script:
    """A shipped script by name (``routing-story``) or a file, bounded and checked like every file read."""
    from lp_tui.model import tomlio

    if "/" not in name_or_path and not name_or_path.endswith(".toml"):
        if name_or_path in shipped_names():  # inside lp-tui's own package: as trusted as its code
            text = (shipped_dir() / f"{name_or_path}.toml").read_text(encoding="utf-8")
            return parse_script(text, f"{name_or_path} (shipped)")
        raise DemoError(f"no demo script {name_or_path!r}: give a .toml file, or a shipped one: "
                        f"{', '.join(shipped_names())}")
    path = Path(name_or_path).expanduser()
    try:
        text = tomlio.read_text(path, MAX_SCRIPT_BYTES, "no such demo script")
    except tomlio.TomlFileError as exc:
        raise DemoError(str(exc)) from None
    return parse_script(text, str(path))
