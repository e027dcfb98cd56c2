"""Test-time evaluation with views: K views of every puzzle run as one batch, answers mapped back, one chosen.

Reports, at every supervision step, the exact accuracy of the answer each rule picks: the Q-head's (highest
halting logit), the majority vote, the puzzle itself alone (view 0, the plain evaluation), and "any view right"
(what a perfect judge would reach). Every step is a prefix of a longer run, as in trm.evaluate.accuracy.
"""

from dataclasses import asdict, dataclass, field

import torch
from tqdm import tqdm

from trm.evaluate.progress import puzzle_step_bar
from trm.inference import iter_steps
from trm.inference.selection import SELECTIONS, select_answer, select_by_q, select_by_vote
from trm.inference.views import make_views, noisy_start
from trm.model.tokens import decode_tokens, encode_grids
from trm.model.trm import RecursiveModel
from trm.sudoku.shape import shape_for_size

RULES = ("q", "vote", "view0", "any")


@dataclass
class ViewsResult:
    """Exact accuracies are fractions in [0, 1]; lists are indexed by supervision step - 1."""

    count: int
    views: int
    steps: int
    select: str  # the rule whose accuracy is ``exact_accuracy`` and ``accuracy_by_step``: "q" or "vote"
    exact_accuracy: float
    accuracy_by_step: list[float]
    accuracy_by_rule: dict[str, list[float]]  # "q", "vote", "view0", "any": accuracy by step of each rule
    mean_agreement: float  # share of views agreeing with the selected answer, over cells, at the last step
    halt_threshold: float  # the stop rule: a puzzle stops once its most confident view's P(halt) reaches this
    accuracy_with_stop_by_step: list[float]  # [b - 1]: exact accuracy with the stop rule and a budget of b steps
    mean_steps_with_stop_by_step: list[float]  # [b - 1]: mean supervision steps per view run under that rule
    noise: float
    precision: str
    puzzle_correct: list[bool] = field(default_factory=list, repr=False)  # per puzzle, selected, last step

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key != "puzzle_correct"}


def _batch_outcomes(model, puzzles, solutions, count, steps, bf16, noise, generator, rule: str,
                    progress: tqdm) -> dict[str, torch.Tensor]:
    """(steps, N) bool exact-right per rule for one batch of puzzles (digits on the model's device)."""
    shape = shape_for_size(model.config.grid_size)
    views = make_views(puzzles.shape[0], count, shape, generator)
    dtype = torch.bfloat16 if bf16 else torch.float32
    start = noisy_start(model, views, noise, dtype, generator) if noise else None
    outcomes = {rule: [] for rule in (*RULES, "best_halt")}
    for output in iter_steps(model, encode_grids(views.to_views(puzzles)), steps, bf16=bf16, compiled=False,
                             start=start):
        answers = views.to_original(decode_tokens(output.tokens))  # (N, K, C)
        q_halt = output.q_halt_logit.view(-1, count)  # (N, K)
        right = (answers == solutions[:, None]).all(dim=-1)  # (N, K)
        outcomes["q"].append((select_by_q(answers, q_halt).answers == solutions).all(-1))
        outcomes["vote"].append((select_by_vote(answers, q_halt).answers == solutions).all(-1))
        outcomes["view0"].append(right[:, 0])
        outcomes["any"].append(right.any(dim=1))
        outcomes["best_halt"].append(output.halt_probability.view(-1, count).max(dim=1).values)
        progress.update(puzzles.shape[0])
    outcomes = {rule: torch.stack(values).cpu() for rule, values in outcomes.items()}
    outcomes["agreement"] = select_answer(answers, q_halt, rule).agreement.mean(dim=1).cpu()  # at the last step
    return outcomes


def _with_stop_rule(correct: torch.Tensor, best_halt: torch.Tensor,
                    threshold: float) -> tuple[list[float], list[float]]:
    """Accuracy and mean steps run, for every budget, when a puzzle stops at the first step its most confident
    view's P(halt) reaches ``threshold`` (the answer chosen there). ``correct``, ``best_halt``: (steps, N)."""
    steps = correct.shape[0]
    halted = best_halt >= threshold
    never = torch.full(halted.shape[1:], steps, dtype=torch.long)
    first = torch.where(halted.any(dim=0), halted.float().argmax(dim=0), never)
    accuracy, mean_steps = [], []
    for budget in range(1, steps + 1):
        stop = first.clamp(max=budget - 1)  # (N,) 0-based step where the puzzle stops
        accuracy.append(float(correct.gather(0, stop[None]).float().mean()))
        mean_steps.append(float((stop + 1).float().mean()))
    return accuracy, mean_steps


def evaluate_views(model: RecursiveModel, puzzles: torch.Tensor, solutions: torch.Tensor, views: int,
                   steps: int | None = None, select: str = "q", noise: float = 0.0, batch_size: int = 256,
                   autocast: bool | None = None, seed: int = 0, show_progress: bool = False,
                   halt_threshold: float = 0.5) -> ViewsResult:
    """Evaluate with ``views`` views per puzzle (the identity first, then seeded random symmetries).

    ``puzzles`` and ``solutions`` are (N, cells) digit grids on the model's device; ``batch_size`` counts puzzles
    (each brings ``views`` rows). ``noise`` adds Gaussian noise of that std to the initial y and z of every view
    but the first. ``autocast`` as in evaluate_model: None means bf16 on CUDA, float32 on the CPU. Every puzzle
    runs all steps; what the stop rule at ``halt_threshold`` would have cost and reached is computed from them.
    """
    if select not in SELECTIONS:
        raise ValueError(f"select must be one of {SELECTIONS}, got {select!r}")
    steps = steps or model.config.max_supervision_steps
    bf16 = autocast is True or (autocast is None and puzzles.device.type == "cuda")
    generator = torch.Generator(device=puzzles.device).manual_seed(seed)
    totals = {rule: torch.zeros(steps) for rule in RULES}
    selected, best_halt, agreement = [], [], []
    with puzzle_step_bar(len(puzzles), steps, f"evaluating {views} views", show_progress) as progress:
        for start in range(0, len(puzzles), batch_size):
            batch = slice(start, start + batch_size)
            outcomes = _batch_outcomes(model, puzzles[batch], solutions[batch], views, steps, bf16, noise, generator,
                                       select, progress)
            for rule in RULES:
                totals[rule] += outcomes[rule].sum(dim=1).float()
            selected.append(outcomes[select])
            best_halt.append(outcomes["best_halt"])
            agreement.append(outcomes["agreement"])
    by_rule = {rule: (total / len(puzzles)).tolist() for rule, total in totals.items()}
    selected = torch.cat(selected, dim=1)  # (steps, N)
    with_stop, mean_steps = _with_stop_rule(selected, torch.cat(best_halt, dim=1), halt_threshold)
    return ViewsResult(len(puzzles), views, steps, select, by_rule[select][-1], by_rule[select], by_rule,
                       float(torch.cat(agreement).mean()), halt_threshold, with_stop, mean_steps, noise,
                       "bf16 autocast" if bf16 else "float32", selected[-1].tolist())
