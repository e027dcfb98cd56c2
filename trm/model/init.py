"""Weight initialisation as the reference does it (JAX-style truncated normal)."""

import math

import torch


def truncated_normal_(tensor: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Fill ``tensor`` in place from N(0, std^2) truncated at +-2 std, rescaled so the result's std is ``std``.

    torch.nn.init.trunc_normal_ keeps the pre-truncation std; the reference (like JAX) corrects it.
    """
    with torch.no_grad():
        if std == 0:
            return tensor.zero_()
        lower, upper = -2.0, 2.0
        a, b = math.erf(lower / math.sqrt(2)), math.erf(upper / math.sqrt(2))
        mass = (b - a) / 2
        pdf_lower = math.exp(-0.5 * lower**2) / math.sqrt(2 * math.pi)
        pdf_upper = math.exp(-0.5 * upper**2) / math.sqrt(2 * math.pi)
        variance = 1 - (upper * pdf_upper - lower * pdf_lower) / mass - ((pdf_upper - pdf_lower) / mass) ** 2
        corrected_std = std / math.sqrt(variance)
        tensor.uniform_(a, b, generator=generator)
        tensor.erfinv_()
        tensor.mul_(math.sqrt(2) * corrected_std)
        return tensor.clip_(lower * corrected_std, upper * corrected_std)


def lecun_linear_(weight: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """LeCun init of a (out, in) weight: truncated normal with std 1/sqrt(in)."""
    return truncated_normal_(weight, std=weight.shape[1] ** -0.5, generator=generator)
