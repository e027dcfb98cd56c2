"""The channel SwiGLU forward + backward: plain autograd (eager, compiled) against the fused backward GEMM.

    PYTHONPATH=. python bench/kernel_swiglu_grad.py     # GPU: check, then time every variant at the paper size
    TRITON_INTERPRET=1 PYTHONPATH=. python bench/kernel_swiglu_grad.py --check-only --device cpu   # CPU check

One trained call of the channel MLP's SwiGLU (14 per training step): the gradients of its input and both weights
for a given output gradient. trm/kernels/swiglu_grad.py computes d(gate, up) in the epilogue of the GEMM
that gives d(activations). The error is the largest of the three gradients' relative errors against float64.
"""

import torch
import torch.nn.functional as F

from bench.kernel_timing import run, time_variant
from trm.kernels import FusedSwiGLU


def unfused(x: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor) -> torch.Tensor:
    gate, up = (x @ gate_up.T).chunk(2, dim=-1)
    return (F.silu(gate) * up) @ down.T


def _case(rows: int, hidden: int, width: int, device: str, dtype: torch.dtype):
    generator = torch.Generator(device="cpu").manual_seed(0)
    x = torch.randn(rows, hidden, generator=generator)
    gate_up = torch.randn(2 * width, hidden, generator=generator) / hidden**0.5
    down = torch.randn(hidden, width, generator=generator) / width**0.5
    grad_out = torch.randn(rows, hidden, generator=generator)
    return [t.to(device, dtype) for t in (x, gate_up, down)], grad_out.to(device, dtype)


def gradients(layer, inputs, grad_out) -> tuple[torch.Tensor, ...]:
    inputs = [t.detach().requires_grad_(True) for t in inputs]
    return torch.autograd.grad(layer(*inputs), inputs, grad_out)


def _relative_error(result, reference) -> float:
    return max(float((g.double() - r).norm() / r.norm()) for g, r in zip(result, reference))


def _fused(blocks, tma: bool = False):
    return lambda *inputs: FusedSwiGLU.apply(*inputs, blocks, None, tma)


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Ragged small sizes, and on the GPU the paper's size."""
    sizes = [(39, 40, 72)] + ([(97 * 768, 512, 1536)] if device == "cuda" else [])
    for rows, hidden, width in sizes:
        inputs, grad_out = _case(rows, hidden, width, device, dtype)
        reference = gradients(unfused, [t.double() for t in inputs], grad_out.double())
        plain = _relative_error(gradients(unfused, inputs, grad_out), reference)
        # with tma (Hopper, as training runs it) the forward is the TMA kernel that also keeps gate and up
        variants = [(blocks, tma) for blocks in ((32, 32, 16, 4, 2), (64, 16, 32, 4, 1))
                    for tma in ((False, True) if device == "cuda" else (False,))]
        for blocks, tma in variants:
            error = _relative_error(gradients(_fused(blocks, tma), inputs, grad_out), reference)
            print(f"check R={rows:,} D={hidden} W={width} {blocks}{' tma' if tma else ''}: relative error "
                  f"{error:.2e} against float64 (the plain {dtype} path: {plain:.2e})")
            assert error < tolerance, f"{blocks}: relative error {error:.2e} >= {tolerance}"


def time_variants(configs: list[tuple[int, int, int, int, int]], batch: int = 768) -> list[dict]:
    inputs, grad_out = _case(97 * batch, 512, 1536, "cuda", torch.bfloat16)
    reference = gradients(unfused, [t.double() for t in inputs], grad_out.double())
    flops = 3 * 2 * inputs[0].shape[0] * 512 * 3 * 1536  # forward + backward
    compiled = torch.compile(unfused)
    timings = {"eager autograd": lambda: gradients(unfused, inputs, grad_out),
               "torch.compile autograd (the model's plain path)": lambda: gradients(compiled, inputs, grad_out)}
    for blocks in configs:
        timings[f"fused backward {blocks}"] = lambda blocks=blocks: gradients(_fused(blocks), inputs, grad_out)
    return [time_variant(label, function, lambda result: _relative_error(result, reference), flops)
            for label, function in timings.items()]


# (BLOCK_R, BLOCK_N, BLOCK_K, warps, stages); the first is trm/kernels/swiglu_grad.py's SWIGLU_BACKWARD_BLOCKS
TILES = [(64, 128, 64, 4, 3), (64, 128, 64, 4, 4), (128, 128, 64, 8, 3), (128, 128, 64, 8, 4), (128, 64, 64, 4, 4),
         (128, 256, 64, 8, 3), (256, 128, 64, 8, 3), (128, 128, 32, 4, 4), (128, 64, 64, 8, 3)]

if __name__ == "__main__":
    run(__doc__.split("\n")[0], check, time_variants, TILES)
