"""Run each of our four Triton kernels once at the paper's size, for Nsight Compute to read its hardware counters.

    ncu --clock-control none --set full -k regex:"token_mixer|swiglu" -o counters \
        python3 bench/kernel_counters.py                   # GPU (Hopper): one profiled launch of each kernel

Timings (bench/kernel_*.py) say how fast each kernel is; the counters say what holds it back: tensor-core issue
rate, L2 and DRAM throughput, shared-memory bank conflicts, why the warps stall. Each kernel is compiled and run
once before the launch that matters, so with ``--launch-skip 4`` ncu reads warm launches only (the first call of a
Triton kernel also launches it). With ``--time`` it times each call instead, a quick before/after of a change
to the kernels (the calls include the cuBLAS products and copies around the kernels, as training runs them).
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
    return {"token mixer forward (TMA)": lambda: token_mixer_forward(*rows, EPS, tma=True),
            "token mixer backward": lambda: token_mixer_backward(*rows, out, rstd, grad_out),
            "channel SwiGLU forward (TMA)": lambda: swiglu_matmul(x, weight, tma=True),
            "channel SwiGLU backward": lambda: swiglu_gate_up_grad(channel_grad, channel_down, gate_up_out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=768)
    parser.add_argument("--launches", type=int, default=2, help="calls of each kernel; all but the first are warm")
    parser.add_argument("--time", action="store_true", help="time each call instead (median ms, triton's do_bench)")
    args = parser.parse_args()
    calls = kernel_calls(args.batch)
    for label, call in calls.items():
        if args.time:
            print(f"{label:<32}{triton.testing.do_bench(call, warmup=25, rep=300, return_mode='median'):>9.4f} ms")
            continue
        for _ in range(args.launches):
            call()
        torch.cuda.synchronize()
        print(f"ran {label} {args.launches} times")


if __name__ == "__main__":
    main()
