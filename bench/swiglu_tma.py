"""Trial for #4, not used by the model: the no-grad channel SwiGLU GEMM fed by TMA (tensor descriptors).

    PYTHONPATH=. python bench/swiglu_tma.py        # GPU: check, then time it against the model's kernel

The model's kernel (trm/model/fused_swiglu.py) loads its tiles with pointer arithmetic and runs at ~470 TFLOP/s
(0.496 ms per call, 28 calls per training step) where cuBLAS's plain GEMM of the same size reaches ~670. On
Hopper, TMA copies whole tiles to shared memory without the threads computing addresses; this trial loads through
host-side tensor descriptors, one program per tile or one per SM looping over tiles (persistent).
"""

import torch
import triton
import triton.language as tl
from triton.tools.tensor_descriptor import TensorDescriptor

from bench.fused_swiglu import _case, _relative_error, unfused
from bench.kernel_timing import run, time_variant
from trm.model.fused_swiglu import swiglu_matmul


@triton.jit
def swiglu_tma_kernel(x_desc, w_desc, out_desc, rows, width, depth, BLOCK_R: tl.constexpr, BLOCK_N: tl.constexpr,
                      BLOCK_K: tl.constexpr, GROUP_R: tl.constexpr, PROGRAMS: tl.constexpr):
    """silu(x W_gate^T) * (x W_up^T) tile by tile; PROGRAMS programs stride over the tiles (grouped order)."""
    tiles_r, tiles_n = tl.cdiv(rows, BLOCK_R), tl.cdiv(width, BLOCK_N)
    for tile in tl.range(tl.program_id(0), tiles_r * tiles_n, PROGRAMS, flatten=True):
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


def swiglu_tma(x: torch.Tensor, weight: torch.Tensor, blocks: tuple[int, int, int, int, int],
               persistent: bool) -> torch.Tensor:
    """The model's swiglu_matmul for contiguous x (R, K) and weight (2W, K), W a multiple of BLOCK_N."""
    block_r, block_n, block_k, warps, stages = blocks
    rows, depth = x.shape
    width = weight.shape[0] // 2
    out = torch.empty((rows, width), device=x.device, dtype=x.dtype)
    tiles = triton.cdiv(rows, block_r) * triton.cdiv(width, block_n)
    processors = torch.cuda.get_device_properties(x.device).multi_processor_count if x.is_cuda else 4
    programs = min(tiles, processors) if persistent else tiles
    swiglu_tma_kernel[(programs,)](TensorDescriptor.from_tensor(x, [block_r, block_k]),
                                   TensorDescriptor.from_tensor(weight, [block_n, block_k]),
                                   TensorDescriptor.from_tensor(out, [block_r, block_n]), rows, width, depth,
                                   BLOCK_R=block_r, BLOCK_N=block_n, BLOCK_K=block_k, GROUP_R=8, PROGRAMS=programs,
                                   num_warps=warps, num_stages=stages)
    return out


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Rows that are a multiple of no block; on the GPU the paper's size too."""
    sizes = [(200, 64, 64)] + ([(97 * 768, 512, 1536)] if device == "cuda" else [])
    for rows, hidden, width in sizes:
        x, weight = _case(rows, hidden, width, device, dtype)
        for persistent in (False, True):
            error = _relative_error(swiglu_tma(x, weight, (64, 32, 32, 4, 2), persistent), x, weight)
            print(f"check R={rows:,} persistent={persistent}: relative error {error:.2e}")
            assert error < tolerance, f"relative error {error:.2e} >= {tolerance}"


def time_variants(tiles: list[tuple[tuple[int, int, int, int, int], bool]]) -> list[dict]:
    x, weight = _case(97 * 768, 512, 1536, "cuda", torch.bfloat16)
    flops = 2 * x.shape[0] * x.shape[1] * weight.shape[0]
    compiled = torch.compile(unfused)
    timings = {"torch.compile (cuBLAS + 1 fused)": lambda: compiled(x, weight),
               "model's kernel (128, 128, 64, 8, 3)": lambda: swiglu_matmul(x, weight)}
    for blocks, persistent in tiles:
        timings[f"TMA{' persistent' if persistent else ''} {blocks}"] = (
            lambda blocks=blocks, persistent=persistent: swiglu_tma(x, weight, blocks, persistent))
    return [time_variant(label, function, lambda result: _relative_error(result, x, weight), flops)
            for label, function in timings.items()]


TILES = [((128, 128, 64, 8, 3), False), ((128, 128, 64, 8, 4), False), ((128, 64, 64, 4, 4), False),
         ((64, 128, 64, 4, 4), False), ((128, 128, 64, 8, 3), True), ((128, 128, 64, 8, 4), True),
         ((128, 128, 32, 8, 4), True), ((256, 64, 64, 8, 3), True), ((128, 128, 128, 8, 2), False)]

if __name__ == "__main__":
    run(__doc__.split("\n")[0], check, time_variants, TILES)
