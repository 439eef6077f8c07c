"""Shared helpers for the benchmarks: statistics and the report table."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    budget: float | None = None  # the value must be at most this
    note: str = ""

    @property
    def passed(self) -> bool | None:
        return None if self.budget is None else self.value <= self.budget

    def row(self) -> str:
        value = f"{self.value:.3g} {self.unit}" if self.unit != "calls" else f"{self.value:.0f} {self.unit}"
        budget = "" if self.budget is None else (f"≤ {self.budget:g} {self.unit}")
        verdict = {True: "PASS", False: "FAIL", None: "info"}[self.passed]
        return f"| {self.name} | {value} | {budget} | {verdict} | {self.note} |"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def report(figures: list[Figure]) -> str:
    lines = ["| Figure | Value | Budget | Result | Note |", "| --- | --- | --- | --- | --- |"]
    lines += [f.row() for f in figures]
    return "\n".join(lines)
