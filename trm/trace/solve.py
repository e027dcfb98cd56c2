"""Trace one solve: what the model believes after every supervision step and inside every step.

``iter_trace`` yields one :class:`StepRecord` per supervision step as soon as the inference core has computed it
(the app shows step 1 before step 16 exists); ``run_trace`` collects them into a :class:`Trace` and fits the PCA
views. Every step runs, also past the step where the Q-head would halt: that step is marked, not obeyed, as the
reference evaluates.
"""

import time
from collections.abc import Iterator

import numpy as np
import torch

from trm.inference import Intervene, Intervention, StepOutput, iter_steps, make_views, noisy_start
from trm.model.tokens import encode_grids
from trm.model.trm import RecursiveModel
from trm.sudoku.shape import GridShape, shape_for_size
from trm.sudoku.validate import find_conflicts
from trm.trace.pca import fit_trace_pca
from trm.trace.recorder import CallRecorder, rms_norms
from trm.trace.records import StepRecord, Trace
from trm.trace.views import ViewsTrace, view_step


def _cell_states(model: RecursiveModel, output: StepOutput) -> np.ndarray:
    """(cells, features) for the cell PCA: y at each cell's position; the flat baseline has no cell positions,
    so each cell's answer logits stand in."""
    cells = output.logits[0] if model.config.is_flat_baseline else output.y[0, model.config.prefix_len:]
    return cells.float().cpu().numpy().copy()


def _step_record(model: RecursiveModel, output: StepOutput, shape: GridShape, labels: torch.Tensor | None,
                 previous: np.ndarray | None, recorder: CallRecorder, seconds: float) -> StepRecord:
    probabilities = output.probabilities[0].cpu()  # (cells, vocab)
    confidence = probabilities.max(-1).values
    entropy = -(probabilities * probabilities.clamp_min(1e-12).log()).sum(-1)
    prediction = output.answers[0].cpu().numpy()
    correct = None if labels is None else (output.tokens[0] == labels[0]).cpu().numpy()
    changed = np.ones(shape.cells, bool) if previous is None else prediction != previous
    calls, y_states, z_states = recorder.take()
    return StepRecord(output.step, prediction, confidence.float().numpy(), entropy.float().numpy(),
                      float(output.halt_probability[0]), changed, correct, find_conflicts(prediction, shape),
                      float(rms_norms(output.y[:1])), float(rms_norms(output.z[:1])), calls, seconds,
                      _cell_states(model, output), y_states, z_states, float(output.q_halt_logit[0]),
                      digit_probabilities=probabilities[:, 2:2 + shape.size].half().numpy())


def iter_trace(model: RecursiveModel, puzzle: np.ndarray, solution: np.ndarray | None = None,
               steps: int | None = None, keep_states: bool = True, compiled: bool = True, views: int = 1,
               seed: int = 0, noise: float = 0.0, bf16: bool = False,
               intervention: Intervention | None = None) -> Iterator[StepRecord]:
    """Yield a StepRecord after each supervision step of solving ``puzzle`` (int (cells,), 0 = blank).

    ``steps`` defaults to the model's maximum; more tests test-time scaling. The model runs on its own device
    in float32; ``keep_states`` keeps every call's full y and z (float16) for the whole-state PCA. ``compiled``
    lets the core use the model's compiled network once it is ready (trm.inference.prepare_for_solving). With
    ``views`` > 1 the puzzle runs as that many views in one batch (symmetries drawn with ``seed``): the record
    traces view 0, the puzzle itself, and its ``views`` holds every view's answer and Q-halt logit. ``noise``
    perturbs every view's initial y and z but the puzzle's own (trm.inference.noisy_start). ``bf16`` runs the
    network in bf16 autocast, as on the GPU (twice as fast on a CPU with native bf16; answers may differ slightly).
    ``intervention`` changes the state after its step (trm.inference.Intervene); the steps before are the
    untouched run's.
    """
    shape = shape_for_size(model.config.grid_size)
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    made = make_views(1, views, shape, generator)
    dtype = torch.bfloat16 if bf16 else torch.float32
    start = noisy_start(model, made, noise, dtype, generator) if noise and views > 1 else None
    tokens = encode_grids(made.to_views(torch.as_tensor(np.asarray(puzzle), device=device).long()[None]))
    labels = None if solution is None else encode_grids(solution, device)[None]
    recorder = CallRecorder(model, labels, keep_states)
    observers = [recorder] + ([Intervene(model, intervention)] if intervention else [])
    previous, started = None, time.perf_counter()
    for output in iter_steps(model, tokens, steps, observers=observers, compiled=compiled, start=start,
                             bf16=bf16):
        with torch.inference_mode():
            record = _step_record(model, output, shape, labels, previous, recorder, 0.0)
            record.views = view_step(made, output) if views > 1 else None
        record.seconds = time.perf_counter() - started
        previous = record.prediction
        yield record
        started = time.perf_counter()


def run_trace(model: RecursiveModel, puzzle: np.ndarray, solution: np.ndarray | None = None,
              steps: int | None = None, halt_threshold: float = 0.5, with_pca: bool = True,
              compiled: bool = True, views: int = 1, seed: int = 0, noise: float = 0.0,
              intervention: Intervention | None = None) -> Trace:
    """Trace a whole solve and fit its PCA views; returns a Trace (raw per-call states are dropped)."""
    records = list(iter_trace(model, puzzle, solution, steps, keep_states=with_pca, compiled=compiled,
                              views=views, seed=seed, noise=noise, intervention=intervention))
    return finish_trace(model.config.grid_size, puzzle, solution, records, halt_threshold, with_pca, seed, noise)


def finish_trace(grid_size: int, puzzle: np.ndarray, solution: np.ndarray | None, records: list[StepRecord],
                 halt_threshold: float = 0.5, with_pca: bool = True, seed: int = 0, noise: float = 0.0) -> Trace:
    """Assemble streamed records into a Trace, fit the PCA views once, and free the per-call states."""
    pca = fit_trace_pca(records) if with_pca else None
    for record in records:
        record.y_calls = record.z_calls = None
    puzzle = np.asarray(puzzle, dtype=np.int8)
    solution = None if solution is None else np.asarray(solution, dtype=np.int8)
    views = None
    if records and records[0].views is not None:
        views = ViewsTrace(puzzle, solution, seed, [record.views for record in records], noise)
    return Trace(grid_size, puzzle, solution, halt_threshold, records, pca, views)
