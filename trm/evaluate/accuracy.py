"""Held-out evaluation of a TRM: accuracy at every supervision step, halting behaviour, Q-head calibration.

As the reference, every puzzle runs all steps; where the Q-head *would* have halted (first step with
P(halt) >= threshold) is recorded, and the accuracy there is reported beside the accuracy at the last step.
"""

from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from trm.evaluate.progress import puzzle_step_bar
from trm.inference import iter_steps
from trm.model.trm import RecursiveModel

CALIBRATION_BINS = 10


@dataclass
class EvalResult:
    """Accuracies are fractions in [0, 1]; lists are indexed by supervision step - 1."""

    count: int
    steps: int
    exact_accuracy: float  # all cells right after the last step
    cell_accuracy: float
    accuracy_by_step: list[float]
    cell_accuracy_by_step: list[float]
    halt_threshold: float
    halted_exact_accuracy: float  # accuracy at the step where the Q-head first says halt (else the last)
    mean_halt_step: float
    halt_step_histogram: list[int]  # puzzles halting at step 1..steps (never-halting counted at the last)
    q_halt_accuracy: float  # (P(halt) >= 0.5) agrees with "puzzle right", over all steps
    calibration: list[dict] = field(default_factory=list)  # per P(halt) bin: count, mean_probability, accuracy
    precision: str = "float32"  # or "bf16 autocast"
    puzzle_correct: list[bool] = field(default_factory=list, repr=False)  # per puzzle, right after the last step

    def to_dict(self) -> dict:
        """The summary, without the per-puzzle outcomes (they would swamp metrics logs and model cards)."""
        return {key: value for key, value in self.__dict__.items() if key != "puzzle_correct"}


@dataclass
class _Tally:
    steps: int
    exact: torch.Tensor = None  # (steps,) puzzles right after each step
    cells: torch.Tensor = None  # (steps,) cells right after each step
    halted_right: int = 0
    halt_steps: list = field(default_factory=list)
    puzzle_correct: list = field(default_factory=list)
    q_agree: int = 0
    bin_count: torch.Tensor = None
    bin_prob: torch.Tensor = None
    bin_right: torch.Tensor = None

    def __post_init__(self):
        self.exact, self.cells = torch.zeros(self.steps), torch.zeros(self.steps)
        self.bin_count = torch.zeros(CALIBRATION_BINS)
        self.bin_prob, self.bin_right = torch.zeros(CALIBRATION_BINS), torch.zeros(CALIBRATION_BINS)


def _run_batch(model: RecursiveModel, inputs: torch.Tensor, labels: torch.Tensor, steps: int,
               bf16: bool, progress: tqdm) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-step (steps, B) puzzle-correct, (steps, B) cells-correct counts and (steps, B) P(halt)."""
    exact, cells, probs = [], [], []
    for output in iter_steps(model, inputs, steps, bf16=bf16, compiled=False):
        correct = output.tokens == labels  # (B, cells)
        exact.append(correct.all(-1))
        cells.append(correct.sum(-1))
        probs.append(output.halt_probability)
        progress.update(len(inputs))
    return torch.stack(exact).cpu(), torch.stack(cells).cpu(), torch.stack(probs).cpu()


def _tally_batch(tally: _Tally, exact: torch.Tensor, cells: torch.Tensor, probs: torch.Tensor,
                 threshold: float) -> None:
    tally.exact += exact.sum(1).float()
    tally.cells += cells.sum(1).float()
    wants_halt = probs >= threshold  # (steps, B)
    never = torch.full_like(probs[0], tally.steps - 1).long()  # never-halting puzzles count at the last step
    halt_index = torch.where(wants_halt.any(0), wants_halt.float().argmax(0), never)
    tally.halt_steps.extend((halt_index + 1).tolist())
    tally.puzzle_correct.extend(exact[-1].tolist())
    tally.halted_right += int(exact.gather(0, halt_index[None]).sum())
    tally.q_agree += int(((probs >= 0.5) == exact).sum())
    probs = probs.nan_to_num(nan=0.0)  # a diverged model's NaN P(halt) never halts (above); it bins as 0 here
    bins = (probs * CALIBRATION_BINS).long().clamp(min=0, max=CALIBRATION_BINS - 1).flatten()
    tally.bin_count += torch.bincount(bins, minlength=CALIBRATION_BINS).float()
    tally.bin_prob += torch.bincount(bins, weights=probs.flatten(), minlength=CALIBRATION_BINS)
    tally.bin_right += torch.bincount(bins, weights=exact.flatten().float(), minlength=CALIBRATION_BINS)


def evaluate_model(model: RecursiveModel, inputs: torch.Tensor, labels: torch.Tensor, steps: int | None = None,
                   batch_size: int = 512, halt_threshold: float = 0.5,
                   show_progress: bool = False, autocast: bool | None = None) -> EvalResult:
    """Evaluate on (N, cells) token tensors (already on the model's device) through the inference core; returns an
    EvalResult.

    ``steps`` defaults to the model's max supervision steps; more steps test test-time scaling. With
    ``autocast=None`` the model runs in bf16 autocast on CUDA, with y and z held in bf16, as training's evaluation
    does (so the figures match training's; float32 takes about 3x as long on a GPU), and in float32 on the CPU;
    ``autocast=True`` uses bf16 on the CPU too (2.3x faster on a CPU with AVX512-BF16), ``False`` never.
    """
    steps = steps or model.config.max_supervision_steps
    return evaluate_model_at(model, inputs, labels, [steps], batch_size, halt_threshold, show_progress,
                             autocast)[0]


def evaluate_model_at(model: RecursiveModel, inputs: torch.Tensor, labels: torch.Tensor, step_counts: list[int],
                      batch_size: int = 512, halt_threshold: float = 0.5,
                      show_progress: bool = False, autocast: bool | None = None) -> list[EvalResult]:
    """One EvalResult per entry of ``step_counts``, from a single run of the largest count.

    The first k steps of a longer run are exactly a k-step run, so each count is summarised from a prefix of
    the same per-step outcomes (16, 32 and 64 steps cost 64 steps of compute, not 112).
    """
    count, cells_per = inputs.shape
    tallies = [_Tally(steps) for steps in step_counts]
    use_autocast = autocast is True or (autocast is None and inputs.device.type == "cuda")
    progress = puzzle_step_bar(count, max(step_counts), "evaluating", show_progress)
    with progress:
        for start in range(0, count, batch_size):
            batch = slice(start, start + batch_size)
            outcomes = _run_batch(model, inputs[batch], labels[batch], max(step_counts), use_autocast, progress)
            for tally in tallies:
                _tally_batch(tally, *(outcome[:tally.steps] for outcome in outcomes), halt_threshold)
    results = [_summarise(tally, count, cells_per, halt_threshold) for tally in tallies]
    for result in results:
        result.precision = "bf16 autocast" if use_autocast else "float32"
    return results


def _summarise(tally: _Tally, count: int, cells_per: int, threshold: float) -> EvalResult:
    by_step = (tally.exact / count).tolist()
    cells_by_step = (tally.cells / (count * cells_per)).tolist()
    histogram = torch.bincount(torch.tensor(tally.halt_steps), minlength=tally.steps + 1)[1:].tolist()
    calibration = [{"bin": f"{i / CALIBRATION_BINS:.1f}-{(i + 1) / CALIBRATION_BINS:.1f}", "count": int(n),
                    "mean_probability": float(p / n) if n else None, "accuracy": float(r / n) if n else None}
                   for i, (n, p, r) in enumerate(zip(tally.bin_count, tally.bin_prob, tally.bin_right))]
    return EvalResult(count=count, steps=tally.steps, exact_accuracy=by_step[-1], cell_accuracy=cells_by_step[-1],
                      accuracy_by_step=by_step, cell_accuracy_by_step=cells_by_step, halt_threshold=threshold,
                      halted_exact_accuracy=tally.halted_right / count,
                      mean_halt_step=sum(tally.halt_steps) / count, halt_step_histogram=histogram,
                      q_halt_accuracy=tally.q_agree / (count * tally.steps), calibration=calibration,
                      puzzle_correct=tally.puzzle_correct)
