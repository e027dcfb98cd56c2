"""The trace of one puzzle solved as K views: each view's answer (mapped back) and Q-halt logit per step.

View 0 is the puzzle itself; the others are seeded random symmetries of it (trm.inference.views), all run as one
batch through the inference core (trm.trace.solve traces view 0 in full). Answers are mapped back to the
puzzle's orientation, so views compare cell by cell. At each step the Q-head's pick is the view with the highest
Q-halt logit; the stop rule halts the puzzle at the first step where the most confident view's P(halt) reaches
the threshold.
"""

from dataclasses import dataclass

import numpy as np
import torch

from trm.inference import AgreementOutcome, HaltedViewsAgree, StepOutput, Views


@dataclass
class ViewStep:
    """All views after one supervision step. K views, C cells."""

    step: int  # 1-based
    answers: np.ndarray  # (K, C) int8 digits in the puzzle's orientation
    q_halt_logit: np.ndarray  # (K,) float32


@dataclass
class ViewsTrace:
    """K views of one puzzle over every step; ``solution`` None when the puzzle has no unique one."""

    puzzle: np.ndarray  # (C,) int8, 0 = blank
    solution: np.ndarray | None
    seed: int
    steps: list[ViewStep]
    noise: float = 0.0  # std of the noise on every view's initial y and z but the puzzle's own

    @property
    def count(self) -> int:
        return self.steps[0].answers.shape[0]

    def halt_probability(self, step: int) -> np.ndarray:
        """(K,) P(halt) of every view after ``step`` (1-based)."""
        return 1.0 / (1.0 + np.exp(-self.steps[step - 1].q_halt_logit.astype(np.float64)))

    def chosen(self, step: int) -> int:
        """The view the Q-head trusts most after ``step``: the highest Q-halt logit."""
        return int(np.argmax(self.steps[step - 1].q_halt_logit))

    def agreement(self, step: int) -> np.ndarray:
        """(C,) share of the views whose digit equals the chosen view's, per cell."""
        answers = self.steps[step - 1].answers
        return (answers == answers[self.chosen(step)]).mean(axis=0)

    def same_as_chosen(self, step: int) -> int:
        """How many views give exactly the chosen view's whole grid (the chosen one included)."""
        answers = self.steps[step - 1].answers
        return int((answers == answers[self.chosen(step)]).all(axis=1).sum())

    def right(self, step: int) -> np.ndarray | None:
        """(K,) bool: which views' answers equal the solution; None without one."""
        if self.solution is None:
            return None
        return (self.steps[step - 1].answers == self.solution).all(axis=1)

    def halt_step(self, threshold: float) -> int | None:
        """The stop rule: first step whose most confident view has P(halt) >= ``threshold``, else None."""
        return next((s.step for s in self.steps if self.halt_probability(s.step).max() >= threshold), None)

    def agreement_outcome(self, agree: int, threshold: float) -> AgreementOutcome:
        """The agreement rule (trm.inference.agreement) replayed on this trace: each view stops at its own halt,
        the puzzle once ``agree`` halted views give the same grid. Tensors of one puzzle (a batch of one)."""
        rule = HaltedViewsAgree(agree, threshold)
        for s in self.steps:
            rule.update(torch.from_numpy(s.answers.astype(np.int64))[None],
                        torch.from_numpy(s.q_halt_logit.astype(np.float32))[None])
            if rule.all_stopped:
                break
        return rule.outcome()

    def logits(self) -> np.ndarray:
        """(steps, K) Q-halt logits."""
        return np.stack([s.q_halt_logit for s in self.steps])


def view_step(views: Views, output: StepOutput) -> ViewStep:
    """The ViewStep of one core step over the batch of ``views`` of one puzzle."""
    answers = views.to_original(output.answers.long())[0]  # (K, C)
    return ViewStep(output.step, answers.to(torch.int8).cpu().numpy(),
                    output.q_halt_logit.float().cpu().numpy().reshape(-1))
