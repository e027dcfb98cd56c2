"""What a trace read from a file must hold before anything draws it: a saved trace may come from anyone, and a
value out of range would otherwise show as a wrong picture ("99" in a cell, "P(halt) 7.00") or fail deep in a
chart."""

import math

import numpy as np

from trm.sudoku.shape import GridShape
from trm.trace.records import StepRecord, Trace


FLOAT32_MAX = float(np.finfo(np.float32).max)  # the app draws in float32: a larger number breaks its charts


def _number(value) -> bool:
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) \
        and math.isfinite(value) and abs(value) <= FLOAT32_MAX


def _digits_problem(name: str, digits: np.ndarray, shape: GridShape, lowest: int) -> str | None:
    if digits.shape != (shape.cells,):
        return f"{name} has {digits.size} cells, not {shape.cells}"
    outside = digits[(digits < lowest) | (digits > shape.size)]
    if outside.size:
        return f"{name} holds the digit {int(outside[0])}, outside {lowest}-{shape.size}"
    return None


def _unit_interval(values: np.ndarray) -> bool:
    return bool(np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all())


def _step_problem(record: StepRecord, index: int, shape: GridShape) -> str | None:
    where = f"step {index}"
    if record.step != index:
        return f"its steps are not numbered 1, 2, 3, ... ({where} says {record.step!r})"
    problem = _digits_problem(f"{where}'s prediction", record.prediction, shape, 0)
    if problem:
        return problem
    if not _number(record.q_halt_probability) or not 0 <= record.q_halt_probability <= 1:
        return f"{where}'s P(halt) {record.q_halt_probability!r} is not a probability"
    if record.q_halt_logit is not None and not _number(record.q_halt_logit):
        return f"{where}'s halting logit {record.q_halt_logit!r} is not a number"
    if not all(_number(value) for value in (record.y_norm, record.z_norm, record.seconds)):
        return f"{where}'s norms or time are not numbers"
    for name, values in (("confidence", record.confidence), ("changed", record.changed),
                         ("correct", record.correct)):
        if values is not None and values.shape != (shape.cells,):
            return f"{where}'s {name} has {values.size} cells, not {shape.cells}"
    if not _unit_interval(record.confidence) or not np.isfinite(record.entropy).all():
        return f"{where}'s confidences are not probabilities"
    probabilities = record.digit_probabilities
    if probabilities is not None and (probabilities.shape != (shape.cells, shape.size)
                                      or not _unit_interval(probabilities.astype(np.float32))):
        return f"{where}'s digit probabilities are not {shape.cells} x {shape.size} probabilities"
    return None


def _calls_problem(record: StepRecord, where: str, calls: int, cells: int) -> str | None:
    """The per-call statistics drawn under "Inside the recursion": one entry per call in every list (the
    norms may be absent), the same calls in every step, each a z- or y-update, finite changes, and cell counts
    within the grid."""
    stats = record.calls
    if not isinstance(stats.kinds, list) or len(stats.kinds) != calls \
            or any(kind not in ("z", "y") for kind in stats.kinds):
        return f"{where}'s calls are not the {calls} z- and y-updates of step 1"
    for name in ("y_delta", "z_delta", "y_decoded_correct", "z_decoded_correct", "y_norm", "z_norm"):
        values = getattr(stats, name)
        absent_norms = name.endswith("norm") and values == []  # traces saved before the norms were recorded
        if not isinstance(values, list) or (len(values) != calls and not absent_norms):
            return f"{where}'s call statistic {name} does not have one value per call"
        if name.endswith("correct"):
            if not all(value is None or _number(value) and 0 <= value <= cells for value in values):
                return f"{where}'s {name} is not a count of cells"
        elif not all(_number(value) for value in values):
            return f"{where}'s {name} holds something other than numbers"
    return None


def _pca_problem(trace: Trace, shape: GridShape) -> str | None:
    """The PCA pictures' points: one per call of every step for the states, one per cell and step for the
    cells."""
    pca = trace.pca
    if pca is None:
        return None
    calls = len(trace.steps) * len(trace.steps[0].calls.kinds)
    arrays = (pca.y_path, pca.z_path, pca.state_explained, pca.cells, pca.cells_explained)
    if any(array.dtype.kind not in "fiu" or not np.isfinite(array).all() or np.abs(array).max(initial=0) > FLOAT32_MAX
           for array in arrays):
        return "its PCA holds something other than numbers"
    if pca.y_path.ndim != 2 or pca.cells.ndim != 3 or pca.y_path.shape[0] != calls \
            or pca.z_path.shape != pca.y_path.shape or pca.cells.shape[:2] != (len(trace.steps), shape.cells):
        return "its PCA does not have a point for every call and cell of its steps"
    return None


def _views_problem(trace: Trace, shape: GridShape) -> str | None:
    if trace.views is None:
        return None
    if len(trace.views.steps) != len(trace.steps):
        return "its views cover a different number of steps than the trace"
    for step in trace.views.steps:
        answers = step.answers
        if answers.ndim != 2 or answers.shape[1] != shape.cells or answers.shape[0] != step.q_halt_logit.shape[0] \
                or answers.min() < 0 or answers.max() > shape.size or not np.isfinite(step.q_halt_logit).all():
            return f"its views at step {step.step} are damaged"
    return None


def trace_problem(trace: Trace, shape: GridShape) -> str | None:
    """Why ``trace`` (of a ``shape`` grid) cannot be shown as it is, or None."""
    problem = _digits_problem("the puzzle", trace.puzzle, shape, 0) or (
        trace.solution is not None and _digits_problem("the solution", trace.solution, shape, 1))
    if problem:
        return problem
    if not _number(trace.halt_threshold) or not 0 <= trace.halt_threshold <= 1:
        return f"its halting threshold {trace.halt_threshold!r} is not a probability"
    calls = len(trace.steps[0].calls.kinds) if isinstance(trace.steps[0].calls.kinds, list) else 0
    if not calls:
        return "step 1 records no calls of the network"
    for index, record in enumerate(trace.steps, start=1):
        problem = _step_problem(record, index, shape) or _calls_problem(record, f"step {index}", calls, shape.cells)
        if problem:
            return problem
    return _pca_problem(trace, shape) or _views_problem(trace, shape)
