"""The exact solver on hand-made cases: unique, multiple, contradictory and unsolvable puzzles, every size."""

import numpy as np
import pytest

from trm.sudoku import SHAPES, SolveStatus, count_solutions, is_solution, parse_puzzle, solve

HARDEST = "000000008003000400090020060000079000000061200060502070008000500010000020405000003"
HARDEST_SOLUTION = "621943758783615492594728361142879635357461289869532174238197546916354827475286913"


def test_solves_a_hardest_puzzle_to_its_known_unique_solution():
    result = solve(parse_puzzle(HARDEST), SHAPES[9])
    assert result.status is SolveStatus.UNIQUE and result.count == 1
    assert "".join(map(str, result.solution)) == HARDEST_SOLUTION
    assert result.guesses > 0 and result.backtracks > 0


def test_solution_is_a_flat_int8_grid():
    solution = solve(parse_puzzle(HARDEST), SHAPES[9]).solution
    assert solution.dtype == np.int8 and solution.shape == (81,)


def test_returns_two_distinct_valid_solutions_for_an_empty_grid_of_every_size():
    for shape in SHAPES.values():
        empty = np.zeros(shape.cells, dtype=np.int8)
        result = solve(empty, shape)
        assert result.status is SolveStatus.MULTIPLE and result.count == 2
        first, second = result.solutions
        assert not np.array_equal(first, second)
        assert is_solution(first, shape) and is_solution(second, shape)


def test_a_puzzle_missing_one_needed_given_has_two_solutions_agreeing_with_the_givens():
    puzzle = parse_puzzle(HARDEST)
    puzzle[8] = 0  # the 8 at r1c9
    result = solve(puzzle, SHAPES[9])
    assert result.status is SolveStatus.MULTIPLE
    assert all(is_solution(s, SHAPES[9], puzzle) for s in result.solutions)
    assert not np.array_equal(*result.solutions)


def test_reports_conflicting_givens_as_contradictory_without_solutions():
    puzzle = parse_puzzle("55" + "0" * 79, check_conflicts=False)
    result = solve(puzzle, SHAPES[9])
    assert result.status is SolveStatus.CONTRADICTORY and result.solutions == [] and result.count == 0


def test_reports_consistent_givens_that_cannot_be_completed_as_no_solution():
    puzzle = parse_puzzle("123456780" + "000000009" + "0" * 63)  # r1c9 must be 9, but c9 has a 9
    result = solve(puzzle, SHAPES[9])
    assert result.status is SolveStatus.NO_SOLUTION and result.count == 0 and result.solution is None


def test_counts_all_288_4x4_grids():
    assert count_solutions(np.zeros(16, dtype=np.int8), SHAPES[4], limit=1000) == 288


def test_limit_one_stops_at_the_first_solution():
    result = solve(np.zeros(36, dtype=np.int8), SHAPES[6], limit=1)
    assert result.count == 1 and result.status is SolveStatus.UNIQUE and is_solution(result.solution, SHAPES[6])


def test_solves_a_6x6_puzzle_with_boxes_of_two_rows_and_three_columns():
    puzzle = parse_puzzle("100000" "000200" "030000" "000004" "005000" "000060")
    result = solve(puzzle, SHAPES[6], limit=100)
    assert result.count >= 1
    assert all(is_solution(s, SHAPES[6], puzzle) for s in result.solutions)


def test_rejects_a_limit_below_one():
    with pytest.raises(ValueError, match="limit must be at least 1"):
        solve(parse_puzzle(HARDEST), SHAPES[9], limit=0)
