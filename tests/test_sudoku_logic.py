"""The human-style solver's steps and the difficulty grades built on it."""

import numpy as np
import pytest

from trm.errors import PuzzleError
from trm.sudoku import SHAPES, grade_puzzle, logic_solve, parse_puzzle, solve
from trm.sudoku.grade import HARD_MAX_BACKTRACKS, level_for

# Radcliffe difficulty 0: singles only.
EASY = "070000043040009610800634900094052000358460020000800530080070091902100005007040802"
HARDEST = "000000008003000400090020060000079000000061200060502070008000500010000020405000003"


def test_singles_puzzle_is_solved_with_numbered_steps_that_match_the_solution():
    puzzle = parse_puzzle(EASY)
    solution = solve(puzzle, SHAPES[9]).solution
    result = logic_solve(puzzle, SHAPES[9])
    assert result.is_solved and not result.needs_guessing and np.array_equal(result.grid, solution)
    assert [s.number for s in result.steps] == list(range(1, len(result.steps) + 1))
    assert len(result.steps) == int((puzzle == 0).sum())
    for step in result.steps:
        assert step.technique in ("naked single", "hidden single")
        assert solution[step.cell[0] * 9 + step.cell[1]] == step.digit


def test_placement_steps_give_each_filled_cell_its_step_number():
    puzzle = parse_puzzle(EASY)
    result = logic_solve(puzzle, SHAPES[9])
    order = result.placement_steps()
    assert np.all(order[puzzle > 0] == 0)
    assert sorted(order[puzzle == 0].tolist()) == list(range(1, len(result.steps) + 1))


def test_technique_counts_add_up_to_the_steps():
    result = logic_solve(parse_puzzle(EASY), SHAPES[9])
    assert sum(result.technique_counts.values()) == len(result.steps)
    assert result.hardest_technique in ("naked single", "hidden single")


def test_stuck_solver_reports_needs_guessing_and_keeps_only_true_digits():
    puzzle = parse_puzzle(HARDEST)
    solution = solve(puzzle, SHAPES[9]).solution
    result = logic_solve(puzzle, SHAPES[9])
    assert not result.is_solved and result.needs_guessing and result.hardest_technique == "needs guessing"
    placed = result.grid > 0
    assert np.array_equal(result.grid[placed], solution[placed])


def test_rejects_conflicting_givens():
    with pytest.raises(PuzzleError, match="duplicate 5 in row 1"):
        logic_solve(parse_puzzle("55" + "0" * 79, check_conflicts=False), SHAPES[9])


def test_solved_grid_needs_no_steps():
    solution = solve(parse_puzzle(EASY), SHAPES[9]).solution
    result = logic_solve(solution, SHAPES[9])
    assert result.is_solved and result.steps == [] and result.hardest_technique is None


def test_easy_puzzle_grades_easy_with_no_guesses():
    grade = grade_puzzle(parse_puzzle(EASY), SHAPES[9])
    assert grade.level == "easy" and grade.guesses == 0 and grade.backtracks == 0
    assert set(grade.techniques) <= {"naked single", "hidden single"}


def test_hardest_puzzle_grades_extreme():
    grade = grade_puzzle(parse_puzzle(HARDEST), SHAPES[9])
    assert grade.level == "extreme" and grade.backtracks > HARD_MAX_BACKTRACKS and grade.guesses > 0


def test_levels_follow_the_documented_rules():
    assert level_for(True, {"hidden single": 3}, 0) == "easy"
    assert level_for(True, {"hidden single": 3, "pointing": 1}, 0) == "medium"
    assert level_for(True, {"naked pair": 1}, 0) == "medium"
    assert level_for(False, {"hidden single": 3}, HARD_MAX_BACKTRACKS) == "hard"
    assert level_for(False, {}, HARD_MAX_BACKTRACKS + 1) == "extreme"


def test_grading_rejects_a_puzzle_with_several_solutions():
    with pytest.raises(PuzzleError, match="exactly one solution.*more than one solution"):
        grade_puzzle(np.zeros(16, dtype=np.int8), SHAPES[4])
