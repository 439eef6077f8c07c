"""Every key of the app by binding id, the keymaps (default and "posting"), and ``[keys]`` from
settings.toml checked: an unknown id, a key that is not a key, or one key for two actions is named
with the file and line, and the default stays for that action.

The bindings take their keys from ``DEFAULT`` (``Binding(key("send"), …, id="send")``); the keys in
force are applied with Textual's keymap (``App.set_keymap``), so the key bar, the help screen and the
palette read them from here (``shown``).

The defaults avoid what common terminals take for themselves: GNOME Terminal and Konsole keep F1,
F10, Alt+1…Alt+6 (with several tabs) and Ctrl+PgUp/PgDn. Those keys still work where they arrive,
as alternates; each such action also has a key that every terminal passes on.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# id -> (keys, what it does). The first key is the one shown; the others are alternates.
ACTIONS: dict[str, tuple[str, str]] = {
    "send": ("ctrl+j", "Send the request (domain lookup, AppJWT, ConsumerJWS, POST)"),
    "save-preset": ("ctrl+s", "Save the draft as a preset (name and description)"),
    "cancel": ("escape", "Cancel the running send (the steps show where it stopped)"),
    "close-conversation": ("ctrl+r", "Close the open conversation (asks first on a production profile)"),
    "message": ("ctrl+t", "Send a text message to it"),
    "new-consumer": ("ctrl+n", "Switch to a fresh external consumer id"),
    "copy-id": ("f5", "Copy the conversationId (the palette copies bodies and sub-responses too)"),
    "settings": ("f2", "Settings: profiles, account, credentials, timeouts, retries"),
    "presets": ("f3", "Presets: load, save as, duplicate, delete; r runs edge-case checks"),
    "history": ("f4", "History of sends: view, load, re-send, close; e saves evidence, d twice diffs two, p saves as preset"),
    "raw": ("f6", "Raw mode: edit the JSON body directly (toggle)"),
    "clear": ("f7", "Clear the form: a new draft and a fresh consumer id (unless one was given)"),
    "view": ("f8", "Narrow terminals: switch between the forms and the request/response; wide: the other side"),
    "pane-request": ("alt+r", "Show the Request pane and focus it (arrows, PgUp/PgDn, Home/End scroll)"),
    "pane-response": ("alt+a", "Show the Response (answer) pane and focus it"),
    "routing": ("alt+o,f9", "Routing: the rules in force and the routing matrix (r runs it, f shows it full screen)"),
    "lookup-engagements": ("alt+l", "Routing form: look up campaigns and engagements (LivePerson's engagement "
                                    "lookup) and fill their ids"),
    "timeline": ("alt+t,f10", "Timeline: what the webhooks say happened to the conversation"),
    "evidence": ("ctrl+o", "Save evidence of the last send (Markdown and JSON)"),
    # --- demos: why this rule, the presenter view, the agent's actions in the Timeline (sandbox),
    # on capital letters: the lower-case ones speak for the consumer ---
    "explain-routing": ("alt+w", "Why this rule: each routing rule for the draft, what matched or the first condition that did not"),
    "presenter": ("alt+p", "Presenter view: the routing story of the conversation, large and plain"),
    "agent-say": ("S", "In the Timeline (sandbox): the agent says something"),
    "agent-quick-replies": ("Q", "In the Timeline (sandbox): the agent asks, with quick-reply buttons"),
    "agent-transfer": ("T", "In the Timeline (sandbox): the agent transfers the conversation to another skill"),
    "agent-close": ("C", "In the Timeline (sandbox): the agent closes the conversation"),
    # in the Timeline (with focus there): speaking for the consumer (ui/consumer.py)
    "consumer-message": ("m", "Timeline: say something as the consumer (typing is sent as you type; metadata optional)"),
    "consumer-quick-reply": ("b", "Timeline: answer the agent's quick reply by choosing one of its buttons"),
    "consumer-read": ("a", "Timeline: ACCEPT and READ the agent's messages shown"),
    "consumer-typing": ("y", "Timeline: send a chat state (COMPOSING, PAUSE, ACTIVE, INACTIVE, GONE)"),
    "consumer-urgent": ("u", "Timeline: mark the conversation urgent (TTR URGENT)"),
    "consumer-raw": ("e", "Timeline: edit and send any SEND body (checked against LivePerson's schemas)"),
    "jump": ("ctrl+g", "Jump: a letter on every field, button, list and tab; press one to go there"),
    "form-customer": ("alt+1", "Show the Customer form"),
    "form-personal": ("alt+2", "Show the Personal form"),
    "form-profile": ("alt+3", "Show the Profile form"),
    "form-routing": ("alt+4", "Show the Routing form"),
    "form-envelope": ("alt+5", "Show the Envelope form"),
    "form-raw": ("alt+6", "Show the Raw JSON editor"),
    "next-form": ("alt+right,ctrl+pagedown", "Next form"),
    "previous-form": ("alt+left,ctrl+pageup", "Previous form"),
    "help": ("f1,ctrl+underscore", "This help"),
    "quit": ("ctrl+q", "Quit (the draft is saved as you type)"),
}

# Posting's keys where they mean the same thing here (keymap = "posting" in settings.toml).
POSTING: dict[str, str] = {
    "send": "ctrl+j,alt+enter",
    "save-preset": "ctrl+s",
    "help": "f1,ctrl+question_mark,ctrl+underscore",
    "quit": "ctrl+q,ctrl+c",
    "clear": "f7",
    "jump": "ctrl+o",
    "evidence": "ctrl+g",
}
KEYMAPS = {"default": {}, "posting": POSTING}

UNBOUND = "hyper+f24"  # an action whose key was given to another: no terminal sends this
MODIFIERS = ("ctrl", "alt", "shift", "super", "meta", "hyper")
SHOWN_NAMES = {"ctrl+underscore": "Ctrl+/", "ctrl+question_mark": "Ctrl+?", "escape": "Escape"}


def default(action: str) -> str:
    return ACTIONS[action][0]


@dataclass
class Keymap:
    """The keys in force: id -> "key,key"; ``problems`` say what in the file was not taken."""

    keys: dict[str, str] = field(default_factory=lambda: {a: k for a, (k, _) in ACTIONS.items()})
    problems: list[str] = field(default_factory=list)

    def overrides(self) -> dict[str, str]:
        """What differs from the bindings' own keys (for ``App.set_keymap``)."""
        return {a: k for a, k in self.keys.items() if k != ACTIONS[a][0]}

    def shown(self, action: str) -> str:
        """The key a person presses for ``action``, as "Ctrl+J" (alternates after a slash)."""
        return " / ".join(show_key(k) for k in self.keys.get(action, "").split(",") if k and k != UNBOUND)

    def first(self, action: str) -> str:
        keys = self.keys.get(action, "")
        return show_key(keys.split(",")[0]) if keys and keys != UNBOUND else ""


def show_key(key: str) -> str:
    key = key.strip()
    if key in SHOWN_NAMES:
        return SHOWN_NAMES[key]
    *mods, base = key.split("+")
    if base.startswith("f") and base[1:].isdigit():
        name = base.upper()
    elif len(base) == 1:
        name = base.upper()
    else:
        name = {"pageup": "PgUp", "pagedown": "PgDn", "left": "Left", "right": "Right", "up": "Up",
                "down": "Down", "enter": "Enter", "home": "Home", "end": "End", "tab": "Tab",
                "space": "Space", "delete": "Delete", "backspace": "Backspace"}.get(base, base)
    return "+".join([m.capitalize() for m in mods] + [name])


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a key Textual can report, or None."""
    from textual.keys import Keys

    if not key:
        return "an empty key"
    *mods, base = key.split("+")
    bad = [m for m in mods if m not in MODIFIERS]
    if bad:
        return f"{bad[0]!r} is not a modifier (use {', '.join(MODIFIERS)})"
    if not base:
        return "a modifier without a key"
    if len(base) == 1:
        return None
    if base.startswith("f") and base[1:].isdigit() and 1 <= int(base[1:]) <= 24:
        return None
    known = {k.value.split("+")[-1] for k in Keys}
    if base in known:
        return None
    try:
        unicodedata.lookup(base.replace("_", " "))
        return None
    except KeyError:
        pass
    guess = difflib.get_close_matches(base, sorted(known), n=1)
    return f"{base!r} is not a key name" + (f" (did you mean {guess[0]!r}?)" if guess else "")


def build(table: Any, keymap_name: Any, source: str, lines: dict[str, int] | None = None) -> Keymap:
    """The keys in force from ``keymap = NAME`` and the ``[keys]`` table of ``source``.

    Each problem names the file and line and keeps that action's key (from the named keymap).
    """
    from textual.keys import _normalize_key_list

    result = Keymap()
    lines = lines or {}

    def where(name: str) -> str:
        line = lines.get(name)
        return f"{source}, line {line}" if line else source

    if keymap_name not in (None, ""):
        if isinstance(keymap_name, str) and keymap_name in KEYMAPS:
            result.keys.update(KEYMAPS[keymap_name])
        else:
            result.problems.append(f"{where('keymap')}: keymap = {keymap_name!r} is not a keymap; use "
                                   f"{' or '.join(repr(k) for k in KEYMAPS)}. The default keys apply.")
    if table in (None, {}):
        return result
    if not isinstance(table, dict):
        result.problems.append(f"{where('[keys]')}: [keys] must be a table of id = \"key\"; it is ignored.")
        return result
    wanted: dict[str, str] = {}
    for action, value in table.items():
        if action not in ACTIONS:
            guess = difflib.get_close_matches(str(action), list(ACTIONS), n=1)
            result.problems.append(f"{where(action)}: [keys] {action!r} is not a key id" +
                                   (f" (did you mean {guess[0]!r}?)" if guess else "") +
                                   ". The help (F1) lists every id in brackets.")
            continue
        if not isinstance(value, str) or not value.strip():
            result.problems.append(f"{where(action)}: [keys] {action} must be a key in quotes, like "
                                   f"{action} = \"{ACTIONS[action][0]}\". The key {result.shown(action)} stays.")
            continue
        keys = _normalize_key_list(value)
        problem = next((p for p in (key_problem(k) for k in keys.split(",")) if p), None)
        if problem:
            result.problems.append(f"{where(action)}: [keys] {action} = {value!r}: {problem}. "
                                   f"The key {result.shown(action)} stays.")
            continue
        wanted[action] = keys
    claimed: dict[str, str] = {}  # key -> the action of the file that has it
    for action, keys in wanted.items():
        clash = next(((k, claimed[k]) for k in keys.split(",") if k in claimed), None)
        if clash is not None:
            result.problems.append(f"{where(action)}: [keys] {action} = {table[action]!r}: {show_key(clash[0])} is "
                                   f"already the key of {clash[1]!r} (line {lines.get(clash[1], '?')}). "
                                   f"The key {result.shown(action)} stays.")
            continue
        for k in keys.split(","):
            claimed[k] = action
        result.keys[action] = keys
    # a key the file gives that another action has by default: the file wins, the other keeps the rest
    for other, other_keys in list(result.keys.items()):
        if other in wanted and result.keys[other] == wanted[other]:
            continue
        kept = [k for k in other_keys.split(",") if k and k not in claimed]
        if len(kept) != len([k for k in other_keys.split(",") if k]):
            result.keys[other] = ",".join(kept) if kept else UNBOUND  # none left: the help says "(none)"
    return result


_current = Keymap()


def current() -> Keymap:
    return _current


def use(keymap: Keymap) -> None:
    global _current
    _current = keymap


def key(action: str) -> str:
    """A binding's default key (the keymap in force replaces it when the app starts)."""
    return ACTIONS[action][0]
