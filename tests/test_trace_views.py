"""The trace of a puzzle solved as K views: view 0 is the traced puzzle, the rest map back, and the choice, the
agreement and the stop rule read as their definitions say."""

import copy
import json

import numpy as np
import pytest
import torch

from app_ui.views_panel import why_views_stop
from trm.inference import make_views, solve_with_agreement
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel
from trm.sudoku import parse_puzzle, shape_for_size, solve
from trm.trace import run_trace, trace_from_dict, trace_to_dict
from trm.trace.views import ViewStep, ViewsTrace

PUZZLE_4X4 = "0000300204100000"


@pytest.fixture(scope="module")
def model():
    config = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=4,
                         prefix_len=2)
    return TinyRecursiveModel(config, torch.Generator().manual_seed(0)).eval()


def _puzzle():
    puzzle = parse_puzzle(PUZZLE_4X4, 4)
    return puzzle, solve(puzzle, shape_for_size(4)).solutions[0]


def test_view_zero_is_the_traced_puzzle(model):
    puzzle, solution = _puzzle()
    single = run_trace(model, puzzle, solution, with_pca=False)
    views = run_trace(model, puzzle, solution, with_pca=False, views=5, seed=2)
    assert single.views is None and views.views.count == 5
    for plain, record, view in zip(single.steps, views.steps, views.views.steps):
        assert (plain.prediction == record.prediction).all() and (view.answers[0] == record.prediction).all()
        assert abs(plain.q_halt_logit - float(view.q_halt_logit[0])) < 1e-4


def test_each_view_answers_as_its_own_puzzle_solved_alone_mapped_back(model):
    puzzle, solution = _puzzle()
    traced = run_trace(model, puzzle, solution, with_pca=False, views=4, seed=3)
    made = make_views(1, 4, shape_for_size(4), torch.Generator().manual_seed(3))  # the same draw as the trace
    view_puzzles = made.to_views(torch.as_tensor(puzzle).long()[None])
    for index, view_puzzle in enumerate(view_puzzles):
        alone = run_trace(model, view_puzzle.numpy(), with_pca=False)
        for record, step in zip(alone.steps, traced.views.steps):
            in_view = torch.zeros(4, 16, dtype=torch.long)
            in_view[index] = torch.as_tensor(record.prediction).long()
            assert np.array_equal(made.to_original(in_view)[0, index].numpy(), step.answers[index])
            assert abs(record.q_halt_logit - float(step.q_halt_logit[index])) < 1e-4


def _constructed() -> ViewsTrace:
    puzzle = np.array([1, 0, 0, 0], dtype=np.int8)
    solution = np.array([1, 2, 3, 4], dtype=np.int8)
    steps = [ViewStep(1, np.array([[1, 2, 4, 3], [1, 2, 3, 4], [1, 2, 4, 3]], np.int8),
                      np.array([-1.0, -3.0, -2.0], np.float32)),
             ViewStep(2, np.array([[1, 2, 4, 3], [1, 2, 3, 4], [1, 2, 3, 4]], np.int8),
                      np.array([0.5, 2.0, -0.5], np.float32))]
    return ViewsTrace(puzzle, solution, 0, steps)


def test_choice_agreement_and_stop_rule_on_a_constructed_trace():
    views = _constructed()
    assert views.count == 3
    assert views.chosen(1) == 0 and views.chosen(2) == 1  # the highest Q-halt logit
    assert views.agreement(1).tolist() == [1.0, 1.0, 2 / 3, 2 / 3]  # view 1 differs from view 0 in two cells
    assert views.same_as_chosen(1) == 2 and views.same_as_chosen(2) == 2
    assert views.right(1).tolist() == [False, True, False] and views.right(2).tolist() == [False, True, True]
    assert views.halt_step(0.5) == 2 and views.halt_step(0.95) is None  # sigmoid(2.0) = 0.88
    assert np.allclose(views.halt_probability(2), 1 / (1 + np.exp(-np.array([0.5, 2.0, -0.5]))))
    assert views.logits().shape == (2, 3)


def test_views_survive_the_json_round_trip(model):
    puzzle, solution = _puzzle()
    trace = run_trace(model, puzzle, solution, with_pca=False, views=3, seed=7)
    back = trace_from_dict(json.loads(json.dumps(trace_to_dict(trace))))
    assert back.views.count == 3 and back.views.seed == 7
    assert np.array_equal(back.views.logits(), trace.views.logits())
    assert all(np.array_equal(a.answers, b.answers) for a, b in zip(back.views.steps, trace.views.steps))
    assert back.steps[0].views is back.views.steps[0]
    assert back.steps[0].q_halt_logit == pytest.approx(trace.steps[0].q_halt_logit)


def test_the_agreement_rule_replayed_on_a_trace_and_explained():
    views = _constructed()
    outcome = views.agreement_outcome(2, 0.5)  # step 2: views 0 and 1 halt on different grids, view 2 runs on
    assert not bool(outcome.agreed[0]) and outcome.halt_step[0].tolist() == [2, 2, 0]
    assert outcome.answers[0].tolist() == [1, 2, 3, 4]  # a tie of one vote each: view 1's higher logit wins
    assert int(outcome.view_steps[0]) == 6
    views.steps.append(ViewStep(3, np.array([[1, 2, 4, 3], [1, 2, 3, 4], [1, 2, 3, 4]], np.int8),
                                np.array([0.5, 2.0, 1.0], np.float32)))
    outcome = views.agreement_outcome(2, 0.5)
    assert bool(outcome.agreed[0]) and int(outcome.stop_step[0]) == 3 and int(outcome.view_steps[0]) == 2 + 2 + 3
    why = " ".join(why_views_stop(views, 0.5))
    assert "it stops at **step 3**" in why and "7 supervision steps in all instead of 9" in why and "**right**" in why


def test_noise_moves_every_view_but_the_puzzle_and_the_trace_replays_the_live_rule(model):
    puzzle, solution = _puzzle()
    model = copy.deepcopy(model)
    with torch.no_grad():  # a fresh Q-head reads nothing (zero weights); a random one shows where the states went
        model.q_head.weight.normal_(0, 1.0, generator=torch.Generator().manual_seed(0))
    plain = run_trace(model, puzzle, solution, with_pca=False, views=4, seed=5)
    noisy = run_trace(model, puzzle, solution, with_pca=False, views=4, seed=5, noise=0.5)
    assert noisy.views.noise == 0.5
    assert np.allclose(plain.views.logits()[:, 0], noisy.views.logits()[:, 0], atol=1e-5)  # view 0 starts clean
    assert not np.allclose(plain.views.logits()[:, 1:], noisy.views.logits()[:, 1:], atol=1e-3)
    live = solve_with_agreement(model, torch.as_tensor(puzzle).long()[None], 4, 2, 4, threshold=0.5, noise=0.5,
                                generator=torch.Generator().manual_seed(5))
    replayed = noisy.views.agreement_outcome(2, 0.5)
    assert torch.equal(live.answers, replayed.answers) and torch.equal(live.stop_step, replayed.stop_step)
    back = trace_from_dict(json.loads(json.dumps(trace_to_dict(noisy))))
    assert back.views.noise == 0.5
