"""Evaluation on a GPU runs the Triton kernels that training's own evaluation runs (same maths): on the 9x9 model a
held-out pass then takes roughly a quarter of the time it takes on the plain layers (bench/README.md)."""

import torch

from trm.kernels import choose_kernels, use_kernels
from trm.model.trm import RecursiveModel


def use_evaluation_kernels(model: RecursiveModel, device: torch.device | str, autocast: bool | None) -> bool:
    """Switch ``model`` to the kernels on a CUDA ``device`` under bf16 autocast (``autocast`` None or True, as
    evaluate_model reads it); the CPU, float32 evaluations and GPUs without the kernels' needs keep the plain
    layers, as before. Returns whether any layer now runs a kernel."""
    if torch.device(device).type != "cuda" or autocast is False:
        return False
    return use_kernels(model, choose_kernels(torch.device(device), fused_swiglu=True, fused_token_mixer=True)) > 0
