"""The one-kernel token mixer with gradients: its forward kernel, and a backward kernel that recomputes the SwiGLU.

Plain autograd keeps the (2W, N) gate/up and (W, N) activations of every trained call and streams them through
memory again in the backward pass (the norm's gradient, then a GEMM, the SwiGLU's gradient, two more GEMMs).
Here the forward pass saves only its input, output and the norm's reciprocal RMS per column; the backward kernel
owns all rows of a block of columns as the forward one does, recomputes gate and up on chip, and in one pass
writes the three tensors the weight gradients need (the mixer's output gradient, the activations and the
gate/up gradients) and the input's gradient, accumulated over the width on chip. The weight gradients are then
two cuBLAS GEMMs over the columns. Same maths as the plain layer (one rounding apart: the norm's gradient reads the
output in the working dtype, where autograd keeps it in float32); used with ``KernelChoice.token_mixer_grad``.
It serves the normed SwiGLU too, from two more things its forward keeps: the width's reciprocal RMS per column and
the mixer's output.
"""

import torch

from trm.kernels.token_mixer import padded_weights, sequence_block, token_mixer_forward
from trm.kernels.triton_support import triton

if triton is not None:
    import triton.language as tl

    from trm.kernels.triton_support import sigmoid

    @triton.jit
    def swiglu_gradients(gate, up, d_activated, width_rstd, normed_sum, true_width, NORMED: tl.constexpr):
        """The activation and d(gate), d(up) of one width chunk, float32. NORMED: a = s * p * r with s =
        sigmoid(gate), p = gate * up and r the width's reciprocal RMS, so dp = da * s * r - r^2 / W * p * c,
        where c = sum over the width of da * a, which equals sum over the rows of d(mixed) * mixed (mixed is
        W_down a): the kernel gets it before the width loop, so one pass suffices."""
        sig = sigmoid(gate)
        if NORMED:
            product = gate * up
            r = width_rstd[:, None]
            d_product = d_activated * sig * r - (r * r / true_width) * product * normed_sum[:, None]
            d_gate = d_activated * product * r * sig * (1.0 - sig) + d_product * up
            return sig * product * r, d_gate, d_product * gate
        silu = gate * sig
        return silu * up, d_activated * up * sig * (1.0 + gate * (1.0 - sig)), d_activated * silu

    @triton.jit
    def width_norm_terms(rstd_ptr, mixed_ptr, d_mixed, rstd, offs_n, tile, mask, in_cols, columns,
                         NORMED: tl.constexpr):
        """For the normed SwiGLU: the width's reciprocal RMS per column (stored after the norm's) and the sum over
        the rows of d(mixed) * mixed; unused placeholders for the standard one."""
        if NORMED:
            mixed = tl.load(mixed_ptr + tile, mask=mask, other=0.0).to(tl.float32)
            return (tl.load(rstd_ptr + columns + offs_n, mask=in_cols, other=0.0),
                    tl.sum(d_mixed.to(tl.float32) * mixed, axis=1))
        return rstd, rstd

    @triton.jit
    def token_mixer_backward_kernel(x_ptr, y_ptr, dy_ptr, rstd_ptr, mixed_ptr, w_gu_ptr, w_down_ptr, d_mixed_ptr,
                                    activated_ptr, d_gate_up_ptr, dx_ptr, seq, width, columns, true_width,
                                    BLOCK_S: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_W: tl.constexpr,
                                    NORMED: tl.constexpr):
        """Gradients for one block of columns of contiguous (S, N) tensors, computed transposed, (columns, rows),
        with the weights zero-padded as token_mixer_kernel takes them."""
        offs_n = (tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)).to(tl.int64)
        offs_s = tl.arange(0, BLOCK_S)
        offs_w = tl.arange(0, BLOCK_W)
        in_cols = offs_n < columns
        mask = in_cols[:, None] & (offs_s[None, :] < seq)
        # int64: (W', N) tensors pass 2**31 elements from batch ~8k (W' = D = 512)
        tile = offs_n[:, None] + offs_s[None, :].to(tl.int64) * columns  # (BLOCK_N, BLOCK_S) into (S, N)
        x_t = tl.load(x_ptr + tile, mask=mask, other=0.0)
        y = tl.load(y_ptr + tile, mask=mask, other=0.0).to(tl.float32)
        dy = tl.load(dy_ptr + tile, mask=mask, other=0.0).to(tl.float32)
        rstd = tl.load(rstd_ptr + offs_n, mask=in_cols, other=0.0)
        # RMSNorm over the rows, y = s * rstd: ds = rstd * (dy - y * mean(dy * y)); padding rows give zero
        d_summed = rstd[:, None] * (dy - y * (tl.sum(dy * y, axis=1) / seq)[:, None])
        d_mixed = d_summed.to(x_t.dtype)  # the down-projection's output gradient, in the working dtype
        tl.store(d_mixed_ptr + tile, d_mixed, mask=mask)
        d_x = d_summed  # the residual's share; the mixer's is added chunk by chunk below
        width_rstd, normed_sum = width_norm_terms(rstd_ptr, mixed_ptr, d_mixed, rstd, offs_n, tile, mask, in_cols,
                                                  columns, NORMED)
        for w_start in range(0, width, BLOCK_W):
            w = w_start + offs_w
            w_gate_t = tl.load(w_gu_ptr + w[None, :] * BLOCK_S + offs_s[:, None])  # (BLOCK_S, BLOCK_W)
            w_up_t = tl.load(w_gu_ptr + (w[None, :] + width) * BLOCK_S + offs_s[:, None])
            gate = tl.dot(x_t, w_gate_t)  # (BLOCK_N, BLOCK_W) float32, recomputed
            up = tl.dot(x_t, w_up_t)
            w_down = tl.load(w_down_ptr + offs_s[:, None] * width + w[None, :])  # (BLOCK_S, BLOCK_W)
            d_activated = tl.dot(d_mixed, w_down).to(x_t.dtype).to(tl.float32)  # rounded as autograd's would be
            activated, d_gate, d_up = swiglu_gradients(gate, up, d_activated, width_rstd, normed_sum, true_width,
                                                       NORMED)  # silu' = s(1 + g(1 - s))
            w_tile = offs_n[:, None] + w[None, :].to(tl.int64) * columns  # (BLOCK_N, BLOCK_W) into (W', N)
            tl.store(activated_ptr + w_tile, activated.to(x_t.dtype), mask=in_cols[:, None])
            d_gate, d_up = d_gate.to(x_t.dtype), d_up.to(x_t.dtype)
            tl.store(d_gate_up_ptr + w_tile, d_gate, mask=in_cols[:, None])
            # (w + width) widened, not width itself: torch.compile's analysis of this kernel sees width as an int
            up_tile = offs_n[:, None] + (w[None, :] + width).to(tl.int64) * columns
            tl.store(d_gate_up_ptr + up_tile, d_up, mask=in_cols[:, None])
            d_x = tl.dot(d_gate, tl.trans(w_gate_t), d_x)  # the tiles loaded above, read transposed
            d_x = tl.dot(d_up, tl.trans(w_up_t), d_x)
        tl.store(dx_ptr + tile, d_x.to(dx_ptr.dtype.element_ty), mask=mask)


# BLOCK_N, BLOCK_W, warps, stages: the fastest of bench/kernel_token_mixer_grad.py's tiles on a Hopper GPU
MIXER_BACKWARD_BLOCKS = (64, 32, 4, 3)


def token_mixer_backward(tokens: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, out: torch.Tensor,
                         rstd: torch.Tensor, grad_out: torch.Tensor,
                         blocks: tuple[int, int, int, int] | None = None, mixed: torch.Tensor | None = None
                         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients of token_mixer_forward's output ``out`` (with its ``rstd``) for ``grad_out``: returns the gradients
    of ``tokens`` (S, N), ``gate_up`` (2W, S) and ``down`` (S, W), in their dtypes. For the normed SwiGLU pass
    what its forward returned: ``rstd`` (2, N) and ``mixed``."""
    block_n, block_w, warps, stages = blocks or MIXER_BACKWARD_BLOCKS
    seq, columns = tokens.shape
    width = down.shape[1]
    block_s = sequence_block(seq)
    padded_gate_up, padded_down, padded_width = padded_weights(gate_up, down, block_s, block_w, tokens.dtype)
    tokens, out, grad_out = tokens.contiguous(), out.contiguous(), grad_out.contiguous()
    d_mixed, d_tokens = torch.empty_like(tokens), torch.empty_like(tokens)
    activated = tokens.new_empty((padded_width, columns))
    d_gate_up = tokens.new_empty((2 * padded_width, columns))
    grid = (triton.cdiv(columns, block_n),)
    normed = mixed is not None
    token_mixer_backward_kernel[grid](tokens, out, grad_out, rstd.contiguous(), mixed if normed else out,
                                      padded_gate_up, padded_down, d_mixed, activated, d_gate_up, d_tokens, seq,
                                      padded_width, columns, width, BLOCK_S=block_s, BLOCK_N=block_n,
                                      BLOCK_W=block_w, NORMED=normed, num_warps=warps, num_stages=stages)
    grad_down = d_mixed @ activated[:width].T  # (S, N) @ (N, W)
    # (2W', S), computed transposed: cuBLAS reads the operands 2.3x faster that way round (bench/mixer_weight_grads.py)
    grad_gate_up = (tokens @ d_gate_up.T).T  # padding rows of the width are zero and dropped
    grad_gate_up = torch.cat((grad_gate_up[:width], grad_gate_up[padded_width:padded_width + width]))
    return d_tokens, grad_gate_up.to(gate_up.dtype), grad_down.to(down.dtype)


class FusedTokenMixer(torch.autograd.Function):
    """token_mixer_forward with gradients for ``tokens``, ``gate_up`` and ``down`` (the layer's weights, already in
    the working dtype: autograd carries the cast back to the parameters); ``tma`` picks the forward kernel and
    ``normed`` the SwiGLU's form."""

    @staticmethod
    def forward(ctx, tokens: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, eps: float,
                tma: bool = False, normed: bool = False) -> torch.Tensor:
        if normed:  # the forward also keeps the mixer's output, for the width norm's gradient
            out, rstd, mixed = token_mixer_forward(tokens, gate_up, down, eps, with_rstd=True, tma=tma, normed=True)
            ctx.save_for_backward(tokens, gate_up, down, out, rstd, mixed)
        else:
            out, rstd = token_mixer_forward(tokens, gate_up, down, eps, with_rstd=True, tma=tma)
            ctx.save_for_backward(tokens, gate_up, down, out, rstd)
        return out

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        tokens, gate_up, down, out, rstd, *mixed = ctx.saved_tensors
        gradients = token_mixer_backward(tokens, gate_up, down, out, rstd, grad_out, mixed=mixed[0] if mixed else None)
        return (*gradients, *[None] * (len(ctx.needs_input_grad) - 3))  # eps, tma, normed: however many given
