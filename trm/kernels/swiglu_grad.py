"""The channel SwiGLU with gradients: its backward GEMM computes the SwiGLU's gradient in its epilogue.

Plain autograd computes d(activations) = d(out) @ W_down with one GEMM, writes that (rows, W) tensor, and a second
kernel reads it back with gate and up to write d(gate, up). Here one Triton GEMM keeps each d(activations) tile
on chip and writes d(gate, up) directly; the other three GEMMs of the backward pass stay with cuBLAS. The
forward pass is the plain one (a GEMM, silu(gate) * up, a GEMM), so the maths is unchanged. The normed SwiGLU
takes the same path; its width norm adds one reduction per row to the backward (the sum of d(out) * out).
"""

import torch
import torch.nn.functional as F

from trm.kernels.swiglu import swiglu_matmul_keeping_gate_up
from trm.kernels.triton_support import triton

if triton is not None:
    import triton.language as tl

    from trm.kernels.triton_support import grouped_tile, sigmoid

    @triton.jit
    def gate_up_gradients(d_act, gate, up, rstd_ptr, normed_sum_ptr, offs_r, rows, width, NORMED: tl.constexpr):
        """d(gate) and d(up) of one tile from d(activation), float32. NORMED: activation = s * p * r with s =
        sigmoid(gate), p = gate * up and r the row's reciprocal RMS over the width, so dp = d_act * s * r -
        r^2 / W * p * c with c the row's sum of d(out) * out (= sum over the width of d_act * activation)."""
        sig = sigmoid(gate)
        if NORMED:
            r = tl.load(rstd_ptr + offs_r, mask=offs_r < rows, other=0.0)[:, None]
            c = tl.load(normed_sum_ptr + offs_r, mask=offs_r < rows, other=0.0)[:, None]
            product = gate * up
            d_product = d_act * sig * r - (r * r / width) * product * c
            return d_act * product * r * sig * (1.0 - sig) + d_product * up, d_product * gate
        return d_act * up * sig * (1.0 + gate * (1.0 - sig)), d_act * gate * sig  # silu'(g) = s(1 + g(1 - s))

    @triton.jit
    def swiglu_backward_kernel(grad_ptr, w_down_ptr, gate_up_ptr, out_ptr, rstd_ptr, normed_sum_ptr, rows, width,
                               depth, BLOCK_R: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                               GROUP_R: tl.constexpr, NORMED: tl.constexpr):
        """For one (BLOCK_R, BLOCK_N) tile of contiguous tensors: d_act = grad (R, K) @ w_down (K, W), then
        out[:, n] = d_act * up * silu'(gate) and out[:, W + n] = d_act * silu(gate), gate_up (R, 2W) as saved
        (NORMED: see gate_up_gradients)."""
        tile_r, tile_n = grouped_tile(rows, width, BLOCK_R, BLOCK_N, GROUP_R)
        offs_r = (tile_r * BLOCK_R + tl.arange(0, BLOCK_R)).to(tl.int64)  # rows x 2W passes 2**31 from batch ~7k
        offs_n = tile_n * BLOCK_N + tl.arange(0, BLOCK_N)
        offs_k = tl.arange(0, BLOCK_K)
        d_act = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
        for k_start in range(0, depth, BLOCK_K):
            k = k_start + offs_k
            grad = tl.load(grad_ptr + offs_r[:, None] * depth + k[None, :],
                           mask=(offs_r[:, None] < rows) & (k[None, :] < depth), other=0.0)
            w_down = tl.load(w_down_ptr + k[:, None] * width + offs_n[None, :],
                             mask=(k[:, None] < depth) & (offs_n[None, :] < width), other=0.0)
            d_act = tl.dot(grad, w_down, d_act)
        d_act = d_act.to(grad_ptr.dtype.element_ty).to(tl.float32)  # rounded as autograd's GEMM output would be
        mask = (offs_r[:, None] < rows) & (offs_n[None, :] < width)
        gate_at = gate_up_ptr + offs_r[:, None] * (2 * width) + offs_n[None, :]
        gate = tl.load(gate_at, mask=mask, other=0.0).to(tl.float32)
        up = tl.load(gate_at + width, mask=mask, other=0.0).to(tl.float32)
        d_gate, d_up = gate_up_gradients(d_act, gate, up, rstd_ptr, normed_sum_ptr, offs_r, rows, width, NORMED)
        out_at = out_ptr + offs_r[:, None] * (2 * width) + offs_n[None, :]
        tl.store(out_at, d_gate.to(out_ptr.dtype.element_ty), mask=mask)
        tl.store(out_at + width, d_up.to(out_ptr.dtype.element_ty), mask=mask)


# BLOCK_R, BLOCK_N, BLOCK_K, warps, stages: the fastest of bench/kernel_swiglu_grad.py's tiles on a Hopper GPU
SWIGLU_BACKWARD_BLOCKS = (64, 128, 64, 4, 3)


def swiglu_gate_up_grad(grad_out: torch.Tensor, down: torch.Tensor, gate_up: torch.Tensor,
                        blocks: tuple[int, int, int, int, int] | None = None,
                        normed: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """d(gate, up), (R, 2W), of a SwiGLU whose output gradient is ``grad_out`` (R, K), with ``down`` (K, W) and
    the forward pass's ``gate_up`` (R, 2W). For the normed SwiGLU ``normed`` holds each row's reciprocal RMS over
    the width and its sum of grad_out * out, both float32 (R,)."""
    block_r, block_n, block_k, warps, stages = blocks or SWIGLU_BACKWARD_BLOCKS
    grad_out, down, gate_up = grad_out.contiguous(), down.contiguous(), gate_up.contiguous()
    rows, depth = grad_out.shape
    width = down.shape[1]
    out = torch.empty_like(gate_up)
    grid = (triton.cdiv(rows, block_r) * triton.cdiv(width, block_n),)
    rstd, normed_sum = (t.contiguous() for t in normed) if normed else (out, out)  # (read only when normed)
    swiglu_backward_kernel[grid](grad_out, down, gate_up, out, rstd, normed_sum, rows, width, depth, BLOCK_R=block_r,
                                 BLOCK_N=block_n, BLOCK_K=block_k, GROUP_R=8, NORMED=normed is not None,
                                 num_warps=warps, num_stages=stages)
    return out


class FusedSwiGLU(torch.autograd.Function):
    """down(silu(gate) * up) for rows ``x`` (R, D), weights ``gate_up`` (2W, D) and ``down`` (D, W) already in the
    working dtype; the backward pass uses swiglu_gate_up_grad (with ``blocks``, its default tile if None). With
    ``normed_eps`` the normed SwiGLU, sigmoid(gate) * RMSNorm(gate * up), computed as the plain layer does. With
    ``tma`` (Hopper or newer) the standard SwiGLU's forward runs swiglu_matmul_keeping_gate_up."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, blocks=None,
                normed_eps: float | None = None, tma: bool = False) -> torch.Tensor:
        kept = swiglu_matmul_keeping_gate_up(x, gate_up, blocks) if tma and normed_eps is None else None
        if kept is not None:
            (activated, gate_up_out), rstd = kept, None
        else:
            gate_up_out = x @ gate_up.T
            gate, up = gate_up_out.chunk(2, dim=-1)
            if normed_eps is None:
                activated, rstd = F.silu(gate) * up, None
            else:  # trm.model.layers.gated's rounding: the product in the working dtype, the norm in float32
                product = (gate * up).float()
                rstd = torch.rsqrt(product.square().mean(-1) + normed_eps)
                activated = torch.sigmoid(gate) * (product * rstd[:, None]).to(gate.dtype)
        out = activated @ down.T
        ctx.save_for_backward(x, gate_up, down, gate_up_out, activated, *((rstd, out) if rstd is not None else ()))
        ctx.blocks = blocks
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        x, gate_up, down, gate_up_out, activated, *normed = ctx.saved_tensors
        dtype = gate_up_out.dtype  # what the forward computed in (bf16 under autocast, whatever the inputs were)
        grad_out = grad_out.to(dtype).contiguous()
        if normed:  # each row's sum of d(out) * out: the width norm's share of the gradient
            rstd, out = normed
            normed = (rstd, (grad_out.float() * out.float()).sum(-1))
        d_gate_up = swiglu_gate_up_grad(grad_out, down.to(dtype), gate_up_out, ctx.blocks, normed or None)
        # autograd casts each gradient back to its input's dtype
        extra = [None] * (len(ctx.needs_input_grad) - 3)  # for blocks and normed_eps, however many were given
        return d_gate_up @ gate_up.to(dtype), d_gate_up.T @ x.to(dtype), grad_out.T @ activated, *extra
