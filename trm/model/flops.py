"""Analytic matmul FLOPs of a TRM (2 FLOPs per multiply-add), for MFU."""

from trm.model.config import ModelConfig
from trm.model.layers import swiglu_width


def flops_per_call(config: ModelConfig) -> float:
    """Forward FLOPs of one network call (all blocks) for one sample."""
    s, d = config.seq_len, config.hidden_size
    if config.is_flat_baseline:  # R or O (one SwiGLU); x is embedded once per step, not per call
        return 2 * 3 * d * swiglu_width(d, config.expansion, config.swiglu_multiple)
    channel = 2 * s * 3 * d * swiglu_width(d, config.expansion, config.swiglu_multiple)
    if config.mixer == "mlp":
        mixer = 2 * d * 3 * s * swiglu_width(s, config.expansion, config.swiglu_multiple)
    else:
        mixer = 2 * s * 4 * d * d + 4 * s * s * d  # qkv + out projections, QK^T and AV
    return config.layers * (channel + mixer)


def training_flops_per_sample(config: ModelConfig) -> float:
    """FLOPs of one training step per sample: T-1 cycles forward only, the last cycle forward + backward (3x)."""
    calls_per_cycle = config.latent_steps + 1
    forward_only = (config.answer_cycles - 1) * calls_per_cycle
    return (forward_only + 3 * calls_per_cycle) * flops_per_call(config)


PEAK_BF16_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12}


def peak_flops(device_name: str) -> float | None:
    """Dense bf16 peak of a known GPU, from its name; None when unknown."""
    return next((peak for key, peak in PEAK_BF16_FLOPS.items() if key in device_name), None)
