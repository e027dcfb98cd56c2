"""Is fusing SwiGLU into its GEMM worth it for TRM-MLP? Times one Triton kernel against cuBLAS + elementwise.

    python bench/fused_swiglu.py                      # GPU: check, then time both SwiGLUs of the paper config
    TRITON_INTERPRET=1 PYTHONPATH=. python bench/fused_swiglu.py --check-only --device cpu   # CPU check, small sizes

A third of the training step is SwiGLU's elementwise passes (bench/README.md): silu(gate) * up reads the GEMM's
(rows, 2W) output back and writes (rows, W). The kernel (trm/model/fused_swiglu.py) keeps gate and up in
registers, two accumulators per tile, and writes only silu(gate) * up: one pass over the widest tensor, not
three. Both SwiGLUs of a block are covered: the channel MLP (x: (B*S, D) rows) and the token mixer on
sequence-major states (x = H^T, (B*D, S), read through strides, written transposed, (W, B*D), as the next GEMM
wants it). The model uses the kernel for no-grad calls with `--set train.fused_swiglu=true`.
"""

import torch
import torch.nn.functional as F

from bench.kernel_timing import checked_args, report, time_variant
from trm.model.fused_swiglu import swiglu_matmul


def unfused(x: torch.Tensor, weight: torch.Tensor, transposed: bool = False) -> torch.Tensor:
    """What the model does without the kernel: one GEMM, then silu(gate) * up. The channel MLP gives (R, 2W); the
    token mixer computes W @ H as trm/model/layers.py does, (2W, R) with gate and up as contiguous halves."""
    if transposed:
        gate, up = (weight @ x.T).chunk(2, dim=0)
    else:
        gate, up = (x @ weight.T).chunk(2, dim=-1)
    return F.silu(gate) * up


def _cases(batch: int, seq: int, hidden: int, channel_width: int, mixer_width: int, device, dtype):
    """(name, x, weight, transposed_out) for the channel SwiGLU and the token mixer's, at the given sizes."""
    generator = torch.Generator(device="cpu").manual_seed(0)
    states = torch.randn(seq, batch, hidden, generator=generator).to(device, dtype)  # sequence-major H
    channel_w = (torch.randn(2 * channel_width, hidden, generator=generator) / hidden**0.5).to(device, dtype)
    mixer_w = (torch.randn(2 * mixer_width, seq, generator=generator) / seq**0.5).to(device, dtype)
    return [("channel", states.reshape(seq * batch, hidden), channel_w, False),
            ("token mixer", states.reshape(seq, batch * hidden).T, mixer_w, True)]


def _relative_error(result: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, transposed: bool) -> float:
    """Against float64; ``result`` is laid out as the model wants it ((W, R) for the token mixer)."""
    reference = unfused(x.double(), weight.double(), transposed)
    return float((result.double() - reference).norm() / reference.norm())


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Small sizes with ragged edges (rows, width and depth not multiples of any block)."""
    for name, x, weight, transposed in _cases(3, 13, 40, 72, 24, device, dtype):
        error = _relative_error(swiglu_matmul(x, weight, transposed, (32, 32, 16, 4, 2)), x, weight, transposed)
        print(f"check {name}: relative error {error:.2e}")
        assert error < tolerance, f"{name}: relative error {error:.2e} >= {tolerance}"


def time_cases(configs: list[tuple[int, int, int, int, int]]) -> list[dict]:
    """Paper config at batch 768: times unfused (eager and compiled) and every block config of the kernel."""
    rows = []
    for name, x, weight, transposed in _cases(768, 97, 512, 1536, 512, "cuda", torch.bfloat16):
        compiled = torch.compile(unfused)  # one per case: no recompilation or dynamic shapes in the baseline
        flops = 2 * x.shape[0] * x.shape[1] * weight.shape[0]
        timings = {"eager (cuBLAS + 2 elementwise)": lambda: unfused(x, weight, transposed),
                   "torch.compile (cuBLAS + 1 fused)": lambda: compiled(x, weight, transposed)}
        for blocks in configs:
            timings[f"triton {blocks}"] = lambda blocks=blocks: swiglu_matmul(x, weight, transposed, blocks)
        rows += [time_variant(label, function, lambda result: _relative_error(result, x, weight, transposed), flops,
                              case=name) for label, function in timings.items()]
    return rows


def main() -> None:
    args = checked_args(__doc__.split("\n")[0], check)
    if args is None:
        return
    # first and eighth: the model's defaults (fused_swiglu.CHANNEL_BLOCKS, MIXER_BLOCKS), fastest in session 4
    configs = [(128, 128, 64, 8, 3), (128, 128, 64, 8, 4), (128, 64, 64, 4, 4), (64, 128, 64, 4, 4),
               (128, 256, 64, 8, 3), (256, 128, 64, 8, 3), (128, 128, 32, 4, 4), (128, 64, 32, 4, 4),
               (128, 64, 16, 4, 5), (64, 64, 32, 4, 4)]
    report(time_cases(configs), args.out, first_column="case")


if __name__ == "__main__":
    main()
