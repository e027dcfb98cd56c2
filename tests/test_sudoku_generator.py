"""Generated grids and puzzles: valid, unique, reproducible, and of the level they claim."""

import numpy as np
import pytest

from trm.errors import PuzzleError
from trm.sudoku import (LEVELS_BY_SIZE, SHAPES, count_solutions, generate_puzzle, grade_puzzle, is_solution,
                        random_full_grid, random_symmetry, solve)
from trm.sudoku.pool import load_pool, pool_path


@pytest.mark.parametrize("size", sorted(SHAPES))
def test_random_full_grids_are_valid_and_differ_between_draws(size):
    shape, rng = SHAPES[size], np.random.default_rng(7)
    first, second = random_full_grid(shape, rng), random_full_grid(shape, rng)
    assert is_solution(first, shape) and is_solution(second, shape)
    assert not np.array_equal(first, second)


def test_the_same_seed_gives_the_same_puzzle():
    first = generate_puzzle(SHAPES[9], "medium", np.random.default_rng(3))
    second = generate_puzzle(SHAPES[9], "medium", np.random.default_rng(3))
    assert np.array_equal(first.puzzle, second.puzzle)


@pytest.mark.parametrize("size,level", [(size, level) for size, levels in LEVELS_BY_SIZE.items()
                                        for level in levels])
def test_generated_puzzle_is_unique_and_grades_back_to_its_level(size, level):
    shape = SHAPES[size]
    made = generate_puzzle(shape, level, np.random.default_rng(11), use_pool=False)
    assert made.level == level and made.grade.level == level
    assert count_solutions(made.puzzle, shape, limit=2) == 1
    assert is_solution(made.solution, shape, made.puzzle)
    assert np.array_equal(solve(made.puzzle, shape).solution, made.solution)
    assert grade_puzzle(made.puzzle, shape).level == level


@pytest.mark.parametrize("size,level", [(4, "medium"), (4, "hard"), (6, "extreme"), (9, "impossible")])
def test_asking_for_a_level_a_size_lacks_raises_with_the_choices(size, level):
    with pytest.raises(PuzzleError, match=f"No '{level}' level for {size}x{size} puzzles: choose one of easy"):
        generate_puzzle(SHAPES[size], level, np.random.default_rng(0))


def test_symmetries_keep_a_puzzle_and_its_solution_matched():
    shape, rng = SHAPES[9], np.random.default_rng(5)
    made = generate_puzzle(shape, "easy", rng)
    transform = random_symmetry(shape, rng)
    puzzle, solution = transform(made.puzzle), transform(made.solution)
    assert is_solution(solution, shape, puzzle) and int((puzzle > 0).sum()) == int((made.puzzle > 0).sum())
    assert grade_puzzle(puzzle, shape).level == "easy"


@pytest.mark.skipif(not pool_path(SHAPES[9]).is_file(), reason="no extreme pool shipped in assets/puzzles")
def test_extreme_pool_rows_are_unique_extreme_puzzles_with_their_solutions():
    pool = load_pool(SHAPES[9])
    assert len(pool) >= 100
    for row in range(0, len(pool), max(1, len(pool) // 30)):
        assert is_solution(pool.solutions[row], pool.shape, pool.puzzles[row])
        assert grade_puzzle(pool.puzzles[row], pool.shape).level == "extreme"


@pytest.mark.skipif(not pool_path(SHAPES[9]).is_file(), reason="no extreme pool shipped in assets/puzzles")
def test_extreme_draws_from_the_pool_grade_extreme_and_are_unique():
    rng = np.random.default_rng(2)
    for _ in range(5):
        made = generate_puzzle(SHAPES[9], "extreme", rng)
        assert made.level == "extreme" and grade_puzzle(made.puzzle, SHAPES[9]).level == "extreme"
        assert count_solutions(made.puzzle, SHAPES[9]) == 1
        assert is_solution(made.solution, SHAPES[9], made.puzzle)
