"""The cell inspector: one cell's probability of every digit at the player's step (bars that move with the cursor;
click a cell in the player's grid, or pick it by name), and the whole grid's confidence as a cells x steps heat
map."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app_ui import trace_charts as charts
from app_ui.trace_store import CHART_CONFIG
from trm.sudoku import cell_name
from trm.trace import Trace

KEY_CELL = "solve_inspect_cell"


def digit_figure(trace: Trace, cell: int, step: int) -> go.Figure:
    """P(digit) in ``cell`` after ``step``; the right digit (when known) in green, the predicted one outlined."""
    size = trace.grid_size
    probabilities = trace.steps[step - 1].digit_probabilities[cell].astype(float)
    right = None if trace.solution is None else int(trace.solution[cell])
    predicted = int(trace.steps[step - 1].prediction[cell])
    colours = [charts.CORRECT_COLOUR if d == right else charts.Y_COLOUR for d in range(1, size + 1)]
    figure = go.Figure(go.Bar(x=list(range(1, size + 1)), y=probabilities, marker_color=colours,
                              marker_line=dict(width=[3 if d == predicted else 0 for d in range(1, size + 1)],
                                               color="#202124"),
                              hovertemplate="digit %{x}: %{y:.3f}<extra></extra>"))
    charts.chart_layout(figure, "digit", "probability", yaxis_range=[0, 1.02])
    figure.update_xaxes(dtick=1)
    return figure


def confidence_figure(trace: Trace, step: int) -> go.Figure:
    """Every cell's confidence (probability of its predicted digit) after every step; givens hidden."""
    size = trace.grid_size
    blank = np.flatnonzero(trace.puzzle == 0)
    values = np.stack([record.confidence[blank] for record in trace.steps], axis=1)  # (blanks, steps)
    names = [cell_name(int(c), size) for c in blank]
    steps = [record.step for record in trace.steps]
    figure = go.Figure(go.Heatmap(z=values, x=steps, y=names, colorscale="Blues", zmin=0, zmax=1,
                                  colorbar=dict(title=dict(text="confidence"), thickness=12),
                                  hovertemplate="%{y}, step %{x}: %{z:.2f}<extra></extra>"))
    figure.add_vrect(x0=step - 0.5, x1=step + 0.5, line=dict(color=charts.HALT_COLOUR, width=2))
    charts.chart_layout(figure, "supervision step", "blank cell")
    figure.update_layout(height=max(charts.HEIGHT, 8 * len(blank) + 80))
    figure.update_yaxes(autorange="reversed", showticklabels=len(blank) <= 40)
    return figure


def select_cell(cell: int) -> None:
    """The player grid's click handler: inspect the clicked cell."""
    st.session_state[KEY_CELL] = int(cell)


def render_cell_inspector(trace: Trace, step: int) -> None:
    """Under the player's grid; for traces saved without each digit's probability, a note saying why it is missing."""
    if trace.steps[0].digit_probabilities is None:
        st.caption("No cell inspector here: this trace was saved without each digit's probability. A solve "
                   "computed on this page records them (for a precomputed demo, pick another step count).")
        return
    size = trace.grid_size
    cells = list(range(size * size))
    if st.session_state.get(KEY_CELL) not in cells:
        blanks = np.flatnonzero(trace.puzzle == 0)
        st.session_state[KEY_CELL] = int(blanks[0]) if blanks.size else 0
    with st.container(border=True):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown("**Cell inspector**")
            cell = st.selectbox("Cell", cells, key=KEY_CELL, format_func=lambda c: cell_name(c, size), width=110,
                                label_visibility="collapsed", help="Or click a cell in the grid above")
        st.plotly_chart(digit_figure(trace, cell, step), key=f"solve_chart_cell_{step}", config=CHART_CONFIG)
        given = " It is a given: the model still predicts it, and is scored on it." if trace.puzzle[cell] else ""
        right = "" if trace.solution is None else f" Green: the right digit, {int(trace.solution[cell])}."
        view = " It shows the puzzle's own view (view 0)." if trace.views is not None else ""
        st.caption(f"Click a cell in the grid to inspect it. The model's probability of each digit in "
                   f"{cell_name(cell, size)} after step {step} (outlined: the digit it predicts).{right}{given}{view} "
                   f"Move the cursor to watch it change.")
    with st.expander("Every cell's confidence, step by step", icon=":material/grid_on:"):
        st.plotly_chart(confidence_figure(trace, step), key=f"solve_chart_confidence_{step}", config=CHART_CONFIG)
        st.caption("Every blank cell's confidence in its predicted digit after every step; the outlined column is "
                   "the current step.")
