"""Stable-max: the reference's replacement for softmax, s(x) = x + 1 for x >= 0 and 1 / (1 - x) below.

It grows linearly instead of exponentially, which the paper credits for stable training on small data. Training's
loss and the trace's probabilities both use it, computed in float64 as the reference does.
"""

import torch

_EPSILON = 1e-30  # keeps 1 / (1 - x) finite for the most negative float64 logits (reference)


def stablemax_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Per-class probabilities over the last axis, float64, same shape as ``logits``."""
    logits = logits.double()
    s = torch.where(logits < 0, 1 / (1 - logits + _EPSILON), logits + 1)
    return s / s.sum(dim=-1, keepdim=True)


def stablemax_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Per-cell stable-max cross-entropy in float64 (reference ``stablemax_cross_entropy``), shape of labels."""
    log_probs = torch.log(stablemax_probabilities(logits))
    return -log_probs.gather(-1, labels.long().unsqueeze(-1)).squeeze(-1)
