"""Plotly figures of the Train page: training curves (debiased-EMA smoothing over a faint raw line) and
held-out evaluations (points joined by lines), with step on the x axis."""

from dataclasses import dataclass

import plotly.graph_objects as go

from app_ui.log_ticks import log_axis_ticks
from app_ui.trace_charts import readable_axes
from trm.runs import smooth

RAW_OPACITY = 0.25  # the raw series stays visible, faintly, behind the smoothed one (TensorBoard's convention)
MAX_LEGEND_BESIDE_TITLE = 3  # more lines than this and the legend moves below the plot
LEGEND_ROW_PX = 24


@dataclass
class Series:
    """One line of a chart. Training series are smoothed; evaluation series are drawn as they are, with markers."""

    label: str
    steps: list[int]
    values: list[float]
    colour: str
    is_smoothed: bool = True
    dash: str = "solid"


# Plotly's mode bar would appear over the legend, which sits at the chart's top right; dragging still zooms and a
# double click resets
TRAINING_CHART_CONFIG = {"displayModeBar": False}


def _traces(series: Series, smoothing: float) -> list[go.Scatter]:
    hover = f"{series.label}<br>step %{{x:,}}: %{{y:.4g}}<extra></extra>"
    if not series.is_smoothed:
        return [go.Scatter(x=series.steps, y=series.values, name=series.label, mode="lines+markers",
                           line=dict(color=series.colour, width=2, dash=series.dash), marker=dict(size=6),
                           hovertemplate=hover)]
    raw = go.Scatter(x=series.steps, y=series.values, name=f"{series.label} (raw)", mode="lines", showlegend=False,
                     line=dict(color=series.colour, width=1, dash=series.dash), opacity=RAW_OPACITY, hoverinfo="skip")
    lone = len(series.steps) == 1  # a line needs two points: a run's first logged one is drawn as a dot
    smoothed = go.Scatter(x=series.steps, y=smooth(series.values, smoothing), name=series.label,
                          mode="lines+markers" if lone else "lines",
                          line=dict(color=series.colour, width=2.2, dash=series.dash), hovertemplate=hover)
    return [raw, smoothed] if smoothing > 0 else [smoothed]


def curve_figure(title: str, series: list[Series], smoothing: float, *, is_percent: bool = False,
                 is_log_y: bool = False, is_from_zero: bool = False, height: int = 270) -> go.Figure:
    """A chart of ``series`` against step; ``is_percent`` fixes the y axis to 0-100 %, ``is_from_zero`` starts it
    at 0 (so tiny wobbles of a nearly constant series do not fill the chart)."""
    figure = go.Figure([trace for one in series for trace in _traces(one, smoothing)])
    many = len(series) > MAX_LEGEND_BESIDE_TITLE
    legend = (dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0) if many else
              dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    # many lines: the legend goes below the plot (above, it runs into the title and the toolbar) and the chart grows
    # by its rows; hovering names the nearest line only (one box for all of them outgrows the chart)
    figure.update_layout(title=dict(text=title, font=dict(size=15), x=0, xanchor="left"),
                         height=height + (LEGEND_ROW_PX * (1 + len(series) // 4) if many else 0),
                         margin=dict(l=10, r=10, t=40, b=10), hovermode="closest" if many else "x unified",
                         legend=legend)
    figure.update_xaxes(title_text="step", rangemode="tozero")
    if is_percent:
        figure.update_yaxes(tickformat=".0%", range=[-0.02, 1.02])
    if is_from_zero:
        figure.update_yaxes(rangemode="tozero")
    if is_log_y:
        figure.update_yaxes(type="log", **log_axis_ticks(v for one in series for v in one.values))
    if not any(one.steps for one in series):
        figure.add_annotation(text="no points yet", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                              font=dict(color="gray"))
    return readable_axes(figure)
