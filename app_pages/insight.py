"""Insight: one model on a whole puzzle set. Pick a checkpoint, a set (a held-out file, a generated set, or your
CSV) and a sample; it runs in batches with a progress bar and a Stop button, is cached on disk per (weights,
puzzles, settings), and shows accuracy per step, where the Q-head halts, its calibration, accuracy by difficulty,
and the failures, each one click from the Solve page."""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from app_ui import insight_charts as ic
from app_ui import insight_data as idata
from app_ui import model_picker as mp
from trm import TRMError, weights_fingerprint
from trm.catalog import find_models, folder_mtime
from trm.evaluate import InsightRun, cache_key, load_cached, run_batch, save_cached
from trm.sudoku import grid_to_string

KEY_MODEL, KEY_SOURCE, KEY_FILE, KEY_LEVEL = "insight_model", "insight_source", "insight_file", "insight_level"
KEY_SAMPLE, KEY_STEPS, KEY_THRESHOLD = "insight_sample", "insight_steps", "insight_threshold"
KEY_UPLOAD, KEY_RUNNING, KEY_STEPS_FOR = "insight_upload", "insight_running", "insight_steps_for"
SOURCES = ("Held-out file", "Generated", "Upload a CSV")
BATCH = {4: 250, 6: 100, 9: 25}  # puzzles per batch on 2 CPU cores: a progress update every few seconds


def _pick_model():
    """(the loaded model, its label in the Solve page's picker), or None."""
    choices = [c for size in (9, 6, 4) for c in find_models(size) if c.problem is None and c.grid_size == size]
    if not choices:
        st.info("No model found: train one on the Train page or open one on the Solve page.")
        return None
    labels = {c.path: c.label for c in choices}
    sizes = {c.path: c.grid_size for c in choices}
    path = st.selectbox("Model", list(labels), key=KEY_MODEL, width=320,
                        format_func=lambda p: f"{labels[p]} ({sizes[p]}×{sizes[p]})")
    try:
        return mp.load_shared_model(path, folder_mtime(path), mp.device_name()), labels[path]
    except TRMError as error:
        st.error(f"Cannot load {labels[path]}: {error}")
        return None


def _pick_set(size: int):
    """The puzzles and a name for them, or None (with the reason shown)."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        source = st.segmented_control("Puzzles", SOURCES, key=KEY_SOURCE, default=SOURCES[0], required=True)
        sample = int(st.number_input("Sample", 1, 10_000, 200 if size == 9 else 500, key=KEY_SAMPLE, width=110,
                                     help="How many puzzles (the first ones of a file)."))
    try:
        if source == SOURCES[0]:
            files = idata.held_out_files(size)
            name = st.selectbox("Held-out file", files, key=KEY_FILE, width=320)
            return (idata.held_out_table(name, sample), name) if name else None
        if source == SOURCES[1]:
            level = st.selectbox("Level", idata.levels(size), key=KEY_LEVEL, width=160)
            return idata.generated_table(size, level, min(sample, 300)), f"generated {level} (seed 0)"
        upload = st.file_uploader("A puzzle CSV (a puzzle column, optionally solution)", type=["csv"], key=KEY_UPLOAD)
        return (idata.uploaded_table(upload.getvalue(), sample), upload.name) if upload else None
    except TRMError as error:
        st.error(f"Cannot use these puzzles: {error}")
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def _fingerprint(path: str, mtime: float) -> str:
    """The weights' hash, once per checkpoint version (not on every rerun of the page)."""
    del mtime  # part of the cache key only
    return weights_fingerprint(path)


def _on_run() -> None:
    st.session_state[KEY_RUNNING] = True


def _on_stop() -> None:
    st.session_state[KEY_RUNNING] = False


def _run(loaded, table, key: str, steps: int, threshold: float) -> InsightRun:
    """The cached run, continued batch by batch while running (a Stop click ends the loop at the next batch)."""
    run = load_cached(idata.cache_folder(), key) or InsightRun(total=len(table), steps=steps, threshold=threshold)
    if run.finished:
        st.session_state[KEY_RUNNING] = False
        return run
    with st.container(horizontal=True):
        st.button("Run" if run.done == 0 else "Continue", key="insight_run", type="primary", on_click=_on_run,
                  icon=":material/play_arrow:", disabled=bool(st.session_state.get(KEY_RUNNING)))
        st.button("Stop", key="insight_stop", on_click=_on_stop, icon=":material/stop:",
                  disabled=not st.session_state.get(KEY_RUNNING))
    if not st.session_state.get(KEY_RUNNING):
        return run
    bar = st.progress(run.done / run.total, text=f"{run.done} of {run.total} puzzles")
    while not run.finished and st.session_state.get(KEY_RUNNING):
        run_batch(loaded.model, run, table.puzzles, table.solutions, BATCH[loaded.config.grid_size])
        save_cached(idata.cache_folder(), key, run)
        bar.progress(run.done / run.total, text=f"{run.done} of {run.total} puzzles")
    st.session_state[KEY_RUNNING] = False
    st.rerun()


def _failures(run: InsightRun, table, backtracks: list[int], model_label: str) -> pd.DataFrame:
    rows = []
    for index in range(run.done):
        if run.right[index]:
            continue
        puzzle = grid_to_string(table.puzzles[index])
        link = "/solve?" + urlencode({"p": puzzle, "model": model_label, "steps": run.steps})
        rows.append({"puzzle": puzzle, "backtracks": backtracks[index], "halts at": run.halt_step[index] or None,
                     "final Q-halt logit": run.final_q_halt_logit[index], "open in Solve": link})
    return pd.DataFrame(rows)


def _results(run: InsightRun, table, loaded, label: str) -> None:
    exact = run.exact_accuracy_by_step()[-1]
    with st.container(horizontal=True):
        st.metric("Puzzles", f"{run.done} of {run.total}")
        st.metric(f"Solved after {run.steps} steps", f"{exact:.1%}")
        st.metric("Blank cells right", f"{run.cell_accuracy_by_step()[-1]:.1%}")
        st.metric("Never halts", f"{run.halt_histogram()[-1]}")
    backtracks = idata.backtracks_of(table.puzzles[:run.done], loaded.config.grid_size)
    left, right = st.columns(2, gap="large")
    with left:
        st.plotly_chart(ic.accuracy_figure(run, loaded.config.max_supervision_steps), key="insight_accuracy",
                        config=ic.CONFIG)
        st.caption("Share of puzzles solved and of blank cells right after each supervision step.")
        st.plotly_chart(ic.calibration_figure(run), key="insight_calibration", config=ic.CONFIG)
        st.caption("Calibration: over every (puzzle, step), how often a puzzle was really solved when the Q-head "
                   "said P(halt) was this high. On the diagonal, P(halt) means what it says.")
    with right:
        st.plotly_chart(ic.halting_figure(run), key="insight_halting", config=ic.CONFIG)
        st.caption("Where the Q-head would stop each puzzle.")
        st.plotly_chart(ic.difficulty_figure(run, backtracks), key="insight_difficulty", config=ic.CONFIG)
        st.caption("Accuracy by difficulty: the exact solver's dead ends on each puzzle.")
    failures = _failures(run, table, backtracks, label)
    st.subheader(f"Failures ({len(failures)})", divider="gray")
    if len(failures):
        st.dataframe(failures, hide_index=True, key="insight_failures",
                     column_config={"open in Solve": st.column_config.LinkColumn(display_text="open")})
        st.download_button("Failures (CSV)", failures.to_csv(index=False), "failures.csv", "text/csv",
                           key="insight_failures_csv", icon=":material/download:")


st.title("Insight")
st.caption("One model on a whole set of puzzles: where it succeeds, where it fails, and how far its halting "
           "head can be trusted. Results are cached: a second visit is instant.")
picked = _pick_model()
if picked is not None:
    loaded, label = picked
    size = loaded.config.grid_size
    chosen = _pick_set(size)
    if st.session_state.get(KEY_STEPS_FOR) != str(loaded.path):  # another model starts from its own step count
        st.session_state[KEY_STEPS_FOR] = str(loaded.path)
        st.session_state[KEY_STEPS] = loaded.config.max_supervision_steps
    with st.container(horizontal=True, vertical_alignment="bottom"):
        steps = int(st.number_input("Steps", 1, 256, loaded.config.max_supervision_steps, key=KEY_STEPS, width=110,
                                    help="Past the trained count shows what thinking longer does."))
        threshold = st.slider("Halting threshold", 0.05, 0.95, 0.5, 0.05, key=KEY_THRESHOLD, width=220)
    if chosen is not None:
        table, set_name = chosen
        key = cache_key(_fingerprint(str(loaded.path), folder_mtime(str(loaded.path))), table.puzzles, steps,
                        threshold)
        run = _run(loaded, table, key, steps, threshold)
        if run.done:
            st.caption(f"{label} on {set_name}: {run.done} of {run.total} puzzles, {steps} steps, threshold "
                       f"{threshold:.2f}" + ("" if run.finished else " (stopped: Continue picks up here)") + ".")
            _results(run, table, loaded, label)
