"""The agreement stop rule: each view stops when its own Q-head says halt; a puzzle stops once M halted views agree.

A single view's Q-head sometimes halts on a wrong grid, but two views (different symmetries, or different starting
states) rarely halt on the same wrong grid, so waiting for M of them to agree buys accuracy, while every view that
has halted stops costing compute. Replayed on recorded runs of the 9x9 model on held-out forum-hardest puzzles, 32
symmetric views with M = 2 matched "any view right" at a fraction of the supervision steps (bench/README.md).

The tracker takes the views' answers after every step, already mapped back to the puzzle's orientation, so it
works on digit grids (N, K, C) and equally on any per-view answer ids (N, K, 1), as the offline replay does.
"""

from dataclasses import dataclass

import torch


@dataclass
class AgreementOutcome:
    """Per puzzle (N) and view (K); steps are 1-based."""

    answers: torch.Tensor  # (N, C) the chosen answer
    stop_step: torch.Tensor  # (N,) the step the puzzle stopped at; without agreement its last view's halt, or the
    # last step seen while a view still ran
    agreed: torch.Tensor  # (N,) bool: stopped because enough halted views agreed
    halt_step: torch.Tensor  # (N, K) each view's halting step, 0 if it had not halted when the puzzle stopped
    view_steps: torch.Tensor  # (N,) supervision steps run over all views: each ran until it halted or the stop


class HaltedViewsAgree:
    """Feed it every step's answers and Q-halt logits (``update``); read the outcome at any point (``outcome``).

    A view halts at the first step its P(halt) reaches ``threshold`` and keeps the answer it had then. A puzzle
    stops at the first step where ``agree`` halted views give the same grid, which becomes its answer. A puzzle
    whose views never agree gets the grid most halted views give (ties: the highest Q-halt logit at halting), or,
    with no view halted, the view with the highest Q-halt logit at the last step.
    """

    def __init__(self, agree: int, threshold: float = 0.5):
        if agree < 1:
            raise ValueError(f"agree must be at least 1, got {agree}")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
        self.agree = agree
        self.logit_threshold = float(torch.logit(torch.tensor(threshold, dtype=torch.float64)))
        self.step = 0
        self._kept = self._kept_q = self._halt_step = self._stop_step = self._chosen = None
        self._last_answers = self._last_q = None

    @property
    def all_stopped(self) -> bool:
        return self._stop_step is not None and bool((self._stop_step > 0).all())

    def running(self) -> torch.Tensor:
        """(N, K) bool: the views still thinking (not halted, in a puzzle not yet stopped)."""
        return (self._halt_step == 0) & (self._stop_step == 0)[:, None]

    def update(self, answers: torch.Tensor, q_halt_logit: torch.Tensor) -> None:
        """One step: ``answers`` (N, K, C) in the puzzle's orientation, ``q_halt_logit`` (N, K)."""
        if self._kept is None:
            self._start(answers)
        self.step += 1
        self._last_answers, self._last_q = answers, q_halt_logit.float()
        running = self._stop_step == 0  # (N,)
        halts = (self._halt_step == 0) & running[:, None] & (self._last_q >= self.logit_threshold)  # (N, K)
        self._halt_step[halts] = self.step
        self._kept[halts] = answers[halts]
        self._kept_q[halts] = self._last_q[halts]
        votes = self._halted_votes()  # (N, K)
        best_votes, best_view = (votes + self._tie_break()).max(dim=1)
        stops = running & (best_votes >= self.agree)
        self._stop_step[stops] = self.step
        self._chosen[stops] = best_view[stops]

    def outcome(self) -> AgreementOutcome:
        """The rule's result after the steps seen so far (puzzles still running get the fallback choice)."""
        if self._kept is None:
            raise ValueError("no step has been seen yet")
        stopped = self._stop_step > 0
        votes = self._halted_votes()
        any_halted = (self._halt_step > 0).any(dim=1)
        by_votes = (votes + self._tie_break()).argmax(dim=1)
        fallback = torch.where(any_halted, by_votes, self._last_q.argmax(dim=1))
        view = torch.where(stopped, self._chosen, fallback)
        kept = torch.where((self._halt_step > 0)[..., None], self._kept, self._last_answers)
        rows = torch.arange(view.shape[0], device=view.device)
        all_halted = (self._halt_step > 0).all(dim=1)  # nothing left to run: finished though no M views agree
        unagreed_end = torch.where(all_halted, self._halt_step.max(dim=1).values, self.step)
        stop_step = torch.where(stopped, self._stop_step, unagreed_end)
        ran = torch.where(self._halt_step > 0, self._halt_step, stop_step[:, None])
        return AgreementOutcome(kept[rows, view], stop_step, stopped, self._halt_step.clone(), ran.sum(dim=1))

    def _start(self, answers: torch.Tensor) -> None:
        n, k = answers.shape[:2]
        self._kept = torch.zeros_like(answers)
        self._kept_q = torch.full((n, k), float("-inf"), device=answers.device)
        self._halt_step = torch.zeros((n, k), dtype=torch.long, device=answers.device)
        self._stop_step = torch.zeros(n, dtype=torch.long, device=answers.device)
        self._chosen = torch.zeros(n, dtype=torch.long, device=answers.device)

    def _halted_votes(self) -> torch.Tensor:
        """(N, K): for each halted view, how many halted views kept the same grid (0 for a view still running)."""
        halted = self._halt_step > 0
        same = (self._kept[:, :, None] == self._kept[:, None, :]).all(dim=-1)  # (N, K, K)
        return (same & halted[:, None, :]).sum(dim=-1) * halted

    def _tie_break(self) -> torch.Tensor:
        """< 1 and rising with the Q-halt logit kept at halting: never outweighs a vote."""
        return torch.sigmoid(self._kept_q) * 0.5
