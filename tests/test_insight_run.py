"""The bench's set-level run: done in batches it equals the evaluation in one go, it resumes from its JSON, and its
cache key follows the weights, puzzles and settings."""

import numpy as np
import pytest
import torch

from trm import load_model, weights_fingerprint
from trm.evaluate import (InsightRun, cache_key, commit_by_technique, evaluate_model, evaluate_views, fill_solutions,
                          load_cached, run_batch, save_cached, view_counts)
from trm.model.tokens import encode_grids
from trm.sudoku import read_puzzle_csv

CHECKPOINT = "checkpoints/sudoku6"


@pytest.fixture(scope="module")
def setup():
    table, _ = fill_solutions(read_puzzle_csv("assets/puzzles/heldout_6x6.csv", limit=20))
    return load_model(CHECKPOINT).model, table


def test_a_run_in_batches_and_resumed_from_json_equals_the_evaluation_in_one_go(setup):
    model, table = setup
    run = InsightRun(total=len(table), steps=4)
    run_batch(model, run, table.puzzles, table.solutions, batch_size=7)
    run = InsightRun.from_json(run.to_json())  # a page left and came back
    while not run.finished:
        run_batch(model, run, table.puzzles, table.solutions, batch_size=7)
    whole = evaluate_model(model, encode_grids(table.puzzles), encode_grids(table.solutions), steps=4)
    assert run.exact_accuracy_by_step() == pytest.approx(whole.accuracy_by_step)
    assert run.right == whole.puzzle_correct and len(run.halt_steps(0.5)) == len(table)
    assert sum(run.halt_histogram(0.5)) == len(table)
    halted = [step for step in run.halt_steps(0.5) if step]  # evaluate_model counts never-halting ones at the last step
    assert len(halted) + run.halt_histogram(0.5)[-1] == len(table)
    assert [b["count"] for b in run.calibration()] == [b["count"] for b in whole.calibration]
    assert run.blank_cells == int((table.puzzles == 0).sum())
    assert all(0 <= a <= 1 for a in run.cell_accuracy_by_step())


def test_the_cache_key_follows_weights_puzzles_and_settings_and_the_cache_round_trips(setup, tmp_path):
    model, table = setup
    fingerprint = weights_fingerprint(CHECKPOINT)
    key = cache_key(fingerprint, table.puzzles, 4)
    assert key == cache_key(fingerprint, table.puzzles.copy(), 4)
    assert len({key, cache_key(fingerprint + "x", table.puzzles, 4), cache_key(fingerprint, table.puzzles[:5], 4),
                cache_key(fingerprint, table.puzzles, 8), cache_key(fingerprint, table.puzzles, 4, views=2),
                cache_key(fingerprint, table.puzzles, 4, bf16=True)}) == 6
    run = InsightRun(total=len(table), steps=4)
    run_batch(model, run, table.puzzles, table.solutions, batch_size=64)
    assert load_cached(tmp_path, key) is None
    save_cached(tmp_path, key, run)
    again = load_cached(tmp_path, key)
    assert again == run and again.finished
    (tmp_path / f"{key}.json").write_text("{broken")
    assert load_cached(tmp_path, key) is None  # a damaged cache is recomputed, never an error
    assert not list(tmp_path.glob(".*.tmp"))
    assert np.isfinite(run.final_q_halt_logit()).all()


def test_commit_times_across_the_set_equal_the_engines_per_technique_figures(setup):
    model, table = setup
    run = InsightRun(total=len(table), steps=4)
    while not run.finished:
        run_batch(model, run, table.puzzles, table.solutions, batch_size=6)
    expected = commit_by_technique(model, table.puzzles, table.solutions, table.shape, steps=4)
    rows = run.commit_by_technique()
    assert [r["technique"] for r in rows] == [e.technique for e in expected]
    for row, want in zip(rows, expected):
        assert row["cells"] == want.cells
        assert row["mean_settle_step"] == pytest.approx(want.mean_settle_step)
        assert row["right_at_end"] == pytest.approx(want.right_at_end)
        assert row["settled_by_step"][-1] == pytest.approx(1.0)
    assert sum(r["cells"] for r in rows) == run.blank_cells


def test_views_by_steps_equal_the_views_evaluation_and_survive_a_resume(setup):
    model, table = setup
    whole = InsightRun(total=len(table), steps=3, views=4)
    run_batch(model, whole, table.puzzles, table.solutions, batch_size=len(table))
    assert view_counts(4) == [1, 2, 4] and view_counts(6) == [1, 2, 4, 6] and view_counts(1) == [1]
    by_views = whole.views_accuracy_by_step()
    assert by_views[1] == pytest.approx(whole.exact_accuracy_by_step())  # one view: the puzzle itself
    expected = evaluate_views(model, torch.as_tensor(table.puzzles), torch.as_tensor(table.solutions), views=4,
                              steps=3, batch_size=len(table))
    assert by_views[4] == pytest.approx(expected.accuracy_by_rule["q"])
    assert whole.exact_accuracy_by_step() == pytest.approx(expected.accuracy_by_rule["view0"])
    stopped = InsightRun(total=len(table), steps=3, views=4)
    run_batch(model, stopped, table.puzzles, table.solutions, batch_size=7)
    stopped = InsightRun.from_json(stopped.to_json())
    while not stopped.finished:
        run_batch(model, stopped, table.puzzles, table.solutions, batch_size=7)
    straight = InsightRun(total=len(table), steps=3, views=4)
    while not straight.finished:
        run_batch(model, straight, table.puzzles, table.solutions, batch_size=7)
    assert stopped == straight


def test_any_threshold_is_read_from_the_recorded_logits_without_recomputing(setup):
    model, table = setup
    run = InsightRun(total=len(table), steps=4)
    run_batch(model, run, table.puzzles, table.solutions, batch_size=64)
    logits = np.asarray(run.q_halt_logits)
    assert logits.shape == (len(table), 4)
    for threshold in (0.1, 0.5, 0.9):
        reached = 1 / (1 + np.exp(-logits)) >= threshold
        expected = [int(np.argmax(row)) + 1 if row.any() else 0 for row in reached]
        assert run.halt_steps(threshold) == expected
        assert sum(run.halt_histogram(threshold)) == len(table)
    assert run.final_q_halt_logit() == [row[-1] for row in run.q_halt_logits]
