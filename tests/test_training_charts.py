"""The Train page's curves: a run's first logged point shows before there is a line to draw."""

from app_ui.training_charts import Series, curve_figure


def test_a_series_of_one_logged_point_is_drawn_as_a_dot_and_longer_ones_as_lines():
    figure = curve_figure("Loss (LM)", [Series("t", [10], [1.9469], "#0072B2"),
                                        Series("u", [10, 20], [1.9, 1.5], "#E69F00")], smoothing=0.6)
    shown = {trace.name: trace.mode for trace in figure.data if trace.showlegend is not False}
    assert shown == {"t": "lines+markers", "u": "lines"}
