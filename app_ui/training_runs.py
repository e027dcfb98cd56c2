"""The Train page's runs overview (a table with status chips and an overlay of several runs' curves) and the
buttons that act on one run: Stop, Resume, Export, Delete."""

import time
from pathlib import Path

import pandas as pd
import streamlit as st

from app_ui.number_field import show_problem
from app_ui.training_charts import TRAINING_CHART_CONFIG, Series, curve_figure
from app_ui.training_shared import STATE_COLOURS, flash, run_styles
from trm import TRMError
from trm.control import delete_run, export_run, resume_run, stop_run
from trm.runs import RunInfo, read_curves

COMPARE_METRICS = {  # label -> (record kind, field, is a fraction)
    "Loss (LM)": ("train", "lm_loss", False),
    "Held-out exact accuracy": ("eval", "exact_accuracy", True),
    "Held-out cell accuracy": ("eval", "cell_accuracy", True),
    "Training exact accuracy": ("train", "exact_accuracy", True),
    "Q-halt accuracy": ("train", "q_halt_accuracy", True),
    "Mean halting step": ("train", "steps", False),
    "Samples/s": ("train", "samples_per_second", False),
}


def _age(seconds_since_epoch: float | None) -> str:
    if seconds_since_epoch is None:
        return ""
    age = max(time.time() - seconds_since_epoch, 0)
    return "just now" if age < 60 else f"{age / 60:.0f} min ago" if age < 3600 else f"{age / 3600:.1f} h ago"


def runs_frame(runs: list[RunInfo]) -> pd.DataFrame:
    """One row per run for the overview table."""
    return pd.DataFrame([{
        "Run": run.name, "Status": f"● {run.state}",
        "Progress": run.step / run.total_steps if run.total_steps else 0.0,
        "Step": f"{run.step:,} / {run.total_steps:,}" if run.total_steps else f"{run.step:,}",
        "Best exact": "" if run.best_exact_accuracy is None else f"{run.best_exact_accuracy:.1%}",
        # the preset only where the run's name does not already start with it (the form names runs after it)
        "Details": " · ".join(filter(None, [_preset_unless_named(run), *run.problems, run.message])),
        "Updated": _age(run.last_seen),  # last: the column a laptop's half page cuts first
    } for run in runs])


def _preset_unless_named(run: RunInfo) -> str:
    return "" if not run.preset or run.name.startswith(run.preset) else run.preset


def _chip_style(text: str) -> str:
    return f"color: {STATE_COLOURS.get(text.split()[-1], 'gray')}; font-weight: 600"


def _text_width(column: pd.Series, most: int = 400) -> int:
    """Pixels that show the column's longest text and its title whole (at most ``most``; the rest then scrolls)."""
    return min(16 + max(8 * int(column.str.len().max()), 9 * len(str(column.name))), most)


def render_runs_table(runs: list[RunInfo]) -> None:
    """The overview table of ``runs`` (newest first), the status cell coloured by state."""
    if not runs:
        st.info("No runs yet: start one with the New run form.", icon=":material/info:")
        return
    frame = runs_frame(runs)
    if not frame["Details"].any():  # nothing to say: the table fits a laptop's half page without scrolling
        frame = frame.drop(columns="Details")
    styled = frame.style.map(_chip_style, subset=["Status"])
    st.dataframe(styled, hide_index=True, column_config={
        # "65,100 / 65,100" and a run's name whole at a laptop's width, not cut to "sudoku"
        "Run": st.column_config.TextColumn("Run", width=_text_width(frame["Run"], most=180), pinned=True),
        "Step": st.column_config.TextColumn("Step", width=_text_width(frame["Step"])),
        "Best exact": st.column_config.TextColumn("Best exact", help="Best held-out exact accuracy so far."),
        "Progress": st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=1.0, format="percent",
                                                    width="small"),
        "Details": st.column_config.TextColumn("Details", width="medium"),
    }, key="train_runs_table")


def render_compare(runs: list[RunInfo], smoothing: float) -> None:
    """Overlay one metric of several runs, each in its own colour (see run_styles)."""
    names = [run.name for run in runs]
    chosen = [name for name in st.session_state.get("train_compare", names[:3]) if name in names]
    known = st.session_state.get("train_compare_known")
    if known is not None:  # a run that appeared since the last rerun (e.g. just started) joins the overlay
        chosen += [name for name in names if name not in known and name not in chosen]
    st.session_state.train_compare_known = set(names)
    st.session_state.train_compare = chosen
    pick, metric = st.columns([3, 2])
    pick.multiselect("Compare runs", names, key="train_compare", placeholder="Choose runs to overlay")
    label = metric.selectbox("Metric", list(COMPARE_METRICS), key="train_compare_metric")
    kind, field, is_percent = COMPARE_METRICS[label]
    paths = {run.name: run.path for run in runs}
    shown = st.session_state.train_compare
    styles = run_styles(names)  # over every run: adding a run to the chart recolours none of the others
    series = [Series(name, *read_curves(paths[name]).series(kind, field), styles[name][0], kind == "train",
                     dash=styles[name][1]) for name in shown]
    st.plotly_chart(curve_figure(label, series, smoothing, is_percent=is_percent, height=300),
                    key="train_compare_chart", config=TRAINING_CHART_CONFIG)


def _act(action, success: str) -> None:
    try:
        action()
    except (TRMError, OSError) as error:
        flash("error", str(error))
        return
    flash("success", success)


def _export(run: RunInfo, checkpoints_root: Path) -> None:
    name = st.session_state.get("train_export_name", "").strip()
    _act(lambda: export_run(run.path, name, checkpoints_root),
         f"Exported run {run.name} to `{checkpoints_root / name}` with its model card; the Solve page lists it "
         f"as **{name}**.")


def _export_help(run: RunInfo) -> str:
    """What Export does, or why it is greyed out right now."""
    if not run.has_best_model:
        return "Export becomes available after the run's first held-out evaluation saves a best model."
    if run.is_alive:
        return "Export becomes available once the run has stopped (Stop saves a checkpoint first)."
    return "Copy the run's best model to checkpoints/ for the Solve page."


def _why_no_resume(run: RunInfo) -> str | None:
    """Why Resume is greyed out for ``run``; None when it can resume (or start again)."""
    if run.is_alive:
        return "Stop the run first."
    if run.is_diverged:
        return "This run diverged: resuming at its learning rate would diverge again. Start a new run with a lower one."
    if not run.is_resumable and not run.is_restartable:
        return "The run saved no checkpoint and was not started from this page: start a new run instead."
    return None


def _resume_help(run: RunInfo) -> str:
    """What Resume does for ``run``, or why it is greyed out."""
    if not run.is_resumable:
        return "The run saved no checkpoint: Resume starts it again from step 0, up to the step in the box beside."
    return "Continue from the last checkpoint, up to the step in the box beside."


def render_actions(run: RunInfo, checkpoints_root: Path, columns: list) -> None:
    """Stop / Resume / Export / Delete for ``run`` in five ``columns``; each is enabled only when it makes sense."""
    stop, steps, resume, export, delete = columns
    stop.button("Stop", key="train_stop", icon=":material/stop_circle:", disabled=not run.is_alive, width="stretch",
                help="Save a checkpoint, then end the process (SIGTERM).",
                on_click=_act, args=(lambda: stop_run(run.path), f"Asked run {run.name} to save and stop."))
    total = max(run.total_steps or 0, run.step, 1)
    if st.session_state.get("train_resume_for") != (run.name, run.total_steps, run.state):  # refill on a change,
        st.session_state.train_resume_for = (run.name, run.total_steps, run.state)  # e.g. the watched run finishing
        st.session_state.train_resume_steps = total if run.state != "finished" else total * 2
    blocked = _why_no_resume(run)
    resume_to = steps.number_input("Resume up to step", step=100, key="train_resume_steps",
                                   disabled=blocked is not None,
                                   help=blocked or "The step Resume trains to; raise it to train a finished run "
                                                   "further.")
    if blocked is None and resume_to <= run.step:  # resume_run refuses it too; said here, beside the box
        show_problem(steps, f"Resume up to step must be above the run's step {run.step}, got {resume_to}.")
    resume.button("Resume", key="train_resume", icon=":material/play_circle:", disabled=blocked is not None,
                  width="stretch", help=blocked or _resume_help(run),
                  on_click=_act, args=(lambda: resume_run(run.path, st.session_state.train_resume_steps),
                                       f"Resuming run {run.name} from its last checkpoint." if run.is_resumable else
                                       f"Starting run {run.name} again from step 0 (it saved no checkpoint)."))
    with export.popover("Export", icon=":material/ios_share:", disabled=run.is_alive or not run.has_best_model,
                        width="stretch", help=_export_help(run)):
        st.text_input("Checkpoint name", value=run.name, key="train_export_name")
        st.button("Export best model", key="train_export", on_click=_export, args=(run, checkpoints_root))
    with delete.popover("Delete", icon=":material/delete:", disabled=run.is_alive, width="stretch",
                        help="Stop the run first." if run.is_alive else "Delete the run's folder, logs and all."):
        st.write(f"Delete **{run.name}** with its checkpoints and logs?")
        st.button("Delete for good", key="train_delete", type="primary",
                  on_click=_act, args=(lambda: delete_run(run.path), f"Deleted run {run.name}."))
