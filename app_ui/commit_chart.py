"""When the model commits to each cell: a heat map of the step from which each blank cell's digit never changes
again, with the technique a person needs for that cell on hover (does the model settle the easy cells first?)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app_ui.trace_charts import HEIGHT
from app_ui.trace_store import CHART_CONFIG
from trm import TRMError
from trm.evaluate import settle_steps
from trm.sudoku import DIFFICULTY_ORDER, logic_solve, shape_for_size
from trm.trace import Trace


@st.cache_data(show_spinner=False, max_entries=64)
def _techniques_of(puzzle: str, size: int) -> list[str]:
    """Per cell, the technique a person needs (cached: the player redraws on every cursor move)."""
    grid, shape = np.array([int(c) for c in puzzle], dtype=np.int8), shape_for_size(size)
    try:
        needed = logic_solve(grid, shape, guess_when_stuck=True).cell_techniques()
    except TRMError:  # conflicting givens: no technique to show
        needed = [None] * shape.cells
    return [name or ("given" if digit else "open") for name, digit in zip(needed, grid)]


def _techniques(trace: Trace) -> list[str]:
    return _techniques_of("".join(str(int(d)) for d in trace.puzzle), trace.grid_size)


def _settle_steps(trace: Trace) -> np.ndarray:
    """Per cell, the step from which the model's digit never changes again."""
    return settle_steps(np.stack([record.prediction for record in trace.steps]), trace.puzzle)


def settle_figure(trace: Trace) -> go.Figure:
    """A size x size heat map: light cells settled early, dark ones late, givens empty."""
    size = trace.grid_size
    shape = shape_for_size(size)
    settled = _settle_steps(trace)
    values = np.where(trace.puzzle == 0, settled, np.nan).reshape(size, size)
    techniques = np.array(_techniques(trace), dtype=object).reshape(size, size)
    text = np.where(np.isnan(values), "", values.astype(object))
    figure = go.Figure(go.Heatmap(
        z=values, text=text, texttemplate="%{text}", customdata=techniques, colorscale="Blues", zmin=1,
        zmax=len(trace.steps), xgap=1, ygap=1, colorbar=dict(title=dict(text="step"), thickness=12),
        hovertemplate="row %{y}, column %{x}: settles at step %{z}<br>a person needs: %{customdata}<extra></extra>"))
    for k in range(0, size + 1, shape.box_cols):
        figure.add_shape(type="line", x0=k + 0.5, x1=k + 0.5, y0=0.5, y1=size + 0.5, line=dict(width=2))
    for k in range(0, size + 1, shape.box_rows):
        figure.add_shape(type="line", x0=0.5, x1=size + 0.5, y0=k + 0.5, y1=k + 0.5, line=dict(width=2))
    figure.update_traces(x=list(range(1, size + 1)), y=list(range(1, size + 1)))
    figure.update_layout(height=HEIGHT + 40, margin=dict(l=10, r=10, t=10, b=10))
    figure.update_xaxes(showticklabels=False, ticks="", showgrid=False, zeroline=False, constrain="domain")
    figure.update_yaxes(autorange="reversed", showticklabels=False, ticks="", showgrid=False, zeroline=False,
                        scaleanchor="x")
    return figure


def settling_by_technique(trace: Trace) -> list[dict]:
    """Per technique a person needs, easiest first as the solver tries them: its blank cells, the mean and last
    step at which the model commits to them, and (with a known solution) how many of them are right at the end: a
    cell still wrong then has only stopped changing, at the last step at the latest."""
    settled = _settle_steps(trace)
    final = trace.steps[-1].prediction
    by_technique: dict[str, list[tuple[int, bool]]] = {}
    for cell, (technique, digit) in enumerate(zip(_techniques(trace), trace.puzzle)):
        if not digit:
            right = trace.solution is not None and final[cell] == trace.solution[cell]
            by_technique.setdefault(technique, []).append((int(settled[cell]), bool(right)))
    order = [*DIFFICULTY_ORDER, *sorted(set(by_technique) - set(DIFFICULTY_ORDER))]  # "open": conflicting givens
    return [_technique_row(technique, by_technique[technique], trace.solution is not None)
            for technique in order if technique in by_technique]


def _technique_row(technique: str, cells: list[tuple[int, bool]], solved: bool) -> dict:
    steps = [step for step, _ in cells]
    row = {"a person needs": technique, "cells": len(cells), "mean step": round(float(np.mean(steps)), 1),
           "last step": max(steps)}
    if solved:
        row["right at the end"] = f"{sum(right for _, right in cells) / len(cells):.0%}"
    return row


def render_when_it_commits(trace: Trace) -> None:
    """The heat map in the left half of a row, with its caption; beside it, the same steps by technique."""
    settle_col, table_col = st.columns(2, gap="large")
    with settle_col:
        st.plotly_chart(settle_figure(trace), key="solve_chart_settle", config=CHART_CONFIG)
        st.caption("When the model commits to each cell: the step from which its digit never changes again (light: "
                   "early; givens empty). Hover a cell for the technique a person needs there.")
    with table_col:
        st.dataframe(settling_by_technique(trace), hide_index=True, key="solve_settle_table")
        st.caption("The same steps by the technique a person needs for the cell: does the model settle the cells "
                   "that are easy for people first? A cell still wrong at the end has only stopped changing.")
