"""The Insight page's figures of one set-level run (trm.evaluate.InsightRun): accuracy per step, where the Q-head
halts, how well P(halt) is calibrated, and accuracy by difficulty. Each has the chart toolbar, whose camera button
downloads it as PNG."""

import plotly.graph_objects as go

from app_ui import trace_charts as charts
from trm.evaluate import InsightRun, accuracy_by_band

CONFIG = {"displayModeBar": True, "displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def accuracy_figure(run: InsightRun, trained_steps: int) -> go.Figure:
    steps = list(range(1, run.steps + 1))
    figure = go.Figure()
    figure.add_scatter(x=steps, y=run.exact_accuracy_by_step(), name="puzzles solved", mode="lines+markers",
                       line=dict(color=charts.CORRECT_COLOUR))
    figure.add_scatter(x=steps, y=run.cell_accuracy_by_step(), name="blank cells right", mode="lines",
                       line=dict(color=charts.Y_COLOUR, dash="dot"))
    if trained_steps < run.steps:
        figure.add_vline(x=trained_steps, line=dict(dash="dash", color=charts.MUTED),
                         annotation_text="trained steps", annotation_position="bottom right")
    charts.chart_layout(figure, "supervision step", "accuracy", yaxis_range=[0, 1.02])
    figure.update_yaxes(tickformat=".0%")
    return figure


def halting_figure(run: InsightRun) -> go.Figure:
    histogram = run.halt_histogram()
    labels = [str(step) for step in range(1, run.steps + 1)] + ["never"]
    figure = go.Figure(go.Bar(x=labels, y=histogram, marker_color=charts.HALT_COLOUR,
                              hovertemplate="halts at %{x}: %{y} puzzles<extra></extra>"))
    return charts.chart_layout(figure, f"step where P(halt) first reaches {run.threshold:.2f}", "puzzles")


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
    charts.chart_layout(figure, "P(halt)", "share really solved", xaxis_range=[0, 1], yaxis_range=[0, 1.02])
    figure.update_yaxes(tickformat=".0%")
    return figure


def difficulty_figure(run: InsightRun, backtracks: list[int]) -> go.Figure:
    """Exact accuracy by the exact solver's backtracks on each puzzle (its difficulty band)."""
    bands = [b for b in accuracy_by_band(backtracks[:run.done], run.right) if b.count]
    figure = go.Figure(go.Bar(x=[b.band for b in bands], y=[b.accuracy for b in bands],
                              marker_color=charts.CORRECT_COLOUR, customdata=[b.count for b in bands],
                              hovertemplate="%{x} backtracks: %{y:.0%} of %{customdata} puzzles<extra></extra>"))
    charts.chart_layout(figure, "exact solver's backtracks (difficulty)", "puzzles solved", yaxis_range=[0, 1.02])
    figure.update_yaxes(tickformat=".0%")
    return figure
