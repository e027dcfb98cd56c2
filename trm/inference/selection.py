"""Choosing one answer among a puzzle's views: the Q-head as the judge, or a majority vote.

The Q-head was trained to say whether the current answer is exactly right, so the view whose halting logit is
highest is the one the model itself trusts most; a vote picks the grid most views agree on (ties go to the
higher Q-logit). Both take answers already mapped back to the original orientation (trm.inference.views).
"""

from dataclasses import dataclass

import torch

SELECTIONS = ("q", "vote")


@dataclass
class Selection:
    """One chosen answer per puzzle. Shapes: N puzzles, K views, C cells."""

    answers: torch.Tensor  # (N, C) int8 digits of the chosen view
    view: torch.Tensor  # (N,) int64 index of the chosen view
    agreement: torch.Tensor  # (N, C) float32: share of the K views whose digit there equals the chosen one


def _chosen(answers: torch.Tensor, view: torch.Tensor) -> Selection:
    chosen = answers[torch.arange(answers.shape[0], device=answers.device), view]  # (N, C)
    agreement = (answers == chosen[:, None]).float().mean(dim=1)
    return Selection(chosen, view, agreement)


def select_by_q(answers: torch.Tensor, q_halt_logit: torch.Tensor) -> Selection:
    """The view with the highest Q-halt logit. ``answers`` (N, K, C) digits, ``q_halt_logit`` (N, K)."""
    return _chosen(answers, q_halt_logit.argmax(dim=1))


def select_by_vote(answers: torch.Tensor, q_halt_logit: torch.Tensor) -> Selection:
    """The whole grid most views give (ties: the highest Q-halt logit among the tied). Shapes as select_by_q."""
    same = (answers[:, :, None] == answers[:, None, :]).all(dim=-1)  # (N, K, K) view i gives view j's grid
    votes = same.sum(dim=-1).float()  # (N, K)
    tie_break = torch.sigmoid(q_halt_logit.float()) * 0.5  # < 1: never outweighs a vote
    return _chosen(answers, (votes + tie_break).argmax(dim=1))


def select_answer(answers: torch.Tensor, q_halt_logit: torch.Tensor, rule: str) -> Selection:
    """``rule`` "q" (select_by_q) or "vote" (select_by_vote)."""
    if rule not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, got {rule!r}")
    return (select_by_q if rule == "q" else select_by_vote)(answers, q_halt_logit)
