"""The token-mixer sub-layer forward + backward: plain autograd (eager, compiled) against the fused kernels.

    PYTHONPATH=. python bench/kernel_token_mixer_grad.py     # GPU: check, then time every variant at the paper size
    TRITON_INTERPRET=1 PYTHONPATH=. python bench/kernel_token_mixer_grad.py --check-only --device cpu   # CPU check

One trained call of the sub-layer (14 per training step at T = 3, n = 6, 2 blocks): the gradients of its input
and both weights for a given output gradient. trm/kernels/token_mixer_grad.py saves only the input, output
and the norm's reciprocal RMS, and recomputes the SwiGLU in its backward kernel. The error is the largest of the
three gradients' relative errors against float64.
"""

import torch

from bench.kernel_timing import run, time_variant
from bench.kernel_token_mixer import EPS, _case, unfused
from trm.kernels import FusedTokenMixer, token_mixer_backward, token_mixer_forward


def _output_gradient(tokens: torch.Tensor) -> torch.Tensor:
    generator = torch.Generator(device="cpu").manual_seed(1)
    return torch.randn(tokens.shape, generator=generator).to(tokens.device, tokens.dtype)


def plain_gradients(layer, tokens, gate_up, down, grad_out) -> tuple[torch.Tensor, ...]:
    inputs = [t.detach().requires_grad_(True) for t in (tokens, gate_up, down)]
    return torch.autograd.grad(layer(*inputs), inputs, grad_out)


def fused_gradients(tokens, gate_up, down, grad_out, blocks=None) -> tuple[torch.Tensor, ...]:
    out, rstd = token_mixer_forward(tokens, gate_up, down, EPS, with_rstd=True)
    return token_mixer_backward(tokens, gate_up, down, out, rstd, grad_out, blocks)


def _relative_error(gradients, reference) -> float:
    return max(float((g.double() - r).norm() / r.norm()) for g, r in zip(gradients, reference))


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Ragged small sizes, and on the GPU the paper's size; through the autograd Function and direct calls."""
    sizes = [(21, 150, 40)] + ([(97, 768 * 512, 512)] if device == "cuda" else [])
    for seq, columns, width in sizes:
        case = _case(seq, columns, width, device, dtype)
        grad_out = _output_gradient(case[0])
        reference = plain_gradients(unfused, *(t.double() for t in case), grad_out.double())
        plain = plain_gradients(unfused, *case, grad_out)
        inputs = [t.detach().requires_grad_(True) for t in case]
        through_autograd = torch.autograd.grad(FusedTokenMixer.apply(*inputs, EPS), inputs, grad_out)
        for label, gradients in [("autograd Function", through_autograd)] + [
                (str(blocks), fused_gradients(*case, grad_out, blocks)) for blocks in ((32, 16, 4, 2), (64, 64, 4, 1))]:
            error = _relative_error(gradients, reference)
            print(f"check S={seq} N={columns:,} W={width} {label}: relative error {error:.2e} against float64 "
                  f"(the plain {dtype} path: {_relative_error(plain, reference):.2e})")
            assert error < tolerance, f"{label}: relative error {error:.2e} >= {tolerance}"


def time_variants(configs: list[tuple[int, int, int, int]], batch: int = 768) -> list[dict]:
    case = _case(97, batch * 512, 512, "cuda", torch.bfloat16)
    grad_out = _output_gradient(case[0])
    reference = plain_gradients(unfused, *(t.double() for t in case), grad_out.double())
    flops = 3 * (2 * 97 * 1024 * case[0].shape[1] + 2 * 512 * 97 * case[0].shape[1])  # forward + backward
    compiled = torch.compile(unfused)
    timings = {"eager autograd": lambda: plain_gradients(unfused, *case, grad_out),
               "torch.compile autograd (the model's plain path)": lambda: plain_gradients(compiled, *case, grad_out)}
    for blocks in configs:
        timings[f"fused {blocks}"] = lambda blocks=blocks: fused_gradients(*case, grad_out, blocks)
    return [time_variant(label, function, lambda gradients: _relative_error(gradients, reference), flops)
            for label, function in timings.items()]


# the backward kernel's (BLOCK_N, BLOCK_W, warps, stages); the first is the model's default
# (trm/kernels/token_mixer_grad.py's MIXER_BACKWARD_BLOCKS)
TILES = [(64, 32, 4, 3), (128, 32, 8, 3), (128, 32, 8, 4), (128, 16, 8, 3), (64, 16, 4, 3), (64, 32, 4, 4),
         (32, 64, 4, 2), (64, 16, 4, 4),
         # wider width chunks with more warps: the kernel runs at ~180 TFLOP/s (bench/README.md, session 18)
         (64, 32, 8, 3), (64, 64, 8, 2), (64, 64, 8, 3), (128, 64, 8, 2), (32, 32, 4, 3), (32, 64, 8, 3)]

if __name__ == "__main__":
    run(__doc__.split("\n")[0], check, time_variants, TILES)
