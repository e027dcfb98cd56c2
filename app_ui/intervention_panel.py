"""Intervene: at the player's step, wipe z or y, shake one with noise or give one more digit, and let the recursion
continue (trm.inference.Intervention); the altered run plays beside the untouched one on the same cursor, with
the steps where their answers differ marked."""

import numpy as np
import streamlit as st

from app_ui import trace_charts as charts
from app_ui.grid_component import sudoku_grid
from app_ui.trace_store import overlay_at, step_chart
from trm import LoadedModel
from trm.inference import Intervention
from trm.sudoku import cell_name, find_conflicts, shape_for_size
from trm.trace import Trace, finish_trace, iter_trace

KEY_KIND, KEY_SCALE, KEY_CELL, KEY_DIGIT = "solve_iv_kind", "solve_iv_scale", "solve_iv_cell", "solve_iv_digit"
KEY_ALTERED = "solve_iv_altered"  # (trace id, Intervention, altered Trace) of the last intervention
KINDS = {"reset_z": "Reset z", "reset_y": "Reset y", "noise_z": "Noise on z", "noise_y": "Noise on y",
         "add_given": "Add a given"}


def _altered(model, trace: Trace, change: Intervention) -> Trace:
    """The same puzzle and steps, with ``change`` made after its step."""
    records = list(iter_trace(model, trace.puzzle, trace.solution, len(trace.steps), keep_states=False,
                              intervention=change))
    return finish_trace(trace.grid_size, trace.puzzle, trace.solution, records, trace.halt_threshold,
                        with_pca=False)


def _controls(trace: Trace, step: int) -> Intervention:
    size = trace.grid_size
    with st.container(horizontal=True, vertical_alignment="bottom"):
        kind = st.selectbox("Change", list(KINDS), format_func=KINDS.get, key=KEY_KIND, width=160)
        scale = st.number_input("Noise size", 0.0, 10.0, 1.0, 0.25, key=KEY_SCALE, width=120,
                                disabled=not kind.startswith("noise"),
                                help="The std of the Gaussian noise added to every entry; y and z have norm √D "
                                     "per position, so 1.0 is about the size of one entry.")
        blanks = [int(c) for c in np.flatnonzero(trace.puzzle == 0)] or [0]
        cell = st.selectbox("Cell", blanks, key=KEY_CELL, width=110, disabled=kind != "add_given",
                            format_func=lambda c: cell_name(c, size))
        digit = st.selectbox("Digit", list(range(1, size + 1)), key=KEY_DIGIT, width=90,
                             disabled=kind != "add_given")
    if kind == "add_given":
        st.caption(_given_note(trace, int(cell), int(digit)))
    return Intervention(step, kind, scale=float(scale), cell=int(cell), digit=int(digit))


def _given_note(trace: Trace, cell: int, digit: int) -> str:
    """What the digit about to be given is: the solution's, a wrong one, or one that breaks the puzzle's rules."""
    size = trace.grid_size
    where = cell_name(cell, size)
    grid = trace.puzzle.copy()
    grid[cell] = digit
    clashes = [c for c in find_conflicts(grid, shape_for_size(size)) if divmod(cell, size) in c.cells]
    if clashes:
        return (f"{digit} at {where} breaks the rules ({clashes[0].describe()}): the puzzle has no solution with "
                "it. A test of what the model does with a contradiction.")
    if trace.solution is None:
        return f"{digit} at {where} breaks no rule with the givens."
    right = int(trace.solution[cell])
    return (f"{digit} at {where} is the solution's digit: a true hint." if digit == right else
            f"{digit} at {where} breaks no rule with the givens but is wrong (the solution has {right} there): a "
            "false hint.")


def render_intervention(loaded: LoadedModel, trace: Trace, trace_id: str, step: int) -> None:
    """The panel, for a trace the page computed with ``loaded`` (one view)."""
    st.subheader("Intervene", divider="gray")
    st.caption(f"Change the state after step {step} (move the cursor to pick another) and let the recursion "
               f"continue: does the model recover?")
    change = _controls(trace, step)
    at_the_end = step >= len(trace.steps)
    if at_the_end:
        st.caption("The cursor is on the last step, so nothing is left to run after it: move it back first.")
    if st.button(f"Run from step {step} with this change", key="solve_iv_run", icon=":material/science:",
                 disabled=at_the_end):
        with st.spinner(f"Running {len(trace.steps) - step} more steps…"):
            st.session_state[KEY_ALTERED] = (trace_id, change, _altered(loaded.model, trace, change))
    last = st.session_state.get(KEY_ALTERED)
    if last is None or last[0] != trace_id:
        return
    _, done, altered = last
    grid_col, chart_col = st.columns([1, 1], gap="large")
    with grid_col:
        givens = trace.puzzle.copy()
        if done.kind == "add_given" and step > done.after_step:  # the digit the change gave, shown as a given
            givens[done.cell] = done.digit
        sudoku_grid(givens.tolist(), trace.grid_size, key="solve_iv_grid", givens=givens.tolist(),
                    readonly=True, overlay=overlay_at(givens, altered.steps[step - 1]))
        differ = int((altered.steps[step - 1].prediction != trace.steps[step - 1].prediction).sum())
        right = altered.steps[step - 1].correct
        blanks = f"; {int(right[trace.puzzle == 0].sum())} of {int((trace.puzzle == 0).sum())} blanks right" \
            if right is not None else ""
        st.caption(f"The altered run at step {step} ({done.describe(trace.grid_size)}): {differ} cells differ from "
                   f"the untouched run{blanks}.")
    with chart_col:
        step_chart(charts.two_runs_figure(trace, altered, ("untouched", "altered"), step, done.after_step),
                   f"solve_chart_iv_{step}", len(trace.steps))
        st.caption("P(halt) of both runs and, in grey, how many cells their answers differ in at each step. "
                   "Click a step to move the cursor there.")
