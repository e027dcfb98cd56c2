"""The step player's "when it commits" row: the heat map of each blank cell's settle step, and beside it the same
steps grouped by the technique a person needs for the cell, easiest first."""

from pathlib import Path

import numpy as np

from app_ui.commit_chart import settling_by_technique
from trm.evaluate import settle_steps
from trm.trace.json_form import read_trace_file

TRACES = Path(__file__).resolve().parents[1] / "assets" / "traces"


def test_the_settle_steps_are_grouped_by_technique_easiest_first():
    trace = read_trace_file(TRACES / "17-clues-16.json")
    rows = settling_by_technique(trace)
    assert [row["a person needs"] for row in rows] == ["naked single", "hidden single"]  # solver's order
    assert sum(row["cells"] for row in rows) == int((trace.puzzle == 0).sum())
    settled = settle_steps(np.stack([record.prediction for record in trace.steps]), trace.puzzle)[trace.puzzle == 0]
    assert max(row["last step"] for row in rows) == settled.max()
    weighted = sum(row["mean step"] * row["cells"] for row in rows) / len(settled)
    assert abs(weighted - settled.mean()) < 0.1


def test_cells_still_wrong_at_the_end_are_told_apart_from_settled_ones():
    trace = read_trace_file(TRACES / "easter-monster-16.json")  # 16 steps do not solve it
    (row,) = settling_by_technique(trace)
    final = trace.steps[-1].prediction
    blanks = trace.puzzle == 0
    right = (final[blanks] == trace.solution[blanks]).mean()
    assert right < 1 and row["right at the end"] == f"{right:.0%}"
