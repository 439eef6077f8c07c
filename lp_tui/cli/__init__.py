"""Command line: ``lp-tui`` (the app) and its commands, one module each.

Exit codes: 0 success; 1 LivePerson answered with an error (or a check failed); 2 usage or
configuration error; 3 transport failure. Errors are one clear line on stderr, never a
traceback; everything printed passes the display boundary (``cli/common.py``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence

from lp_tui import __version__
from lp_tui.cli.common import UsageError, add_connection_options, err
from lp_tui.lp.errors import EXIT_OK, EXIT_USAGE

COMMAND_MODULES = ("build", "send", "token_cmd", "check", "diff", "routes", "sandbox_cmd", "webhooks_cmd", "demo",
                   "event_cmd", "serve", "engagements_cmd")
# Commands that end within a second or so: garbage collection stays paused until they return
# (see gcpause). Any other command, and one added later, resumes it before its work.
QUICK_COMMANDS = ("build", "presets", "send", "close", "message", "event")


class Parser(argparse.ArgumentParser):
    """Usage mistakes get one line naming the mistake and where help is, not the whole usage block."""

    _words: list[str] | None = None  # the words being parsed (for "did you mean" in a command's flags)

    def error(self, message: str) -> Any:
        err(f"{self.prog}: error: {message}{self._did_you_mean(message)}")
        command = self._command()
        err(f"Try `{self.prog} {command} --help`." if command else f"Try `{self.prog} --help`.")
        raise SystemExit(EXIT_USAGE)

    def _command(self) -> str:
        """The sub-command being parsed, when the top-level parser reports the mistake."""
        words = sys.argv[1:] if self._words is None else self._words
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return next((w for w in words if w in action.choices), "")
        return ""

    def _did_you_mean(self, message: str) -> str:
        """For an unknown flag or command: the nearest one this parser knows ("did you mean --sandbox")."""
        import difflib
        import re

        options = [o for action in self._actions for o in action.option_strings]
        subparsers = [action for action in self._actions if isinstance(action, argparse._SubParsersAction)]
        commands = [c for action in subparsers for c in action.choices]
        words = sys.argv[1:] if self._words is None else self._words
        chosen = [(name, parser) for action in subparsers for name, parser in action.choices.items() if name in words]
        own = [o for _, parser in chosen for action in parser._actions for o in action.option_strings]
        options = own + options
        guesses: list[str] = []
        if message.startswith("unrecognized arguments:"):
            for word in message.split(":", 1)[1].split():
                flag = word.split("=", 1)[0]
                if flag.startswith("-") and chosen and flag in options and flag not in own:
                    return f"; `{self.prog} {chosen[0][0]}` does not take {flag}"  # a flag of other commands
                if flag.startswith("-"):
                    guesses += difflib.get_close_matches(flag, options, n=1, cutoff=0.6)
                else:
                    guesses += difflib.get_close_matches(flag, commands, n=1, cutoff=0.6)
        elif (found := re.search(r"invalid choice: '([^']*)'", message)) and commands:
            guesses += difflib.get_close_matches(found.group(1), commands, n=1, cutoff=0.5)
        guesses = list(dict.fromkeys(guesses))
        return f"; did you mean {' or '.join(guesses)}?" if guesses else ""


def parser() -> argparse.ArgumentParser:
    import importlib

    p = Parser(
        prog="lp-tui",
        allow_abbrev=False,  # a command's own flag (token --consumer) is never taken for a prefix of a top-level one
        description="Compose and send LivePerson Connector API 'create conversation and set user profile' requests.",
        epilog="Run without a command to open the terminal app (it takes the same connection options). "
               "Exit codes: 0 ok, 1 LivePerson error, 2 usage/configuration error, 3 network failure.",
    )
    p.add_argument("--version", action="version", version=f"lp-tui {__version__}")
    add_connection_options(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"lp_tui.cli.{name}").register(sub)
    return p


def cmd_app(args: argparse.Namespace) -> int:
    from lp_tui.cli.common import connection_flags, rules_for
    from lp_tui.ui.run import run_app

    flags = connection_flags(args)
    rules = rules_for(args)
    try:
        return run_app(sandbox=bool(args.sandbox), profile=args.profile, flags=flags, rules=rules,
                       rules_path=args.rules)
    except ValueError as exc:  # an unknown profile, said before the screen opens
        raise UsageError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """The console script (``argv`` None: the process ends when this returns), or a caller's words."""
    from lp_tui import gcpause

    gcpause.pause()  # start-up makes no garbage worth a collection (see gcpause)
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    finally:
        gcpause.resume()
        if argv is None:
            gcpause.before_exit()


def _run(words: list[str]) -> int:
    p = parser()
    Parser._words = words
    args = p.parse_args(words)
    func: Any = getattr(args, "func", cmd_app)
    if func is not cmd_app and args.command not in QUICK_COMMANDS:
        from lp_tui import gcpause

        gcpause.resume()  # a command that runs on (a sandbox, a matrix) collects as usual
    try:
        code: int = func(args)
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if not isinstance(exc, usage_errors()):
            raise
        err(f"lp-tui: error: {exc}")
        return EXIT_USAGE


def usage_errors() -> tuple[type[Exception], ...]:
    """The errors that mean bad usage or configuration (exit 2). Imported when one is raised, so
    a command that needs no presets does not load them."""
    from lp_tui.model.draft import FieldError
    from lp_tui.model.presets import PresetError
    from lp_tui.model.tomlio import TomlFileError
    from lp_tui.store.atomic import StoreError

    return (UsageError, FieldError, PresetError, TomlFileError, StoreError)
