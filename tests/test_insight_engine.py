"""The researcher's bench, engine side: when each cell settles, which technique a person needs for it, and
interventions that continue the recursion from a changed state (one that changes nothing continues exactly)."""

import numpy as np
import pytest

from trm.checkpoint import load_model
from trm.evaluate import commit_by_technique, fill_solutions, settle_steps
from trm.inference import Intervention
from trm.sudoku import logic_solve, parse_puzzle, read_puzzle_csv, shape_for_size
from trm.trace import run_trace

PUZZLE_4X4 = "0000300204100000"


@pytest.fixture(scope="module")
def sudoku6():
    return load_model("checkpoints/sudoku6").model


def test_a_cell_settles_at_the_first_step_from_which_it_never_changes():
    predictions = np.array([[1, 2, 3, 4], [1, 5, 3, 4], [1, 5, 4, 4], [1, 5, 4, 2]])
    assert settle_steps(predictions, np.array([0, 0, 0, 0])).tolist() == [1, 2, 3, 4]
    assert settle_steps(predictions, np.array([1, 0, 0, 0])).tolist() == [0, 2, 3, 4]  # givens: 0
    assert settle_steps(predictions[:1], np.zeros(4, int)).tolist() == [1, 1, 1, 1]


def test_every_blank_cell_gets_the_hardest_technique_needed_until_it_was_filled():
    shape = shape_for_size(9)
    easy = parse_puzzle("53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79", 9)
    needed = logic_solve(easy, shape).cell_techniques()
    assert all((t is None) == (g != 0) for t, g in zip(needed, easy))
    assert set(needed) - {None} <= {"naked single", "hidden single"}
    hard = parse_puzzle("8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..", 9)
    needed = logic_solve(hard, shape, guess_when_stuck=True).cell_techniques()
    assert "guess" in needed and all(t is not None for t, g in zip(needed, hard) if g == 0)


def test_commit_times_by_technique_cover_every_blank_cell(sudoku6):
    table, _ = fill_solutions(read_puzzle_csv("assets/puzzles/heldout_6x6.csv", limit=12))
    rows = commit_by_technique(sudoku6, table.puzzles, table.solutions, table.shape)
    assert sum(row.cells for row in rows) == int((table.puzzles == 0).sum())
    assert rows[0].technique == "naked single" and all(1 <= row.mean_settle_step <= 6 for row in rows)


@pytest.mark.parametrize("nothing", [Intervention(2, "noise_z", scale=0.0), Intervention(2, "noise_y", scale=0.0),
                                     Intervention(3, "add_given", cell=1, digit=4)])
def test_an_intervention_that_changes_nothing_continues_exactly_like_the_untouched_run(sudoku6, nothing):
    puzzle = read_puzzle_csv("assets/puzzles/heldout_6x6.csv", limit=1).puzzles[0]
    if nothing.kind == "add_given":
        nothing = Intervention(3, "add_given", cell=int(np.flatnonzero(puzzle)[0]), digit=int(puzzle[puzzle > 0][0]))
    untouched = run_trace(sudoku6, puzzle, with_pca=False, compiled=False)
    same = run_trace(sudoku6, puzzle, with_pca=False, compiled=False, intervention=nothing)
    assert [r.q_halt_logit for r in same.steps] == [r.q_halt_logit for r in untouched.steps]
    assert all((a.prediction == b.prediction).all() for a, b in zip(same.steps, untouched.steps))


def test_a_reset_changes_only_what_comes_after_its_step(sudoku6):
    puzzle = read_puzzle_csv("assets/puzzles/heldout_6x6.csv", limit=1).puzzles[0]
    untouched = run_trace(sudoku6, puzzle, with_pca=False, compiled=False)
    for kind in ("reset_z", "reset_y", "noise_z"):
        changed = run_trace(sudoku6, puzzle, with_pca=False, compiled=False,
                            intervention=Intervention(2, kind, scale=3.0))
        assert [r.q_halt_logit for r in changed.steps[:2]] == [r.q_halt_logit for r in untouched.steps[:2]]
        assert changed.steps[2].q_halt_logit != untouched.steps[2].q_halt_logit, kind


def test_a_new_given_reaches_the_model_and_bad_interventions_are_refused():
    model = load_model("checkpoints/sudoku4").model
    puzzle = parse_puzzle(PUZZLE_4X4, 4)
    untouched = run_trace(model, puzzle, with_pca=False, compiled=False)
    given = run_trace(model, puzzle, with_pca=False, compiled=False,
                      intervention=Intervention(1, "add_given", cell=0, digit=4))  # the solution's digit there
    assert given.steps[0].q_halt_logit == untouched.steps[0].q_halt_logit
    assert all(a.q_halt_logit != b.q_halt_logit for a, b in zip(given.steps[1:], untouched.steps[1:]))
    with pytest.raises(ValueError, match="kind"):
        Intervention(1, "shake")
    with pytest.raises(ValueError, match="do not fit"):
        run_trace(model, puzzle, with_pca=False, compiled=False, intervention=Intervention(1, "add_given", 0, 0, 7))
