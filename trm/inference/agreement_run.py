"""Solve with K views under the agreement stop rule, running only what the rule needs.

Each step runs only the views still thinking: a view leaves the batch when its Q-head halts, and every view of a
puzzle leaves once M halted views agree (RecursionState.keep). So the supervision steps the rule counts are the
ones computed, and the wall time falls with them.
"""

from collections.abc import Callable

import torch

from trm.data.augment import Symmetry, apply_symmetries
from trm.inference.agreement import AgreementOutcome, HaltedViewsAgree
from trm.inference.core import Observer, RecursionState, StepOutput, iter_steps
from trm.inference.views import Views, make_views, noisy_start
from trm.model.tokens import decode_tokens, encode_grids
from trm.model.trm import RecursiveModel
from trm.sudoku.shape import shape_for_size


class _DropFinished(Observer):
    """Feeds the rule the rows still running, mapped back to their puzzles, and keeps only the unfinished ones."""

    def __init__(self, views: Views, rule: HaltedViewsAgree, puzzles: int, cells: int, device: torch.device):
        self.views, self.rule = views, rule
        self.rows = torch.arange(puzzles * views.count, device=device)  # flat (puzzle * K + view) of each batch row
        self.answers = torch.zeros(puzzles * views.count, cells, dtype=torch.long, device=device)
        self.q_halt = torch.full((puzzles * views.count,), float("-inf"), device=device)

    def on_step(self, state: RecursionState, output: StepOutput) -> None:
        back = Symmetry(self.views.back.cell_source[self.rows], self.views.back.digit_map[self.rows])
        self.answers[self.rows] = apply_symmetries(decode_tokens(output.tokens).long(), back)
        self.q_halt[self.rows] = output.q_halt_logit.float()
        count = self.views.count
        self.rule.update(self.answers.view(-1, count, self.answers.shape[-1]), self.q_halt.view(-1, count))
        keep = self.rule.running().reshape(-1)[self.rows]
        self.rows = self.rows[keep]
        state.keep = keep


def solve_with_agreement(model: RecursiveModel, puzzles: torch.Tensor, views: int, agree: int,
                         steps: int | None = None, *, threshold: float = 0.5, noise: float = 0.0, bf16: bool = False,
                         generator: torch.Generator | None = None,
                         on_step: Callable[[int], None] | None = None) -> AgreementOutcome:
    """``puzzles`` (N, cells) digits on the model's device; ``views`` K (the identity first, then seeded random
    symmetries); ``noise`` the std of Gaussian noise on every view's initial y and z but the first. Returns the
    agreement rule's outcome after at most ``steps`` supervision steps (default: the model's trained count);
    ``on_step(k)`` is called after each step k run (the run ends early once every puzzle has stopped)."""
    generator = generator or torch.Generator(device=puzzles.device).manual_seed(0)
    symmetric = make_views(puzzles.shape[0], views, shape_for_size(model.config.grid_size), generator)
    dtype = torch.bfloat16 if bf16 else torch.float32
    start = noisy_start(model, symmetric, noise, dtype, generator) if noise else None
    rule = HaltedViewsAgree(agree, threshold)
    observer = _DropFinished(symmetric, rule, puzzles.shape[0], puzzles.shape[1], puzzles.device)
    for output in iter_steps(model, encode_grids(symmetric.to_views(puzzles)), steps, observers=[observer],
                             bf16=bf16, compiled=False, start=start):
        if on_step is not None:
            on_step(output.step)
    return rule.outcome()
