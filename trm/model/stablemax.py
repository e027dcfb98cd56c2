"""Stable-max: the reference's replacement for softmax, s(x) = x + 1 for x >= 0 and 1 / (1 - x) below.

It grows linearly instead of exponentially, which the paper credits for stable training on small data. Training's
loss and the trace's probabilities both use it (a model trained with softmax reads its logits through softmax),
computed in float64 as the reference does.
"""

import torch

_EPSILON = 1e-30  # keeps 1 / (1 - x) finite for the most negative float64 logits (reference)


def stablemax_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Per-class probabilities over the last axis, float64, same shape as ``logits``."""
    logits = logits.double()
    s = torch.where(logits < 0, 1 / (1 - logits + _EPSILON), logits + 1)
    return s / s.sum(dim=-1, keepdim=True)


def answer_probabilities(logits: torch.Tensor, answer_loss: str = "stablemax") -> torch.Tensor:
    """Per-class probabilities, float64, read the way the model was trained to make them: stable-max for the
    reference's loss, softmax for a model trained with softmax cross-entropy (TrainConfig.answer_loss)."""
    if answer_loss == "softmax":
        return torch.softmax(logits.double(), dim=-1)
    return stablemax_probabilities(logits)


def stablemax_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """Per-cell stable-max cross-entropy in float64 (reference ``stablemax_cross_entropy``), shape of labels.

    ``label_smoothing`` e moves e of each target's weight onto a uniform share over all classes, as
    ``torch.nn.functional.cross_entropy`` does for softmax; 0 is the reference's loss."""
    log_probs = torch.log(stablemax_probabilities(logits))
    loss = -log_probs.gather(-1, labels.long().unsqueeze(-1)).squeeze(-1)
    if label_smoothing:
        loss = (1 - label_smoothing) * loss - label_smoothing * log_probs.mean(dim=-1)
    return loss
