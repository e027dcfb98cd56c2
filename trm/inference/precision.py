"""Whether bf16 autocast pays on a device: the GPU runs it natively, and so do CPUs with AVX512-BF16 or AMX, where
the 9x9 model's network runs about twice as fast as in float32 (bench/README.md, K views on the Solve page)."""

import torch


def has_fast_bf16(device: torch.device | str) -> bool:
    """True on CUDA and on a CPU whose oneDNN has native bf16 kernels; False elsewhere (autocast would emulate)."""
    device = torch.device(device)
    if device.type == "cuda":
        return True
    if device.type != "cpu":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN
        return False
