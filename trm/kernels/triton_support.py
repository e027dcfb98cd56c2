"""Triton where it is installed, whether the kernels can run on a device, and what the kernels share.

CPU wheels of PyTorch come without Triton: then ``triton`` is None, the kernel modules still import, and no kernel
is defined.
"""

import os

import torch

try:  # the engine must import without Triton
    import triton
    import triton.language as tl
    from triton.tools.tensor_descriptor import TensorDescriptor  # noqa: F401 - TMA needs a Triton that has it
except ImportError:
    triton = None

INTERPRETED = os.environ.get("TRITON_INTERPRET") == "1"  # Triton's CPU interpreter (the tests): it runs no PTX

if triton is not None:
    if INTERPRETED:
        @triton.jit
        def sigmoid(x):
            """tl.sigmoid: the interpreter cannot run the GPU's instructions below."""
            return tl.sigmoid(x)
    else:
        @triton.jit
        def sigmoid(x):
            """(1 + tanh(x / 2)) / 2 of float32 ``x`` with the GPU's approximate tanh: one special-function
            instruction per element (tl.sigmoid's exp and reciprocal take two, plus ~12 more for subnormal inputs
            and range checks), which leaves the kernels' activation steps less issue-bound beside their
            tensor-core work. Its error (~2^-11 relative) is under the bf16 rounding that follows: the kernels'
            errors against float64 and the training loss match the exact sigmoid's (bench/README.md)."""
            half = tl.inline_asm_elementwise("tanh.approx.f32 $0, $1;", "=r,r", [x * 0.5], dtype=tl.float32,
                                             is_pure=True, pack=1)
            return 0.5 * half + 0.5

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
    def grouped_tile_offsets(tile, tiles_r, tiles_n, BLOCK_R: tl.constexpr, BLOCK_N: tl.constexpr,
                             GROUP_R: tl.constexpr):
        """The first row and column of tile number ``tile`` in grouped order, for persistent kernels whose
        programs stride over the tiles (grouped_tile's order, by tile instead of by program)."""
        first_r = (tile // (GROUP_R * tiles_n)) * GROUP_R
        group_size = tl.minimum(tiles_r - first_r, GROUP_R)
        return (first_r + tile % group_size) * BLOCK_R, ((tile % (GROUP_R * tiles_n)) // group_size) * BLOCK_N


def can_run_kernels(device: torch.device) -> bool:
    """Triton importable, and a CUDA device (or the Triton interpreter, which the tests use on the CPU)."""
    if triton is None:
        return False
    return device.type == "cuda" or os.environ.get("TRITON_INTERPRET") == "1"


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
