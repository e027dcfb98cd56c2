"""Muon (Jordan et al., 2024): momentum SGD whose update for a weight matrix is replaced by the nearest
semi-orthogonal matrix, found by a few Newton-Schulz iterations. Every direction of the matrix then moves by the
same amount, whatever the gradient's spectrum. Used, when asked (``train.optimizer=muon``), for the recursive
network's weight matrices only; embeddings, heads and the puzzle prefix keep their own optimisers.
"""

import math

import torch
from torch import nn

NOT_FOR_MUON = ("embed_tokens.", "lm_head.", "q_head.")  # embedding and heads: lookups and readouts, not maps


def muon_parameter_names(model: nn.Module) -> list[str]:
    """The weight matrices Muon trains: every 2-D parameter of the recursive network (its SwiGLUs, token
    mixers, attention), none of the embedding or the answer and halting heads."""
    return [name for name, param in model.named_parameters()
            if param.ndim == 2 and not name.startswith(NOT_FOR_MUON)]


# The quintic iteration's coefficients (Jordan et al.): fast to pull every singular value near 1, not exactly to 1.
NEWTON_SCHULZ = (3.4445, -4.7750, 2.0315)


def orthogonalise(matrix: torch.Tensor, steps: int) -> torch.Tensor:
    """An approximately semi-orthogonal matrix with ``matrix``'s singular vectors (U V^T), in ``matrix``'s dtype.

    Runs in bf16 on a GPU (what the method is tuned for) and in float32 elsewhere."""
    a, b, c = NEWTON_SCHULZ
    work = matrix.to(torch.bfloat16 if matrix.is_cuda else torch.float32)
    work = work / (work.norm() + 1e-7)  # singular values into (0, 1], where the iteration converges
    tall = work.shape[0] > work.shape[1]
    if tall:
        work = work.T  # iterate on the smaller Gram matrix
    for _ in range(steps):
        gram = work @ work.T
        work = a * work + (b * gram + c * gram @ gram) @ work
    return (work.T if tall else work).to(matrix.dtype)


class Muon(torch.optim.Optimizer):
    """Per step, for each 2-D parameter p with gradient g (momentum as a running average, as in PyTorch's Muon):
    m = lerp(m, g, 1 - mu); u = lerp(g, m, mu) with Nesterov, else m; p *= 1 - lr * wd;
    p -= lr * sqrt(max(1, rows / cols)) * orthogonalise(u)  (a wide update is scaled up to the same RMS as a tall
    one). Defaults are the "Speed is Confidence" recipe for TRM (arXiv 2601.19085)."""

    def __init__(self, params, lr: float = 0.02, momentum: float = 0.6, nesterov: bool = True, ns_steps: int = 3,
                 weight_decay: float = 0.005):
        params = list(params)
        if any(p.ndim != 2 for p in params):
            raise ValueError("Muon updates weight matrices only (2-D parameters).")
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov, ns_steps=ns_steps,
                                      weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            mu, lr = group["momentum"], group["lr"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["momentum_buffer"] = torch.zeros_like(param)
                buffer = state["momentum_buffer"]
                buffer.lerp_(param.grad, 1 - mu)
                update = param.grad.lerp(buffer, mu) if group["nesterov"] else buffer
                param.mul_(1 - lr * group["weight_decay"])
                scale = math.sqrt(max(1.0, param.shape[0] / param.shape[1]))
                param.sub_(orthogonalise(update, group["ns_steps"]), alpha=lr * scale)
