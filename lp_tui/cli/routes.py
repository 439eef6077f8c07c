"""``lp-tui routes``: the routing matrix, every preset on a fresh sandbox, ready to show a room."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lp_tui.cli.common import UsageError, err, out, rules_for
from lp_tui.lp.errors import EXIT_API, EXIT_OK


def register(sub: Any) -> None:
    r = sub.add_parser("routes", help="send every preset to a fresh sandbox and show where each was routed",
                       description="The routing matrix: each preset (all by default) is sent to a fresh built-in "
                                   "sandbox with a fresh consumer, and the table shows the values that drive "
                                   "routing, the ttrDefName, the skill it got and the rule that chose it.")
    r.add_argument("presets", nargs="*", metavar="PRESET", help="preset names or files (default: all)")
    r.add_argument("--rules", metavar="FILE", help="routing rules TOML (default: the config folder's "
                   "routing-rules.toml if present, else the built-in demo rules)")
    r.add_argument("--json", action="store_true", help="print the rows as JSON (for scripts)")
    r.add_argument("--explain", action="store_true", help="after the table, each rule for each preset: why it "
                   "matched, or the first condition that did not")
    r.set_defaults(func=cmd_routes)


def cmd_routes(args: argparse.Namespace) -> int:
    import asyncio

    from lp_tui import paths
    from lp_tui.lp.matrix import route_matrix, sandbox_clients
    from lp_tui.model import presets
    from lp_tui.model.routing import Rules
    from lp_tui.sandbox.server import Sandbox
    from lp_tui.sandbox.state import SandboxState

    rules = rules_for(args) or Rules.default()
    if args.presets:
        chosen = [presets.load(name, paths.presets_dir()) for name in args.presets]
    else:
        chosen, problems = presets.all_presets(paths.presets_dir())
        for problem in problems:
            err(f"warning: {problem}")
    if not chosen:
        raise UsageError("no presets to route")
    sandbox = Sandbox(SandboxState(rules=rules)).start()
    try:
        values = sandbox.connection_values()

        def progress(done: int, total: int, row: Any) -> None:
            if sys.stderr.isatty():
                bar = "█" * (20 * done // total) + "·" * (20 - 20 * done // total)
                print(f"\r{bar} {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

        rows = asyncio.run(route_matrix(chosen, sandbox_clients(values), rules, progress))
    finally:
        sandbox.stop()
    account = values["account_id"]
    if args.json:
        dicts = [row.as_dict() for row in rows]
        if args.explain:
            for item, preset in zip(dicts, chosen):
                item["explain"] = [{"rule": v.number, "name": v.rule.name, "matched": v.matched, "chosen": v.chosen,
                                    "why": v.why, **({"skill": v.skill} if v.chosen else {})}
                                   for v in rules.explain(preset_facts(preset, account))]
        out(json.dumps(dicts, ensure_ascii=False, indent=2), json_text=True)
    else:
        out(f"Routing rules: {rules.source}")
        print_table(rows)
        if args.explain:
            print_explain(rows, chosen, rules, account)
    return EXIT_API if any(row.problem for row in rows) else EXIT_OK


def print_table(rows: list[Any]) -> None:
    headers = ("preset", "routing values", "ttrDefName", "skill", "rule")
    cells = [(r.preset, ", ".join(f"{k}={v}" for k, v in r.facts.items()) or "—", r.ttr or "—",
              r.skill or "(not routed)", r.rule or r.problem) for r in rows]
    widths = [min(max(len(h), *(len(c[i]) for c in cells)), 40) for i, h in enumerate(headers)]
    widths[-1] = max(len(c[-1]) for c in cells + [headers])  # the rule is never cut

    def fit(value: str, width: int) -> str:
        return (value if len(value) <= width else value[: width - 1] + "…").ljust(width)

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(fit(v, w) for v, w in zip(values, widths)).rstrip()

    out(line(headers))
    out(line(tuple("─" * w for w in widths)))
    for row in cells:
        out(line(row))


def preset_facts(preset: Any, account: str) -> dict[str, Any]:
    """The routing facts of a preset's request, built as the matrix sends it."""
    from lp_tui.limits import loads_json
    from lp_tui.model.build import build_payload, client_properties_header
    from lp_tui.model.routing import facts_of

    raw = getattr(preset, "raw", None)
    if raw is not None:
        try:
            payload: Any = loads_json(raw)
        except ValueError:
            payload = []
    else:
        payload = build_payload(preset.draft, account)
    return facts_of(payload, client_properties_header(preset.draft))


def print_explain(rows: list[Any], chosen: list[Any], rules: Any, account: str) -> None:
    """Each preset, then each rule in order with why it matched or the first condition that did not."""
    from lp_tui.model.routing import explain_lines

    for row, preset in zip(rows, chosen):
        out("")
        routed = f"routed to {row.skill}" if row.skill else f"not routed ({row.problem})"
        out(f"{row.preset}: {routed}")
        for line in explain_lines(rules, preset_facts(preset, account)):
            out(f"  {line}")
