"""The Solve page's model picker and step player under AppTest, with tiny checkpoints written into tmp_path.

TRM_STUDIO_CHECKPOINTS / TRM_STUDIO_RUNS point the picker at the test's folders; TRM_COMPILE=0 keeps the
tiny models eager (they are not worth compiling anyway).
"""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from trm.checkpoint import save_model
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel
from trm.sudoku import parse_puzzle, shape_for_size, solve
from trm.trace import trace_from_dict

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TINY_4X4 = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=6,
                       prefix_len=2)
PUZZLE_4X4 = "0000300204100000"  # exactly one solution
NORVIG_1 = "003020600900305001001806400008102900700000008006708200002609500800203009005010300"


@pytest.fixture
def model_roots(tmp_path, monkeypatch) -> tuple[Path, Path]:
    checkpoints, runs = tmp_path / "checkpoints", tmp_path / "runs"
    checkpoints.mkdir()
    runs.mkdir()
    monkeypatch.setenv("TRM_STUDIO_CHECKPOINTS", str(checkpoints))
    monkeypatch.setenv("TRM_STUDIO_RUNS", str(runs))
    monkeypatch.setenv("TRM_COMPILE", "0")
    return checkpoints, runs


def _save_tiny(folder: Path, config: ModelConfig = TINY_4X4, seed: int = 0) -> Path:
    save_model(folder, TinyRecursiveModel(config, torch.Generator().manual_seed(seed)), {"step": 10})
    return folder


def _solve_page(query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["p"] = query
    at.run()
    at.switch_page("app_pages/solve.py").run()
    assert not at.exception, at.exception
    return at


def test_without_any_model_the_page_says_how_to_get_one_and_solve_is_disabled(model_roots):
    at = _solve_page(PUZZLE_4X4)
    assert any("No 4×4 model found" in info.value and "sudoku4-tiny" in info.value for info in at.info)
    assert at.button(key="solve_run").disabled


def test_picker_lists_checkpoints_and_runs_of_the_grid_size_only(model_roots):
    checkpoints, runs = model_roots
    _save_tiny(checkpoints / "tiny4")
    _save_tiny(runs / "run1" / "best")
    _save_tiny(checkpoints / "tiny6", ModelConfig(grid_size=6, hidden_size=32, answer_cycles=1, latent_steps=1,
                                                  max_supervision_steps=2, prefix_len=0))
    at = _solve_page(PUZZLE_4X4)
    picker = at.selectbox(key="solve_model")
    assert picker.options == ["tiny4", "run run1 (best)"]
    assert picker.value == str(checkpoints / "tiny4")
    assert at.number_input(key="solve_steps").value == TINY_4X4.max_supervision_steps
    assert not at.button(key="solve_run").disabled


def test_steps_or_views_out_of_range_keep_what_was_typed_and_hold_solve_back(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    for key, value, said in (("solve_steps", 0, "Steps must be at least 1, got 0."),
                             ("solve_views", 40, "Views must be at most 32, got 40.")):
        at.number_input(key=key).set_value(value).run()
        assert not at.exception
        assert at.number_input(key=key).value == value and at.button(key="solve_run").disabled, key
        assert any(said in markdown.value for markdown in at.markdown), key
        at.number_input(key=key).set_value(2).run()
    assert not at.button(key="solve_run").disabled


def test_corrupt_checkpoint_shows_an_error_naming_the_file_and_the_page_keeps_running(model_roots):
    checkpoints, _ = model_roots
    folder = _save_tiny(checkpoints / "broken")
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    at = _solve_page(PUZZLE_4X4)
    assert not at.exception
    assert any("model.safetensors" in error.value and "corrupt" in error.value for error in at.error)
    assert at.button(key="solve_run").disabled


def test_checkpoint_whose_config_does_not_match_its_weights_is_reported(model_roots):
    checkpoints, _ = model_roots
    folder = _save_tiny(checkpoints / "mismatch")
    config = json.loads((folder / "config.json").read_text())
    config["model"]["hidden_size"] = 64
    (folder / "config.json").write_text(json.dumps(config))
    at = _solve_page(PUZZLE_4X4)
    assert not at.exception
    assert any("do not match" in error.value for error in at.error)


def test_solve_produces_the_player_and_a_rerun_reuses_the_trace(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    traces = at.session_state["solve_traces"]
    assert len(traces) == 1
    stored = next(iter(traces.values()))
    assert len(stored.trace.steps) == TINY_4X4.max_supervision_steps
    assert at.slider(key="solve_step_slider").value == TINY_4X4.max_supervision_steps
    assert any("Why it stops" in md.value for md in at.markdown)
    # P(halt), cells right, Q-logit, the cell inspector's two, movement, decoding, when each cell settles, two PCA
    assert len(at.get("plotly_chart")) == 10
    assert any("solve_chart_settle" in chart.proto.id for chart in at.get("plotly_chart"))

    at.button(key="solve_run").click().run()  # pressing again, same inputs: nothing is recomputed
    assert next(iter(at.session_state["solve_traces"].values())) is stored

    at.session_state["solve_yz_view"] = "Size"  # the y/z chart's other view: their norms per call
    at.run()
    assert not at.exception, at.exception
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    assert any("solve_chart_norms" in key for key in keys) and not any("solve_chart_movement" in key for key in keys)


def test_step_buttons_and_slider_move_the_cursor_within_the_trace(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    at.slider(key="solve_step_slider").set_value(2).run()
    assert at.session_state["solve_step"] == 2
    at.button(key="solve_prev").click().run()
    at.button(key="solve_prev").click().run()
    assert at.session_state["solve_step"] == 1
    at.button(key="solve_next").click().run()
    assert at.session_state["solve_step"] == 2
    assert any(metric.value == "2 / 6" for metric in at.metric)
    assert at.query_params["step"] == ["2"]
    at.button(key="solve_play").click().run()
    assert at.session_state["solve_playing"] is True
    assert at.button(key="solve_play").label == "Pause"


def test_more_steps_than_trained_and_a_new_threshold_reuse_nothing_wrongly(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.number_input(key="solve_steps").set_value(9).run()
    at.button(key="solve_run").click().run()
    assert not at.exception
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert len(stored.trace.steps) == 9
    at.slider(key="solve_threshold").set_value(0.05).run()
    assert next(iter(at.session_state["solve_traces"].values())) is stored
    assert not at.exception


def test_exported_json_is_the_trace(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    stored = next(iter(at.session_state["solve_traces"].values()))
    at.slider(key="solve_threshold").set_value(0.05).run()
    back = trace_from_dict(json.loads(stored.export_json(0.05)))
    assert back.halt_threshold == 0.05
    assert back.halt_step == next((s.step for s in back.steps if s.q_halt_probability >= 0.05), None)
    assert [s.prediction.tolist() for s in back.steps] == [s.prediction.tolist() for s in stored.trace.steps]
    expected = solve(parse_puzzle(PUZZLE_4X4), shape_for_size(4)).solutions[0]
    assert back.solution.tolist() == expected.tolist()


def test_puzzle_with_several_solutions_still_runs_and_says_why_nothing_is_marked_wrong(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page("1000000000000000")
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    assert any("not marked right or wrong" in warning.value for warning in at.warning)
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert stored.trace.solution is None
    repeats = [m for m in at.metric if m.label == "Repeats"]  # in place of "Blanks right": nothing is right
    assert len(repeats) == 1 and not [m for m in at.metric if m.label == "Blanks right"]


def test_a_link_with_a_step_opens_the_player_at_that_step_after_solving(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_linked(PUZZLE_4X4, "3")
    assert not at.exception
    assert at.session_state["solve_step"] == 3


def _solve_linked(puzzle: str, step: str) -> AppTest:
    """Open a shared link with ``&step=`` (the app's first page, then Solve) and press Solve."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["p"] = puzzle
    at.query_params["step"] = step
    at.run()
    at.switch_page("app_pages/solve.py").run()
    at.button(key="solve_run").click().run()
    return at


def test_a_link_whose_step_is_not_an_ascii_number_is_ignored(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    for odd in ("²", "①", "٣", "-1", "99"):
        at = _solve_linked(PUZZLE_4X4, odd)
        assert not at.exception, (odd, at.exception)
        assert at.session_state["solve_step"] == TINY_4X4.max_supervision_steps, odd


def test_views_show_lanes_the_choice_and_why_and_export_with_the_trace(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.number_input(key="solve_views").set_value(4).run()
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    stored = next(iter(at.session_state["solve_traces"].values()))
    views = stored.trace.views
    assert views.count == 4 and len(views.steps) == TINY_4X4.max_supervision_steps
    assert (views.steps[0].answers[0] == stored.trace.steps[0].prediction).all()  # view 0 is the traced puzzle
    assert any("4 views, one judge" in header.value for header in at.subheader)
    assert any("Why it stops, with views" in md.value for md in at.markdown)
    lanes = " ".join(block.proto.body for block in at.get("html"))
    assert len(re.findall(r'class="vl-lane( chosen)?"', lanes)) == 4 and lanes.count("vl-lane chosen") == 1
    assert "the puzzle" in lanes
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    assert any("solve_chart_views_halt" in key for key in keys) and any("solve_chart_logit" in key for key in keys)
    exported = json.loads(stored.export_json(0.5))
    assert exported["views"]["count"] == 4 and len(exported["views"]["answers"]) == TINY_4X4.max_supervision_steps

    at.button(key="solve_prev").click().run()  # the cursor moves the lanes with it
    assert not at.exception, at.exception
    assert at.session_state["solve_step"] == TINY_4X4.max_supervision_steps - 1
    at.number_input(key="solve_agree").set_value(1).run()  # the rule is replayed, nothing recomputed
    assert any("the puzzle once a view halts" in md.value for md in at.markdown)
    assert len(at.session_state["solve_traces"]) == 1


def test_long_runs_skip_the_pca_and_say_so(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.number_input(key="solve_steps").set_value(80).run()
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert len(stored.trace.steps) == 80 and stored.trace.pca is None
    assert any("up to 64 steps" in caption.value for caption in at.caption)


def test_bad_folders_among_good_ones_are_listed_as_unusable_with_their_reason_and_never_the_default(model_roots):
    checkpoints, _ = model_roots
    for name in ("a-deep", "b-fifo", "c-steps", "d-fifo-weights"):
        _save_tiny(checkpoints / name)
    (checkpoints / "a-deep" / "config.json").write_text("[" * 200_000 + "]" * 200_000)
    (checkpoints / "b-fifo" / "config.json").unlink()
    os.mkfifo(checkpoints / "b-fifo" / "config.json")
    config = json.loads((checkpoints / "c-steps" / "config.json").read_text())
    config["model"]["max_supervision_steps"] = 10 ** 9
    (checkpoints / "c-steps" / "config.json").write_text(json.dumps(config))
    (checkpoints / "d-fifo-weights" / "model.safetensors").unlink()
    os.mkfifo(checkpoints / "d-fifo-weights" / "model.safetensors")
    _save_tiny(checkpoints / "z-good")
    at = _solve_page(PUZZLE_4X4)
    assert at.selectbox(key="solve_model").value.endswith("z-good")
    assert not at.button(key="solve_run").disabled
    for name, words in (("a-deep", "nested too deeply"), ("b-fifo", "not a regular file"),
                        ("c-steps", "max_supervision_steps"), ("d-fifo-weights", "not a regular file")):
        at.selectbox(key="solve_model").set_value(str(checkpoints / name)).run()
        assert not at.exception, (name, at.exception)
        assert any(words in error.value and "(unusable)" in error.value for error in at.error), name
        assert at.button(key="solve_run").disabled


def test_an_intervention_at_the_cursor_plays_beside_the_untouched_run(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    at.button(key="solve_prev").click().run()
    at.button(key="solve_prev").click().run()
    step = at.session_state["solve_step"]
    at.selectbox(key="solve_iv_kind").set_value("noise_z").run()
    at.number_input(key="solve_iv_scale").set_value(3.0).run()
    at.button(key="solve_iv_run").click().run()
    assert not at.exception, at.exception
    trace_id, change, altered = at.session_state["solve_iv_altered"]
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert change.after_step == step and change.kind == "noise_z" and change.scale == 3.0
    assert [r.q_halt_logit for r in altered.steps[:step]] == [r.q_halt_logit for r in stored.trace.steps[:step]]
    assert any("cells differ from the untouched run" in c.value for c in at.caption)
    assert any(f"solve_chart_iv_{step}" in chart.proto.id for chart in at.get("plotly_chart"))
    at.selectbox(key="solve_iv_kind").set_value("add_given").run()
    at.button(key="solve_iv_run").click().run()
    assert not at.exception, at.exception
    change = at.session_state["solve_iv_altered"][1]
    assert "given in cell" in change.describe() and f"given in r{change.cell // 4 + 1}c" in change.describe(4)
    assert any(f"given in r{change.cell // 4 + 1}c{change.cell % 4 + 1}" in c.value for c in at.caption)
    solution = stored.trace.solution  # the note under the controls says what the digit about to be given is
    at.selectbox(key="solve_iv_cell").set_value(0).run()
    at.selectbox(key="solve_iv_digit").set_value(3).run()  # r2c1 holds a given 3
    assert any("3 at r1c1 breaks the rules (duplicate 3 in column 1" in c.value for c in at.caption)
    at.selectbox(key="solve_iv_digit").set_value(int(solution[0])).run()
    assert any(f"{solution[0]} at r1c1 is the solution's digit: a true hint" in c.value for c in at.caption)
    wrong = next(d for d in range(1, 5) if d not in (3, int(solution[0])))
    at.selectbox(key="solve_iv_digit").set_value(wrong).run()
    assert any(f"{wrong} at r1c1 breaks no rule with the givens but is wrong" in c.value for c in at.caption)


def test_the_cell_inspector_shows_a_cells_digits_at_the_cursor_and_every_cells_confidence(model_roots):
    checkpoints, _ = model_roots
    _save_tiny(checkpoints / "tiny4")
    at = _solve_page(PUZZLE_4X4)
    at.button(key="solve_run").click().run()
    stored = next(iter(at.session_state["solve_traces"].values()))
    blanks = [int(c) for c in np.flatnonzero(stored.trace.puzzle == 0)]
    assert at.selectbox(key="solve_inspect_cell").value == blanks[0]
    at.selectbox(key="solve_inspect_cell").set_value(blanks[3]).run()
    at.button(key="solve_prev").click().run()
    assert not at.exception, at.exception
    step = at.session_state["solve_step"]
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    assert any(f"solve_chart_cell_{step}" in key for key in keys)
    assert any(f"solve_chart_confidence_{step}" in key for key in keys)
    name = f"r{blanks[3] // 4 + 1}c{blanks[3] % 4 + 1}"
    assert any(f"each digit in {name} after step {step}" in caption.value for caption in at.caption)
    record = stored.trace.steps[step - 1]
    assert record.digit_probabilities.shape == (16, 4)
    assert int(np.argmax(record.digit_probabilities[blanks[3]])) + 1 == int(record.prediction[blanks[3]])
