"""``lp-tui diff ID1 ID2``: two history entries as a unified diff of their JSON."""

from __future__ import annotations

import argparse
from typing import Any

from lp_tui.cli.common import UsageError, out, warn
from lp_tui.lp.errors import EXIT_API, EXIT_OK
from lp_tui.text import ident

MIN_PREFIX = 4


def register(sub: Any) -> None:
    d = sub.add_parser("diff", help="compare two sends from the history (unified diff of their JSON)",
                       description="Compare two history entries: request (method, URL, masked headers, body) and "
                                   "response (status, headers, body), bodies parsed as JSON, and the external "
                                   "consumer ids; what always differs (date, content-length, request ids, timings) "
                                   "is left out unless --all. Without IDs, list the "
                                   "recent entries and their ids. Exit 0 when they are the same, 1 when they "
                                   "differ (as diff does).")
    d.add_argument("ids", nargs="*", metavar="ID", help="two history entry ids (or unique prefixes of at least 4)")
    d.add_argument("--context", type=int, default=3, metavar="LINES", help="lines of context (default 3)")
    d.add_argument("--all", dest="everything", action="store_true",
                   help="compare everything: ids, times, timings, steps and the date, content-length and "
                        "request-id headers that are left out by default")
    d.add_argument("--ignore", action="append", default=[], metavar="KEY",
                   help="also leave out this key (a header name or a JSON key, at any depth); repeat for more")
    d.set_defaults(func=cmd_diff)


def find(entries: list[dict[str, Any]], given: str) -> dict[str, Any]:
    """The entry with this id, or the only one whose id starts with it."""
    exact = [e for e in entries if e.get("id") == given]
    if exact:
        return exact[-1]
    hits = [e for e in entries if len(given) >= MIN_PREFIX and str(e.get("id", "")).startswith(given)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UsageError(f"{given!r} matches {len(hits)} history entries; give more of the id")
    if len(given) < MIN_PREFIX:
        raise UsageError(f"{given!r} is too short: give an id, or at least {MIN_PREFIX} of its first characters "
                         "(`lp-tui diff` without ids lists them)")
    raise UsageError(f"no history entry {given!r}; `lp-tui diff` without ids lists them")


def cmd_diff(args: argparse.Namespace) -> int:
    from lp_tui import paths
    from lp_tui.export.diff import Options, label, unified
    from lp_tui.store.history import History

    if len(args.ids) not in (0, 2):
        raise UsageError("give two history entry ids, or none to list them")
    if not 0 <= args.context <= 1000:
        raise UsageError("--context: a number of lines, 0-1000")
    entries, problems = History(paths.history_file()).load()
    for problem in problems:
        warn(problem)
    if not args.ids:
        if not entries:
            out(f"No history yet ({paths.shown(paths.history_file())}): every send is recorded there, from the app and the command line.")
        for entry in reversed(entries[-30:]):
            out(f"{label(entry)}  {entry.get('action', '')}  {ident(entry.get('conversation_id') or '')}".rstrip())
        return EXIT_OK
    first, second = find(entries, args.ids[0]), find(entries, args.ids[1])
    ignore = [k.strip().lower() for k in args.ignore if k.strip()]
    if len(ignore) != len(args.ignore):
        raise UsageError("--ignore: give a key, e.g. --ignore x-lp-server")
    text = unified(first, second, args.context, Options(args.everything, frozenset(ignore)))
    if not text:
        aside = "" if args.everything else " (ids, times, timings and the headers that always differ aside)"
        out(f"The two entries are the same{aside}: {label(first)}, {label(second)}")
        return EXIT_OK
    out(text, block=True)
    return EXIT_API
