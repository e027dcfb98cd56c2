"""Curriculum over recursion depth (CGAR, arXiv 2511.08653): the first 30% of training recurses a third as deep,
the next 30% two thirds as deep, the rest at the model's full depth. Shallow steps cost less, and the paper
reports 1.71x faster training for 0.6 points of accuracy on Sudoku-Extreme. Evaluation always runs the full
depth; the depth of a step depends only on the step, so a resumed run picks up the same schedule."""

from dataclasses import replace

from trm.errors import ConfigError
from trm.model.config import ModelConfig
from trm.model.flops import training_flops_per_sample

DEPTH_CURRICULA = ("none", "cgar")
CGAR_STAGE_STARTS = (0.3, 0.6)  # shares of total_steps where the depth rises to 2/3, then to the full depth


def check_curriculum(name: str) -> None:
    if name not in DEPTH_CURRICULA:
        raise ConfigError(f"TrainConfig.depth_curriculum must be one of {DEPTH_CURRICULA}, got {name!r}.")


def recursion_depth(curriculum: str, model: ModelConfig, step: int, total_steps: int) -> tuple[int, int] | None:
    """(latent_steps n, answer_cycles T) for optimiser step ``step`` (from 1), or None for the model's own depth.

    CGAR's stages scale the model's (n, T): for the paper's (6, 3) they are (2, 1), (4, 2), then (6, 3)."""
    check_curriculum(curriculum)
    if curriculum == "none":
        return None
    stage = 1 + sum((step - 1) / total_steps >= start for start in CGAR_STAGE_STARTS)
    if stage == len(CGAR_STAGE_STARTS) + 1:
        return None
    share = stage / (len(CGAR_STAGE_STARTS) + 1)
    return max(1, round(model.latent_steps * share)), max(1, round(model.answer_cycles * share))


def mean_flops_per_sample(curriculum: str, model: ModelConfig, first_step: int, last_step: int,
                          total_steps: int) -> float:
    """Model FLOPs of one training step per sample, averaged over steps first_step..last_step (for MFU)."""
    total = 0.0
    for step in range(first_step, last_step + 1):
        depth = recursion_depth(curriculum, model, step, total_steps)
        shallow = model if depth is None else replace(model, latent_steps=depth[0], answer_cycles=depth[1])
        total += training_flops_per_sample(shallow)
    return total / max(1, last_step - first_step + 1)
