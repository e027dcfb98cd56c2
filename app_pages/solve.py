"""Solve: enter a Sudoku (grid, paste, generator or example), see whether it is valid, then watch the model.

The puzzle lives in ``st.session_state`` (see ``app_ui.puzzle_input``) and in the URL as ``?p=``; the model
picker is ``app_ui.model_picker``, the streaming solve and the trace store ``app_ui.trace_store``, the step
player and its charts ``app_ui.step_player`` / ``app_ui.trace_charts``.
"""

import time
from pathlib import Path

import numpy as np
import streamlit as st

from app_ui import address
from app_ui import compare_panel as cp
from app_ui import model_picker as mp
from app_ui import open_checkpoint as oc
from app_ui import presentation as pr
from app_ui import puzzle_controls as pc
from app_ui import puzzle_input as pi
from app_ui import solve_link as sl
from app_ui import view_settings as vs
from app_ui import trace_store as tp
from app_ui.demo_traces import demo_trace_path
from app_ui.grid_component import sudoku_grid
from app_ui.number_field import NumberRange, show_problem
from app_ui.scroll_to import scroll_to
from app_ui.step_player import render_player
from trm import LoadedModel, TRMError
from trm.catalog import checkpoints_root, default_index, difficulty_note, find_models, folder_mtime
from trm.render import describe_maker
from trm.runs import runs_root
from trm.sudoku import GridShape, grid_to_string

KEY_MODEL_LABEL = "solve_model_label"
KEY_SHOWN = "solve_shown_trace"
KEY_MODEL, KEY_THRESHOLD, KEY_STEPS, KEY_STEPS_FOR = "solve_model", "solve_threshold", "solve_steps", "solve_steps_for"
TRACE_ANCHOR = "watch-the-model-think"
MAX_STEPS = 256


def _render_grid(grid: np.ndarray, shape: GridShape) -> None:
    notice = st.session_state.pop(pi.KEY_NOTICE, None)
    if notice:
        st.error(notice)
    if st.session_state.get(pc.KEY_SOURCE):
        st.caption(st.session_state[pc.KEY_SOURCE])
    sudoku_grid(grid.tolist(), shape.size, key="solve_grid", givens=st.session_state[pi.KEY_GIVENS],
                on_change=pi.set_cells)
    st.caption("Click a cell and type a digit; Backspace clears, arrow keys move, Ctrl+Z undoes (on a touch "
               "screen: tap a cell, then the digit pad under the grid). **Bold** digits are the puzzle's givens, "
               "blue ones you typed, red ones conflict.")


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


def _pick_model(shape: GridShape) -> LoadedModel | None:
    """The model selectbox (checkpoints and training runs of this grid size); the loaded model or None."""
    choices = find_models(shape.size)
    if not choices:
        st.info(f"No {shape.size}×{shape.size} model found in `{checkpoints_root()}` or "
                f"`{runs_root()}/*/best`. Train one with {mp.HOW_TO_GET_ONE[shape.size]} "
                f"(or on the Train page), then reload this page.")
        return None
    paths = [c.path for c in choices]
    opened = oc.take_opened()
    if opened is not None:
        if opened[0] in paths:
            st.session_state[KEY_MODEL] = opened[0]
        else:
            sl.note(f"The checkpoint just opened solves {opened[1]}×{opened[1]} puzzles: pick that grid size above "
                    f"to use it.")
    linked = sl.take(sl.URL_MODEL)
    match = None if linked is None else next((c.path for c in choices if linked in (c.label, Path(c.path).name)),
                                             None)
    if match is not None:
        st.session_state[KEY_MODEL] = match
    if st.session_state.get(KEY_MODEL) not in paths:
        st.session_state[KEY_MODEL] = paths[default_index(choices, shape.size)]
    labels = {c.path: c.label + (" (unusable)" if c.problem else "") for c in choices}
    st.session_state[KEY_MODEL_LABEL] = next(c.label for c in choices if c.path == st.session_state[KEY_MODEL])
    if linked is not None and match is None:
        sl.note(f"The link's model `{linked}` is not among this machine's {shape.size}×{shape.size} models, so "
                f"`{st.session_state[KEY_MODEL_LABEL]}` is used.")
    st.selectbox("Model", paths, key=KEY_MODEL, persist_state="session", format_func=labels.__getitem__, width=300,
                 help="Checkpoint folders in checkpoints/ and the best model of each run on the Train page.")
    path = st.session_state[KEY_MODEL]
    problem = next(c.problem for c in choices if c.path == path)
    if problem:
        st.error(f"The model **{labels[path]}** cannot be used. {problem}")
        return None
    try:
        return mp.load_shared_model(path, folder_mtime(path), mp.device_name())
    except TRMError as error:
        st.error(f"Cannot load the model **{labels[path]}**. {error}")
        return None


def _pick_steps(loaded: LoadedModel | None) -> tuple[int, str | None]:
    most = loaded.config.max_supervision_steps if loaded else 16
    path = str(loaded.path) if loaded else None
    if st.session_state.get(KEY_STEPS_FOR) != path or KEY_STEPS not in st.session_state:
        # Another model starts from its own number of steps. Set, not deleted: the browser keeps a widget's last
        # value and would send the old model's count back otherwise.
        st.session_state[KEY_STEPS_FOR] = path
        st.session_state[KEY_STEPS] = most
    most_offered = max(MAX_STEPS, most)
    for key, name in ((KEY_STEPS, sl.URL_STEPS), (KEY_THRESHOLD, sl.URL_THRESHOLD)):
        linked = sl.take(name)
        if key == KEY_STEPS and linked is not None and linked > most_offered:
            sl.note(f"`steps={sl.link_text(name)}` in the link is more than this model runs here ({most_offered}), "
                    f"so it runs {most_offered}.")
            linked = most_offered
        if linked is not None:
            st.session_state[key] = linked
    st.slider("Halting threshold", 0.05, 0.95, 0.5, 0.05, key=KEY_THRESHOLD, persist_state="session", width=200,
              help="The Q-head halts once P(halt) reaches this. Changing it re-reads the trace; nothing reruns.")
    steps = st.number_input("Steps", value=most, step=1, key=KEY_STEPS, persist_state="session", width=120,
                            help=f"Supervision steps to run, 1 to {most_offered}. The model was trained for {most}; "
                                 f"more shows what extra thinking (test-time scaling) does.")
    return int(steps), NumberRange(1, most_offered).problem("Steps", steps)


def _backtracks(puzzle: np.ndarray, shape: GridShape) -> int | None:
    """The exact solver's dead ends on ``puzzle`` when it has one solution (cached with the status box's check)."""
    if not puzzle.any():
        return None
    try:
        return pi.puzzle_status(grid_to_string(puzzle), shape.size).backtracks
    except TRMError:
        return None


def _replaying(puzzle: np.ndarray) -> bool:
    """Play an uploaded trace while the grid still shows its puzzle; True if it did."""
    replay = st.session_state.get(tp.KEY_REPLAY)
    if replay is not None and np.array_equal(replay.trace.puzzle, puzzle):
        maker = describe_maker(replay.trace)
        st.caption(f"Replaying a saved trace{f' ({maker})' if maker else ''}: nothing is recomputed. Edit the grid "
                   "or solve another puzzle to leave it. "
                   "The address cannot carry the file: a link to this page solves the puzzle with a model instead; "
                   "share the file, or the **Offline page (HTML)** below.")
        _play(replay, "replayed-trace.json")
        return True
    st.session_state.pop(tp.KEY_REPLAY, None)  # the grid changed: the saved trace no longer belongs to it
    return False


def _render_trace_area(puzzle: np.ndarray, shape: GridShape) -> None:
    """Model picker, halting threshold, steps and Solve; then the step player of the trace for ``puzzle``."""
    st.subheader("Watch the model think", anchor=TRACE_ANCHOR)
    if _replaying(puzzle):
        return
    with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
        loaded = _pick_model(shape)
        steps, steps_problem = _pick_steps(loaded)
        views, views_problem = vs.pick_views()
        noise = vs.pick_noise(views)
        problems = [problem for problem in (steps_problem, views_problem) if problem]
        pressed = st.button("Solve", key="solve_run", type="primary", icon=":material/psychology:",
                            disabled=loaded is None or not puzzle.any() or bool(problems))
    for problem in problems:  # the boxes show what was typed; Solve waits until it is in range
        show_problem(st, problem)
    oc.render_open_checkpoint()
    sl.show_notes()
    waiting = cp.waiting_note(shape.size)
    if waiting:
        st.caption(waiting)
    if loaded is None or problems:
        return
    pressed = pressed or (sl.should_autosolve() and bool(puzzle.any()))
    scrolls = None if not pressed or st.session_state.get(pr.KEY_PRESENT) else str(time.time_ns())
    if scrolls:  # on a large screen the Solve button is the last thing in view: bring the solve up
        scroll_to(TRACE_ANCHOR, key="solve_scroll", group=scrolls, name="pressed")
    shown = _solve_and_play(loaded, puzzle, shape,
                            tp.SolveSettings(steps, views, noise, vs.use_bf16(views, mp.device_name())), pressed)
    # Settings go into the address only beside a solve on screen: a link (or a reload) that carries them solves
    # by itself, so an unsolved puzzle's address holds the puzzle alone.
    sl.write_link(st.session_state[KEY_MODEL_LABEL] if shown else None, steps, st.session_state[KEY_THRESHOLD],
                  views, noise)
    if scrolls:  # the solve is drawn: now the page is long enough for the heading to reach the top
        scroll_to(TRACE_ANCHOR, key="solve_scroll_drawn", group=scrolls, name="drawn")


def _solve_and_play(loaded: LoadedModel, puzzle: np.ndarray, shape: GridShape, settings: tp.SolveSettings,
                    pressed: bool) -> bool:
    """The model's description, the solve (computed, precomputed or already stored) and its player; True when a
    solve is on screen."""
    st.toggle("Presentation mode", key=pr.KEY_PRESENT,
              help="The solve alone on the screen, sized to the window, played by keys: for talks and classrooms")
    st.caption(f"{mp.describe(loaded)}. {mp.compile_note(loaded)}")
    note = difficulty_note(loaded.metadata, _backtracks(puzzle, shape), settings.steps)
    if note:
        st.caption(note)
    key = tp.trace_key(str(loaded.path), folder_mtime(str(loaded.path)), puzzle, settings)
    stored = tp.stored_trace(key)
    if pressed and stored is None:
        demo = demo_trace_path(loaded, puzzle, settings.steps, settings.views)
        stored = (tp.load_precomputed(demo, puzzle, shape, key) if demo else
                  tp.run_streaming(loaded, puzzle, shape, settings, key,
                                   pr.solving_container(presentation_slot, sl.take_shown_notes())))
    if stored is None:
        tp.show_step_in_url(None)
        sl.write_compare(None)  # a comparison belongs to a solve on screen
        st.caption("Press **Solve** to watch the model's answer after every supervision step."
                   if puzzle.any() else "Enter or generate a puzzle first.")
        return False
    if stored.solution_note:
        st.warning(stored.solution_note)
    export_name = f"trace-{Path(str(loaded.path)).name}-{grid_to_string(puzzle)[:16]}-{settings.file_tag()}.json"
    _play(stored, export_name, loaded, key)
    return True


def _play(stored: tp.StoredTrace, export_name: str, loaded: LoadedModel | None = None, key: str = "") -> None:
    st.session_state[KEY_SHOWN] = stored  # what presentation mode shows
    render_player(stored, st.session_state.get(KEY_THRESHOLD, stored.trace.halt_threshold), export_name, loaded,
                  key)


with address.one_change_per_run():  # each change the browser is sent is a history entry (Back)
    pi.init_state()
    pi.read_url()
    tp.remember_linked_step()
    sl.read_link(vs.MAX_VIEWS, vs.NOISE_CHOICES)
    pr.read_present_link()
    holding_slot = st.empty()
    pr.hold_the_stage(holding_slot)
    presentation_slot = st.empty()
    st.session_state[KEY_SHOWN] = None
    with st.container(key=pr.NORMAL_CONTAINER, **pr.normal_page_box()):
        st.title("Solve")
        grid_col, controls_col = st.columns([3, 2], gap="large")
        with controls_col:
            pc.render_controls()
        current, current_shape = pi.current_grid(), pi.current_shape()
        with grid_col:
            _render_grid(current, current_shape)
            _render_status(current, current_shape)
            _render_puzzle_text(current)
        pi.write_url()
        st.divider()
        _render_trace_area(current, current_shape)
    pr.write_present_link()
    if pr.render_presentation(presentation_slot, st.session_state[KEY_SHOWN],
                              st.session_state.get(KEY_THRESHOLD, 0.5), int(st.session_state.get(tp.KEY_STEP) or 1),
                              sl.take_shown_notes(), holding_slot):
        st.rerun()  # inside: a run cut short sends no address, and the next one sends it (app_ui.address)
