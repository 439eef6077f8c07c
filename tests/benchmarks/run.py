"""Run the benchmarks and print each figure with its budget and PASS or FAIL.

    python tests/benchmarks/run.py                          every benchmark (start-up needs tmux)
    python tests/benchmarks/run.py outside_typing --rounds 5 --json figures.json

Name benchmarks to run only those (startup, cli_send, typing_latency, outside_typing,
send_overhead, memory). Exit status 1 when a figure misses its budget. --rounds (or
LP_BENCH_ROUNDS) sets the interleaved rounds of start-up and cli_send (at least 9) and of the outside typing
measure; --json writes the figures, the machine, the load and each benchmark's raw figures to a
file. Set LP_BENCH_POSTING=/path/to/posting to add Posting's start-up for comparison.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from common import Figure, load, machine, report

BENCHMARKS = ("startup", "cli_send", "typing_latency", "outside_typing", "send_overhead", "memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run lp-tui's benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (start-up and cli_send: at least 9)")
    parser.add_argument("--json", type=Path, help="also write the figures and raw data to this file")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark named {', '.join(map(repr, unknown))}; the names are {', '.join(BENCHMARKS)}")
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
        os.environ["LP_BENCH_ROUNDS"] = str(args.rounds)  # read by the modules when they are imported
    names = args.names or list(BENCHMARKS)

    figures: list[Figure] = []
    details: dict = {}
    load_before = load()
    for name in names:
        module = importlib.import_module(name)
        started = time.perf_counter()
        figures += module.run()
        if getattr(module, "DETAILS", None):
            details[name] = module.DETAILS
        print(f"… {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    load_after = load()
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d')}; load average {load_before} before, "
          f"{load_after} after\n")
    print(report(figures))
    failed = [f.name for f in figures if f.passed is False]
    print(f"\n{len(figures) - len(failed)} of {len(figures)} figures within budget or informational; "
          f"{len(failed)} over budget" + (": " + "; ".join(failed) if failed else ""))
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M"), "load_before": load_before,
            "load_after": load_after, "benchmarks": names,
            "figures": [{**asdict(f), "passed": f.passed} for f in figures], "details": details,
        }, indent=2, allow_nan=True) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
