"""Plotly figures of one trace, each with the current supervision step highlighted (``step`` is 1-based).

Pure functions of a ``trm.trace.Trace``: the page draws them and writes the captions. Colours are Okabe-Ito
(colour-blind safe): y (the answer state) blue, z (the latent) orange, halting purple, correct green.
"""

import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from app_ui.log_ticks import log_axis_ticks
from trm.sudoku import cell_name
from trm.trace import Trace

Y_COLOUR, Z_COLOUR, HALT_COLOUR, CORRECT_COLOUR = "#0072B2", "#E69F00", "#CC79A7", "#009E73"
WRONG_COLOUR, MUTED = "#D55E00", "#9AA0A6"
STEP_SHADE = "rgba(0, 114, 178, 0.10)"
# White on the dashed line's grey: legible over the pink bars, and in the light and the dark theme alike
THRESHOLD_LABEL = dict(annotation_bgcolor="rgba(95, 99, 104, 0.85)", annotation_font_color="white")
DIGIT_COLOURS = qualitative.Safe[:9] + qualitative.Dark2[:1]
HEIGHT = 300
PCA_HEIGHT = 350  # room for the ten-entry digit legend without a scroll bar
CHART_FONT_SIZE = 16  # px, as the page's text; the theme's 12 px ticks are hard to read on a projector


def chart_layout(figure: go.Figure, x_title: str, y_title: str, **extra) -> go.Figure:
    figure.update_layout(height=HEIGHT, margin=dict(l=10, r=10, t=30, b=10), hovermode="closest",
                         font=dict(size=CHART_FONT_SIZE),
                         legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, title_text=""), **extra)
    figure.update_xaxes(title_text=x_title)
    figure.update_yaxes(title_text=y_title)
    return readable_axes(figure)


def readable_axes(figure: go.Figure) -> go.Figure:
    """Axis titles as large as the page's text, ticks a little smaller: Streamlit's chart theme sets the axes' own
    font sizes, which the layout's font does not reach."""
    for update in (figure.update_xaxes, figure.update_yaxes):
        update(tickfont_size=CHART_FONT_SIZE - 2, title_font_size=CHART_FONT_SIZE)
    return figure


def _call_positions(trace: Trace) -> tuple[np.ndarray, list[str]]:
    """x of every inner call on a 'supervision step' axis: step s's K calls sit in (s-1, s], ending at s."""
    kinds = [kind for record in trace.steps for kind in record.calls.kinds]
    calls = len(trace.steps[0].calls.kinds)
    x = np.array([record.step - 1 + (k + 1) / calls for record in trace.steps for k in range(calls)])
    return x, kinds


def _shade_step(figure: go.Figure, step: float) -> None:
    figure.add_vrect(x0=step - 1, x1=step, fillcolor=STEP_SHADE, line_width=0, layer="below")


def movement_figure(trace: Trace, step: int) -> go.Figure:
    """How far y and z move per inner call (RMS over positions of the change), log scale."""
    x, kinds = _call_positions(trace)
    y_delta = np.concatenate([r.calls.y_delta for r in trace.steps])
    z_delta = np.concatenate([r.calls.z_delta for r in trace.steps])
    is_y = np.array([k == "y" for k in kinds])
    figure = go.Figure()
    figure.add_scatter(x=x[~is_y], y=z_delta[~is_y], name="z moves (z-update)", mode="lines+markers",
                       line=dict(color=Z_COLOUR, width=1.5), marker=dict(size=4))
    figure.add_scatter(x=x[is_y], y=y_delta[is_y], name="y moves (y-update)", mode="lines+markers",
                       line=dict(color=Y_COLOUR, width=2.5), marker=dict(size=7))
    _shade_step(figure, step)
    chart_layout(figure, "supervision step (inner calls in between)", "‖Δ‖ per call (RMS)", yaxis_type="log")
    figure.update_yaxes(**log_axis_ticks(np.concatenate([y_delta[is_y], z_delta[~is_y]])))
    return figure


def norm_figure(trace: Trace, step: int) -> go.Figure:
    """The size of y and z after every inner call (RMS over positions of the per-position L2 norm)."""
    x, _ = _call_positions(trace)
    figure = go.Figure()
    for name, values, colour, width in (("‖z‖", "z_norm", Z_COLOUR, 1.5), ("‖y‖", "y_norm", Y_COLOUR, 2.5)):
        norms = np.concatenate([getattr(r.calls, values) for r in trace.steps])
        figure.add_scatter(x=x, y=norms, name=name, mode="lines", line=dict(color=colour, width=width))
    _shade_step(figure, step)
    chart_layout(figure, "supervision step (inner calls in between)", "norm per position (RMS)")
    figure.update_yaxes(rangemode="tozero")  # a flat line at sqrt(D) must look flat, not like noise
    return figure


def has_norms(trace: Trace) -> bool:
    """Traces exported before per-call norms were recorded have none."""
    return all(len(r.calls.y_norm) == len(r.calls.kinds) for r in trace.steps)


def decoding_figure(trace: Trace, step: int) -> go.Figure:
    """Share of cells right when the output head reads y, and when it reads z, after every inner call."""
    x, _ = _call_positions(trace)
    cells = trace.puzzle.size
    y_right = np.concatenate([r.calls.y_decoded_correct for r in trace.steps]).astype(float) / cells
    z_right = np.concatenate([r.calls.z_decoded_correct for r in trace.steps]).astype(float) / cells
    figure = go.Figure()
    figure.add_scatter(x=x, y=y_right, name="head reads y", mode="lines", line=dict(color=Y_COLOUR, width=2.5))
    figure.add_scatter(x=x, y=z_right, name="head reads z", mode="lines", line=dict(color=Z_COLOUR, width=2))
    _shade_step(figure, step)
    return chart_layout(figure, "supervision step (inner calls in between)", "cells right", yaxis_range=[0, 1.02],
                   yaxis_tickformat=".0%")


def decoding_caption(trace: Trace) -> str:
    """What the decoding chart shows for this trace: whether z reads as the answer too, at the last inner call."""
    cells, last = trace.puzzle.size, trace.steps[-1].calls
    y_share, z_share = last.y_decoded_correct[-1] / cells, last.z_decoded_correct[-1] / cells
    shares = f"{y_share:.0%} and {z_share:.0%} of cells right at the last call"
    if y_share - z_share >= 0.1:
        return (f"The output head applied to y and to z after every inner call. Here y reads as the answer and z "
                f"does not ({shares}): z is scratch space for reasoning, as the paper argues.")
    return (f"The output head applied to y and to z after every inner call. Here z reads almost as well as y "
            f"({shares}): in this model and puzzle the scratchpad carries the answer too, unlike the paper's "
            f"picture of z as pure scratch space.")


def halting_figure(trace: Trace, step: int) -> go.Figure:
    """P(halt) per step with the threshold line, the halting step and the current step marked."""
    steps = [r.step for r in trace.steps]
    p_halt = [r.q_halt_probability for r in trace.steps]
    halt = trace.halt_step
    colours = [HALT_COLOUR if s == halt else "rgba(204, 121, 167, 0.45)" for s in steps]
    figure = go.Figure()
    figure.add_bar(x=steps, y=p_halt, name="P(halt)", marker=dict(color=colours, line=dict(
        color=["#202124" if s == step else "rgba(0,0,0,0)" for s in steps], width=2.5)),
        hovertemplate="step %{x}: P(halt) %{y:.3f}<extra></extra>")
    early_halt = halt is not None and halt <= max(2, len(steps) // 4)  # its arrow would cross the label on the left
    figure.add_hline(y=trace.halt_threshold, line=dict(color="#5F6368", dash="dash", width=1.5),
                     annotation_text=f"threshold {trace.halt_threshold:.2f}",
                     annotation_position="top right" if early_halt else "top left", **THRESHOLD_LABEL)
    if halt is not None:
        figure.add_annotation(x=halt, y=p_halt[halt - 1], text="halts here", showarrow=True, arrowhead=2, ay=-30,
                              font=dict(color=HALT_COLOUR))
    else:  # bars near 0 all the way are easily read as an empty chart: say what they are
        figure.add_annotation(x=0.5, y=0.8, xref="paper", showarrow=False, font=dict(color=HALT_COLOUR, size=14),
                              text=f"never halts: P(halt) at most {_small(max(p_halt))} in {len(steps)} steps")
    return chart_layout(figure, "supervision step", "P(halt)", yaxis_range=[0, 1.05], showlegend=False,
                   xaxis=dict(dtick=1 if len(steps) <= 24 else None))


def accuracy_figure(trace: Trace, step: int) -> go.Figure:
    """Share of the blanks right per step, as the player's "Blanks right" figure counts them (green bars where
    the whole grid is solved); without a solution, rule breaks."""
    steps = [r.step for r in trace.steps]
    outline = dict(color=["#202124" if s == step else "rgba(0,0,0,0)" for s in steps], width=2.5)
    figure = go.Figure()
    if trace.solution is None:
        figure.add_bar(x=steps, y=[len(r.violations) for r in trace.steps], name="rule violations",
                       marker=dict(color=WRONG_COLOUR, line=outline))
        return chart_layout(figure, "supervision step", "repeated digits", showlegend=False)
    blanks = trace.puzzle == 0  # the cells the model fills: the givens are right by construction
    right = [float(r.correct[blanks].mean()) if blanks.any() else 1.0 for r in trace.steps]
    solved = [r.is_solved for r in trace.steps]
    figure.add_bar(x=steps, y=right, marker=dict(color=[CORRECT_COLOUR if s else Y_COLOUR for s in solved],
                                                 line=outline),
                   customdata=["solved" if s else "not solved" for s in solved],
                   hovertemplate="step %{x}: %{y:.1%} of blanks right, %{customdata}<extra></extra>")
    first = trace.first_solved_step
    if first is not None:
        figure.add_annotation(x=first, y=1.0, text="solved", showarrow=True, arrowhead=2, ay=-24,
                              font=dict(color=CORRECT_COLOUR))
    return chart_layout(figure, "supervision step", "blanks right", yaxis_range=[0, 1.12], yaxis_tickformat=".0%",
                   showlegend=False, xaxis=dict(dtick=1 if len(steps) <= 24 else None))


def _small(probability: float) -> str:
    """A probability with the digits that matter: 0.31, 0.0045, 2e-06."""
    return f"{probability:.2f}" if probability >= 0.01 else f"{probability:.2g}"


def _percent(ratio: float) -> str:
    return f"{100 * ratio:.0f}% of variance"


def state_path_figure(trace: Trace, step: int) -> go.Figure:
    """PCA of the whole y and z after every inner call (one fit, shared axes), the current step thickened."""
    pca = trace.pca
    calls = len(trace.steps[0].calls.kinds)
    current = slice((step - 1) * calls, step * calls)
    figure = go.Figure()
    for name, path, colour in (("y", pca.y_path, Y_COLOUR), ("z", pca.z_path, Z_COLOUR)):
        ends = path[calls - 1::calls]
        figure.add_scatter(x=path[:, 0], y=path[:, 1], mode="lines", name=f"{name} path",
                           line=dict(color=colour, width=1), opacity=0.45, hoverinfo="skip")
        figure.add_scatter(x=ends[:, 0], y=ends[:, 1], mode="markers", name=f"{name} after each step",
                           marker=dict(color=colour, size=6),
                           text=[f"{name}, step {s}" for s in range(1, len(ends) + 1)],
                           hovertemplate="%{text}<extra></extra>", showlegend=False)
        figure.add_scatter(x=path[current, 0], y=path[current, 1], mode="lines+markers",
                           name=f"{name} in step {step}", line=dict(color=colour, width=3.5),
                           marker=dict(size=5), showlegend=False, hoverinfo="skip")
        figure.add_scatter(x=[ends[step - 1, 0]], y=[ends[step - 1, 1]], mode="markers", showlegend=False,
                           marker=dict(color=colour, size=15, line=dict(color="#202124", width=2)),
                           hovertemplate=f"{name} after step {step}<extra></extra>")
    explained = pca.state_explained
    return chart_layout(figure, f"PC1 ({_percent(explained[0])})",
                   f"PC2 ({_percent(explained[1])})" if len(explained) > 1 else "PC2").update_layout(height=PCA_HEIGHT)


def cell_pca_figure(trace: Trace, step: int) -> go.Figure:
    """Each cell's y vector after ``step`` (PCA over all steps), coloured by the digit predicted there."""
    points = trace.pca.cells  # (steps, cells, 2)
    record = trace.steps[step - 1]
    size = trace.grid_size
    figure = go.Figure()
    for digit in range(0, size + 1):
        mask = record.prediction == digit
        if not mask.any():
            continue
        cells = np.flatnonzero(mask)
        labels = [f"{cell_name(c, size)}: {digit or 'none'} ({record.confidence[c]:.0%})"
                  + (" given" if trace.puzzle[c] else "") for c in cells]
        outlines = ["#202124" if trace.puzzle[c] else "white" for c in cells]
        figure.add_scatter(x=points[step - 1, cells, 0], y=points[step - 1, cells, 1], mode="markers",
                           name=str(digit) if digit else "no digit", text=labels,
                           hovertemplate="%{text}<extra></extra>",
                           marker=dict(color=DIGIT_COLOURS[digit - 1] if digit else MUTED, size=10,
                                       line=dict(color=outlines, width=1.5)))
    pad = 0.05 * (points.max(axis=(0, 1)) - points.min(axis=(0, 1)) + 1e-9)
    lows, highs = points.min(axis=(0, 1)) - pad, points.max(axis=(0, 1)) + pad
    explained = trace.pca.cells_explained
    figure = chart_layout(figure, f"PC1 ({_percent(explained[0])})",
                     f"PC2 ({_percent(explained[1])})" if len(explained) > 1 else "PC2")
    figure.update_layout(height=PCA_HEIGHT, legend=dict(title_text="digit", orientation="v", x=1.02, y=1, yanchor="top",
                                     tracegroupgap=0, font=dict(size=11)))
    figure.update_xaxes(range=[lows[0], highs[0]])
    if points.shape[-1] > 1:
        figure.update_yaxes(range=[lows[1], highs[1]])
    return figure


def logit_figure(trace: Trace, step: int) -> go.Figure:
    """The raw Q-halt logit per step (P(halt) is its sigmoid), with the threshold on the logit scale. With views,
    one line per view; the view the Q-head picks at ``step`` is drawn thick."""
    steps = [r.step for r in trace.steps]
    figure = go.Figure()
    if trace.views is None:
        figure.add_scatter(x=steps, y=[_logit(r) for r in trace.steps], mode="lines+markers", name="Q-halt logit",
                           line=dict(color=HALT_COLOUR, width=2.5), marker=dict(size=5),
                           hovertemplate="step %{x}: logit %{y:.2f}<extra></extra>")
    else:
        logits, chosen = trace.views.logits(), trace.views.chosen(step)
        for view in range(logits.shape[1]):
            is_chosen = view == chosen
            figure.add_scatter(x=steps, y=logits[:, view], mode="lines", name=f"view {view}",
                               line=dict(color=HALT_COLOUR if is_chosen else MUTED, width=3 if is_chosen else 1.2),
                               opacity=1.0 if is_chosen else 0.7, showlegend=False,
                               hovertemplate=f"view {view}, step %{{x}}: logit %{{y:.2f}}<extra></extra>")
    threshold = float(np.log(trace.halt_threshold / (1 - trace.halt_threshold)))
    lines = [np.asarray(line.y, dtype=float) for line in figure.data if len(line.y)]
    highest = max([threshold, *(line.max() for line in lines)])  # the threshold stays on the chart
    low = min([threshold, *(line.min() for line in lines)])
    margin = max(highest - low, 1.0) * 0.08
    figure.add_hline(y=threshold, line=dict(color="#5F6368", dash="dash", width=1.5),
                     annotation_text=f"threshold {trace.halt_threshold:.2f} = logit {threshold:.2f}",
                     annotation_position=_quiet_corner(lines, threshold, low - margin, highest + margin),
                     **THRESHOLD_LABEL)
    _shade_step(figure, step + 0.5)
    _click_columns(figure, steps, low - margin, highest + margin)
    return chart_layout(figure, "supervision step", "Q-halt logit", showlegend=False,  # the bar charts' x range
                   xaxis=dict(dtick=1 if len(steps) <= 24 else None, range=[0.5, len(steps) + 0.5]),
                   yaxis_range=[low - margin, highest + margin])


def _quiet_corner(lines: list[np.ndarray], threshold: float, low: float, high: float) -> str:
    """Where the threshold's label covers the fewest points of the lines (sampled at half steps, so a line
    crossing the threshold under the label counts): above or below the line, at its left or right end. The label
    is about a third of the chart wide and an eighth high; a side it would stick out of the chart is skipped."""
    band = (high - low) / 8
    corners = {}
    for vertical, (bottom, top) in (("top", (threshold, threshold + band)), ("bottom", (threshold - band, threshold))):
        if bottom < low or top > high:
            continue
        for side in ("left", "right"):
            corners[f"{vertical} {side}"] = sum(_points_under(line, bottom, top, side) for line in lines)
    return min(corners, key=corners.get) if corners else "top left"  # ties: top left, the usual place


def _points_under(line: np.ndarray, bottom: float, top: float, side: str) -> int:
    """How many points of ``line``, sampled at half steps, lie in the third of the chart at ``side`` between
    ``bottom`` and ``top``."""
    sampled = np.interp(np.arange(0, len(line) - 0.75, 0.5), np.arange(len(line)), line)
    width = max(1, round(len(sampled) / 3))
    part = sampled[:width] if side == "left" else sampled[-width:]
    return int(((part >= bottom) & (part <= top)).sum())


def _click_columns(figure: go.Figure, steps: list[int], low: float, high: float) -> None:
    """Invisible bars filling each step's column, so a click anywhere in it picks the step, as on the bar charts
    (a line chart's click counts only on a marker)."""
    figure.add_bar(x=steps, y=[high - low] * len(steps), base=low, width=1.0, hoverinfo="none", showlegend=False,
                   marker=dict(color="rgba(0,0,0,0)", line=dict(width=0)))


def _logit(record) -> float:
    """The record's Q-halt logit; traces saved before it was recorded give it back from P(halt)."""
    if record.q_halt_logit is not None:
        return record.q_halt_logit
    p = min(max(record.q_halt_probability, 1e-7), 1 - 1e-7)
    return float(np.log(p / (1 - p)))


def two_runs_figure(first: Trace, second: Trace, names: tuple[str, str], step: int,
                    change_after: int | None = None) -> go.Figure:
    """P(halt) of two runs of one puzzle and, as grey bars, how many cells their answers differ in at each step
    (where both have it); ``change_after`` marks where the second run was altered."""
    shared = min(len(first.steps), len(second.steps))
    figure = go.Figure()
    differ = [int((a.prediction != b.prediction).sum()) for a, b in zip(first.steps[:shared], second.steps[:shared])]
    # The bars take the first y axis and the lines the overlaid second one: an overlaid axis draws on top.
    figure.add_bar(x=list(range(1, shared + 1)), y=differ, name="cells that differ", marker_color=MUTED, opacity=0.5)
    # The second line dashed and thinner: where both runs agree, it must not hide the first.
    for run, name, line in ((first, names[0], dict(color=HALT_COLOUR, width=4)),
                            (second, names[1], dict(color=Z_COLOUR, width=2, dash="dash"))):
        figure.add_scatter(x=[r.step for r in run.steps], y=[r.q_halt_probability for r in run.steps],
                           name=f"P(halt), {name}", mode="lines+markers", line=line, yaxis="y2")
    longest = max(len(first.steps), len(second.steps))
    if change_after is not None:  # its label on the roomier side of the line (at the left it covers the axis)
        figure.add_vline(x=change_after + 0.5, line=dict(dash="dot", color=MUTED), annotation_text="change",
                         annotation_position="top right" if change_after <= longest / 2 else "top left")
    figure.add_vrect(x0=step - 0.5, x1=step + 0.5, fillcolor=STEP_SHADE, line_width=0, layer="below")
    chart_layout(figure, "supervision step", "P(halt)",
                 xaxis=dict(range=[0.5, longest + 0.5], tick0=1, dtick=1 if longest <= 24 else None))
    # After chart_layout, which titles every y axis alike.
    most = max(differ, default=0)
    figure.update_layout(yaxis=dict(side="right", title_text="cells that differ", showgrid=False,
                                    range=[0, max(most, 1) * 1.05], dtick=max(1, math.ceil(most / 5)),
                                    tickformat="d"),
                         yaxis2=dict(overlaying="y", side="left", title_text="P(halt)", range=[0, 1.05],
                                     tickmode="array", tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1], showgrid=True))
    return figure
