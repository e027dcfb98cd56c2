"""A trace as a table, one row per supervision step: what the Solve page's charts show, for a spreadsheet or a
plotting script of one's own."""

import csv
import io

import numpy as np

from trm.sudoku.shape import cell_name
from trm.trace.records import Trace

STEP_COLUMNS = ("step", "q_halt_probability", "q_halt_logit", "halts_here", "blank_cells_right", "blank_cells",
                "solved", "cells_changed", "mean_confidence", "repeated_digits", "seconds")


def step_rows(trace: Trace) -> list[dict]:
    """One dict per step with ``STEP_COLUMNS``; counts are over blank cells, None where there is no solution."""
    blank = trace.puzzle == 0
    rows = []
    for record in trace.steps:
        rows.append({
            "step": record.step,
            "q_halt_probability": round(record.q_halt_probability, 6),
            "q_halt_logit": None if record.q_halt_logit is None else round(record.q_halt_logit, 4),
            "halts_here": record.step == trace.halt_step,
            "blank_cells_right": None if record.correct is None else int((record.correct & blank).sum()),
            "blank_cells": int(blank.sum()),
            "solved": None if record.correct is None else record.is_solved,
            "cells_changed": int((record.changed & blank).sum()) if record.step > 1 else None,
            "mean_confidence": round(float(record.confidence[blank].mean()) if blank.any() else 1.0, 6),
            "repeated_digits": len(record.violations),
            "seconds": round(record.seconds, 6),
        })
    return rows


def steps_csv(trace: Trace) -> str:
    """``step_rows`` as CSV text (empty fields where a value is unknown)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=STEP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in step_rows(trace):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def digits_csv(trace: Trace) -> str:
    """The predicted grid after every step: one row per step, one column per cell (r1c1, r1c2, ...)."""
    size = trace.grid_size
    names = [cell_name(c, size) for c in range(size * size)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["step", *names])
    for record in trace.steps:
        writer.writerow([record.step, *np.asarray(record.prediction, dtype=int).tolist()])
    return out.getvalue()
