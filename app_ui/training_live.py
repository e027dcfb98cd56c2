"""The Train page's live view of one run: status, progress with ETA, the latest numbers and its curves.

The page calls ``render_live_view`` inside a fragment that re-runs every few seconds while the run is alive, and
``render_live_charts`` in one that re-runs less often (drawing the curves is most of a refresh's work, and on a small
machine it slows the training it shows); both re-read the run's files (status.json, metrics.jsonl) each time, so
they show runs started elsewhere too.
"""

import math

import streamlit as st

from app_ui.training_charts import TRAINING_CHART_CONFIG, Series, curve_figure
from app_ui.training_shared import RUN_COLOURS, status_chip
from trm.runs import Curves, RunInfo, eta_seconds, format_duration, log_tail, read_curves, steps_per_second

BLUE, ORANGE, GREEN, RED, PINK, SKY = RUN_COLOURS[:6]


def _header(run: RunInfo) -> None:
    title, chip = st.columns([4, 1], vertical_alignment="center")
    title.subheader(run.name, anchor=False)
    with chip:
        status_chip(run.state)
    details = [run.preset, run.device or "device not known yet", f"pid {run.pid}" if run.pid else "no process",
               f"`{run.path}`"]
    st.caption(" · ".join(details))
    if run.recipe:
        st.caption(f"Recipe: {run.recipe}")
    for problem in run.problems:
        st.error(problem, icon=":material/report:")
    if run.state == "crashed" and run.is_diverged:
        reason = run.message.removeprefix("TrainingDiverged: ").rstrip(".")
        st.error(f"The run diverged: {reason}.", icon=":material/error:")
    elif run.state == "crashed":
        st.error(f"The run crashed: {run.message.rstrip('.')}. Resume continues from its last checkpoint.",
                 icon=":material/error:")
    if run.state == "crashed":
        with st.expander("End of train.log", expanded=True):
            st.code(log_tail(run.path) or "(no log: the run was not started from this page)", language="text")
    elif run.message and run.state != "finished":
        st.caption(run.message)


def _progress(run: RunInfo, curves: Curves) -> None:
    total = run.total_steps or max(run.step, 1)
    speed = steps_per_second(curves, run.batch_size or 1)
    text = f"step {run.step:,} / {total:,}"
    if speed:
        text += f" · {speed:.1f} steps/s this session"
    if run.is_alive:
        text += f" · ETA {format_duration(eta_seconds(run.step, total, speed))}"
    st.progress(min(run.step / total, 1.0), text=text)


def _last(records: list[dict], key: str) -> float | None:
    values = [r[key] for r in records if isinstance(r.get(key), (int, float)) and math.isfinite(r[key])]
    return float(values[-1]) if values else None


def _metric(column, label: str, value: float | None, pattern: str, help: str = "", delta: str | None = None):
    unchanged = delta is not None and float(delta.split()[0]) == 0  # "+0.0 pts" is no gain: grey, not green
    column.metric(label, "—" if value is None else pattern.format(value), delta=delta, help=help or None,
                  delta_color="off" if unchanged else "normal")


def _metrics_row(run: RunInfo, curves: Curves) -> None:
    exact, previous = _last(curves.evals, "exact_accuracy"), _last(curves.evals[:-1], "exact_accuracy")
    delta = f"{(exact - previous) * 100:+.1f} pts" if exact is not None and previous is not None else None
    best = f"best {run.best_exact_accuracy:.1%}" if run.best_exact_accuracy is not None else "no evaluation yet"
    memory = _last(curves.train, "gpu_memory_gb")
    evaluated = _last(curves.evals, "step")  # the held-out figures can be thousands of steps older than the rest
    at = f" (step {evaluated:,.0f})" if evaluated is not None else ""
    first, second = st.columns(4), st.columns(4)
    _metric(first[0], f"Held-out exact{at}", exact, "{:.1%}",
            f"Puzzles fully solved at the last evaluation{at}; {best}.", delta)
    _metric(first[1], f"Held-out cells{at}", _last(curves.evals, "cell_accuracy"), "{:.1%}")
    _metric(first[2], "Loss (LM)", _last(curves.train, "lm_loss"), "{:.4f}",
            "The answer's cross-entropy (the run's answer loss), last log line.")
    _metric(first[3], "Q-halt accuracy", _last(curves.train, "q_halt_accuracy"), "{:.1%}",
            "How often the Q-head's halt decision matches whether the answer is right.")
    _metric(second[0], "Mean halting step", _last(curves.train, "steps"), "{:.2f}",
            "Supervision steps used per puzzle in training (ACT).")
    _metric(second[1], "Samples/s", _last(curves.train, "samples_per_second"), "{:,.0f}")
    _metric(second[2], "Learning rate", _last(curves.train, "lr"), "{:.1e}")
    if memory is not None:
        _metric(second[3], "GPU memory", memory, "{:.2f} GB", "Peak memory PyTorch allocated.")


def _charts(curves: Curves, smoothing: float, is_log_loss: bool) -> None:
    train, evals = (lambda key: curves.series("train", key)), (lambda key: curves.series("eval", key))
    figures = [
        curve_figure("Loss", [Series("LM loss", *train("lm_loss"), BLUE),
                              Series("Q-halt loss", *train("q_halt_loss"), ORANGE)], smoothing, is_log_y=is_log_loss),
        curve_figure("Accuracy", [Series("held-out exact", *evals("exact_accuracy"), BLUE, False),
                                  Series("held-out cells", *evals("cell_accuracy"), GREEN, False),
                                  Series("train exact", *train("exact_accuracy"), BLUE, dash="dot"),
                                  Series("train cells", *train("cell_accuracy"), GREEN, dash="dot")],
                     smoothing, is_percent=True),
        curve_figure("Q-halt accuracy", [Series("Q-halt accuracy", *train("q_halt_accuracy"), PINK)], smoothing,
                     is_percent=True),
        curve_figure("Mean halting step", [Series("train", *train("steps"), SKY),
                                           Series("held-out (P(halt) > 0.5)", *evals("mean_halt_step"), RED, False)],
                     smoothing, is_from_zero=True),
        curve_figure("Learning rate", [Series("lr", *train("lr"), GREEN)], 0.0, is_from_zero=True),
        curve_figure("Throughput (samples/s)", [Series("samples/s", *train("samples_per_second"), ORANGE)], smoothing,
                     is_from_zero=True),
    ]
    if train("grad_norm")[0]:  # runs before the gradient norm was logged have none
        figures.append(curve_figure("Gradient norm (before clipping)", [Series("norm", *train("grad_norm"), PINK)],
                                    smoothing, is_from_zero=True))
    if train("muon_lr")[0]:
        figures.append(curve_figure("Muon learning rate", [Series("Muon lr", *train("muon_lr"), GREEN)], 0.0,
                                    is_from_zero=True))
    if curves.series("train", "gpu_memory_gb")[0]:
        figures.append(curve_figure("GPU memory (GB)", [Series("peak", *train("gpu_memory_gb"), RED)], 0.0))
    for start in range(0, len(figures), 2):
        for column, (index, figure) in zip(st.columns(2), enumerate(figures[start:start + 2], start)):
            column.plotly_chart(figure, key=f"train_chart_{index}", config=TRAINING_CHART_CONFIG)


def render_live_view(run: RunInfo) -> None:
    """Everything about ``run`` as of now but its curves: header, progress and ETA, the latest numbers."""
    _header(run)
    curves = read_curves(run.path)
    if curves.problem:
        st.error(curves.problem, icon=":material/report:")
    _progress(run, curves)
    _metrics_row(run, curves)


def render_live_charts(run: RunInfo) -> None:
    """The curves of ``run`` with their smoothing and scale controls."""
    curves = read_curves(run.path)
    controls = st.columns([2, 1, 3], vertical_alignment="bottom")
    smoothing = controls[0].slider("Smoothing", 0.0, 0.99, 0.6, 0.01, key="train_smoothing",
                                   help="Debiased exponential moving average (as in TensorBoard) over the full series; "
                                        "the raw values are drawn faintly behind.")
    is_log_loss = controls[1].toggle("Log-scale loss", key="train_log_loss")
    if not curves.train and not curves.evals:
        if run.is_alive:
            st.info("No metrics yet: the first line arrives after the first logging interval.",
                    icon=":material/schedule:")
        else:
            st.info(f"This run {run.state} before it logged any metrics.",
                    icon=":material/info:")
    _charts(curves, smoothing, is_log_loss)
