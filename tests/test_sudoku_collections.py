"""Solvers and grades against the shared public collections and their known solutions."""

from pathlib import Path

import numpy as np
import pytest

from trm.sudoku import SolveStatus, grade_puzzle, logic_solve, read_puzzle_csv, solve

DATA_DIR = Path(__file__).parents[1].parent / "shared" / "data"
SAMPLE_ROWS = 150
COLLECTIONS = ["tdoku_forum_hardest_1905_11plus", "tdoku_magictour_top1465", "tdoku_17clue",
               "sudoku_extreme_train_1k", "kaggle3m_radcliffe_stratified_7k"]

pytestmark = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"shared puzzle data not found at {DATA_DIR}")


def _sample(name: str, rows: int = SAMPLE_ROWS, seed: int = 0):
    table = read_puzzle_csv(DATA_DIR / f"{name}.csv")
    picked = np.random.default_rng(seed).choice(len(table), size=min(rows, len(table)), replace=False)
    return table, sorted(int(i) for i in picked)


@pytest.mark.parametrize("name", COLLECTIONS)
def test_solver_matches_known_solutions_on_a_sample_of_each_collection(name):
    table, rows = _sample(name)
    for row in rows:
        result = solve(table.puzzles[row], table.shape)
        assert result.status is SolveStatus.UNIQUE, f"{name} row {row}"
        assert np.array_equal(result.solution, table.solutions[row]), f"{name} row {row}"


def test_solver_solves_every_forum_hardest_1106_puzzle_uniquely():
    table = read_puzzle_csv(DATA_DIR / "tdoku_forum_hardest_1106.csv")
    assert len(table) == 375
    for puzzle, known in zip(table.puzzles, table.solutions):
        result = solve(puzzle, table.shape)
        assert result.status is SolveStatus.UNIQUE and np.array_equal(result.solution, known)


def test_logic_steps_agree_with_known_solutions_and_cover_every_technique():
    table, rows = _sample("kaggle3m_radcliffe_stratified_7k", rows=300)
    used = set()
    for row in rows:
        solution, n = table.solutions[row], table.shape.size
        result = logic_solve(table.puzzles[row], table.shape)
        for step in result.steps:
            used.add(step.technique)
            if step.is_placement:
                assert solution[step.cell[0] * n + step.cell[1]] == step.digit, step.detail
            for r, c, digit in step.eliminations:
                assert solution[r * n + c] != digit, step.detail
    assert used == {"naked single", "hidden single", "pointing", "claiming", "naked pair", "hidden pair"}


def test_guessing_fallback_completes_hardest_puzzles_to_their_solutions():
    table, rows = _sample("tdoku_forum_hardest_1905_11plus", rows=10)
    for row in rows:
        result = logic_solve(table.puzzles[row], table.shape, guess_when_stuck=True)
        assert result.is_solved and result.needs_guessing and result.technique_counts["guess"] >= 1
        assert np.array_equal(result.grid, table.solutions[row])
        filled = result.placement_steps() > 0
        assert np.array_equal(filled, table.puzzles[row] == 0)


def test_radcliffe_difficulty_zero_puzzles_grade_easy():
    table, rows = _sample("kaggle3m_radcliffe_stratified_7k", rows=400)
    zero = [r for r in rows if table.sources[r].endswith("difficulty=0.0")]
    assert len(zero) > 20
    assert {grade_puzzle(table.puzzles[r], table.shape).level for r in zero} == {"easy"}


def test_forum_hardest_puzzles_grade_extreme():
    table, rows = _sample("tdoku_forum_hardest_1905_11plus", rows=40)
    grades = [grade_puzzle(table.puzzles[r], table.shape) for r in rows]
    assert {g.level for g in grades} == {"extreme"}
    assert all(g.hardest_technique == "needs guessing" and g.backtracks > 10 for g in grades)
