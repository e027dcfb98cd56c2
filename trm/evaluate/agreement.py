"""Evaluation under the agreement stop rule: K views per puzzle, each stopping at its own halt, a puzzle once M
halted views agree (trm.inference.agreement), with only the unfinished views computed at every step."""

import time
from dataclasses import asdict, dataclass

import torch

from trm.evaluate.progress import puzzle_step_bar
from trm.inference import solve_with_agreement
from trm.model.trm import RecursiveModel


@dataclass
class AgreementResult:
    """Fractions in [0, 1]; steps are supervision steps."""

    count: int
    views: int
    agree: int
    steps: int  # the budget: no view runs more
    threshold: float  # P(halt) at which a view halts
    noise: float
    precision: str
    exact_accuracy: float
    steps_per_puzzle: float  # mean over puzzles of the steps its views ran, all views together
    stopped_by_agreement: float  # the rest took the fallback choice at the budget
    mean_stop_step: float  # mean step at which a puzzle stopped (its latency in steps)
    seconds: float  # wall time of the whole evaluation (synchronised on CUDA)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _BatchSteps:
    """Advances the puzzle-step bar by a batch's puzzles for each step up to the one it is called with."""

    progress: object
    puzzles: int
    done: int = 0

    def __call__(self, step: int) -> None:
        self.progress.update(self.puzzles * (step - self.done))
        self.done = step


def evaluate_agreement(model: RecursiveModel, puzzles: torch.Tensor, solutions: torch.Tensor, views: int, agree: int,
                       steps: int | None = None, threshold: float = 0.5, noise: float = 0.0, batch_size: int = 256,
                       autocast: bool | None = None, seed: int = 0, show_progress: bool = False) -> AgreementResult:
    """``puzzles``, ``solutions``: (N, cells) digits on the model's device; ``batch_size`` counts puzzles (each
    brings ``views`` rows). ``autocast`` None means bf16 on CUDA and float32 on the CPU."""
    steps = steps or model.config.max_supervision_steps
    bf16 = autocast is True or (autocast is None and puzzles.device.type == "cuda")
    generator = torch.Generator(device=puzzles.device).manual_seed(seed)
    right, ran, agreed, stop_step = [], [], [], []
    started = time.perf_counter()
    with puzzle_step_bar(len(puzzles), steps, f"solving with {views} views", show_progress) as progress:
        for first in range(0, len(puzzles), batch_size):
            batch = slice(first, first + batch_size)
            counted = _BatchSteps(progress, puzzles[batch].shape[0])
            outcome = solve_with_agreement(model, puzzles[batch], views, agree, steps, threshold=threshold,
                                           noise=noise, bf16=bf16, generator=generator, on_step=counted)
            counted(steps)  # a batch whose puzzles all stopped early has no steps left to run
            right.append((outcome.answers == solutions[batch]).all(dim=-1).cpu())
            ran.append(outcome.view_steps.cpu())
            agreed.append(outcome.agreed.cpu())
            stop_step.append(outcome.stop_step.cpu())
    if puzzles.device.type == "cuda":
        torch.cuda.synchronize(puzzles.device)

    def mean(parts: list[torch.Tensor]) -> float:
        return float(torch.cat(parts).float().mean())

    return AgreementResult(len(puzzles), views, agree, steps, threshold, noise, "bf16 autocast" if bf16 else "float32",
                           mean(right), mean(ran), mean(agreed), mean(stop_step), time.perf_counter() - started)
