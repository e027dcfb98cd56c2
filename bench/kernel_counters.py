"""Run each of our four Triton kernels once at the paper's size, for Nsight Compute to read its hardware counters.

    ncu --clock-control none --set full -k regex:"token_mixer|swiglu" -o counters \
        python3 bench/kernel_counters.py                   # GPU (Hopper): one profiled launch of each kernel

Timings (bench/kernel_*.py) say how fast each kernel is; the counters say what holds it back: tensor-core issue
rate, L2 and DRAM throughput, shared-memory bank conflicts, why the warps stall. Each kernel is compiled and run
once before the launch that matters, so with ``--launch-skip 4`` ncu reads warm launches only (the first call of a
Triton kernel also launches it). With ``--time`` it times each call instead, a quick before/after of a change
to the kernels (the calls include the cuBLAS products and copies around the kernels, as training runs them);
``--sweep`` times each call at a few tiles (SWEEP_TILES).
"""

import argparse

import torch
import triton

from bench.kernel_swiglu import _case as channel_case
from bench.kernel_token_mixer import EPS
from bench.kernel_token_mixer import _case as mixer_case
from trm.kernels import swiglu_gate_up_grad, swiglu_matmul, token_mixer_backward, token_mixer_forward


def kernel_calls(batch: int) -> dict:
    """The four kernels as training calls them, on random inputs of batch ``batch`` (97 tokens, hidden 512)."""
    tokens, gate_up, down = mixer_case(97, batch * 512, 512, "cuda", torch.bfloat16)
    out, rstd = token_mixer_forward(tokens, gate_up, down, EPS, with_rstd=True, tma=True)
    grad_out = torch.randn_like(tokens)
    rows = tokens, gate_up, down
    x, weight = channel_case(97 * batch, 512, 1536, "cuda", torch.bfloat16)
    channel_grad = torch.randn_like(x)
    channel_down = torch.randn(512, 1536, device="cuda", dtype=torch.bfloat16) / 1536**0.5
    gate_up_out = x @ weight.T
    return {"token mixer forward (TMA)": lambda blocks=None: token_mixer_forward(*rows, EPS, blocks, tma=True),
            "token mixer backward": lambda blocks=None: token_mixer_backward(*rows, out, rstd, grad_out, blocks),
            "channel SwiGLU forward (TMA)": lambda blocks=None: swiglu_matmul(x, weight, blocks, tma=True),
            "channel SwiGLU backward": (lambda blocks=None: swiglu_gate_up_grad(channel_grad, channel_down,
                                                                                gate_up_out, blocks))}


# --sweep: each kernel's tiles, its default (trm/kernels) first; the kernel benches sweep more, each in its own form
SWEEP_TILES = {
    "token mixer forward (TMA)": [(64, 64, 4, 2), (64, 64, 4, 1), (64, 32, 4, 2), (128, 64, 8, 2), (128, 64, 8, 1),
                                  (128, 32, 8, 2)],
    "token mixer backward": [(64, 32, 4, 3), (64, 32, 4, 2), (64, 64, 4, 2), (128, 32, 8, 3), (64, 16, 4, 3)],
    "channel SwiGLU forward (TMA)": [(128, 128, 64, 8, 3), (128, 128, 64, 8, 4), (128, 256, 64, 8, 3),
                                     (256, 128, 64, 8, 3), (128, 256, 32, 8, 3)],
    "channel SwiGLU backward": [(64, 128, 64, 4, 3), (64, 128, 64, 4, 4), (128, 128, 64, 8, 3), (128, 64, 64, 4, 4),
                                (64, 256, 64, 4, 3)],
}


def median_ms(call) -> float:
    return triton.testing.do_bench(call, warmup=25, rep=300, return_mode="median")


def sweep(label: str, call) -> None:
    """Time ``call`` at each of the kernel's SWEEP_TILES; a tile that does not fit the GPU is named and skipped."""
    for blocks in SWEEP_TILES[label]:
        try:
            print(f"{label:<32}{str(blocks):<24}{median_ms(lambda: call(blocks)):>9.4f} ms", flush=True)
        except Exception as error:  # noqa: BLE001 - e.g. out of shared memory: report it, go on
            print(f"{label:<32}{str(blocks):<24} failed: {str(error)[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=768)
    parser.add_argument("--launches", type=int, default=2, help="calls of each kernel; all but the first are warm")
    parser.add_argument("--time", action="store_true", help="time each call instead (median ms, triton's do_bench)")
    parser.add_argument("--sweep", action="store_true", help="time each call at each of its SWEEP_TILES")
    args = parser.parse_args()
    calls = kernel_calls(args.batch)
    for label, call in calls.items():
        if args.sweep:
            sweep(label, call)
            continue
        if args.time:
            print(f"{label:<32}{median_ms(call):>9.4f} ms")
            continue
        for _ in range(args.launches):
            call()
        torch.cuda.synchronize()
        print(f"ran {label} {args.launches} times")


if __name__ == "__main__":
    main()
