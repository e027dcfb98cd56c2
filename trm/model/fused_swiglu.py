"""SwiGLU fused into its GEMM (Triton): silu(x W_gate^T) * (x W_up^T) without the (rows, 2W) intermediate.

Used where no gradient is needed (TRM's first T-1 cycles of every supervision step, and evaluation): there the
fused kernel writes one (rows, W) tensor, where cuBLAS + elementwise write (rows, 2W), read it back and write
(rows, W); calls with gradients use trm.model.fused_swiglu_grad. A GPU speed option (``use_fused_swiglu``, on in
training on a GPU), the maths is unchanged. Two versions of the kernel: one that loads its tiles with pointers
(any GPU Triton supports) and, for Hopper and newer, one fed by TMA (tensor descriptors). Without Triton (CPU
wheels of PyTorch) the module still imports; the kernels are then unavailable.
"""

import os

import torch
from torch import nn


try:  # CPU wheels of PyTorch come without Triton: the engine must import without it
    import triton
    import triton.language as tl
    from triton.tools.tensor_descriptor import TensorDescriptor
except ImportError:
    triton = None

if triton is not None:
    @triton.jit
    def grouped_tile(rows, width, BLOCK_R: tl.constexpr, BLOCK_N: tl.constexpr, GROUP_R: tl.constexpr):
        """This program's (row tile, column tile) of a GEMM, in grouped order: neighbouring programs share the
        same rows of the left operand, so those stay in L2."""
        pid = tl.program_id(0)
        tiles_r, tiles_n = tl.cdiv(rows, BLOCK_R), tl.cdiv(width, BLOCK_N)
        first_r = (pid // (GROUP_R * tiles_n)) * GROUP_R
        group_size = tl.minimum(tiles_r - first_r, GROUP_R)
        return first_r + (pid % group_size), (pid % (GROUP_R * tiles_n)) // group_size

    @triton.jit
    def swiglu_matmul_kernel(x_ptr, w_ptr, out_ptr, rows, width, depth,
                             stride_xr, stride_xk, stride_wn, stride_wk, stride_or, stride_on,
                             BLOCK_R: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr,
                             GROUP_R: tl.constexpr):
        """out[r, n] = silu(x[r] . w[n]) * (x[r] . w[width + n]) for one (BLOCK_R, BLOCK_N) tile."""
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
        result = gate * tl.sigmoid(gate) * up
        tl.store(out_ptr + offs_r[:, None] * stride_or + offs_n[None, :] * stride_on,
                 result.to(out_ptr.dtype.element_ty), mask=(offs_r[:, None] < rows) & (offs_n[None, :] < width))

    @triton.jit
    def swiglu_tma_kernel(x_desc, w_desc, out_desc, rows, width, depth, BLOCK_R: tl.constexpr,
                          BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_R: tl.constexpr,
                          PROGRAMS: tl.constexpr):
        """swiglu_matmul_kernel's maths with its tiles copied by TMA; PROGRAMS programs (one per SM) stride over
        the tiles in grouped order. Loads past an edge come back zero and stores past one are clipped, so this
        needs no masks: gate tiles that run past ``width`` into the up rows only feed output columns that are
        clipped."""
        tiles_r, tiles_n = tl.cdiv(rows, BLOCK_R), tl.cdiv(width, BLOCK_N)
        for tile in tl.range(tl.program_id(0), tiles_r * tiles_n, PROGRAMS):
            first_r = (tile // (GROUP_R * tiles_n)) * GROUP_R
            group_size = tl.minimum(tiles_r - first_r, GROUP_R)
            off_r = (first_r + tile % group_size) * BLOCK_R
            off_n = ((tile % (GROUP_R * tiles_n)) // group_size) * BLOCK_N
            gate = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
            up = tl.zeros((BLOCK_R, BLOCK_N), dtype=tl.float32)
            for k in range(0, depth, BLOCK_K):
                x = x_desc.load([off_r, k])
                gate = tl.dot(x, w_desc.load([off_n, k]).T, gate)
                up = tl.dot(x, w_desc.load([width + off_n, k]).T, up)
            out_desc.store([off_r, off_n], (gate * tl.sigmoid(gate) * up).to(out_desc.dtype))


# BLOCK_R, BLOCK_N, BLOCK_K, warps, stages: the fastest of bench/fused_swiglu.py's sweep on an H100 at the paper's
# sizes, for each kernel (pointers: 0.496-0.498 ms per channel-MLP call; TMA, persistent: 0.443-0.447 ms).
CHANNEL_BLOCKS = (128, 128, 64, 8, 3)
CHANNEL_TMA_BLOCKS = (128, 128, 64, 8, 3)


def tma_compatible(*tensors: torch.Tensor) -> bool:
    """Whether TMA can copy tiles of these tensors: not empty, a contiguous last axis, 16-byte aligned start and
    row strides. The start is checked in eager mode only: torch.compile breaks its graph on storage_offset, so
    compiled callers must pass tensors that start aligned (fresh ones do; TensorDescriptor asserts it at launch)."""
    for tensor in tensors:
        size = tensor.element_size()
        if tensor.numel() == 0:
            return False
        if tensor.stride(-1) != 1 or any(stride * size % 16 for stride in tensor.stride()[:-1]):
            return False
        if not torch.compiler.is_compiling() and tensor.storage_offset() * size % 16:
            return False
    return True


def processor_count(device: torch.device) -> int:
    """Streaming multiprocessors, the persistent kernels' program count (a few under the CPU interpreter)."""
    return torch.cuda.get_device_properties(device).multi_processor_count if device.type == "cuda" else 3


def swiglu_matmul(x: torch.Tensor, weight: torch.Tensor, blocks: tuple[int, int, int, int, int] | None = None,
                  tma: bool = False) -> torch.Tensor:
    """silu(x @ gate^T) * (x @ up^T) with weight = [gate; up], (2W, K); x (R, K) with any strides. Returns (R, W).

    With ``tma`` (Hopper or newer) the TMA kernel runs where the tensors allow it (tma_compatible; under
    torch.compile ``x`` must start 16-byte aligned)."""
    rows, depth = x.shape
    width = weight.shape[0] // 2
    weight = weight.to(x.dtype).contiguous()
    out = torch.empty((rows, width), device=x.device, dtype=x.dtype)
    if tma and tma_compatible(x, weight, out):
        block_r, block_n, block_k, warps, stages = blocks or CHANNEL_TMA_BLOCKS
        programs = min(triton.cdiv(rows, block_r) * triton.cdiv(width, block_n), processor_count(x.device))
        swiglu_tma_kernel[(programs,)](
            TensorDescriptor.from_tensor(x, [block_r, block_k]),
            TensorDescriptor.from_tensor(weight, [block_n, block_k]),
            TensorDescriptor.from_tensor(out, [block_r, block_n]), rows, width, depth, BLOCK_R=block_r,
            BLOCK_N=block_n, BLOCK_K=block_k, GROUP_R=8, PROGRAMS=programs, num_warps=warps, num_stages=stages)
        return out
    stride_or, stride_on = out.stride()
    block_r, block_n, block_k, warps, stages = blocks or CHANNEL_BLOCKS
    grid = (triton.cdiv(rows, block_r) * triton.cdiv(width, block_n),)
    swiglu_matmul_kernel[grid](x, weight, out, rows, width, depth, x.stride(0), x.stride(1), weight.stride(0),
                    weight.stride(1), stride_or, stride_on, BLOCK_R=block_r, BLOCK_N=block_n, BLOCK_K=block_k,
                    GROUP_R=8, num_warps=warps, num_stages=stages)
    return out


def fused_swiglu_available(device: torch.device) -> bool:
    """Triton importable, and a CUDA device (or the Triton interpreter, which the tests use on the CPU)."""
    if triton is None:
        return False
    return device.type == "cuda" or os.environ.get("TRITON_INTERPRET") == "1"


def set_module_flag(model: nn.Module, flag: str, enabled: bool) -> int:
    """Set boolean ``flag`` on every submodule of ``model`` that has it; returns how many had it."""
    modules = [module for module in model.modules() if hasattr(module, flag)]
    for module in modules:
        setattr(module, flag, enabled)
    return len(modules)


def tma_usable(device: torch.device) -> bool:
    """TMA (tensor descriptors) exists from Hopper (compute capability 9.0) on."""
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= (9, 0)


def use_fused_swiglu(model: nn.Module, enabled: bool = True, with_grad: bool = True, tma: bool = False) -> int:
    """Switch every channel SwiGLU of ``model`` to the fused kernel for no-grad calls (its TMA version with
    ``tma``), and with ``with_grad`` to trm.model.fused_swiglu_grad's backward for trained calls (the token mixers
    have their own kernels, use_fused_token_mixer). Returns how many modules were switched."""
    set_module_flag(model, "fused_grad", with_grad)
    set_module_flag(model, "fused_tma", tma)
    return set_module_flag(model, "fused", enabled)
