"""The Insight page's figures of a set-level run (trm.evaluate.InsightRun): accuracy per step (of one model or two),
where the Q-head halts, how well P(halt) is calibrated, accuracy by difficulty, when cells settle against the
technique a person needs, and views x steps. Each has the chart toolbar, whose camera button
downloads it as PNG."""

import plotly.graph_objects as go
from plotly import colors as px_colors

from app_ui import trace_charts as charts
from trm.evaluate import InsightRun, accuracy_by_band

RUN_COLOURS = (charts.CORRECT_COLOUR, charts.Z_COLOUR)  # the model, then the one it is compared with
# Only the picture button (as on Solve): the full zoom/pan bar covered the charts' legends, always on a phone
CONFIG = {"displayModeBar": "hover", "displaylogo": False, "modeBarButtons": [["toImage"]],
          "toImageButtonOptions": {"format": "png", "scale": 2}}


def _step_axis(figure: go.Figure, steps: int) -> None:
    """Whole supervision steps on the x axis (never 1.5), about ten ticks at most, from the first to the last."""
    figure.update_xaxes(tick0=1, dtick=max(1, -(-steps // 10)), range=[0.5, steps + 0.5])


def accuracy_figure(runs: list[tuple[str, InsightRun]], trained_steps: int) -> go.Figure:
    """Puzzles solved and blank cells right by step; one pair of lines per (label, run): two models on one chart."""
    figure = go.Figure()
    for index, (label, run) in enumerate(runs):
        steps = list(range(1, run.steps + 1))
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        prefix = f"{label}: " if len(runs) > 1 else ""
        figure.add_scatter(x=steps, y=run.exact_accuracy_by_step(), name=f"{prefix}puzzles solved",
                           mode="lines+markers", line=dict(color=colour))
        figure.add_scatter(x=steps, y=run.cell_accuracy_by_step(), name=f"{prefix}blank cells right", mode="lines",
                           line=dict(color=colour if len(runs) > 1 else charts.Y_COLOUR, dash="dot"))
    if trained_steps < max(run.steps for _, run in runs):
        figure.add_vline(x=trained_steps, line=dict(dash="dash", color=charts.MUTED),
                         annotation_text="trained steps", annotation_position="bottom right")
    charts.chart_layout(figure, "supervision step", "accuracy", yaxis_range=[0, 1.02])
    figure.update_yaxes(tickformat=".0%")
    _step_axis(figure, max(run.steps for _, run in runs))
    return figure


def halting_figure(run: InsightRun, threshold: float) -> go.Figure:
    histogram = run.halt_histogram(threshold)
    labels = [str(step) for step in range(1, run.steps + 1)] + ["never"]
    figure = go.Figure(go.Bar(x=labels, y=histogram, marker_color=charts.HALT_COLOUR,
                              hovertemplate="halts at %{x}: %{y} puzzles<extra></extra>"))
    charts.chart_layout(figure, f"step where P(halt) first reaches {threshold:.2f}", "puzzles")
    figure.update_xaxes(type="category")
    figure.update_yaxes(rangemode="tozero", tickformat="d", dtick=max(1, -(-max(histogram) // 5)))  # whole puzzles
    return figure


def calibration_figure(run: InsightRun) -> go.Figure:
    """Reliability diagram: in each P(halt) bin, how often the puzzle was really solved (over every step)."""
    bins = [b for b in run.calibration() if b["count"]]
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                       line=dict(dash="dash", color=charts.MUTED))
    figure.add_scatter(x=[b["mean_probability"] for b in bins], y=[b["accuracy"] for b in bins],
                       mode="lines+markers", name="Q-head", line=dict(color=charts.HALT_COLOUR),
                       marker=dict(size=[6 + 14 * (b["count"] / max(x["count"] for x in bins)) ** 0.5 for b in bins]),
                       customdata=[b["count"] for b in bins],
                       hovertemplate="P(halt) %{x:.2f}: solved %{y:.0%} of %{customdata} (puzzle, step)"
                                     "<extra></extra>")
    # Margins beyond [0, 1]: a confident bin sits at (1, 1), and its marker (up to 20 px) must show whole.
    charts.chart_layout(figure, "P(halt)", "share really solved", xaxis_range=[-0.03, 1.03],
                        yaxis_range=[-0.04, 1.06])
    figure.update_yaxes(tickformat=".0%")
    return figure


def difficulty_figure(run: InsightRun, backtracks: list[int]) -> go.Figure:
    """Exact accuracy by the exact solver's backtracks on each puzzle (its difficulty band)."""
    bands = [b for b in accuracy_by_band(backtracks[:run.done], run.right) if b.count]
    figure = go.Figure(go.Bar(x=[b.band for b in bands], y=[b.accuracy for b in bands],
                              marker_color=charts.CORRECT_COLOUR, customdata=[b.count for b in bands],
                              text=[f"{b.count:,}" for b in bands], textposition="auto",  # each bar's puzzles
                              hovertemplate="%{x} backtracks: %{y:.0%} of %{customdata} puzzles<extra></extra>"))
    charts.chart_layout(figure, "exact solver's backtracks (difficulty)", "puzzles solved", yaxis_range=[0, 1.02])
    figure.update_yaxes(tickformat=".0%")
    figure.update_xaxes(type="category")  # bands are labels ("0", "1-50"), not numbers
    return figure


def technique_figure(run: InsightRun) -> go.Figure:
    """For each technique a person needs, the share of its cells whose digit has settled by each step: does the
    model settle the easy cells first?"""
    rows = run.commit_by_technique()
    shades = px_colors.sample_colorscale("Viridis", [i / max(len(rows) - 1, 1) * 0.85 for i in range(len(rows))])
    figure = go.Figure()
    for row, colour in zip(rows, shades):
        name = row["technique"]
        figure.add_scatter(x=list(range(1, run.steps + 1)), y=row["settled_by_step"], mode="lines+markers",
                           name=f"{name} ({row['cells']:,} cells, mean {row['mean_settle_step']:.1f})",
                           line=dict(color=colour), marker=dict(size=5),
                           hovertemplate=f"{name}: %{{y:.0%}} settled by step %{{x}}<extra></extra>")
    charts.chart_layout(figure, "supervision step", "cells settled on their final digit", yaxis_range=[0, 1.02])
    figure.update_yaxes(tickformat=".0%")
    _step_axis(figure, run.steps)
    # also with one technique (on the hardest sets every cell needs a guess); under the plot, so that a legend of
    # seven techniques takes the room of its own rows and not the plot's
    figure.update_layout(showlegend=True, height=charts.HEIGHT + 24 * len(rows),
                         legend=dict(orientation="h", yanchor="top", y=-0.25, x=0, font=dict(size=11)))
    return figure


def views_figure(run: InsightRun) -> go.Figure:
    """Exact accuracy of the Q-head's pick among 1, 2, 4, ... views (rows) after each step (columns)."""
    by_views = run.views_accuracy_by_step()
    counts = list(by_views)
    values = [by_views[count] for count in counts]
    figure = go.Figure(go.Heatmap(z=values, x=list(range(1, run.steps + 1)), y=[f"{c} view{'s' * (c > 1)}"
                                                                                for c in counts],
                                  colorscale="Greens", zmin=0, zmax=1,
                                  # percent without its sign, short enough to stay legible in a narrow chart of
                                  # the usual 16 steps; past 24 the colour and the hover say it
                                  text=[[round(100 * value) for value in row] for row in values],
                                  texttemplate="%{text}" if run.steps <= 24 else None,
                                  colorbar=dict(title=dict(text="solved"), tickformat=".0%", thickness=12),
                                  hovertemplate="%{y}, step %{x}: %{z:.1%} solved<extra></extra>"))
    charts.chart_layout(figure, "supervision step", "views (the Q-head picks one)")
    figure.update_yaxes(type="category")
    _step_axis(figure, run.steps)
    return figure
