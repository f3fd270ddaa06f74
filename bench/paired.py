"""The paired-rounds method every benchmark here compares with.

A ratio between two measures taken at different moments on a shared machine says as much
about the machine's load as about the code: the best time of one and the best time of the
other, or a whole series of one followed by a whole series of the other, can come from
quiet and busy moments respectively. So each comparison runs in rounds; in each round every
variant is measured once, in alternating order (A B, then B A, …: ABBA), the ratio is taken
*within* the round, and the figure reported is the median of the per-round ratios, with
their range and the load average seen at each round.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def load_average() -> float:
    """The machine's load average over the last minute (nan where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def abba(names: Sequence[str], round_number: int) -> list[str]:
    """The order of round ``round_number`` (0-based): as given on even rounds, reversed on
    odd ones, so that no variant always runs first (or right after the heavier one)."""
    order = list(names)
    return order if round_number % 2 == 0 else order[::-1]


@dataclass
class Round:
    number: int  # 1-based
    order: list[str]
    rates: dict[str, float]  # variant → rate (higher is faster: req/s, rows/s, messages/s)
    load_average: float
    results: dict[str, Any] = field(default_factory=dict)  # variant → what it returned


@dataclass
class Paired:
    """The rounds of one comparison."""

    rounds: list[Round] = field(default_factory=list)

    def rates(self, name: str) -> list[float]:
        return [r.rates[name] for r in self.rounds if name in r.rates]

    def ratios(self, name: str, reference: str) -> list[float]:
        """``name``'s rate ÷ ``reference``'s, one per round where both were measured."""
        return [
            r.rates[name] / r.rates[reference]
            for r in self.rounds
            if name in r.rates and r.rates.get(reference)
        ]

    def ratio(self, name: str, reference: str) -> float | None:
        """The median of the per-round ratios (None when no round paired the two)."""
        ratios = self.ratios(name, reference)
        return statistics.median(ratios) if ratios else None

    def ratio_range(self, name: str, reference: str) -> tuple[float, float] | None:
        ratios = self.ratios(name, reference)
        return (min(ratios), max(ratios)) if ratios else None

    def median_rate(self, name: str) -> float:
        rates = self.rates(name)
        return statistics.median(rates) if rates else float("nan")

    def load_averages(self) -> list[float]:
        return [r.load_average for r in self.rounds]

    def describe_ratio(self, name: str, reference: str) -> str:
        """ "0.83× (0.78–0.90 over 8 rounds)", for tables."""
        ratio, spread = self.ratio(name, reference), self.ratio_range(name, reference)
        if ratio is None or spread is None:
            return "–"
        rounds = len(self.ratios(name, reference))
        return f"{ratio:.2f}× ({spread[0]:.2f}–{spread[1]:.2f}, {rounds} rounds)"

    def describe_load(self) -> str:
        return " → ".join(f"{value:.1f}" for value in self.load_averages())


def run_paired(
    *,
    variants: dict[str, Callable[[], Any]],
    rate: Callable[[Any], float],
    rounds: int,
    label: str = "",
    reference: str | None = None,
    between: Callable[[], None] | None = None,
) -> Paired:
    """Runs every variant once per round, in ABBA order, and keeps each round's rates.

    ``variants`` maps a name to a callable measuring it once; ``rate`` turns what a callable
    returned into a rate (higher is faster). ``between`` runs after each measure (resetting
    rows an import wrote, say), outside the timing. Prints one line per round with the load
    average (and each variant ÷ ``reference``), so a reader sees when the machine was busy.
    """
    paired = Paired()
    names = list(variants)
    for number in range(rounds):
        order = abba(names, number)
        current = Round(number=number + 1, order=order, rates={}, load_average=load_average())
        for name in order:
            result = variants[name]()
            current.results[name] = result
            current.rates[name] = rate(result)
            if between is not None:
                between()
        paired.rounds.append(current)
        shown = ", ".join(f"{name} {current.rates[name]:,.1f}/s" for name in order)
        ratios = ""
        if reference is not None and current.rates.get(reference):
            ratios = "; " + ", ".join(
                f"{name} ÷ {reference} {current.rates[name] / current.rates[reference]:.2f}×"
                for name in names
                if name != reference
            )
        print(
            f"  {label}round {number + 1} (load {current.load_average:.1f}): {shown}{ratios}",
            flush=True,
        )
    return paired
