"""The famous examples' precomputed traces (assets/traces) stand in for a solve with the shipped 9x9 model at
once, and only for the very weights that made them."""

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_ui import demo_traces
from app_ui.demo_traces import demo_trace_path
from trm import load_model, weights_fingerprint
from trm.sudoku import grid_to_string, parse_puzzle
from trm.trace import read_trace_file

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
EASTER_MONSTER = "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1"


def test_every_demo_trace_was_made_by_the_shipped_weights_and_replays():
    fingerprint = weights_fingerprint(REPO / "checkpoints" / "sudoku9-mlp")
    examples = {grid_to_string(parse_puzzle(e["puzzle"], check_conflicts=False))
                for e in json.loads((REPO / "assets" / "examples.json").read_text())}
    paths = sorted((REPO / "assets" / "traces").glob("*.json"))
    assert len(paths) >= 6
    for path in paths:
        trace = read_trace_file(path)
        assert trace.made_by["weights"] == fingerprint, f"{path.name}: run scripts/make_demo_traces.py again"
        assert grid_to_string(trace.puzzle) in examples and trace.pca is not None
        # the demos that solve early carry each digit's probability, for the cell inspector
        assert trace.steps[0].digit_probabilities is not None or "easter-monster" in path.name
    monster = read_trace_file(REPO / "assets" / "traces" / "easter-monster-64.json")
    assert monster.halt_step == monster.first_solved_step == 60  # the late-halting demo


def _solve(at: AppTest, steps: int) -> AppTest:
    at.number_input(key="solve_steps").set_value(steps).run()
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    return at


def test_a_famous_example_with_the_shipped_model_plays_at_once(monkeypatch, tmp_path):
    monkeypatch.setenv("TRM_STUDIO_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("TRM_COMPILE", "0")
    at = AppTest.from_file(APP, default_timeout=60)  # far less than computing 64 steps of the 9x9 model here
    at.query_params["p"] = EASTER_MONSTER
    at.run()
    at.switch_page("app_pages/solve.py").run()
    _solve(at, 64)
    assert any("Precomputed with these very weights" in c.value and "64 supervision steps" in c.value
               for c in at.caption)
    assert at.session_state["solve_step"] == 64
    # this demo was saved without digit probabilities: the inspector's place says so rather than staying empty
    assert any("No cell inspector here" in c.value for c in at.caption)


def test_only_the_very_weights_views_1_and_the_same_steps_get_the_demo(monkeypatch):
    loaded = load_model(REPO / "checkpoints" / "sudoku9-mlp")
    puzzle = parse_puzzle(EASTER_MONSTER)
    assert demo_trace_path(loaded, puzzle, 64, 1).name == "easter-monster-64.json"
    assert demo_trace_path(loaded, puzzle, 32, 1) is None and demo_trace_path(loaded, puzzle, 64, 8) is None
    monkeypatch.setattr(demo_traces, "_fingerprint", lambda folder, stamp: "0" * 16)
    assert demo_trace_path(loaded, puzzle, 64, 1) is None
