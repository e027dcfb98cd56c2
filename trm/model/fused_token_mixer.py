"""TRM-MLP's whole token-mixer sub-layer in one Triton kernel, for calls without gradients.

The sub-layer is RMSNorm_over_S(X + W_down @ (silu(W_gate @ X) * (W_up @ X))) on sequence-major tokens X (S, N),
N = batch x hidden. Every column of X is mixed on its own and the norm runs over the sequence (the rows), so one
program can own all S rows of a block of columns: it keeps the (W, columns) SwiGLU activations on chip, chunk by
chunk, and writes only the normalised result. Unfused, each call writes and reads (2W, N) and (W, N) tensors,
10x the size of X at the paper's sizes (S = 97, W = 512). Used where no gradient is needed (the first T-1 cycles
and evaluation) with ``use_fused_token_mixer``; without Triton the module imports and the kernel is unavailable.
"""

import torch
from torch import nn

from trm.model.fused_swiglu import set_module_flag, triton

if triton is not None:
    import triton.language as tl

    @triton.jit
    def token_mixer_kernel(x_ptr, w_gu_ptr, w_down_ptr, out_ptr, seq, width, columns, eps,
                           stride_xs, stride_xn, stride_gw, stride_gs, stride_ds, stride_dw, stride_os, stride_on,
                           BLOCK_S: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_W: tl.constexpr):
        """out[:, cols] = rms_norm_over_rows(x + W_down @ swiglu(W_gu @ x)) for one block of columns."""
        # int64: row offsets times the row stride (N) pass 2**31 from batch ~43k (S = 97, D = 512)
        offs_n = (tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)).to(tl.int64)
        offs_s = tl.arange(0, BLOCK_S).to(tl.int64)
        offs_w = tl.arange(0, BLOCK_W)
        in_rows, in_cols = offs_s[:, None] < seq, offs_n[None, :] < columns
        x = tl.load(x_ptr + offs_s[:, None] * stride_xs + offs_n[None, :] * stride_xn, mask=in_rows & in_cols,
                    other=0.0)  # (BLOCK_S, BLOCK_N); rows past seq are zero and stay zero
        mixed = tl.zeros((BLOCK_S, BLOCK_N), dtype=tl.float32)
        for w_start in range(0, width, BLOCK_W):
            w = w_start + offs_w
            gu_mask = (w[:, None] < width) & (offs_s[None, :] < seq)
            w_gate = tl.load(w_gu_ptr + w[:, None] * stride_gw + offs_s[None, :] * stride_gs, mask=gu_mask, other=0.0)
            w_up = tl.load(w_gu_ptr + (w[:, None] + width) * stride_gw + offs_s[None, :] * stride_gs, mask=gu_mask,
                           other=0.0)
            gate = tl.dot(w_gate, x)  # (BLOCK_W, BLOCK_N) float32
            up = tl.dot(w_up, x)
            activated = (gate * tl.sigmoid(gate) * up).to(x.dtype)
            w_down = tl.load(w_down_ptr + offs_s[:, None] * stride_ds + w[None, :] * stride_dw,
                             mask=(offs_s[:, None] < seq) & (w[None, :] < width), other=0.0)
            mixed = tl.dot(w_down, activated, mixed)
        # Close to the unfused layer's rounding: gate and up stay float32 until silu * up (the plain path rounds
        # them to the working dtype first); the mixer's output and the residual sum are rounded as there, then the
        # norm runs in float32.
        summed = (x + mixed.to(x.dtype)).to(tl.float32)
        mean_square = tl.sum(summed * summed, axis=0) / seq  # padding rows are zero: only the seq real rows count
        result = summed * tl.rsqrt(mean_square + eps)[None, :]
        out = out_ptr + offs_s[:, None] * stride_os + offs_n[None, :] * stride_on
        tl.store(out, result.to(out_ptr.dtype.element_ty), mask=in_rows & in_cols)


MIXER_LAYER_BLOCKS = (128, 64, 8, 2)  # BLOCK_N, BLOCK_W, warps, stages: a first guess (fp32 accumulators
# of 128 x 128 plus two 64 x 128 fit 8 warps without spilling); bench/fused_token_mixer.py sweeps tiles


def fused_token_mixer(tokens: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, eps: float,
                      blocks: tuple[int, int, int, int] | None = None) -> torch.Tensor:
    """The token-mixer sub-layer on sequence-major ``tokens`` (S, N): weights ``gate_up`` (2W, S) and ``down``
    (S, W), RMSNorm over S with ``eps``. Returns a new (S, N) tensor in ``tokens``' dtype."""
    block_n, block_w, warps, stages = blocks or MIXER_LAYER_BLOCKS
    seq, columns = tokens.shape
    width = gate_up.shape[0] // 2
    gate_up, down = gate_up.to(tokens.dtype), down.to(tokens.dtype)
    out = torch.empty_like(tokens, memory_format=torch.contiguous_format)
    block_s = max(16, triton.next_power_of_2(seq))  # tl.dot needs every side >= 16
    grid = (triton.cdiv(columns, block_n),)
    token_mixer_kernel[grid](tokens, gate_up, down, out, seq, width, columns, eps, tokens.stride(0), tokens.stride(1),
                             gate_up.stride(0), gate_up.stride(1), down.stride(0), down.stride(1), out.stride(0),
                             out.stride(1), BLOCK_S=block_s, BLOCK_N=block_n, BLOCK_W=block_w, num_warps=warps,
                             num_stages=stages)
    return out


def use_fused_token_mixer(model: nn.Module, enabled: bool = True) -> int:
    """Switch every token mixer of ``model`` to the one-kernel sub-layer for no-grad calls (a GPU speed option,
    same maths; it takes precedence over the fused SwiGLU kernel there). Returns how many were switched."""
    return set_module_flag(model, "fused_layer", enabled)
