"""Solve: enter a Sudoku (grid, paste, generator or example), see whether it is valid, then watch the model.

The puzzle lives in ``st.session_state`` (see ``app_ui.puzzle_input``) and in the URL as ``?p=``.
"""

import numpy as np
import streamlit as st

from app_ui import puzzle_input as pi
from app_ui.grid_component import sudoku_grid
from trm import TRMError
from trm.sudoku import GridShape, grid_to_string

KEY_PASTE = "solve_paste"
KEY_LEVEL = "solve_level"
KEY_EXAMPLE = "solve_example"
KEY_SOURCE = "solve_source"


def _loaded(source: str) -> None:
    st.session_state[KEY_SOURCE] = source


def _on_generate() -> None:
    size, level = st.session_state[pi.KEY_SIZE], st.session_state[KEY_LEVEL]
    if pi.run_safely(pi.generate, size, level):
        _loaded(f"Generated a {level} {size}×{size} puzzle.")


def _on_example() -> None:
    name = st.session_state[KEY_EXAMPLE]
    if name is None:
        return
    st.session_state[KEY_EXAMPLE] = None
    if pi.run_safely(pi.load_example, name):
        description = next(e.description for e in pi.load_examples() if e.name == name)
        _loaded(f"**{name}**: {description}")


def _on_paste() -> None:
    text = st.session_state[KEY_PASTE]
    if not text.strip():
        return
    try:
        pi.load_text(text)
    except TRMError as error:
        st.session_state[pi.KEY_NOTICE] = f"Could not read the pasted puzzle. {error}"
        return
    st.session_state[KEY_PASTE] = ""
    _loaded("Loaded the pasted puzzle.")


def _on_clear() -> None:
    """Clear button and size change: an empty grid of the selected size."""
    pi.clear(st.session_state[pi.KEY_SIZE])
    _loaded("")


def _render_controls() -> None:
    st.segmented_control("Grid size", pi.SIZES, key=pi.KEY_SIZE, required=True, on_change=_on_clear,
                         format_func=lambda n: f"{n}×{n}")
    levels = pi.levels_for(st.session_state[pi.KEY_SIZE])
    if st.session_state.get(KEY_LEVEL) not in levels:
        st.session_state[KEY_LEVEL] = levels[(len(levels) - 1) // 2]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox("Difficulty", levels, key=KEY_LEVEL, format_func=str.capitalize, width=170)
        st.button("Generate", key="solve_generate", on_click=_on_generate)
    st.selectbox("Famous puzzles", [e.name for e in pi.load_examples()], index=None, key=KEY_EXAMPLE,
                 placeholder="Pick an example…", on_change=_on_example)
    st.text_input("Paste a puzzle", key=KEY_PASTE, on_change=_on_paste,
                  placeholder="81 digits, 0 or . for blanks",
                  help="16, 36 or 81 cells for 4×4, 6×6 or 9×9, row by row. Digits, with 0 or '.' for blanks; "
                       "spaces, line breaks, '|', '-' and '+' are ignored.")
    with st.container(horizontal=True):
        st.button("Load pasted", key="solve_load", on_click=_on_paste)
        st.button("Clear", key="solve_clear", on_click=_on_clear)


def _render_grid(grid: np.ndarray, shape: GridShape) -> None:
    notice = st.session_state.pop(pi.KEY_NOTICE, None)
    if notice:
        st.error(notice)
    if st.session_state.get(KEY_SOURCE):
        st.caption(st.session_state[KEY_SOURCE])
    sudoku_grid(grid.tolist(), shape.size, key="solve_grid", givens=st.session_state[pi.KEY_GIVENS],
                on_change=pi.set_cells)
    st.caption("Click a cell and type a digit; Backspace clears, arrow keys move. "
               "**Bold** digits are the puzzle's givens, blue ones you typed, red ones conflict.")


def _render_puzzle_text(grid: np.ndarray) -> None:
    if grid.any():
        with st.expander("Puzzle as text"):
            st.code(grid_to_string(grid), language=None)
            st.caption("The same string is in the address bar (`?p=`), so the page's link reproduces this grid.")


def _render_status(grid: np.ndarray, shape: GridShape) -> bool:
    """Show what the grid is (conflicts, no solution, several, unique); True when it has a unique solution."""
    try:
        status = pi.puzzle_status(grid_to_string(grid), shape.size)
    except TRMError as error:
        st.error(str(error))
        return False
    pi.show_status(status)
    return status.level == "success"


def _render_trace_area(puzzle: np.ndarray, shape: GridShape) -> None:
    """Where the trace player goes: the model's answer after every supervision step for ``puzzle``.

    The lead wires the "Solve" button to the trace API here: run the loaded checkpoint on ``puzzle`` (a flat
    int8 grid of ``shape.cells`` values, 0 = blank), then play the trace with
    ``app_ui.grid_component.sudoku_grid(..., readonly=True, overlay=...)`` next to the latent and halting
    charts. Until then the button is disabled.
    """
    st.button("Solve", key="solve_run", type="primary", disabled=True)
    st.caption("The model's step-by-step trace arrives with the solver page: load a checkpoint, press Solve and "
               "watch the answer change after every supervision step.")


pi.init_state()
pi.read_url()
st.title("Solve")
grid_col, controls_col = st.columns([3, 2], gap="large")
with controls_col:
    _render_controls()
current, current_shape = pi.current_grid(), pi.current_shape()
with grid_col:
    _render_grid(current, current_shape)
    _render_status(current, current_shape)
    _render_puzzle_text(current)
pi.write_url()
st.divider()
_render_trace_area(current, current_shape)
