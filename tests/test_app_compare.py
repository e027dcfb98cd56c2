"""Compare on the Solve page: the puzzle on screen solved a second way (another model, more steps, more views,
another threshold) plays on the same cursor, with the cells where the two answers differ counted."""

import numpy as np
import pytest

from tests import test_app_trace as solve_page_tests
from tests.test_app_trace import NORVIG_1, PUZZLE_4X4, _save_tiny, _solve_page
from trm.model.config import ModelConfig

model_roots = solve_page_tests.model_roots  # the Solve page tests' fixture: empty checkpoint and run folders


def test_more_steps_of_the_same_model_repeat_its_first_steps_and_follow_the_cursor(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    assert at.number_input(key="solve_cmp_steps").value == 24  # four times the solve above, by default
    at.number_input(key="solve_cmp_steps").set_value(10).run()
    at.button(key="solve_cmp_run").click().run()
    assert not at.exception, at.exception
    trace_id, comparison, compared = at.session_state["solve_cmp_compared"]
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert comparison.steps == 10 and len(compared.steps) == 10
    for ours, theirs in zip(stored.trace.steps, compared.steps):  # the same model: its first 6 steps are ours
        assert np.array_equal(ours.prediction, theirs.prediction)
        assert ours.q_halt_probability == pytest.approx(theirs.q_halt_probability, abs=1e-5)
    assert any("0 cells differ from the solve above" in c.value for c in at.caption)
    assert any("solve_chart_cmp_6" in chart.proto.id for chart in at.get("plotly_chart"))
    at.slider(key="solve_cmp_own_step").set_value(10).run()  # past the cursor's end: its own slider
    assert any("solve_chart_cmp_10" in chart.proto.id for chart in at.get("plotly_chart"))
    at.button(key="solve_prev").click().run()
    assert any("solve_chart_cmp_5" in chart.proto.id for chart in at.get("plotly_chart"))
    assert any(md.value.startswith("**Above** (tiny4, 6 steps") for md in at.markdown)


def _solved_with_two_models(model_roots):
    """The Solve page after a solve with tiny4, other4 (other weights) being the other model of its size."""
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    _save_tiny(checkpoints / "other4", seed=3)
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    return at, checkpoints


def test_another_model_with_views_and_its_own_threshold(model_roots):
    at, checkpoints = _solved_with_two_models(model_roots)
    assert at.selectbox(key="solve_cmp_model").options == ["other4", "tiny4"]  # shown by label
    at.selectbox(key="solve_cmp_model").set_value(str(checkpoints / "other4")).run()
    at.number_input(key="solve_cmp_steps").set_value(4).run()
    at.number_input(key="solve_cmp_views").set_value(3).run()
    at.slider(key="solve_cmp_threshold").set_value(0.3).run()
    at.button(key="solve_cmp_run").click().run()
    assert not at.exception, at.exception
    _, comparison, compared = at.session_state["solve_cmp_compared"]
    assert comparison.label == "other4" and comparison.views == 3 and compared.views.count == 3
    assert compared.halt_threshold == pytest.approx(0.3)
    # The cursor is at step 6, past the comparison's 4 steps: its last one is shown and said so.
    assert any("it ran 4 steps: its last is shown" in c.value for c in at.caption)
    assert any("other4, 4 steps, 3 views, threshold 0.30" in md.value for md in at.markdown)
    at.button(key="solve_run").click().run()  # nothing changed: the same trace, and the comparison stays
    assert at.session_state["solve_cmp_compared"][2] is compared


def test_comparison_numbers_out_of_range_are_shown_as_typed_and_solve_nothing(model_roots):
    at, _ = _solved_with_two_models(model_roots)
    at.number_input(key="solve_cmp_steps").set_value(0).run()
    assert not at.exception and at.number_input(key="solve_cmp_steps").value == 0
    assert any("Steps must be at least 1, got 0." in md.value for md in at.markdown)
    assert at.button(key="solve_cmp_run").disabled and "solve_cmp_compared" not in at.session_state
    at.number_input(key="solve_cmp_steps").set_value(3).run()
    at.number_input(key="solve_cmp_views").set_value(99).run()
    assert any("Views must be at most 32, got 99." in md.value for md in at.markdown)
    at.number_input(key="solve_cmp_views").set_value(1).run()
    at.button(key="solve_cmp_run").click().run()
    assert not at.exception and at.session_state["solve_cmp_compared"][1].steps == 3


def test_a_comparison_is_repeated_for_each_new_solve_until_the_user_stops_comparing(model_roots):
    at, checkpoints = _solved_with_two_models(model_roots)
    at.selectbox(key="solve_cmp_model").set_value(str(checkpoints / "other4")).run()
    at.number_input(key="solve_cmp_steps").set_value(5).run()
    at.number_input(key="solve_cmp_views").set_value(2).run()
    at.button(key="solve_cmp_run").click().run()
    first_id = at.session_state["solve_cmp_compared"][0]
    assert any("Each new solve is compared this way too" in c.value for c in at.caption)
    assert not at.toast  # pressed: its spinner is beside the button

    at.number_input(key="solve_steps").set_value(4).run()  # a new solve of the puzzle: compared again, unasked
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    trace_id, comparison, compared = at.session_state["solve_cmp_compared"]
    assert trace_id != first_id
    toasts = [toast.value for toast in at.toast]  # the spinner is far below the top of the page
    assert len(toasts) == 1 and toasts[0].startswith("Solving the comparison below with other4, 5 steps, 2 views")
    assert (comparison.label, comparison.steps, comparison.views) == ("other4", 5, 2) and len(compared.steps) == 5
    assert at.number_input(key="solve_cmp_steps").value == 5  # the followed settings, not the 4x suggestion

    at.number_input(key="solve_cmp_steps").set_value(7).run()  # edited, not run: the next solve takes it
    at.number_input(key="solve_steps").set_value(5).run()
    at.button(key="solve_run").click().run()
    _, comparison, compared = at.session_state["solve_cmp_compared"]
    assert comparison.steps == 7 and len(compared.steps) == 7

    at.button(key="solve_cmp_stop").click().run()
    assert at.session_state["solve_cmp_compared"] is None
    assert not any("**Compared**" in md.value for md in at.markdown)
    at.number_input(key="solve_steps").set_value(3).run()
    at.button(key="solve_run").click().run()  # stopped: the next solve only suggests a comparison
    assert at.session_state["solve_cmp_compared"] is None
    assert at.number_input(key="solve_cmp_steps").value == 12 and at.number_input(key="solve_cmp_views").value == 1


def test_a_followed_comparison_waits_out_puzzles_of_another_grid_size(model_roots):
    at, checkpoints = _solved_with_two_models(model_roots)
    _save_tiny(checkpoints / "tiny9", ModelConfig(grid_size=9, hidden_size=32, answer_cycles=1, latent_steps=1,
                                                  max_supervision_steps=2, prefix_len=0))
    at.selectbox(key="solve_cmp_model").set_value(str(checkpoints / "other4")).run()
    at.button(key="solve_cmp_run").click().run()
    at.text_input(key="solve_paste").input(NORVIG_1).run()  # a 9x9 puzzle: no 4x4 comparison applies to it
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    assert at.session_state["solve_cmp_compared"][1].label == "other4"  # the 4x4 one, not made again
    assert "solve_cmp_stop" not in [button.key for button in at.button]
    assert not any("Each new solve is compared this way too" in c.value for c in at.caption)
    assert not any("**Compared**" in md.value for md in at.markdown)
    assert any("The comparison with **other4** waits" in c.value for c in at.caption)  # said, not dropped in silence
    at.text_input(key="solve_paste").input(PUZZLE_4X4).run()  # back to 4x4: followed again
    at.button(key="solve_run").click().run()
    assert any("Each new solve is compared this way too" in c.value for c in at.caption)
    assert any("**Compared** (other4" in md.value for md in at.markdown)
    assert not any("waits" in c.value for c in at.caption)


def test_picking_another_model_to_compare_starts_at_the_steps_of_the_solve_above(model_roots):
    """The suggestion for the same model is more steps; kept for another model, the first comparison of two models
    would also compare step counts."""
    at, checkpoints = _solved_with_two_models(model_roots)
    above, solved_with = at.number_input(key="solve_steps").value, at.selectbox(key="solve_model").value
    other = next(str(checkpoints / name) for name in ("tiny4", "other4") if str(checkpoints / name) != solved_with)
    assert at.selectbox(key="solve_cmp_model").value == solved_with
    assert at.number_input(key="solve_cmp_steps").value == min(4 * above, 256)
    at.selectbox(key="solve_cmp_model").set_value(other).run()
    assert at.number_input(key="solve_cmp_steps").value == above
    at.selectbox(key="solve_cmp_model").set_value(solved_with).run()
    assert at.number_input(key="solve_cmp_steps").value == min(4 * above, 256)
