"""The trace of one solve: what the model believes after every supervision step and inside every step.

``iter_trace`` yields one :class:`StepRecord` per supervision step as soon as it is computed (the app shows step
1 before step 16 exists); ``run_trace`` collects them into a :class:`Trace` and fits the PCA views. Every step
runs, also past the step where the Q-head would halt: that step is marked, not obeyed, as the reference
evaluates.

Why deltas too: each block ends in an RMSNorm over D without a scale, so every position of y and z has norm
sqrt(D) after any TRM call (the flat baseline's residual updates do grow); the *change* per call (||delta y||,
||delta z||) is what shows the recursion settling. Both are recorded per call.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from trm.model.trm import RecursiveModel
from trm.sudoku.shape import GridShape, shape_for_size
from trm.sudoku.validate import Conflict, find_conflicts
from trm.trace_pca import TracePCA, fit_trace_pca


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

    @property
    def halt_step(self) -> int | None:
        """First step whose P(halt) reaches the threshold (where the model would stop), else None."""
        return next((s.step for s in self.steps if s.q_halt_probability >= self.halt_threshold), None)

    @property
    def first_solved_step(self) -> int | None:
        return next((s.step for s in self.steps if s.is_solved), None)


def _state_rms_norm(state: torch.Tensor) -> float:
    return float(state.float().norm(dim=-1).pow(2).mean().sqrt())


def _rms_norms(states: torch.Tensor) -> torch.Tensor:
    """RMS over positions of the per-position L2 norm: (calls, S, D) -> (calls,)."""
    return states.float().norm(dim=-1).pow(2).mean(-1).sqrt()


class _Recorder:
    """Collects one step's states after every call; turns them into CallStats once per step.

    Batching the deltas and the two decodings per step (not per call) keeps the tracing overhead small and
    avoids a device sync per call on CUDA; it records the same numbers as doing them call by call.
    """

    def __init__(self, model: RecursiveModel, labels: torch.Tensor | None, keep_states: bool, y, z):
        self.model, self.labels, self.keep_states = model, labels, keep_states
        self.kinds: list[str] = []
        self.ys, self.zs = [y], [z]  # states before the first call, then after each call
        self.y_states = self.z_states = None

    def record(self, kind: str, y, z) -> None:
        self.kinds.append(kind)
        self.ys.append(y)
        self.zs.append(z)

    def _decoded_correct(self, states: torch.Tensor) -> list[int | None]:
        if self.labels is None:
            return [None] * len(states)
        return (self.model.decode_latent(states).argmax(-1) == self.labels).sum(-1).tolist()

    def finish(self) -> CallStats:
        ys, zs = torch.cat(self.ys), torch.cat(self.zs)  # (calls + 1, S, D)
        y_delta, z_delta = _rms_norms(ys[1:] - ys[:-1]).tolist(), _rms_norms(zs[1:] - zs[:-1]).tolist()
        if self.keep_states:
            self.y_states = ys[1:].flatten(1).half().cpu().numpy()  # (calls, S*D)
            self.z_states = zs[1:].flatten(1).half().cpu().numpy()
        return CallStats(self.kinds, y_delta, z_delta, self._decoded_correct(ys[1:]), self._decoded_correct(zs[1:]),
                         _rms_norms(ys[1:]).tolist(), _rms_norms(zs[1:]).tolist())


def _recursion(model: RecursiveModel, network, x, y, z, recorder: _Recorder):
    """The same T x (n + 1) calls as the model's ``recurse``, recording after each one.

    ``network`` is None (the model's own latent_update / answer_update) or a compiled copy of TRM's ``net``
    (trm.fast_inference), called with the same injections: y + x for z, z for y.
    """
    if network is None:  # the model's updates work in its working layout; the recorder wants (B, S, D)
        to, back = model.to_working, model.from_working
        update_z, update_y = model.latent_update, model.answer_update
    else:
        to = back = lambda state: state
        update_z, update_y = (lambda z, y, x: network(z, y + x)), network
    x, y, z = to(x), to(y), to(z)
    for _ in range(model.config.answer_cycles):
        for _ in range(model.config.latent_steps):
            z = update_z(z, y, x)
            recorder.record("z", back(y), back(z))
        y = update_y(y, z)
        recorder.record("y", back(y), back(z))
    return back(y), back(z)


def _stablemax_probabilities(logits: torch.Tensor) -> torch.Tensor:
    logits = logits.double()
    s = torch.where(logits < 0, 1 / (1 - logits), logits + 1)
    return s / s.sum(-1, keepdim=True)


def _step_record(step, cell_states, shape, logits, q_halt, y, z, labels, previous, calls, recorder,
                 seconds) -> StepRecord:
    probabilities = _stablemax_probabilities(logits[0])  # (cells, vocab)
    confidence, token = probabilities.max(-1)
    entropy = -(probabilities * probabilities.clamp_min(1e-12).log()).sum(-1)
    prediction = (token - 1).clamp(min=0).numpy().astype(np.int8)  # token 0/1 (pad/blank) -> no digit
    correct = None if labels is None else (token == labels[0]).numpy()
    changed = np.ones(shape.cells, bool) if previous is None else prediction != previous
    return StepRecord(step, prediction, confidence.float().numpy(), entropy.float().numpy(),
                      float(torch.sigmoid(q_halt[0])), changed, correct, find_conflicts(prediction, shape),
                      _state_rms_norm(y), _state_rms_norm(z), calls, seconds,
                      cell_states, recorder.y_states, recorder.z_states)


@torch.inference_mode()
def iter_trace(model: RecursiveModel, puzzle: np.ndarray, solution: np.ndarray | None = None,
               steps: int | None = None, keep_states: bool = True, network=None) -> Iterator[StepRecord]:
    """Yield a StepRecord after each supervision step of solving ``puzzle`` (int (cells,), 0 = blank).

    ``steps`` defaults to the model's maximum; more tests test-time scaling. The model runs on its own device
    in float32; ``keep_states`` keeps every call's full y and z (float16) for the whole-state PCA.
    ``network`` replaces TRM's ``model.net`` (e.g. ``trm.fast_inference.network_for(model)``, a compiled copy).
    The per-cell view is y at each cell's position; the flat baseline has no cell positions, so it uses each
    cell's answer logits instead.
    """
    shape: GridShape = shape_for_size(model.config.grid_size)
    device = next(model.parameters()).device
    tokens = torch.as_tensor(np.asarray(puzzle), dtype=torch.long, device=device)[None] + 1  # (1, cells)
    labels = None if solution is None else torch.as_tensor(np.asarray(solution), dtype=torch.long, device=device)[None] + 1
    y, z = (t.to(device) for t in model.initial_state(1))
    x = model.embed_inputs(tokens)
    previous = None
    for step in range(1, (steps or model.config.max_supervision_steps) + 1):
        started = time.perf_counter()
        recorder = _Recorder(model, labels, keep_states, y, z)
        y, z = _recursion(model, network, x, y, z, recorder)
        logits, q_halt = model.readout(y)
        calls = recorder.finish()
        cells = logits[0] if model.config.mixer == "flat" else y[0, model.config.prefix_len:]  # (cells, features)
        record = _step_record(step, cells.float().cpu().numpy().copy(), shape, logits.cpu(), q_halt.cpu(),
                              y.cpu(), z.cpu(),
                              None if labels is None else labels.cpu(), previous, calls, recorder,
                              time.perf_counter() - started)
        previous = record.prediction
        yield record


def run_trace(model: RecursiveModel, puzzle: np.ndarray, solution: np.ndarray | None = None,
              steps: int | None = None, halt_threshold: float = 0.5, with_pca: bool = True,
              network=None) -> Trace:
    """Trace a whole solve and fit its PCA views; returns a Trace (raw per-call states are dropped)."""
    records = list(iter_trace(model, puzzle, solution, steps, keep_states=with_pca, network=network))
    return finish_trace(model.config.grid_size, puzzle, solution, records, halt_threshold, with_pca)


def finish_trace(grid_size: int, puzzle: np.ndarray, solution: np.ndarray | None, records: list[StepRecord],
                 halt_threshold: float = 0.5, with_pca: bool = True) -> Trace:
    """Assemble streamed records into a Trace, fit the PCA views once, and free the per-call states."""
    pca = fit_trace_pca(records) if with_pca else None
    for record in records:
        record.y_calls = record.z_calls = None
    return Trace(grid_size, np.asarray(puzzle, dtype=np.int8),
                 None if solution is None else np.asarray(solution, dtype=np.int8), halt_threshold, records, pca)
