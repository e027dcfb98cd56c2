"""A set-level run for the researcher's bench, done in batches so a page can show results as they come, stop, and
resume: per supervision step the puzzles and cells right, each puzzle's halting step, final Q-halt logit and
outcome, the calibration of P(halt) against correctness, when each cell settles against the technique a person
needs for it, and, with views, what K views judged by the Q-head add. A run is plain JSON (cached by
trm.evaluate.insight_cache); the batches are computed by trm.evaluate.insight_batch."""

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from trm.evaluate.accuracy import CALIBRATION_BINS
from trm.sudoku.logic import DIFFICULTY_ORDER

BATCH_BY_SIZE = {4: 250, 6: 100, 9: 25}  # puzzles per batch on 2 CPU cores: a progress update every few seconds
FIRST_BATCH_SHARE = 4  # the first batch is a quarter of the others: the first results come in seconds


def batch_size_for(run: "InsightRun", grid_size: int) -> int:
    """Puzzles in ``run``'s next batch: fewer with more views (each brings ``views`` rows) and in the first batch.
    It depends only on how far the run is, so a run stopped and resumed meets the same batches."""
    size = max(1, BATCH_BY_SIZE[grid_size] // run.views)
    return max(1, size // FIRST_BATCH_SHARE) if run.done == 0 else size


def view_counts(views: int) -> list[int]:
    """The view counts a run compares: 1, 2, 4, ... up to ``views`` (and ``views`` itself)."""
    counts = [1 << i for i in range(views.bit_length()) if 1 << i < views]
    return [*counts, views]


@dataclass
class InsightRun:
    """Counts so far over the first ``done`` of ``total`` puzzles (lists by step are indexed by step - 1). With
    ``views`` > 1 the per-puzzle figures are the puzzle's own view (view 0); ``views_right_by_step`` adds, for each
    of ``view_counts(views)`` but 1, the puzzles whose Q-head-picked answer among that many views is right."""

    total: int
    steps: int
    views: int = 1
    done: int = 0
    right_by_step: list[int] = field(default_factory=list)
    cells_right_by_step: list[int] = field(default_factory=list)
    blank_cells: int = 0
    # per puzzle, the Q-halt logit after every step: where it halts is read at any threshold without recomputing
    q_halt_logits: list[list[float]] = field(default_factory=list)
    right: list[bool] = field(default_factory=list)  # per puzzle, after the last step
    calibration_count: list[int] = field(default_factory=list)  # per P(halt) bin over all (puzzle, step)
    calibration_probability: list[float] = field(default_factory=list)  # sums, for the bin's mean
    calibration_right: list[int] = field(default_factory=list)
    settle_histogram: dict[str, list[int]] = field(default_factory=dict)  # technique -> blank cells settling at step
    settle_right: dict[str, int] = field(default_factory=dict)  # technique -> those cells right after the last step
    views_right_by_step: list[list[int]] = field(default_factory=list)  # [index in view_counts[1:]][step - 1]

    def __post_init__(self) -> None:
        self.right_by_step = self.right_by_step or [0] * self.steps
        self.cells_right_by_step = self.cells_right_by_step or [0] * self.steps
        self.calibration_count = self.calibration_count or [0] * CALIBRATION_BINS
        self.calibration_probability = self.calibration_probability or [0.0] * CALIBRATION_BINS
        self.calibration_right = self.calibration_right or [0] * CALIBRATION_BINS
        self.settle_histogram = self.settle_histogram or {name: [0] * self.steps for name in DIFFICULTY_ORDER}
        self.settle_right = self.settle_right or {name: 0 for name in DIFFICULTY_ORDER}
        self.views_right_by_step = self.views_right_by_step or [[0] * self.steps
                                                                for _ in view_counts(self.views)[1:]]

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    def exact_accuracy_by_step(self) -> list[float]:
        return [count / self.done if self.done else 0.0 for count in self.right_by_step]

    def cell_accuracy_by_step(self) -> list[float]:
        """Blank cells right after each step (givens are not counted)."""
        return [count / self.blank_cells if self.blank_cells else 0.0 for count in self.cells_right_by_step]

    def halt_steps(self, threshold: float) -> list[int]:
        """Per puzzle, the first step whose P(halt) reaches ``threshold``; 0 where none does."""
        if not self.q_halt_logits:
            return []
        logits = np.asarray(self.q_halt_logits, dtype=np.float64)  # (puzzles, steps)
        reached = logits >= np.log(threshold / (1 - threshold))  # P(halt) >= threshold, read on the logit
        return np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, 0).tolist()

    def final_q_halt_logit(self) -> list[float]:
        return [logits[-1] for logits in self.q_halt_logits]

    def halt_histogram(self, threshold: float) -> list[int]:
        """Puzzles halting at step 1..steps at ``threshold``, then those that never halt."""
        counts = np.bincount(np.asarray(self.halt_steps(threshold), dtype=int), minlength=self.steps + 1)
        return [*counts[1:].tolist(), int(counts[0])]

    def calibration(self) -> list[dict]:
        return [{"bin": f"{i / CALIBRATION_BINS:.1f}-{(i + 1) / CALIBRATION_BINS:.1f}", "count": n,
                 "mean_probability": p / n if n else None, "accuracy": r / n if n else None}
                for i, (n, p, r) in enumerate(zip(self.calibration_count, self.calibration_probability,
                                                   self.calibration_right))]

    def commit_by_technique(self) -> list[dict]:
        """Per technique a person needs (easiest first, those with cells only): the blank cells, their mean settle
        step, the share right at the end, and the share settled by each step (cumulative)."""
        rows = []
        for name in DIFFICULTY_ORDER:
            counts = np.asarray(self.settle_histogram.get(name, []), dtype=float)
            cells = int(counts.sum())
            if cells:
                rows.append({"technique": name, "cells": cells,
                             "mean_settle_step": float((counts * np.arange(1, len(counts) + 1)).sum() / cells),
                             "right_at_end": self.settle_right.get(name, 0) / cells,
                             "settled_by_step": (np.cumsum(counts) / cells).tolist()})
        return rows

    def views_accuracy_by_step(self) -> dict[int, list[float]]:
        """View count -> exact accuracy by step of the answer the Q-head picks among that many views."""
        several = {count: [right / self.done if self.done else 0.0 for right in by_step]
                   for count, by_step in zip(view_counts(self.views)[1:], self.views_right_by_step)}
        return {1: self.exact_accuracy_by_step(), **several}  # one view: the puzzle's own, counted once

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "InsightRun":
        return cls(**json.loads(text))
