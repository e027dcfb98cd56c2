"""What a trace holds: per-call statistics, one record per supervision step, and the whole solve.

Why deltas too: each block ends in an RMSNorm over D without a scale, so every position of y and z has norm
sqrt(D) after any TRM call (the flat baseline's residual updates do grow); the *change* per call (||delta y||,
||delta z||) is what shows the recursion settling. Both are recorded per call.
"""

from dataclasses import dataclass, field

import numpy as np

from trm.sudoku.validate import Conflict
from trm.trace.pca import TracePCA
from trm.trace.views import ViewStep, ViewsTrace


@dataclass
class CallStats:
    """Per inner network call of one step (T cycles x (n z-updates + 1 y-update)), in call order."""

    kinds: list[str]  # "z" or "y": which state the call updated
    y_delta: list[float]  # RMS over positions of the change in y made by the call (0 for z-updates)
    z_delta: list[float]
    y_decoded_correct: list[int | None]  # cells right when the output head reads y after the call
    z_decoded_correct: list[int | None]  # the same head applied to z (the paper: z does not hold the answer)
    y_norm: list[float] = field(default_factory=list)  # RMS per-position norm of y after the call (TRM: sqrt(D))
    z_norm: list[float] = field(default_factory=list)  # (empty in traces exported before it was recorded)


@dataclass
class StepRecord:
    """The model's state after one supervision step. Arrays are (cells,) unless noted."""

    step: int  # 1-based
    prediction: np.ndarray  # int8 digits, 0 where the model predicts no digit
    confidence: np.ndarray  # float32 stable-max probability of the predicted class
    entropy: np.ndarray  # float32 entropy (nats) of the cell's distribution
    q_halt_probability: float
    changed: np.ndarray  # bool: differs from the previous step's prediction (all True at step 1)
    correct: np.ndarray | None  # bool against the exact solution, None when the puzzle has none
    violations: list[Conflict]  # repeated digits in the predicted grid
    y_norm: float  # RMS per-position L2 norm of y (sqrt(D) by construction)
    z_norm: float
    calls: CallStats
    seconds: float  # compute time of this step
    y_cells: np.ndarray = field(repr=False)  # float32 (cells, D): y at the cell positions, for the cell PCA
    y_calls: np.ndarray | None = field(default=None, repr=False)  # float16 (calls, S*D) for the state PCA
    z_calls: np.ndarray | None = field(default=None, repr=False)
    q_halt_logit: float | None = None  # None in traces exported before it was recorded
    views: ViewStep | None = field(default=None, repr=False)  # every view's answer, when solved with views
    # float16 (cells, size): the probability of each digit 1..size in each cell (None in older traces)
    digit_probabilities: np.ndarray | None = field(default=None, repr=False)

    @property
    def is_solved(self) -> bool:
        return self.correct is not None and bool(self.correct.all())


@dataclass
class Trace:
    """A whole solve: the puzzle, every step, where the Q-head would halt, and the PCA views."""

    grid_size: int
    puzzle: np.ndarray  # int8 (cells,), 0 = blank
    solution: np.ndarray | None
    halt_threshold: float
    steps: list[StepRecord]
    pca: TracePCA | None = None
    views: ViewsTrace | None = None  # with K > 1 views: each view's answer and Q-halt logit per step
    made_by: dict = field(default_factory=dict)  # which model and settings made it: "model", "steps", "views", ...

    @property
    def halt_step(self) -> int | None:
        """First step whose P(halt) reaches the threshold (where the model would stop), else None."""
        return next((s.step for s in self.steps if s.q_halt_probability >= self.halt_threshold), None)

    @property
    def first_solved_step(self) -> int | None:
        return next((s.step for s in self.steps if s.is_solved), None)
