"""The Solve page's puzzle controls: grid size, generator, famous examples, pasted text and a saved trace to replay.
Each loads a puzzle into the grid (app_ui.puzzle_input) and says where it came from (``KEY_SOURCE``)."""

import streamlit as st

from app_ui import puzzle_input as pi
from app_ui import trace_store as tp
from trm import TRMError
from trm.render import describe_maker
from trm.sudoku import grid_to_string
from trm.trace import trace_from_json

KEY_PASTE = "solve_paste"
KEY_LEVEL = "solve_level"
KEY_EXAMPLE = "solve_example"
KEY_UPLOAD = "solve_trace_upload"
KEY_SOURCE = "solve_source"
PASTED = "Loaded the pasted puzzle."


def _loaded(source: str) -> None:
    st.session_state[KEY_SOURCE] = source


def _on_generate() -> None:
    size, level = st.session_state[pi.KEY_SIZE], st.session_state[KEY_LEVEL]
    if pi.run_safely(pi.generate, size, level):
        _loaded(f"Generated {'an' if level[0] in 'aeiou' else 'a'} {level} {size}×{size} puzzle.")


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
    try:  # conflicting digits load, as typed ones and links do: the grid marks them, one edit fixes them
        pi.load_text(text, check_conflicts=False)
    except TRMError as error:
        st.session_state[pi.KEY_NOTICE] = f"Could not read the pasted puzzle, so the grid is unchanged. {error}"
        if st.session_state.get(KEY_SOURCE) == PASTED:  # it would read as if this text had loaded
            del st.session_state[KEY_SOURCE]
        return
    st.session_state[KEY_PASTE] = ""
    _loaded(PASTED)


def _on_trace_upload() -> None:
    """A saved trace replays without recomputing: its puzzle fills the grid and its steps play."""
    upload = st.session_state.get(KEY_UPLOAD)
    if upload is None:
        return
    try:
        trace = trace_from_json(upload.getvalue(), upload.name)
        pi.load_text(grid_to_string(trace.puzzle))
    except TRMError as error:
        st.session_state[pi.KEY_NOTICE] = f"Could not replay it: {error}"  # the message names the file
        return
    st.session_state[tp.KEY_REPLAY] = tp.StoredTrace(trace, "", 0.0, 0.0, tp.REPLAYED)
    st.session_state[tp.KEY_STEP] = 1
    st.session_state[tp.KEY_PLAYING] = False
    _loaded(f"Replaying {upload.name}" + (f" ({describe_maker(trace)})" if describe_maker(trace) else "") + ".")


def _on_clear() -> None:
    """Clear button and size change: an empty grid of the selected size."""
    pi.clear(st.session_state[pi.KEY_SIZE])
    _loaded("")


def render_controls() -> None:
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
                  placeholder=f"{st.session_state[pi.KEY_SIZE] ** 2} digits, 0 or . for blanks",
                  help="16, 36 or 81 cells for 4×4, 6×6 or 9×9, row by row. Digits, with 0 or '.' for blanks; "
                       "spaces, line breaks, '|', '-' and '+' are ignored.")
    with st.container(horizontal=True):
        st.button("Load pasted", key="solve_load", on_click=_on_paste)
        st.button("Clear", key="solve_clear", on_click=_on_clear)
    st.file_uploader("Load a saved trace", type=["json"], key=KEY_UPLOAD, on_change=_on_trace_upload,
                     help="A trace downloaded from this page (or written by python -m trm.render --trace-out) plays "
                          "again without the model or any computing.")
