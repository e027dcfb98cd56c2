"""What a trace read from a file must hold before anything draws it: a saved trace may come from anyone, and a
value out of range would otherwise show as a wrong picture ("99" in a cell, "P(halt) 7.00") or fail deep in a
chart."""

import math

import numpy as np

from trm.sudoku.shape import GridShape
from trm.trace.records import StepRecord, Trace


def _number(value) -> bool:
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool) \
        and math.isfinite(value)


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
    for index, record in enumerate(trace.steps, start=1):
        problem = _step_problem(record, index, shape)
        if problem:
            return problem
    return _views_problem(trace, shape)
