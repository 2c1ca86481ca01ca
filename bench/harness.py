"""Timing helpers and the report. Every figure is printed next to a baseline measured in the
same run on the same machine, as a ratio: absolute numbers move with the hardware."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    name: str
    subject_ms: list[float]
    baseline_name: str
    baseline_ms: list[float]
    note: str = ""

    @staticmethod
    def _p(values: list[float], quantile: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    @property
    def ratio(self) -> float:
        """How many times faster the subject is than the baseline (medians)."""
        return statistics.median(self.baseline_ms) / statistics.median(self.subject_ms)

    def row(self) -> str:
        return (
            f"| {self.name} | {statistics.median(self.subject_ms):.3f} | "
            f"{self._p(self.subject_ms, 0.95):.3f} | {self.baseline_name} | "
            f"{statistics.median(self.baseline_ms):.3f} | {self.ratio:.1f}× | {self.note} |"
        )


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call, after one warm-up call."""
    function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def write_report(results: list[Result], context: str, path: Path) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/). Each row times the subject and a baseline in the",
        "same run; the ratio is baseline median ÷ subject median (higher is better).",
        "",
        context,
        "",
        "| benchmark | median ms | p95 ms | baseline | baseline median ms | ratio | note |",
        "|---|---|---|---|---|---|---|",
        *[result.row() for result in results],
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text
