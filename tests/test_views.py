"""Views of a puzzle map back exactly, the Q-head and the vote pick as they say, and evaluation with views is
the plain evaluation when there is one view."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trm import encode_grids, load_model
from trm.evaluate import evaluate_model
from trm.evaluate.cli import main as evaluate_main
from trm.evaluate.views import evaluate_views
from trm.inference.selection import select_answer, select_by_q, select_by_vote
from trm.inference.views import make_views
from trm.sudoku import is_solution, read_puzzle_csv, shape_for_size

REPO = Path(__file__).resolve().parents[1]
HELDOUT_4 = REPO / "assets" / "puzzles" / "heldout_4x4.csv"
SOLUTION_9 = "534678912672195348198342567859761423426853791713924856961537284287419635345286179"


@pytest.mark.parametrize("size", [4, 6, 9])
def test_views_are_valid_grids_that_map_back_to_the_original(size):
    shape = shape_for_size(size)
    table = read_puzzle_csv(HELDOUT_4, limit=3) if size == 4 else None
    grid = torch.as_tensor(table.solutions if table else
                           np.array([[int(c) for c in SOLUTION_9]]) if size == 9 else
                           np.array([[1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 2, 3, 1, 5, 6, 4, 5, 6, 4, 2, 3, 1,
                                      3, 1, 2, 6, 4, 5, 6, 4, 5, 3, 1, 2]])).long()
    views = make_views(len(grid), 5, shape, torch.Generator().manual_seed(1))
    seen = views.to_views(grid)
    assert all(is_solution(row.numpy().astype(np.int8), shape) for row in seen)
    assert torch.equal(seen[::5], grid)  # view 0 is the puzzle itself
    assert not torch.equal(seen[1::5], grid)
    assert torch.equal(views.to_original(seen), grid[:, None].expand(-1, 5, -1))


def test_q_selection_takes_the_most_confident_view_and_the_vote_the_most_common_grid():
    answers = torch.tensor([[[1, 1], [2, 2], [2, 2], [3, 3]]])  # (1 puzzle, 4 views, 2 cells)
    q = torch.tensor([[0.1, -1.0, -2.0, 5.0]])
    assert select_by_q(answers, q).answers.tolist() == [[3, 3]]
    assert select_by_vote(answers, q).answers.tolist() == [[2, 2]]
    assert select_by_vote(answers, q).agreement.tolist() == [[0.5, 0.5]]
    tie = torch.tensor([[[1, 1], [2, 2]]])
    assert select_by_vote(tie, torch.tensor([[-3.0, 3.0]])).answers.tolist() == [[2, 2]]  # tie: higher Q
    with pytest.raises(ValueError):
        select_answer(answers, q, "best")


@pytest.fixture(scope="module")
def sudoku4():
    loaded = load_model(REPO / "checkpoints" / "sudoku4")
    table = read_puzzle_csv(HELDOUT_4, limit=24)
    return loaded.model, torch.as_tensor(table.puzzles).long(), torch.as_tensor(table.solutions).long()


def test_one_view_is_the_plain_evaluation(sudoku4):
    model, puzzles, solutions = sudoku4
    plain = evaluate_model(model, encode_grids(puzzles), encode_grids(solutions), steps=3, autocast=False)
    one = evaluate_views(model, puzzles, solutions, views=1, steps=3, autocast=False)
    for rule in ("q", "vote", "view0", "any"):
        assert one.accuracy_by_rule[rule] == pytest.approx(plain.accuracy_by_step)


def test_more_views_never_lose_what_a_perfect_judge_could_pick(sudoku4):
    model, puzzles, solutions = sudoku4
    result = evaluate_views(model, puzzles, solutions, views=4, steps=2, noise=0.5, autocast=False, batch_size=7)
    rules = result.accuracy_by_rule
    for step in range(2):
        assert rules["any"][step] >= max(rules["q"][step], rules["vote"][step], rules["view0"][step])
    assert result.count == 24 and result.views == 4 and len(result.puzzle_correct) == 24
    assert 0.25 <= result.mean_agreement <= 1.0
    assert result.mean_steps_with_stop_by_step[0] == 1 and result.mean_steps_with_stop_by_step[1] <= 2


def test_the_stop_rule_costs_fewer_steps_and_a_rule_that_never_fires_changes_nothing(sudoku4):
    model, puzzles, solutions = sudoku4
    never = evaluate_views(model, puzzles, solutions, views=2, steps=3, autocast=False, halt_threshold=1.01)
    assert never.accuracy_with_stop_by_step == never.accuracy_by_step
    assert never.mean_steps_with_stop_by_step == [1.0, 2.0, 3.0]
    early = evaluate_views(model, puzzles, solutions, views=2, steps=3, autocast=False, halt_threshold=0.5)
    assert early.mean_steps_with_stop_by_step[-1] < 3  # the shipped 4x4 model is sure of most puzzles at once


def test_the_command_line_reports_views_selection_and_accuracy_by_step(capsys):
    assert evaluate_main(["--checkpoint", str(REPO / "checkpoints" / "sudoku4"), "--data", str(HELDOUT_4),
                          "--limit", "10", "--steps", "2", "--views", "3", "--select", "vote", "--device", "cpu",
                          "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["views"] == 3 and report["select"] == "vote" and report["count"] == 10
    assert report["accuracy_by_step"] == report["accuracy_by_rule"]["vote"] and len(report["accuracy_by_step"]) == 2
    assert evaluate_main(["--checkpoint", str(REPO / "checkpoints" / "sudoku4"), "--data", str(HELDOUT_4),
                          "--limit", "4", "--steps", "1", "--views", "2", "--device", "cpu"]) == 0
    assert "Q-head     vote   view 0  any view" in capsys.readouterr().out


def test_stop_rules_end_a_views_run_when_the_best_view_is_sure_or_all_views_agree(sudoku4):
    from trm.inference import iter_steps, stop_when_best_view_confident, stop_when_views_agree
    model, puzzles, _ = sudoku4
    views = make_views(3, 4, shape_for_size(4), torch.Generator().manual_seed(0))
    tokens = encode_grids(views.to_views(puzzles[:3]))
    assert len(list(iter_steps(model, tokens, 5, stop=stop_when_best_view_confident(views, 0.5)))) == 1
    assert len(list(iter_steps(model, tokens, 5, stop=stop_when_best_view_confident(views, 1.01)))) == 5
    agreed = list(iter_steps(model, tokens, 5, stop=stop_when_views_agree(views)))
    answers = views.to_original(agreed[-1].answers.long())
    assert (answers == answers[:, :1]).all() and len(agreed) < 5
