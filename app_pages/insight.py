"""Insight: one model (or two, compared) on a whole puzzle set. Pick a checkpoint, a set (a held-out file, a
generated set, or your CSV), a sample, steps, a threshold and views; it runs in batches with a progress bar and a
Stop button, is cached on disk per (weights, puzzles, settings), and shows what app_ui.insight_results draws."""

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app_ui import insight_batches as batches
from app_ui import insight_data as idata
from app_ui import insight_link as il
from app_ui import model_picker as mp
from app_ui.insight_results import render_live, render_results
from app_ui.number_field import NumberRange, show_problem
from trm import LoadedModel, TRMError, weights_fingerprint
from trm.catalog import default_index, find_models, folder_mtime
from trm.inference import has_fast_bf16
from trm.evaluate import InsightRun, batch_size_for, cache_key, load_cached, run_batch, save_cached
from trm.sudoku import PuzzleTable

KEY_MODEL, KEY_SOURCE, KEY_FILE, KEY_LEVEL = "insight_model", "insight_source", "insight_file", "insight_level"
KEY_SAMPLE, KEY_STEPS, KEY_THRESHOLD = "insight_sample", "insight_steps", "insight_threshold"
KEY_UPLOAD, KEY_RUNNING = "insight_upload", "insight_running"
KEY_VIEWS, KEY_COMPARE, KEY_SAMPLE_FOR = "insight_views", "insight_compare", "insight_sample_for"
KEY_STOPPED = "insight_stopped"  # Stop was clicked, since the last Run
DEFAULT_SAMPLE = {9: 200, 6: 500, 4: 500}
MAX_SAMPLE = 10_000
SAMPLE_RANGE = NumberRange(1, MAX_SAMPLE)
MAX_GENERATED = 300  # generating is slow for 9x9: a few puzzles a second
VIEW_CHOICES = (1, 2, 4, 8)
SOURCES = ("Held-out file", "Generated", "Upload a CSV")


def _pick_model():
    """(the loaded model, its label in the Solve page's picker), or None."""
    found = {c.path: c for size in (9, 6, 4) for c in find_models(size)}  # an unreadable one comes with every size
    choices = [c for c in found.values() if c.problem is None]
    for unusable in (c for c in found.values() if c.problem is not None):  # the Solve page lists them, marked
        st.caption(f"Left out: **{unusable.label}** cannot be used. {unusable.problem}")
    if not choices:
        st.info("No model found: train one on the Train page or open one on the Solve page.")
        return None
    labels = {c.path: c.label for c in choices}
    sizes = {c.path: c.grid_size for c in choices}
    path = st.selectbox("Model", list(labels), key=KEY_MODEL, persist_state="session", bind="query-params",
                        width=320, index=default_index(choices, 9),
                        format_func=lambda p: f"{labels[p]} ({sizes[p]}×{sizes[p]})")
    try:
        return mp.load_shared_model(path, folder_mtime(path), mp.device_name()), labels[path]
    except TRMError as error:
        st.error(f"Cannot load {labels[path]}: {error}")
        return None


def _pick_set(size: int):
    """The puzzles and a name for them, or None (with the reason shown)."""
    previous_size = st.session_state.get(KEY_SAMPLE_FOR)
    if previous_size != size:  # each grid size starts from its own sample size, unless a shared address names one
        st.session_state[KEY_SAMPLE_FOR] = size
        if previous_size is not None or not _sample_in_address():
            st.session_state[KEY_SAMPLE] = DEFAULT_SAMPLE[size]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        source = st.segmented_control("Puzzles", SOURCES, key=KEY_SOURCE, persist_state="session",
                                      bind="query-params", default=SOURCES[0], required=True)
        sample = st.number_input("Sample", value=DEFAULT_SAMPLE[size], step=1, key=KEY_SAMPLE,
                                 persist_state="session", bind="query-params", width=110,
                                 help=f"How many puzzles (the first ones of a file), 1 to {MAX_SAMPLE:,}.")
    problem = SAMPLE_RANGE.problem("Sample", sample)  # checked here: app_ui/number_field.py says why
    if problem:
        show_problem(st, problem)
        return None
    try:
        chosen = _read_set(source, size, sample)
    except TRMError as error:
        st.error(f"Cannot use these puzzles: {error}")
        return None
    if chosen is None:
        return None
    table, name = chosen
    if table.shape.size != size:
        st.error(f"{name} holds {table.shape.size}×{table.shape.size} puzzles; this model solves {size}×{size} "
                 f"ones. Pick a {table.shape.size}×{table.shape.size} model or another set.")
        return None
    if len(table) < sample:
        st.caption(f"{name} has {len(table)} puzzles" + (f" (a generated set holds at most {MAX_GENERATED})"
                                                         if source == SOURCES[1] else "") + ": all are used.")
    return chosen


def _sample_in_address() -> bool:
    """Whether the address names a sample in range, which the page keeps in place of the grid size's default."""
    try:
        return 1 <= int(st.query_params.get(KEY_SAMPLE, "")) <= MAX_SAMPLE
    except ValueError:
        return False


def _read_set(source: str, size: int, sample: int):
    if source == SOURCES[0]:
        files = idata.held_out_files(size)
        name = st.selectbox("Held-out file", files, key=KEY_FILE, persist_state="session", bind="query-params",
                            width=320)
        return (idata.held_out_table(name, sample), name) if name else None
    if source == SOURCES[1]:
        level = st.selectbox("Level", idata.levels(size), key=KEY_LEVEL, persist_state="session", bind="query-params",
                             width=160)
        return idata.generated_table(size, level, min(sample, MAX_GENERATED)), f"generated {level} (seed 0)"
    upload = st.file_uploader("A puzzle CSV (a puzzle column, optionally solution)", type=["csv"], key=KEY_UPLOAD)
    return (idata.uploaded_table(upload.getvalue(), sample, upload.name), upload.name) if upload else None


@st.cache_data(show_spinner=False, max_entries=16)
def _fingerprint(path: str, mtime: float) -> str:
    """The weights' hash, once per checkpoint version (not on every rerun of the page)."""
    del mtime  # part of the cache key only
    return weights_fingerprint(path)


def _bf16() -> bool:
    """bf16 autocast where it is native (a GPU, a CPU with AVX512-BF16 or AMX): about twice as fast on such a CPU,
    and the precision of the model cards' evaluations. Elsewhere float32."""
    return has_fast_bf16(mp.device_name())


def _on_run() -> None:
    st.session_state[KEY_RUNNING], st.session_state[KEY_STOPPED] = True, False


def _on_stop() -> None:
    st.session_state[KEY_RUNNING], st.session_state[KEY_STOPPED] = False, True


@dataclass
class _Job:
    """One model's run on the page's puzzles (the picked model, then the one it is compared with)."""

    loaded: LoadedModel
    label: str
    run: InsightRun
    key: str


def _job(loaded: LoadedModel, label: str, table: PuzzleTable, steps: int, views: int) -> _Job:
    key = cache_key(_fingerprint(str(loaded.path), folder_mtime(str(loaded.path))), table.puzzles, steps, views,
                    _bf16())
    run = load_cached(idata.cache_folder(), key) or InsightRun(total=len(table), steps=steps, views=views)
    return _Job(loaded, label, run, key)


def _progress_text(jobs: list[_Job]) -> str:
    return "; ".join(f"{job.label}: {job.run.done} of {job.run.total} puzzles" for job in jobs)


def _step_shown(bar, jobs: list[_Job], job: _Job, batch_size: int):
    """What the bar shows while a batch computes: its step (on a CPU a 9x9 batch takes tens of seconds)."""
    total, rows = sum(j.run.total for j in jobs), min(batch_size, job.run.total - job.run.done)

    def show(step: int) -> None:
        done = sum(j.run.done for j in jobs) + rows * step / job.run.steps
        bar.progress(min(done / total, 1.0), text=f"{_progress_text(jobs)}; {job.label}: the next {rows} "
                                                  f"at step {step} of {job.run.steps}")
    return show


def _run(jobs: list[_Job], table: PuzzleTable) -> None:
    """Continue the unfinished runs batch by batch while running (a Stop click ends the batch at its next step)."""
    if all(job.run.finished for job in jobs):
        st.session_state[KEY_RUNNING] = False
        return
    started = any(job.run.done for job in jobs)
    running = bool(st.session_state.get(KEY_RUNNING))
    # While a stopped batch still computes, a second start would run the same puzzles twice, side by side.
    stopping = not running and batches.computing([job.key for job in jobs])
    with st.container(horizontal=True):
        st.button("Continue" if started else "Run", key="insight_run", type="primary", on_click=_on_run,
                  icon=":material/play_arrow:", disabled=running or stopping)
        st.button("Stop", key="insight_stop", on_click=_on_stop, icon=":material/stop:",
                  disabled=not running)
    if not running:
        _wait_for_batch_in_flight([job.key for job in jobs])
        if st.session_state.get(KEY_STOPPED) and not started:  # else the results so far and Continue say it
            st.caption("Stopped before the first batch of puzzles finished, so there is nothing to show yet "
                       "(a stopped batch is not kept). Run starts again from the first puzzle.")
        return
    try:
        _run_batches(jobs, table)
    finally:  # a failed batch must not leave the page "running" (and starting again by itself)
        st.session_state[KEY_RUNNING] = False
    st.rerun()


def _wait_for_batch_in_flight(keys: list[str]) -> None:
    """After a Stop click, the page comes back while the batch in progress still computes (until its next step):
    say so, and come back again once it has ended, so that the results and Continue show without a reload."""
    if not batches.computing(keys):
        return
    st.caption("Stopping: the batch in progress ends at its next step (Continue runs it again); the results of the "
               "batches before it then show here.")
    batches.wait_until_saved(keys)
    st.rerun()


# Streamlit's own Stop (top right, while a script runs) ends the script without a rerun: the page would then stay
# as it was drawn, Run greyed out and the progress frozen, until the next click. The page's Stop does the same
# job and reruns, so while batches run only that one shows.
_HIDE_SCRIPT_STOP = "<style>[data-testid='stStatusWidget'] button { display: none; }</style>"


def _run_batches(jobs: list[_Job], table: PuzzleTable) -> None:
    st.html(_HIDE_SCRIPT_STOP)
    total = sum(job.run.total for job in jobs)
    bar = st.progress(sum(job.run.done for job in jobs) / total, text=_progress_text(jobs))
    live = st.empty()
    while not all(job.run.finished for job in jobs) and st.session_state.get(KEY_RUNNING):
        for job in jobs:
            if not job.run.finished:
                batches.mark_computing(job.key)
                size = batch_size_for(job.run, job.loaded.config.grid_size)
                try:
                    run_batch(job.loaded.model, job.run, table.puzzles, table.solutions, size, _bf16(),
                              on_step=_step_shown(bar, jobs, job, size))
                    save_cached(idata.cache_folder(), job.key, job.run)
                finally:
                    batches.mark_done(job.key)
        bar.progress(sum(job.run.done for job in jobs) / total, text=_progress_text(jobs))
        with live.container():
            render_live([(job.label, job.run) for job in jobs], jobs[0].loaded.config.max_supervision_steps)


def _pick_compared(loaded: LoadedModel, choices: dict[str, str]):
    """"Compare with": another model of the same grid size, loaded, and its label; or None."""
    others = [path for path in choices if path != str(loaded.path)]
    path = st.selectbox("Compare with", [None, *others], key=KEY_COMPARE, persist_state="session", bind="query-params",
                        width=260,
                        format_func=lambda p: "nothing" if p is None else choices[p],
                        help="A second model on the same puzzles and settings: its curve joins the accuracy chart.")
    if path is None:
        return None
    try:
        return mp.load_shared_model(path, folder_mtime(path), mp.device_name()), choices[path]
    except TRMError as error:
        st.error(f"Cannot load {choices[path]}: {error}")
        return None


def _steps_key(loaded: LoadedModel) -> str:
    """The Steps box's key, also its name in the address: one per model (its folder and the one above it, e.g.
    runs/a/best and runs/b/best, in characters an address keeps as they are)."""
    folder = Path(loaded.path)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{folder.parent.name}-{folder.name}")
    return f"{KEY_STEPS}_{name}"


def _pick_settings(loaded: LoadedModel) -> tuple[int | None, float, int, tuple | None]:
    """Steps (None while its box is out of range), halting threshold, views and the compared model (or None)."""
    size = loaded.config.grid_size
    same_size = {c.path: c.label for c in find_models(size) if c.problem is None and c.grid_size == size}
    with st.container(horizontal=True, vertical_alignment="bottom"):
        trained = loaded.config.max_supervision_steps
        most = max(256, trained)
        steps = st.number_input("Steps", value=trained, step=1, width=110,
                                # A key per model: each starts from its own count, and a rerun that races the
                                # model change cannot carry the old model's count over from the browser.
                                key=_steps_key(loaded), persist_state="session", bind="query-params",
                                help=f"1 to {most}. Past the trained count shows what thinking longer does.")
        threshold = st.slider("Halting threshold", 0.05, 0.95, 0.5, 0.05, key=KEY_THRESHOLD, persist_state="session",
                              bind="query-params", width=220,
                              help="Where P(halt) counts as stop. Changing it re-reads the run; nothing reruns.")
        views = st.selectbox("Views", VIEW_CHOICES, key=KEY_VIEWS, persist_state="session", bind="query-params",
                             width=90,
                             help="Each puzzle also under random symmetries; the Q-head picks one answer. Adds a "
                                  "views x steps chart; costs as many times the compute.")
        compared = _pick_compared(loaded, same_size)
    problem = NumberRange(1, most).problem("Steps", steps)
    show_problem(st, problem)
    return None if problem else int(steps), threshold, int(views), compared


st.title("Insight")
st.caption("One model, or two, on a whole set of puzzles: where it succeeds, where it fails, and how far its halting "
           "head can be trusted. Results are cached: a second visit is instant.")
il.remember_link()
link_notes = st.empty()
picked = _pick_model()
if picked is not None:
    loaded, label = picked
    chosen = _pick_set(loaded.config.grid_size)
    steps, threshold, views, compared = _pick_settings(loaded)
    size, source = loaded.config.grid_size, st.session_state[KEY_SOURCE]
    drawn = {KEY_FILE: source == SOURCES[0], KEY_LEVEL: source == SOURCES[1]}  # the set's own box, when shown
    steps_key = _steps_key(loaded)
    il.note_dropped({KEY_MODEL: f"{label} ({size}×{size})", KEY_SAMPLE: str(st.session_state[KEY_SAMPLE]),
                     KEY_SOURCE: str(source), steps_key: str(st.session_state[steps_key]),
                     KEY_THRESHOLD: str(threshold), KEY_VIEWS: str(views),
                     KEY_COMPARE: compared[1] if compared else "nothing",
                     **{key: str(st.session_state.get(key)) for key, shown in drawn.items() if shown}}, link_notes)
    if chosen is not None and steps is not None:
        table, set_name = chosen
        jobs = [_job(loaded, label, table, steps, views)]
        if compared is not None:
            jobs.append(_job(*compared, table, steps, views))
        _run(jobs, table)
        run = jobs[0].run
        if run.done:
            st.caption(f"{label} on {set_name}: {run.done} of {run.total} puzzles, {steps} steps, threshold "
                       f"{threshold:.2f}" + (f", {views} views" if views > 1 else "")
                       + (", bf16 autocast" if _bf16() else ", float32")
                       + ("" if run.finished else " (stopped: Continue picks up here)") + ".")
            stem = f"{label}-{Path(set_name).stem}-{steps}steps" + (f"-{views}views" if views > 1 else "")
            render_results(run, table, loaded.config.max_supervision_steps, label, threshold, _bf16(),
                           "".join(c if c.isalnum() or c in "-_." else "_" for c in stem),
                           (jobs[1].label, jobs[1].run) if len(jobs) > 1 else None)
