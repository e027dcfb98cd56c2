"""One batch of a set-level run (trm.evaluate.InsightRun): the puzzle's own view for accuracy, halting and
calibration; every view for what the Q-head's pick among 1, 2, 4, ... views reaches; and, from the per-step
answers, when each blank cell settles against the technique the logic solver needed for it."""

from collections.abc import Callable

import numpy as np
import torch

from trm.evaluate.accuracy import CALIBRATION_BINS
from trm.evaluate.commit_times import settle_steps
from trm.evaluate.insight import InsightRun, view_counts
from trm.inference import iter_steps
from trm.inference.selection import select_by_q
from trm.inference.views import make_views
from trm.model.tokens import decode_tokens, encode_grids
from trm.model.trm import RecursiveModel
from trm.sudoku.logic import logic_solve
from trm.sudoku.shape import shape_for_size


def _count_calibration(run: InsightRun, probability: torch.Tensor, solved: torch.Tensor) -> None:
    probability = probability.double().cpu()
    bins = (probability * CALIBRATION_BINS).long().clamp(max=CALIBRATION_BINS - 1)
    sums = [torch.bincount(bins, weights=w, minlength=CALIBRATION_BINS).tolist()
            for w in (torch.ones_like(probability), probability, solved.double().cpu())]
    for b in range(CALIBRATION_BINS):
        run.calibration_count[b] += int(sums[0][b])
        run.calibration_probability[b] += sums[1][b]
        run.calibration_right[b] += int(sums[2][b])


def _count_views(run: InsightRun, step: int, answers: torch.Tensor, q_halt: torch.Tensor,
                 solutions: torch.Tensor) -> None:
    """``answers``: (N, K, cells) in the original orientation; ``q_halt``: (N, K)."""
    for index, count in enumerate(view_counts(run.views)[1:]):  # one view is the puzzle's own: right_by_step
        picked = select_by_q(answers[:, :count], q_halt[:, :count]).answers
        run.views_right_by_step[index][step - 1] += int((picked == solutions).all(dim=-1).sum())


def _count_settling(run: InsightRun, puzzles: np.ndarray, solutions: np.ndarray, answers: np.ndarray) -> None:
    """``answers``: (N, steps, cells) digits of the puzzle's own view after every step."""
    shape = shape_for_size(int(round(puzzles.shape[1] ** 0.5)))
    for puzzle, solution, predicted in zip(puzzles, solutions, answers):
        settled = settle_steps(predicted, puzzle)
        right = predicted[-1] == solution
        for cell, technique in enumerate(logic_solve(puzzle, shape, guess_when_stuck=True).cell_techniques()):
            if technique is not None and puzzle[cell] == 0:
                run.settle_histogram[technique][settled[cell] - 1] += 1
                run.settle_right[technique] += int(right[cell])


def run_batch(model: RecursiveModel, run: InsightRun, puzzles: np.ndarray, solutions: np.ndarray,
              batch_size: int = 64, bf16: bool = False, on_step: Callable[[int], None] | None = None) -> None:
    """Add the next ``batch_size`` puzzles of (N, cells) ``puzzles`` (the same arrays every call) to ``run``. Views
    are drawn from a seed fixed by the batch's position, so a run stopped and resumed equals one never stopped.
    ``on_step(k)`` is called once step k of the batch is counted (a batch takes tens of seconds on a CPU)."""
    batch = slice(run.done, min(run.done + batch_size, run.total))
    device = next(model.parameters()).device
    originals = torch.as_tensor(puzzles[batch], device=device).long()
    truth = torch.as_tensor(solutions[batch], device=device).to(torch.int8)
    rows = len(originals)
    views = make_views(rows, run.views, shape_for_size(model.config.grid_size),
                       torch.Generator(device=device).manual_seed(run.done))
    own = torch.arange(rows, device=device) * run.views  # the puzzle's own view in the puzzle-major batch
    labels = encode_grids(truth.long())
    blank = originals == 0
    per_step, q_halt_by_step = [], []
    with torch.inference_mode():
        for output in iter_steps(model, encode_grids(views.to_views(originals)), run.steps, bf16=bf16,
                                 compiled=False):
            q_halt = output.q_halt_logit[own]
            correct = output.tokens[own] == labels
            solved = correct.all(dim=-1)
            run.right_by_step[output.step - 1] += int(solved.sum())
            run.cells_right_by_step[output.step - 1] += int((correct & blank).sum())
            q_halt_by_step.append(q_halt.float())
            _count_calibration(run, output.halt_probability[own], solved)
            per_step.append(decode_tokens(output.tokens[own]).cpu().numpy())  # view 0 is the puzzle itself
            if run.views > 1:
                _count_views(run, output.step, views.to_original(decode_tokens(output.tokens)),
                             output.q_halt_logit.view(rows, run.views), truth)
            if on_step is not None:
                on_step(output.step)
    _count_settling(run, puzzles[batch], solutions[batch], np.stack(per_step, axis=1))
    run.blank_cells += int(blank.sum())
    run.q_halt_logits += [[round(v, 3) for v in row] for row in torch.stack(q_halt_by_step, dim=1).cpu().tolist()]
    run.right += solved.cpu().tolist()
    run.done = batch.stop
