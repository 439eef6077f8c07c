"""Run every benchmark and print each figure with its budget and PASS or FAIL.

    python tests/benchmarks/run.py            (needs tmux for the start-up figures)

Exit status 1 when a figure misses its budget. Set LP_BENCH_POSTING=/path/to/posting to add
Posting's start-up for comparison.
"""

from __future__ import annotations

import sys
import time

from common import Figure, machine, report


def main() -> int:
    import memory
    import send_overhead
    import startup
    import typing_latency

    figures: list[Figure] = []
    for module in (startup, typing_latency, send_overhead, memory):
        started = time.perf_counter()
        figures += module.run()
        print(f"… {module.__name__} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(f"Machine: {machine()}; {time.strftime('%Y-%m-%d')}\n")
    print(report(figures))
    failed = [f.name for f in figures if f.passed is False]
    print(f"\n{len(figures) - len(failed)} of {len(figures)} figures within budget or informational; "
          f"{len(failed)} over budget" + (": " + "; ".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
