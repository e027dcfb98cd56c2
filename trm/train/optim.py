"""Optimisers, LR schedule and EMA as the reference trains Sudoku.

The reference's AdamATan2 is a CUDA extension users often cannot build (its issue #34); its update rule is a
few lines, written here in PyTorch so the same optimiser runs on CPU and GPU.
"""

import math

import torch
from torch import nn


class AdamATan2(torch.optim.Optimizer):
    """Adam with eps replaced by atan2 (imoneoi/adam-atan2, as the reference uses), decoupled weight decay.

    Per step t: p *= 1 - lr*wd; m = lerp(m, g, 1-b1); v = lerp(v, g*g, 1-b2);
    p -= lr / (1 - b1^t) * atan2(m, sqrt(v) / sqrt(1 - b2^t)).
    """

    def __init__(self, params, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.95), weight_decay: float = 1.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update(params, group)

    def _update(self, params: list[torch.Tensor], group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["weight_decay"]
        for param in params:
            state = self.state[param]
            if not state:
                state.update(step=0, exp_avg=torch.zeros_like(param), exp_avg_sq=torch.zeros_like(param))
            state["step"] += 1
        t = self.state[params[0]]["step"]  # every parameter gets a gradient every step
        grads = [p.grad for p in params]
        exp_avgs = [self.state[p]["exp_avg"] for p in params]
        exp_avg_sqs = [self.state[p]["exp_avg_sq"] for p in params]
        torch._foreach_mul_(params, 1 - lr * decay)
        torch._foreach_lerp_(exp_avgs, grads, 1 - beta1)
        torch._foreach_lerp_(exp_avg_sqs, torch._foreach_mul(grads, grads), 1 - beta2)
        denominators = torch._foreach_sqrt(exp_avg_sqs)
        torch._foreach_div_(denominators, math.sqrt(1 - beta2**t))
        for param, exp_avg, denominator in zip(params, exp_avgs, denominators):
            param.sub_(torch.atan2(exp_avg, denominator), alpha=lr / (1 - beta1**t))


class SignSGD(torch.optim.Optimizer):
    """Sign-SGD with decoupled weight decay: the reference's optimiser for the puzzle-prefix embedding."""

    def __init__(self, params, lr: float = 1e-4, weight_decay: float = 1.0):
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                param.mul_(1 - group["lr"] * group["weight_decay"])
                param.sub_(param.grad.sign(), alpha=group["lr"])


def scheduled_lr(base_lr: float, step: int, warmup_steps: int, total_steps: int, schedule: str) -> float:
    """Linear warm-up, then constant (the reference) or a cosine from ``base_lr`` to 0 at ``total_steps``."""
    if schedule == "constant" or step < warmup_steps:
        return warmup_constant_lr(base_lr, step, warmup_steps)
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return base_lr * 0.5 * (1 + math.cos(math.pi * progress))


def warmup_constant_lr(base_lr: float, step: int, warmup_steps: int) -> float:
    """Linear warmup over ``warmup_steps`` then constant (the reference's cosine with lr_min_ratio = 1).

    ``step`` counts optimiser steps from 1, as the reference increments its step before computing the LR.
    """
    if step < warmup_steps:
        return base_lr * step / max(1, warmup_steps)
    return base_lr


class EMA:
    """Exponential moving average of the Adam-trained parameters (reference EMAHelper, rate 0.999).

    The puzzle prefix is not averaged (the reference keeps it as a buffer); EMA copies take the live value.
    """

    def __init__(self, model: nn.Module, names: list[str], rate: float = 0.999):
        params = dict(model.named_parameters())
        self.rate = rate
        self.shadow = {name: params[name].detach().clone() for name in names}

    @torch.no_grad()
    def update(self, model: nn.Module, follow: bool = False) -> None:
        """One averaging step; with ``follow`` the average becomes the live weights (before the EMA starts)."""
        params = dict(model.named_parameters())
        names = list(self.shadow)
        torch._foreach_lerp_([self.shadow[n] for n in names], [params[n].detach() for n in names],
                             1.0 if follow else 1 - self.rate)

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> None:
        """Overwrite ``model``'s averaged parameters with the EMA values."""
        params = dict(model.named_parameters())
        for name, shadow in self.shadow.items():
            params[name].copy_(shadow)
