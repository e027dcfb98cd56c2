"""Every 4x4 solution grid and every minimal 4x4 puzzle, checked against the exact solver."""

import numpy as np

from trm.sudoku import shape_for_size, solve
from trm.sudoku.enumeration import enumerate_minimal_puzzles, enumerate_solution_grids, is_minimal
from trm.sudoku.validate import is_solution

SHAPE = shape_for_size(4)


def test_there_are_288_grids_and_85632_minimal_puzzles_with_4_to_6_givens():
    assert len(enumerate_solution_grids(SHAPE)) == 288
    puzzles, solutions = enumerate_minimal_puzzles(SHAPE)
    assert puzzles.shape == solutions.shape == (85_632, 16)
    assert np.bincount((puzzles > 0).sum(axis=1)).tolist() == [0, 0, 0, 0, 25_728, 58_368, 1_536]
    assert len({p.tobytes() for p in puzzles}) == len(puzzles)


def test_a_sample_of_minimal_puzzles_is_minimal_by_the_solver_with_the_listed_solution():
    puzzles, solutions = enumerate_minimal_puzzles(SHAPE)
    for row in np.random.default_rng(0).choice(len(puzzles), 150, replace=False):
        assert is_minimal(puzzles[row], SHAPE)
        result = solve(puzzles[row], SHAPE, limit=2)
        assert result.count == 1 and np.array_equal(result.solutions[0], solutions[row])
        assert is_solution(solutions[row], SHAPE)


def test_is_minimal_refuses_a_redundant_given_and_a_puzzle_with_two_solutions():
    puzzles, solutions = enumerate_minimal_puzzles(SHAPE)
    puzzle, solution = puzzles[0].copy(), solutions[0]
    blank = np.flatnonzero(puzzle == 0)[0]
    redundant = puzzle.copy()
    redundant[blank] = solution[blank]
    assert not is_minimal(redundant, SHAPE)
    ambiguous = puzzle.copy()
    ambiguous[np.flatnonzero(puzzle)[0]] = 0
    assert not is_minimal(ambiguous, SHAPE)
