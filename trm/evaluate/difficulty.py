"""Exact accuracy by puzzle difficulty, and the accuracy it implies on a set with another difficulty mix.

Difficulty here is the exact solver's backtracks: the dead ends its full search meets, with singles propagated
at every node. On 9x9 it is 0 for puzzles propagation alone solves, about 80 at the median of Sudoku-Extreme's
training puzzles and about 125 at the median of the forum's hardest list. Backtracks depend on the search order,
so they are a proxy for hardness; what makes the comparison fair is that every set is measured the same way.
"""

import math
from dataclasses import dataclass

import numpy as np

from trm.sudoku.shape import GridShape
from trm.sudoku.solver import solve

# Bands chosen so that each holds a good share of Sudoku-Extreme's training puzzles (105/245/237/263/150 of 1,000).
BANDS: tuple[tuple[int, int | None], ...] = ((0, 0), (1, 50), (51, 100), (101, 200), (201, None))


def band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    return f"{low}+" if high is None else str(low) if low == high else f"{low}-{high}"


def band_index(backtracks: int) -> int:
    """Index in BANDS of the band holding ``backtracks``."""
    for index, (low, high) in enumerate(BANDS):
        if backtracks >= low and (high is None or backtracks <= high):
            return index
    raise ValueError(f"backtracks must be >= 0, got {backtracks}")


def puzzle_backtracks(puzzles: np.ndarray, shape: GridShape) -> list[int]:
    """The exact solver's backtracks for each row of ``puzzles`` (N, cells; 0 = blank)."""
    return [solve(puzzle, shape).backtracks for puzzle in puzzles]


@dataclass
class BandAccuracy:
    """Puzzles of one band and how many of them the model got exactly right."""

    band: str
    count: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.count if self.count else None

    def to_dict(self) -> dict:
        return {"band": self.band, "count": self.count, "correct": self.correct, "exact_accuracy": self.accuracy}

    @classmethod
    def from_dict(cls, data: dict) -> "BandAccuracy":
        return cls(data["band"], int(data["count"]), int(data["correct"]))


def accuracy_by_band(backtracks: list[int], correct: list[bool]) -> list[BandAccuracy]:
    """One BandAccuracy per band of BANDS (empty bands included) from per-puzzle backtracks and outcomes."""
    if len(backtracks) != len(correct):
        raise ValueError(f"{len(backtracks)} backtrack counts but {len(correct)} outcomes")
    counts, rights = [0] * len(BANDS), [0] * len(BANDS)
    for n, right in zip(backtracks, correct):
        index = band_index(n)
        counts[index] += 1
        rights[index] += bool(right)
    return [BandAccuracy(band_label(band), count, right) for band, count, right in zip(BANDS, counts, rights)]


def pool_bands(per_set: list[list[BandAccuracy]]) -> list[BandAccuracy]:
    """Several sets' band tallies added band by band (each list in BANDS order)."""
    return [BandAccuracy(bands[0].band, sum(b.count for b in bands), sum(b.correct for b in bands))
            for bands in zip(*per_set)]


@dataclass
class CardBands:
    """A model card's held-out sets at the model's own step count, their band tallies pooled."""

    steps: int
    set_names: list[str]
    bands: list[BandAccuracy]


def pooled_card_bands(evaluations: list[dict], steps: int | None = None) -> CardBands | None:
    """Pool the ``by_difficulty`` tallies of a card's evaluations (``trm.export``'s format) made at ``steps``
    supervision steps (default: the first evaluation's count); None when there are none (a card written before
    bands were recorded, or none at that count)."""
    if steps is None:
        steps = evaluations[0]["result"]["steps"] if evaluations else None
    chosen = [item for item in evaluations if item["result"]["steps"] == steps and item.get("by_difficulty")]
    if not chosen:
        return None
    bands = pool_bands([[BandAccuracy.from_dict(band) for band in item["by_difficulty"]] for item in chosen])
    return CardBands(steps, [item["name"] for item in chosen], bands)


@dataclass
class MixEstimate:
    """Expected exact accuracy on a set whose puzzles fall into the bands with ``weights``.

    ``accuracy`` is None when a band of the mix has no evaluated puzzle (listed in ``missing``): then nothing
    honest can be said. ``standard_error`` comes from the evaluated counts only (binomial, per band)."""

    weights: list[float]
    accuracy: float | None
    standard_error: float | None
    missing: list[str]

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def estimate_for_mix(bands: list[BandAccuracy], mix_backtracks: list[int]) -> MixEstimate:
    """Reweight per-band accuracies to the band mix of ``mix_backtracks`` (e.g. another data set's puzzles)."""
    if not mix_backtracks:
        raise ValueError("the mix has no puzzles")
    histogram = [0] * len(BANDS)
    for n in mix_backtracks:
        histogram[band_index(n)] += 1
    weights = [count / len(mix_backtracks) for count in histogram]
    missing = [band.band for band, weight in zip(bands, weights) if weight > 0 and not band.count]
    if missing:
        return MixEstimate(weights, None, None, missing)
    used = [(weight, band) for weight, band in zip(weights, bands) if weight > 0]
    accuracy = sum(weight * band.accuracy for weight, band in used)
    variance = sum(weight ** 2 * band.accuracy * (1 - band.accuracy) / band.count for weight, band in used)
    return MixEstimate(weights, accuracy, math.sqrt(variance), [])
