"""The agreement stop rule: views stop at their own halt, a puzzle once M halted views agree; the live solver
computes only unfinished views and gives exactly what the rule gives on a full run; its command line and replay."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.test_time_rules import no_stop, with_agreement
from trm import encode_grids, load_model
from trm.evaluate import evaluate_agreement
from trm.evaluate.cli import main as evaluate_main
from trm.inference import HaltedViewsAgree, Observer, iter_steps, make_views, noisy_start, solve_with_agreement
from trm.model.tokens import decode_tokens
from trm.sudoku import read_puzzle_csv, shape_for_size

REPO = Path(__file__).resolve().parents[1]
HELDOUT_4 = REPO / "assets" / "puzzles" / "heldout_4x4.csv"
A, B, C, D = ([[value, value]] for value in (1, 2, 3, 4))  # four distinct 2-cell "grids"
HALT, THINK = 3.0, -3.0


def _feed(rule: HaltedViewsAgree, steps: list[tuple[list, list]]) -> None:
    """``steps``: per step, (answers per puzzle per view, logits per puzzle per view)."""
    for answers, logits in steps:
        rule.update(torch.tensor(answers).squeeze(2), torch.tensor(logits))


def test_a_puzzle_stops_when_enough_halted_views_agree_and_each_view_keeps_its_halting_answer():
    rule = HaltedViewsAgree(agree=2)
    _feed(rule, [
        # puzzle 0: view 0 halts on A at step 1; views 1 and 2 halt on B at steps 2 and 3 -> stops at 3 with B.
        # puzzle 1: two views halt on C at step 1 -> stops at once; the third ran one step too.
        ([[A, B, B], [C, C, D]], [[HALT, THINK, THINK], [HALT, HALT, THINK]]),
        ([[D, B, A], [D, D, D]], [[HALT, HALT, THINK], [HALT, HALT, HALT]]),
        ([[D, D, B], [D, D, D]], [[HALT, HALT, HALT], [HALT, HALT, HALT]]),
    ])
    outcome = rule.outcome()
    assert outcome.answers.tolist() == [[2, 2], [3, 3]]
    assert outcome.stop_step.tolist() == [3, 1] and outcome.agreed.tolist() == [True, True]
    assert outcome.halt_step.tolist() == [[1, 2, 3], [1, 1, 0]]
    assert outcome.view_steps.tolist() == [1 + 2 + 3, 1 + 1 + 1]
    assert not rule.running().any() and rule.all_stopped


def test_without_agreement_the_most_voted_halted_grid_wins_then_the_highest_logit():
    rule = HaltedViewsAgree(agree=3)
    _feed(rule, [
        # puzzle 0: A twice (halted), B once with a higher logit: A has more votes.
        # puzzle 1: A and B halted once each: the higher logit at halting (B) wins.
        # puzzle 2: nobody halts: the highest logit at the last step (view 2, D).
        ([[A, A, B], [A, B, C], [A, B, C]], [[1.0, 1.0, 5.0], [1.0, 2.0, -1.0], [-4.0, -2.0, -3.0]]),
        ([[C, C, C], [C, C, C], [B, C, D]], [[1.0, 1.0, 5.0], [1.0, 2.0, -1.0], [-4.0, -2.0, -1.0]]),
    ])
    outcome = rule.outcome()
    assert outcome.answers.tolist() == [[1, 1], [2, 2], [4, 4]]
    assert outcome.agreed.tolist() == [False, False, False]
    assert outcome.stop_step.tolist() == [1, 2, 2]  # puzzle 0's views had all halted at step 1: nothing left to run
    assert outcome.view_steps.tolist() == [3, 1 + 1 + 2, 6]


def test_one_view_that_must_agree_with_itself_is_plain_halting():
    rule = HaltedViewsAgree(agree=1, threshold=0.9)  # logit(0.9) = 2.2: a logit of 2 is not enough
    _feed(rule, [([[A]], [[2.0]]), ([[B]], [[2.5]]), ([[C]], [[9.0]])])
    outcome = rule.outcome()
    assert outcome.answers.tolist() == [[2, 2]] and outcome.stop_step.tolist() == [2]
    with pytest.raises(ValueError, match="agree"):
        HaltedViewsAgree(agree=0)
    with pytest.raises(ValueError, match="threshold"):
        HaltedViewsAgree(agree=1, threshold=1.0)


class _DropOdd(Observer):
    def on_step(self, state, output):
        if output.step == 1:
            state.keep = torch.arange(state.tokens.shape[0]) % 2 == 0


def test_an_observer_can_drop_finished_rows_and_the_rest_runs_on_unchanged():
    model = load_model(REPO / "checkpoints" / "sudoku4", "cpu").model
    tokens = encode_grids(read_puzzle_csv(HELDOUT_4, limit=6).puzzles)
    with torch.no_grad():
        full = list(iter_steps(model, tokens, 3, compiled=False))
        narrowed = list(iter_steps(model, tokens, 3, compiled=False, observers=[_DropOdd()]))
    assert narrowed[0].logits.shape[0] == 6 and narrowed[1].logits.shape[0] == 3
    for whole, part in zip(full[1:], narrowed[1:]):
        assert torch.allclose(whole.logits[::2], part.logits, atol=1e-5)


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_the_live_solver_gives_the_rules_outcome_of_a_full_run_and_computes_only_what_it_counts(noise):
    loaded = load_model(REPO / "checkpoints" / "sudoku4", "cpu")
    model, views, steps = loaded.model, 4, 5
    puzzles = torch.as_tensor(read_puzzle_csv(HELDOUT_4, limit=12).puzzles).long()
    rows_run = []
    step = model.supervision_step
    model.supervision_step = lambda x, *rest: rows_run.append(x.shape[0]) or step(x, *rest)
    try:
        with torch.no_grad():
            live = solve_with_agreement(model, puzzles, views, 2, steps, threshold=0.99, noise=noise,
                                        generator=torch.Generator().manual_seed(3))
    finally:
        del model.supervision_step
    generator = torch.Generator().manual_seed(3)
    symmetric = make_views(len(puzzles), views, shape_for_size(4), generator)
    start = noisy_start(model, symmetric, noise, torch.float32, generator) if noise else None
    full = HaltedViewsAgree(2, 0.99)
    with torch.no_grad():
        for output in iter_steps(model, encode_grids(symmetric.to_views(puzzles)), steps, compiled=False, start=start):
            full.update(symmetric.to_original(decode_tokens(output.tokens)).long(), output.q_halt_logit.view(-1, views))
    expected = full.outcome()
    for name in ("answers", "stop_step", "agreed", "halt_step", "view_steps"):
        assert torch.equal(getattr(live, name), getattr(expected, name)), name
    assert sum(rows_run) == int(live.view_steps.sum()) < len(puzzles) * views * steps


def test_evaluation_and_the_command_line_report_accuracy_and_steps(capsys):
    loaded = load_model(REPO / "checkpoints" / "sudoku4", "cpu")
    table = read_puzzle_csv(HELDOUT_4, limit=40)
    puzzles, solutions = (torch.as_tensor(a).long() for a in (table.puzzles, table.solutions))
    result = evaluate_agreement(loaded.model, puzzles, solutions, views=4, agree=2, steps=6, batch_size=16)
    assert result.count == 40 and result.exact_accuracy == 1.0 and result.stopped_by_agreement == 1.0
    assert 2 * 1 <= result.steps_per_puzzle <= 4 * 6  # two views at least, each at least one step
    args = ["--checkpoint", str(REPO / "checkpoints" / "sudoku4"), "--data", str(HELDOUT_4), "--limit", "40",
            "--views", "4", "--agree", "2", "--steps", "6", "--json"]
    assert evaluate_main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agree"] == 2 and report["exact_accuracy"] == 1.0
    assert report["steps_per_puzzle"] == pytest.approx(result.steps_per_puzzle)
    with pytest.raises(SystemExit):
        evaluate_main(args[:-3] + ["--agree", "0"])


def test_the_replay_of_a_record_counts_steps_and_picks_like_the_rule():
    # 2 puzzles, 2 views, 3 steps; answer ids, the right one is 0.
    ids = np.array([[[1, 0, 0], [2, 0, 0]], [[1, 1, 1], [0, 0, 0]]])
    logits = np.array([[[-5, 5, 5], [-5, -5, 5]], [[5, 5, 5], [-5, -5, 9]]], dtype=np.float32)
    solution = np.array([0, 0])
    assert no_stop(ids, solution, logits) == (1.0, 1.0)  # last step: both views of both puzzles pick id 0
    accuracy, steps, stopped = with_agreement(ids, solution, logits, 2, 0.5)
    # puzzle 0: views halt at steps 2 and 3 on id 0 -> right, 5 steps; puzzle 1: view 0 halts on 1 at step 1,
    # view 1 on 0 at step 3: no agreement; the tie goes to the higher logit at halting (view 1): right, 4 steps.
    assert (accuracy, steps, stopped) == (1.0, 4.5, 0.5)
