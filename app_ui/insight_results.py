"""What the Insight page shows of a finished (or stopped) run: headline numbers, accuracy per step (beside a
second model's when comparing), halting, calibration, accuracy by difficulty, when cells settle against the
technique a person needs, views x steps, and the failures, each one click from the Solve page. Every chart saves
as PNG from its toolbar; every table downloads as CSV."""

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from app_ui import insight_charts as ic
from app_ui import insight_data as idata
from trm.evaluate import InsightRun
from trm.sudoku import PuzzleTable, grid_to_string


def _failures(run: InsightRun, table: PuzzleTable, backtracks: list[int], model_label: str,
              threshold: float) -> pd.DataFrame:
    rows, halts, final = [], run.halt_steps(threshold), run.final_q_halt_logit()
    for index in range(run.done):
        if run.right[index]:
            continue
        puzzle = grid_to_string(table.puzzles[index])
        settings = {"p": puzzle, "model": model_label, "steps": run.steps, "threshold": f"{threshold:.2f}"}
        link = "/solve?" + urlencode({**settings, **({"views": run.views} if run.views > 1 else {})})
        rows.append({"puzzle": puzzle, "backtracks": backtracks[index],
                     "halts at": str(halts[index]) if halts[index] else "never",
                     "final Q-halt logit": final[index], "open in Solve": link})
    return pd.DataFrame(rows)


def steps_table(runs: list[tuple[str, InsightRun]]) -> pd.DataFrame:
    """One row per step: each run's share of puzzles solved and of blank cells right, and what views add."""
    table = pd.DataFrame({"step": range(1, max(run.steps for _, run in runs) + 1)})
    for label, run in runs:
        prefix = f"{label}: " if len(runs) > 1 else ""
        table[f"{prefix}puzzles solved"] = pd.Series(run.exact_accuracy_by_step())
        table[f"{prefix}blank cells right"] = pd.Series(run.cell_accuracy_by_step())
        if run.views > 1:
            for count, values in run.views_accuracy_by_step().items():
                if count > 1:
                    table[f"{prefix}solved, Q-head's pick of {count} views"] = pd.Series(values)
    return table


def _download(table: pd.DataFrame, name: str, key: str, stem: str) -> None:
    st.download_button(f"{name.removesuffix('.csv').replace('-', ' ').capitalize()} (CSV)",
                       table.to_csv(index=False), f"{stem}-{name}", "text/csv", key=key,
                       icon=":material/download:")


def _headline(run: InsightRun, compared: tuple[str, InsightRun] | None, threshold: float) -> None:
    with st.container(horizontal=True):
        st.metric("Puzzles", f"{run.done} of {run.total}")
        own = " (the puzzle's own view)" if run.views > 1 else ""
        st.metric(f"Solved after {run.steps} steps{own}", f"{run.exact_accuracy_by_step()[-1]:.1%}")
        if run.views > 1:
            st.metric(f"Q-head's pick of {run.views} views", f"{run.views_accuracy_by_step()[run.views][-1]:.1%}")
        st.metric(f"Blank cells right{own}", f"{run.cell_accuracy_by_step()[-1]:.1%}")
        st.metric(f"Never halts{own}", f"{run.halt_histogram(threshold)[-1]}")
        if compared is not None and compared[1].done:
            other = compared[1]
            st.metric(f"{compared[0]}: solved", f"{other.exact_accuracy_by_step()[-1]:.1%}",
                      delta=f"{100 * (other.exact_accuracy_by_step()[-1] - run.exact_accuracy_by_step()[-1]):+.1f} "
                            f"points",
                      help=f"The compared model on the same {other.done} puzzles" if other.done == run.done else
                      f"The compared model on its first {other.done} puzzles")


def _chart(figure, key: str, caption: str, stem: str) -> None:
    name = f"{stem}-{key.removeprefix('insight_').removeprefix('chart_')}"
    config = {**ic.CONFIG, "toImageButtonOptions": {**ic.CONFIG["toImageButtonOptions"], "filename": name}}
    st.plotly_chart(figure, key=key, config=config)
    st.caption(caption)


def render_results(run: InsightRun, table: PuzzleTable, trained_steps: int, label: str, threshold: float,
                   bf16: bool, stem: str, compared: tuple[str, InsightRun] | None = None) -> None:
    """Everything the page shows of ``run`` judged at ``threshold`` (and of ``compared``, a second model's run
    on the same puzzles); downloads are named ``stem``-what.csv / .png."""
    _headline(run, compared, threshold)
    backtracks = idata.backtracks_of(table.puzzles[:run.done], table.shape.size)
    runs = [(label, run)] + ([compared] if compared is not None and compared[1].done else [])
    left, right = st.columns(2, gap="large")
    with left:
        _chart(ic.accuracy_figure(runs, trained_steps), "insight_accuracy",
               "Share of puzzles solved and of blank cells right after each supervision step"
               + (", for both models on the same puzzles." if len(runs) > 1 else "."), stem)
        _chart(ic.calibration_figure(run), "insight_calibration",
               "Calibration: over every (puzzle, step), how often a puzzle was really solved when the Q-head said "
               "P(halt) was this high. On the diagonal, P(halt) means what it says.", stem)
        _chart(ic.technique_figure(run), "insight_techniques",
               "When cells settle: for the technique a person needs for each blank cell (the logic solver's "
               "hardest step up to filling it; guess where logic gets stuck), the share whose digit no longer "
               "changes from that step on. Curves rising in the legend's order: the model settles first what "
               "people find easy.", stem)
    with right:
        _chart(ic.halting_figure(run, threshold), "insight_halting",
               "Where the Q-head would stop each puzzle (a new threshold is read from the run: nothing reruns).", stem)
        _chart(ic.difficulty_figure(run, backtracks), "insight_difficulty",
               "Accuracy by difficulty: the exact solver's dead ends on each puzzle.", stem)
        if run.views > 1:
            _chart(ic.views_figure(run), "insight_chart_views",
                   "Views x steps (percent of puzzles solved): each puzzle under random symmetries, the Q-head's "
                   "most confident answer picked. "
                   "Read down a column for what more views add; along a row for what more steps add.", stem)
    techniques = pd.DataFrame(run.commit_by_technique()).drop(columns="settled_by_step", errors="ignore")
    with st.container(horizontal=True):
        _download(steps_table(runs), "accuracy-by-step.csv", "insight_steps_csv", stem)
        if len(techniques):
            _download(techniques, "commit-by-technique.csv", "insight_techniques_csv", stem)
    _render_failures(run, table, backtracks, label, threshold, bf16, stem)


def _reproduction_note(run: InsightRun, bf16: bool) -> str:
    """Why a failure may look different on the Solve page."""
    notes = []
    if bf16 and run.views == 1:
        notes.append("this run used bf16 autocast while Solve runs one view in float32, so a puzzle the model only "
                     "just misses may solve there")
    if run.views > 1:
        notes.append("Solve draws its own random views, so the views there differ from these")
    return ("Each opens in Solve with the same model, steps, threshold and views" +
            (f"; {' and '.join(notes)}." if notes else "."))


def _render_failures(run: InsightRun, table: PuzzleTable, backtracks: list[int], label: str, threshold: float,
                     bf16: bool, stem: str) -> None:
    failures = _failures(run, table, backtracks, label, threshold)
    st.subheader(f"Failures ({len(failures)})", divider="gray")
    if run.views > 1:
        st.caption(f"Puzzles whose own view is not solved after {run.steps} steps; the Q-head's pick of "
                   f"{run.views} views may still have solved them (the headline figures above).")
    if not len(failures):
        st.caption(f"Every one of the {run.done} puzzles was solved after {run.steps} steps.")
    else:
        st.caption(_reproduction_note(run, bf16))
        st.dataframe(failures, hide_index=True, key="insight_failures",
                     column_config={"open in Solve": st.column_config.LinkColumn(display_text="open")})
        _download(failures, "failures.csv", "insight_failures_csv", stem)


def render_live(runs: list[tuple[str, InsightRun]], trained_steps: int) -> None:
    """While the runs go on: the numbers so far and the accuracy chart, redrawn after every batch."""
    with st.container(horizontal=True):
        for label, run in runs:
            prefix = f"{label}: " if len(runs) > 1 else ""
            st.metric(f"{prefix}solved so far", f"{run.exact_accuracy_by_step()[-1]:.1%}" if run.done else "–",
                      help=f"After {run.steps} steps, over the {run.done} puzzles done")
    if any(run.done for _, run in runs):
        figure = ic.accuracy_figure([(label, run) for label, run in runs if run.done], trained_steps)
        figure.update_layout(meta={"done": [run.done for _, run in runs]})  # a new element each batch, not a clash
        st.plotly_chart(figure, config=ic.CONFIG)
        st.caption("So far; the other charts come when the run is done or stopped.")
