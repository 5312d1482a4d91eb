"""The benchmark's table: figure, ours, baseline, ratio, target, met."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    figure: str
    ours: float
    baseline: float | None
    target: str
    met: bool
    baseline_note: str = ""


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def print_table(rows: list[Row]) -> None:
    print("| Figure | Ours | Baseline (same run) | Ratio | Target | Met |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        if row.baseline:
            baseline = f"{_number(row.baseline)} ({row.baseline_note})" if row.baseline_note else _number(row.baseline)
            ratio = f"{row.ours / row.baseline:.3f}"
        else:
            baseline, ratio = "—", "—"
        print(
            f"| {row.figure} | {_number(row.ours)} | {baseline} | {ratio} | {row.target} "
            f"| {'yes' if row.met else '**no**'} |"
        )
