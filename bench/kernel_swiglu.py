"""Is fusing SwiGLU into its GEMM worth it for TRM-MLP? Times one Triton kernel against cuBLAS + elementwise.

    python bench/kernel_swiglu.py                      # GPU: check, then time both SwiGLUs of the paper config
    TRITON_INTERPRET=1 PYTHONPATH=. python bench/kernel_swiglu.py --check-only --device cpu   # CPU check, small sizes

Without our kernels, about a third of the training step is SwiGLU's elementwise passes (bench/README.md):
silu(gate) * up reads the GEMM's (rows, 2W) output back and writes (rows, W). The kernel (trm/kernels/swiglu.py)
keeps gate and up in registers, two accumulators per tile, and writes only silu(gate) * up: one pass over the widest
tensor, not three. The model uses it for its channel MLPs' no-grad calls (train.fused_swiglu, on by default on a
GPU): on Hopper and newer its TMA version, persistent (one program per SM), elsewhere the one that loads through
pointers.
The token mixers have a kernel of their own for the whole sub-layer (bench/kernel_token_mixer.py).
"""

import torch
import torch.nn.functional as F

from bench.kernel_timing import run, time_variant
from trm.kernels import swiglu_matmul


def unfused(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """What the model does without the kernel: one GEMM giving (R, 2W), then silu(gate) * up."""
    gate, up = (x @ weight.T).chunk(2, dim=-1)
    return F.silu(gate) * up


def _case(rows: int, hidden: int, width: int, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator(device="cpu").manual_seed(0)
    x = torch.randn(rows, hidden, generator=generator).to(device, dtype)
    weight = (torch.randn(2 * width, hidden, generator=generator) / hidden**0.5).to(device, dtype)
    return x, weight


def _relative_error(result: torch.Tensor, x: torch.Tensor, weight: torch.Tensor) -> float:
    reference = unfused(x.double(), weight.double())
    return float((result.double() - reference).norm() / reference.norm())


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Small sizes with ragged edges (rows, width and depth not multiples of any block)."""
    x, weight = _case(39, 40, 72, device, dtype)
    for tma in (False, True):
        error = _relative_error(swiglu_matmul(x, weight, (32, 32, 16, 4, 2), tma=tma), x, weight)
        print(f"check tma={tma}: relative error {error:.2e}")
        assert error < tolerance, f"relative error {error:.2e} >= {tolerance}"


def time_cases(configs: list[tuple[tuple[int, int, int, int, int], bool]]) -> list[dict]:
    """Paper config at batch 768 (97 x 768 rows): times unfused (eager and compiled) and every tile of the kernel."""
    x, weight = _case(97 * 768, 512, 1536, "cuda", torch.bfloat16)
    compiled = torch.compile(unfused)
    flops = 2 * x.shape[0] * x.shape[1] * weight.shape[0]
    timings = {"eager (cuBLAS + 2 elementwise)": lambda: unfused(x, weight),
               "torch.compile (cuBLAS + 1 fused)": lambda: compiled(x, weight)}
    for blocks, tma in configs:
        timings[f"triton{' TMA' if tma else ''} {blocks}"] = (
            lambda blocks=blocks, tma=tma: swiglu_matmul(x, weight, blocks, tma=tma))
    return [time_variant(label, function, lambda result: _relative_error(result, x, weight), flops)
            for label, function in timings.items()]


# ((BLOCK_R, BLOCK_N, BLOCK_K, warps, stages), TMA); the first of each kernel is the model's default
# (trm/kernels/swiglu.py's CHANNEL_BLOCKS, CHANNEL_TMA_BLOCKS)
TILES = [((128, 128, 64, 8, 3), False), ((128, 128, 64, 8, 4), False), ((128, 64, 64, 4, 4), False),
         ((64, 128, 64, 4, 4), False), ((128, 256, 64, 8, 3), False), ((128, 128, 32, 4, 4), False),
         ((128, 128, 64, 8, 3), True), ((128, 128, 64, 8, 4), True), ((128, 128, 32, 8, 4), True),
         ((256, 64, 64, 8, 3), True), ((128, 256, 64, 8, 3), True), ((128, 64, 64, 4, 4), True)]

if __name__ == "__main__":
    run(__doc__.split("\n")[0], check, time_cases, TILES)
