"""TRM-MLP's whole token-mixer sub-layer in one Triton kernel (its forward pass).

The sub-layer is RMSNorm_over_S(X + W_down @ (silu(W_gate @ X) * (W_up @ X))) on sequence-major tokens X (S, N),
N = batch x hidden. Every column of X is mixed on its own and the norm runs over the sequence (the rows), so one
program can own all S rows of a block of columns: it keeps the (W, columns) SwiGLU activations on chip, chunk by
chunk, and writes only the normalised result. Unfused, each call writes and reads (2W, N) and (W, N) tensors,
10x the size of X at the paper's sizes (S = 97, W = 512). Used with ``KernelChoice.token_mixer`` as is where no
gradient is needed (the first T-1 cycles and evaluation), and inside trm.kernels.token_mixer_grad where one is
(``KernelChoice.token_mixer_grad``). Two versions of the kernel: one that loads its tiles with pointers (any GPU
Triton supports) and, for Hopper and newer, one fed by TMA (tensor descriptors).
"""

import torch

from trm.kernels.triton_support import tma_compatible, triton

if triton is not None:
    import triton.language as tl

    from trm.kernels.triton_support import TensorDescriptor, sigmoid

    @triton.jit
    def normalised_sum(x_t, mixed_t, seq, eps):
        """RMSNorm over the rows of x + mixed (columns, rows), float32, and the reciprocal RMS per column. Close to
        the unfused layer's rounding: the mixer's output and the residual sum are rounded to the working dtype as
        there, then the norm runs in float32. Padding rows are zero: only the seq real rows count."""
        summed = (x_t + mixed_t.to(x_t.dtype)).to(tl.float32)
        rstd = tl.rsqrt(tl.sum(summed * summed, axis=1) / seq + eps).to(tl.float32)  # eps may come in as fp64
        return summed * rstd[:, None], rstd

    @triton.jit
    def mixer_activation(gate, up, squares, NORMED: tl.constexpr):
        """One width chunk's activation (float32) and the running sum of (gate * up)^2 per column. NORMED:
        sigmoid(gate) * gate * up, normalised once the whole width is summed (see normed_mix)."""
        if NORMED:
            product = gate * up
            return sigmoid(gate) * product, squares + tl.sum(product * product, axis=1)
        return gate * sigmoid(gate) * up, squares

    @triton.jit
    def normed_mix(mixed_t, squares, true_width, eps, NORMED: tl.constexpr):
        """The down-projection of the normed SwiGLU: RMSNorm over the width is one scale per column, so it can
        follow the (linear) down-projection; padding widths add zero squares, the mean is over the true width.
        Returns the mixer's output and that reciprocal RMS per column (1 for the standard SwiGLU)."""
        if NORMED:
            width_rstd = tl.rsqrt(squares / true_width + eps).to(tl.float32)  # as in normalised_sum
            return mixed_t * width_rstd[:, None], width_rstd
        return mixed_t, squares + 1.0

    @triton.jit
    def store_for_backward(rstd_ptr, mixed_ptr, rstd, width_rstd, mixed_t, offs_n, offs_s, columns, seq,
                           NORMED: tl.constexpr):
        """What the backward kernel reads besides the input and output: the norm's reciprocal RMS per column and,
        for the normed SwiGLU, the width's one (after it, in the same buffer) and the mixer's output (S, N)."""
        tl.store(rstd_ptr + offs_n, rstd, mask=offs_n < columns)
        if NORMED:
            tl.store(rstd_ptr + columns + offs_n, width_rstd, mask=offs_n < columns)
            tile = offs_n[:, None] + offs_s[None, :].to(tl.int64) * columns
            tl.store(mixed_ptr + tile, mixed_t.to(mixed_ptr.dtype.element_ty),
                     mask=(offs_n[:, None] < columns) & (offs_s[None, :] < seq))

    @triton.jit
    def token_mixer_kernel(x_ptr, w_gu_ptr, w_down_ptr, out_ptr, rstd_ptr, mixed_ptr, seq, width, columns, eps,
                           stride_xs,
                           stride_xn, stride_os, stride_on, true_width, BLOCK_S: tl.constexpr,
                           BLOCK_N: tl.constexpr, BLOCK_W: tl.constexpr, STORE_RSTD: tl.constexpr,
                           NORMED: tl.constexpr):
        """out[:, cols] = rms_norm_over_rows(x + W_down @ swiglu(W_gu @ x)) for one block of columns, computed
        transposed, (columns, rows): the SwiGLU activations are then the left operand of the down-projection and
        stay in registers, as attention's probabilities do in flash attention (computed the other way round they
        go through shared memory; 1.2x slower on an H100). The weights come zero-padded to (2 x width, BLOCK_S)
        and (BLOCK_S, width), width a multiple of BLOCK_W: their rows are then 16-byte aligned and need no masks.
        With STORE_RSTD the norm's reciprocal RMS per column goes to rstd_ptr, for the backward pass."""
        # int64: row offsets times the row stride (N) pass 2**31 from batch ~43k (S = 97, D = 512)
        offs_n = (tl.program_id(0) * BLOCK_N + tl.arange(0, BLOCK_N)).to(tl.int64)
        offs_s = tl.arange(0, BLOCK_S)
        offs_w = tl.arange(0, BLOCK_W)
        in_cols, in_rows = offs_n[:, None] < columns, offs_s[None, :] < seq
        x_t = tl.load(x_ptr + offs_n[:, None] * stride_xn + offs_s[None, :].to(tl.int64) * stride_xs,
                      mask=in_cols & in_rows, other=0.0)  # (BLOCK_N, BLOCK_S); rows past seq are zero, stay zero
        mixed_t = tl.zeros((BLOCK_N, BLOCK_S), dtype=tl.float32)
        squares = tl.zeros((BLOCK_N,), dtype=tl.float32)
        for w_start in range(0, width, BLOCK_W):
            w = w_start + offs_w
            w_gate_t = tl.load(w_gu_ptr + w[None, :] * BLOCK_S + offs_s[:, None])  # (BLOCK_S, BLOCK_W)
            w_up_t = tl.load(w_gu_ptr + (w[None, :] + width) * BLOCK_S + offs_s[:, None])
            gate = tl.dot(x_t, w_gate_t)  # (BLOCK_N, BLOCK_W) float32
            up = tl.dot(x_t, w_up_t)
            activated, squares = mixer_activation(gate, up, squares, NORMED)
            w_down_t = tl.load(w_down_ptr + offs_s[None, :] * width + w[:, None])  # (BLOCK_W, BLOCK_S)
            mixed_t = tl.dot(activated.to(x_t.dtype), w_down_t, mixed_t)
        # gate and up stay float32 until silu * up (the plain path rounds them to the working dtype first)
        mixed_t, width_rstd = normed_mix(mixed_t, squares, true_width, eps, NORMED)
        result, rstd = normalised_sum(x_t, mixed_t, seq, eps)
        if STORE_RSTD:
            store_for_backward(rstd_ptr, mixed_ptr, rstd, width_rstd, mixed_t, offs_n, offs_s, columns, seq, NORMED)
        out = out_ptr + offs_n[:, None] * stride_on + offs_s[None, :].to(tl.int64) * stride_os
        tl.store(out, result.to(out_ptr.dtype.element_ty), mask=in_cols & in_rows)

    @triton.jit
    def token_mixer_tma_kernel(x_desc, w_gu_desc, w_down_desc, out_desc, rstd_ptr, mixed_ptr, seq, width, columns,
                               eps,
                               true_width, BLOCK_S: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_W: tl.constexpr,
                               STORE_RSTD: tl.constexpr, NORMED: tl.constexpr):
        """token_mixer_kernel's maths with every tile copied by TMA: rows past seq come back zero and stores past
        them are clipped, so no thread computes an address or a mask (0.358 against 0.465 ms per call on an H100
        at the paper's sizes, bench/kernel_token_mixer.py)."""
        off_n = tl.program_id(0) * BLOCK_N
        x_t = x_desc.load([0, off_n]).T  # (BLOCK_N, BLOCK_S)
        mixed_t = tl.zeros((BLOCK_N, BLOCK_S), dtype=tl.float32)
        squares = tl.zeros((BLOCK_N,), dtype=tl.float32)
        for w_start in range(0, width, BLOCK_W):
            gate = tl.dot(x_t, w_gu_desc.load([w_start, 0]).T)  # (BLOCK_N, BLOCK_W) float32
            up = tl.dot(x_t, w_gu_desc.load([width + w_start, 0]).T)
            activated, squares = mixer_activation(gate, up, squares, NORMED)
            mixed_t = tl.dot(activated.to(x_t.dtype), w_down_desc.load([0, w_start]).T, mixed_t)
        mixed_t, width_rstd = normed_mix(mixed_t, squares, true_width, eps, NORMED)
        result, rstd = normalised_sum(x_t, mixed_t, seq, eps)
        if STORE_RSTD:
            offs_n = (off_n + tl.arange(0, BLOCK_N)).to(tl.int64)
            store_for_backward(rstd_ptr, mixed_ptr, rstd, width_rstd, mixed_t, offs_n, tl.arange(0, BLOCK_S), columns,
                               seq, NORMED)
        out_desc.store([0, off_n], result.to(out_desc.dtype).T)


# BLOCK_N, BLOCK_W, warps, stages: each kernel's fastest tile in bench/kernel_token_mixer.py's sweep on a Hopper GPU
MIXER_LAYER_BLOCKS = (128, 64, 8, 3)
MIXER_LAYER_TMA_BLOCKS = (64, 64, 4, 2)


def sequence_block(seq: int) -> int:
    """The kernels' row block: all of the sequence, a power of two (tl.arange) and >= 16 (tl.dot)."""
    return max(16, triton.next_power_of_2(seq))


def padded_weights(gate_up: torch.Tensor, down: torch.Tensor, block_s: int, block_w: int,
                   dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor, int]:
    """gate_up (2W, S) -> (2W', block_s) and down (S, W) -> (block_s, W'), zero-padded, W' a multiple of block_w:
    padding inputs and widths are zero, so silu(0) * 0 = 0 adds nothing."""
    seq, width = down.shape
    padded_width = -(width // -block_w) * block_w
    gate, up = gate_up.to(dtype).view(2, width, seq)
    padded_gate_up = gate_up.new_zeros((2, padded_width, block_s), dtype=dtype)
    padded_gate_up[:, :width, :seq] = torch.stack((gate, up))
    padded_down = down.new_zeros((block_s, padded_width), dtype=dtype)
    padded_down[:seq, :width] = down.to(dtype)
    return padded_gate_up.view(2 * padded_width, block_s), padded_down, padded_width


def token_mixer_forward(tokens: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, eps: float,
                        blocks: tuple[int, int, int, int] | None = None, with_rstd: bool = False, tma: bool = False,
                        normed: bool = False) -> torch.Tensor | tuple[torch.Tensor, ...]:
    """The token-mixer sub-layer on sequence-major ``tokens`` (S, N): weights ``gate_up`` (2W, S) and ``down``
    (S, W), RMSNorm over S with ``eps``. Returns a new (S, N) tensor in ``tokens``' dtype; with ``with_rstd``
    also the norm's float32 reciprocal RMS per column, (N,). With ``tma`` (Hopper or newer) the TMA kernel runs
    where the tensors allow it (tma_compatible; under torch.compile ``tokens`` must start 16-byte aligned) and the
    sequence fits one TMA tile (<= 256 rows). ``normed``: the normed SwiGLU, sigmoid(g) * RMSNorm_over_W(g * u)
    (the same ``eps``); with ``with_rstd`` it returns (out, rstd, mixed) for token_mixer_backward: rstd (2, N),
    the norm's and the width's reciprocal RMS, and the mixer's output (S, N) before the residual."""
    seq, columns = tokens.shape
    true_width = down.shape[1]
    out = torch.empty_like(tokens, memory_format=torch.contiguous_format)
    rstd = torch.empty((1 + normed) * columns if with_rstd else 1, device=tokens.device, dtype=torch.float32)
    mixed = torch.empty_like(out) if with_rstd and normed else rstd  # (the kernel stores nothing there otherwise)
    block_s = sequence_block(seq)
    tma = tma and block_s <= 256 and tma_compatible(tokens, out)  # a TMA tile spans at most 256 rows
    block_n, block_w, warps, stages = blocks or (MIXER_LAYER_TMA_BLOCKS if tma else MIXER_LAYER_BLOCKS)
    gate_up, down, width = padded_weights(gate_up, down, block_s, block_w, tokens.dtype)
    grid = (triton.cdiv(columns, block_n),)
    if tma:
        token_mixer_tma_kernel[grid](
            TensorDescriptor.from_tensor(tokens, [block_s, block_n]),
            TensorDescriptor.from_tensor(gate_up, [block_w, block_s]),
            TensorDescriptor.from_tensor(down, [block_s, block_w]),
            TensorDescriptor.from_tensor(out, [block_s, block_n]),
            rstd, mixed, seq, width, columns, eps, true_width, BLOCK_S=block_s, BLOCK_N=block_n, BLOCK_W=block_w,
            STORE_RSTD=with_rstd, NORMED=normed, num_warps=warps, num_stages=stages)
    else:
        token_mixer_kernel[grid](tokens, gate_up, down, out, rstd, mixed, seq, width, columns, eps, tokens.stride(0),
                                 tokens.stride(1), out.stride(0), out.stride(1), true_width, BLOCK_S=block_s,
                                 BLOCK_N=block_n, BLOCK_W=block_w, STORE_RSTD=with_rstd, NORMED=normed,
                                 num_warps=warps, num_stages=stages)
    if not with_rstd:
        return out
    return (out, rstd.view(2, columns), mixed) if normed else (out, rstd)
