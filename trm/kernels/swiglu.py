"""SwiGLU fused into its GEMM (Triton): silu(x W_gate^T) * (x W_up^T) without the (rows, 2W) intermediate.

Used where no gradient is needed (TRM's first T-1 cycles of every supervision step, and evaluation): there the
fused kernel writes one (rows, W) tensor, where cuBLAS + elementwise write (rows, 2W), read it back and write
(rows, W); calls with gradients use trm.kernels.swiglu_grad. A GPU speed option (``KernelChoice.swiglu``, on in
training on a GPU), the maths is unchanged. Two versions of the kernel: one that loads its tiles with pointers
(any GPU Triton supports) and, for Hopper and newer, one fed by TMA (tensor descriptors).
"""

import torch

from trm.kernels.triton_support import processor_count, tma_compatible, triton

if triton is not None:
    import triton.language as tl

    from trm.kernels.triton_support import TensorDescriptor, grouped_tile, grouped_tile_offsets, sigmoid

    @triton.jit
    def gated_tile(gate, up, squares_ptr, offs_r, tile_n, rows, tiles_n, NORMED: tl.constexpr):
        """The tile's inner activation. Standard: silu(gate) * up. NORMED: sigmoid(gate) * gate * up, not yet
        normalised (the RMS spans every width tile), and the tile's sum of (gate * up)^2 per row goes to
        squares[row, tile_n]; the caller scales each row of the down-projection's output by its reciprocal RMS,
        which is the same as normalising before it, since the down-projection is linear."""
        if NORMED:
            product = gate * up
            tl.store(squares_ptr + offs_r * tiles_n + tile_n, tl.sum(product * product, axis=1), mask=offs_r < rows)
            return sigmoid(gate) * product
        return gate * sigmoid(gate) * up

    @triton.jit
    def swiglu_matmul_kernel(x_ptr, w_ptr, out_ptr, squares_ptr, rows, width, depth,
                             stride_xr, stride_xk, stride_wn, stride_wk, stride_or, stride_on,
                             BLOCK_R: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                             GROUP_R: tl.constexpr, NORMED: tl.constexpr):
        """out[r, n] = silu(x[r] . w[n]) * (x[r] . w[width + n]) for one (BLOCK_R, BLOCK_N) tile; with NORMED
        see gated_tile."""
        tile_r, tile_n = grouped_tile(rows, width, BLOCK_R, BLOCK_N, GROUP_R)
        # int64 offsets: rows x width passes 2**31 elements at large batches
        offs_r = (tile_r * BLOCK_R + tl.arange(0, BLOCK_R)).to(tl.int64)
        offs_n = (tile_n * BLOCK_N + tl.arange(0, BLOCK_N)).to(tl.int64)
        offs_k = tl.arange(0, BLOCK_K).to(tl.int64)
        gate = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
        up = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
        for k_tile in range(0, tl.cdiv(depth, BLOCK_K)):
            k = k_tile * BLOCK_K + offs_k
            x = tl.load(x_ptr + offs_r[:, None] * stride_xr + k[None, :] * stride_xk,
                        mask=(offs_r[:, None] < rows) & (k[None, :] < depth), other=0.0)
            w_mask = (k[:, None] < depth) & (offs_n[None, :] < width)
            w_gate = tl.load(w_ptr + offs_n[None, :] * stride_wn + k[:, None] * stride_wk, mask=w_mask, other=0.0)
            w_up = tl.load(w_ptr + (offs_n[None, :] + width) * stride_wn + k[:, None] * stride_wk, mask=w_mask,
                           other=0.0)
            gate = tl.dot(x, w_gate, gate)
            up = tl.dot(x, w_up, up)
        result = gated_tile(gate, up, squares_ptr, offs_r, tile_n, rows, tl.cdiv(width, BLOCK_N), NORMED)
        tl.store(out_ptr + offs_r[:, None] * stride_or + offs_n[None, :] * stride_on,
                 result.to(out_ptr.dtype.element_ty), mask=(offs_r[:, None] < rows) & (offs_n[None, :] < width))

    @triton.jit
    def swiglu_tma_kernel(x_desc, w_desc, out_desc, squares_ptr, gate_up_desc, rows, width, depth,
                          BLOCK_R: tl.constexpr,
                          BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_R: tl.constexpr,
                          PROGRAMS: tl.constexpr, NORMED: tl.constexpr, KEEP_GATE_UP: tl.constexpr):
        """swiglu_matmul_kernel's maths with its tiles copied by TMA; PROGRAMS programs (one per SM) stride over
        the tiles in grouped order. Loads past an edge come back zero and stores past one are clipped, so this
        needs no masks: gate tiles that run past ``width`` into the up rows only feed output columns that are
        clipped."""
        tiles_r, tiles_n = tl.cdiv(rows, BLOCK_R), tl.cdiv(width, BLOCK_N)
        for tile in tl.range(tl.program_id(0), tiles_r * tiles_n, PROGRAMS):
            off_r, off_n = grouped_tile_offsets(tile, tiles_r, tiles_n, BLOCK_R, BLOCK_N, GROUP_R)
            gate = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
            up = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
            for k in range(0, depth, BLOCK_K):
                x = x_desc.load([off_r, k])
                gate = tl.dot(x, w_desc.load([off_n, k]).T, gate)
                up = tl.dot(x, w_desc.load([width + off_n, k]).T, up)
            if NORMED:  # columns past the width hold zeros (their up rows are past the weight's end)
                gate = tl.where((off_n + tl.arange(0, BLOCK_N))[None, :] < width, gate, 0.0)
            offs_r = (off_r + tl.arange(0, BLOCK_R)).to(tl.int64)
            result = gated_tile(gate, up, squares_ptr, offs_r, off_n // BLOCK_N, rows, tiles_n, NORMED)
            out_desc.store([off_r, off_n], result.to(out_desc.dtype))
            if KEEP_GATE_UP:  # the trained calls' backward reads gate and up as a cuBLAS product would give them
                gate_up_desc.store([off_r, off_n], gate.to(gate_up_desc.dtype))
                gate_up_desc.store([off_r, width + off_n], up.to(gate_up_desc.dtype))


# BLOCK_R, BLOCK_N, BLOCK_K, warps, stages: the fastest of bench/kernel_swiglu.py's sweep on an H100 at the paper's
# sizes, for each kernel (pointers: 0.496-0.498 ms per channel-MLP call; TMA, persistent: 0.443-0.447 ms).
CHANNEL_BLOCKS = (128, 128, 64, 8, 3)
CHANNEL_TMA_BLOCKS = (128, 128, 64, 8, 3)


def swiglu_matmul_keeping_gate_up(x: torch.Tensor, weight: torch.Tensor,
                                  blocks: tuple[int, int, int, int, int] | None = None
                                  ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(silu(gate) * up, [gate, up]) from the TMA kernel (Hopper or newer), for a backward pass that needs gate and
    up: one kernel instead of a cuBLAS product and an elementwise pass over its (R, 2W) result. None where the
    kernel cannot run (then the caller computes): the width must be a whole number of tiles, since a ragged last
    tile of gate would spill into up."""
    rows, depth = x.shape
    width = weight.shape[0] // 2
    block_r, block_n, block_k, warps, stages = blocks or CHANNEL_TMA_BLOCKS
    weight = weight.to(x.dtype).contiguous()
    out = torch.empty((rows, width), device=x.device, dtype=x.dtype)
    gate_up = torch.empty((rows, 2 * width), device=x.device, dtype=x.dtype)
    if width % block_n or not tma_compatible(x, weight, out, gate_up):
        return None
    programs = min(triton.cdiv(rows, block_r) * triton.cdiv(width, block_n), processor_count(x.device))
    swiglu_tma_kernel[(programs,)](
        TensorDescriptor.from_tensor(x, [block_r, block_k]), TensorDescriptor.from_tensor(weight, [block_n, block_k]),
        TensorDescriptor.from_tensor(out, [block_r, block_n]), out,
        TensorDescriptor.from_tensor(gate_up, [block_r, block_n]), rows, width, depth, BLOCK_R=block_r,
        BLOCK_N=block_n, BLOCK_K=block_k, GROUP_R=8, PROGRAMS=programs, NORMED=False, KEEP_GATE_UP=True,
        num_warps=warps, num_stages=stages)
    return out, gate_up


def swiglu_matmul(x: torch.Tensor, weight: torch.Tensor, blocks: tuple[int, int, int, int, int] | None = None,
                  tma: bool = False, normed_eps: float | None = None
                  ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """silu(x @ gate^T) * (x @ up^T) with weight = [gate; up], (2W, K); x (R, K) with any strides. Returns (R, W).

    With ``normed_eps`` the normed SwiGLU's activation, sigmoid(g) * RMSNorm(g * u) over W, in two parts: returns
    sigmoid(g) * g * u and the float32 reciprocal RMS per row, (R,), by which the caller scales the rows of
    ``down(activation)``. With ``tma`` (Hopper or newer) the TMA kernel runs where the tensors allow it
    (tma_compatible; under torch.compile ``x`` must start 16-byte aligned)."""
    rows, depth = x.shape
    width = weight.shape[0] // 2
    weight = weight.to(x.dtype).contiguous()
    out = torch.empty((rows, width), device=x.device, dtype=x.dtype)
    tma = tma and tma_compatible(x, weight, out)
    block_r, block_n, block_k, warps, stages = blocks or (CHANNEL_TMA_BLOCKS if tma else CHANNEL_BLOCKS)
    if blocks is None and x.element_size() > 2:  # float32 tiles: 3 stages need 288 KiB of shared memory, Hopper has 227
        stages = min(stages, 2)
    normed = normed_eps is not None
    squares = torch.empty((rows, triton.cdiv(width, block_n)) if normed else 1, device=x.device,
                          dtype=torch.float32)
    if tma:
        programs = min(triton.cdiv(rows, block_r) * triton.cdiv(width, block_n), processor_count(x.device))
        swiglu_tma_kernel[(programs,)](
            TensorDescriptor.from_tensor(x, [block_r, block_k]),
            TensorDescriptor.from_tensor(weight, [block_n, block_k]),
            TensorDescriptor.from_tensor(out, [block_r, block_n]), squares, None, rows, width, depth,
            BLOCK_R=block_r, BLOCK_N=block_n, BLOCK_K=block_k, GROUP_R=8, PROGRAMS=programs, NORMED=normed,
            KEEP_GATE_UP=False, num_warps=warps, num_stages=stages)
    else:
        stride_or, stride_on = out.stride()
        grid = (triton.cdiv(rows, block_r) * triton.cdiv(width, block_n),)
        swiglu_matmul_kernel[grid](x, weight, out, squares, rows, width, depth, x.stride(0), x.stride(1),
                                   weight.stride(0), weight.stride(1), stride_or, stride_on, BLOCK_R=block_r,
                                   BLOCK_N=block_n, BLOCK_K=block_k, GROUP_R=8, NORMED=normed, num_warps=warps,
                                   num_stages=stages)
    if not normed:
        return out
    return out, torch.rsqrt(squares.sum(dim=1) / width + normed_eps)
