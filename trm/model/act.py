"""Deep supervision with adaptive halting (ACT), as the reference's ACT wrapper and ACTLossHead.

Training keeps a batch of *slots*. Each optimiser step runs one supervision step on every slot; a slot that
halts is refilled with a new puzzle (fresh y and z) at the next step, the others keep theirs.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from trm.model.stablemax import stablemax_cross_entropy
from trm.model.trm import TinyRecursiveModel

Q_HALT_LOSS_WEIGHT = 0.5  # reference: lm_loss + 0.5 * (q_halt_loss + q_continue_loss), the latter always 0
ANSWER_LOSSES = ("stablemax", "softmax")  # the reference's stable-max CE; plain softmax CE as arXiv 2601.19085


@dataclass
class Carry:
    """The state of every slot between supervision steps. Shapes: y, z (B, S, D); the rest (B,) or (B, cells)."""

    y: torch.Tensor
    z: torch.Tensor
    steps: torch.Tensor  # (B,) int32 supervision steps taken on the slot's puzzle
    halted: torch.Tensor  # (B,) bool; halted slots take a new puzzle next step
    inputs: torch.Tensor  # (B, cells) int64 tokens of the slot's puzzle
    labels: torch.Tensor  # (B, cells) int64 tokens of its solution


def empty_carry(model: TinyRecursiveModel, batch_size: int, device: torch.device, dtype: torch.dtype) -> Carry:
    """A carry whose slots are all halted, so the first step fills every slot."""
    y, z = model.initial_state(batch_size, dtype)
    cells = model.config.cells
    return Carry(y.to(device), z.to(device), torch.zeros(batch_size, dtype=torch.int32, device=device),
                 torch.ones(batch_size, dtype=torch.bool, device=device),
                 torch.ones(batch_size, cells, dtype=torch.long, device=device),
                 torch.ones(batch_size, cells, dtype=torch.long, device=device))


def refill(model: TinyRecursiveModel, carry: Carry, inputs: torch.Tensor, labels: torch.Tensor) -> Carry:
    """Give halted slots the new batch's puzzle at the same slot and fresh y, z; other slots keep theirs."""
    y0, z0 = model.initial_state(1, carry.y.dtype)
    reset = carry.halted[:, None, None]
    return Carry(y=torch.where(reset, y0.to(carry.y.device), carry.y),
                 z=torch.where(reset, z0.to(carry.z.device), carry.z),
                 steps=torch.where(carry.halted, 0, carry.steps),
                 halted=carry.halted,
                 inputs=torch.where(carry.halted[:, None], inputs, carry.inputs),
                 labels=torch.where(carry.halted[:, None], labels, carry.labels))


def decide_halt(steps: torch.Tensor, q_halt: torch.Tensor, max_steps: int, exploration_prob: float,
                generator: torch.Generator | None, is_training: bool) -> torch.Tensor:
    """Which slots halt after this step (``steps`` already counts it). Returns (B,) bool.

    Always at ``max_steps``. In training also where q_halt > 0, unless exploration drew a minimum: each step,
    each slot with probability ``exploration_prob`` draws a minimum uniform in 2..max_steps. At evaluation
    every puzzle runs exactly ``max_steps`` (reference).
    """
    halted = steps >= max_steps
    if not is_training or max_steps == 1:
        return halted
    halted = halted | (q_halt > 0)
    explore = torch.rand(q_halt.shape, generator=generator, device=q_halt.device) < exploration_prob
    minimum = torch.randint(2, max_steps + 1, steps.shape, generator=generator, device=steps.device)
    return halted & (steps >= explore * minimum)


@dataclass
class StepLoss:
    """Summed losses of one supervision step over the batch, plus per-slot correctness for metrics."""

    total: torch.Tensor  # scalar: lm + q_halt_weight * q_halt (0.5 as the reference), summed over the batch
    lm: torch.Tensor  # scalar, summed over the batch of per-puzzle mean cell losses
    q_halt: torch.Tensor  # scalar BCE summed over the batch
    cell_correct: torch.Tensor  # (B, cells) bool
    puzzle_correct: torch.Tensor  # (B,) bool: every cell right


def answer_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, label_smoothing: float = 0.0,
                         kind: str = "stablemax") -> torch.Tensor:
    """Per-cell cross-entropy of the answer, shape of ``labels``: stable-max (float64, the reference) or softmax."""
    if kind == "stablemax":
        return stablemax_cross_entropy(logits, labels, label_smoothing)
    assert kind == "softmax", f"answer loss {kind!r} is not one of {ANSWER_LOSSES}"  # TrainConfig checks it first
    return F.cross_entropy(logits.float().flatten(0, -2), labels.long().flatten(), reduction="none",
                           label_smoothing=label_smoothing).view(labels.shape)


def act_loss(logits: torch.Tensor, q_halt: torch.Tensor, labels: torch.Tensor, label_smoothing: float = 0.0,
             q_halt_weight: float = Q_HALT_LOSS_WEIGHT, answer_loss: str = "stablemax") -> StepLoss:
    """The answer's CE over all cells (givens too, as the reference) + q_halt_weight BCE(q_halt, puzzle exactly
    right)."""
    lm = answer_cross_entropy(logits, labels, label_smoothing, answer_loss).mean(dim=-1).sum()
    with torch.no_grad():
        cell_correct = logits.argmax(dim=-1) == labels
        puzzle_correct = cell_correct.all(dim=-1)
    q_loss = F.binary_cross_entropy_with_logits(q_halt, puzzle_correct.to(q_halt.dtype), reduction="sum")
    return StepLoss(lm + q_halt_weight * q_loss, lm, q_loss, cell_correct, puzzle_correct)

