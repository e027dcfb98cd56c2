"""The token-mixer sub-layer in one Triton kernel against the plain PyTorch layer: is it worth it?

    PYTHONPATH=. python bench/kernel_token_mixer.py          # GPU: check, then time every variant at the paper size
    TRITON_INTERPRET=1 PYTHONPATH=. python bench/kernel_token_mixer.py --check-only --device cpu   # CPU check

The sub-layer is RMSNorm_S(X + W_down @ swiglu(W_gu @ X)) on sequence-major tokens X (97, 768 x 512). Without
gradients (28 of the training step's 42 sub-layer calls, and all of evaluation) the plain layer runs: a GEMM writing
(1024, 393,216), the SwiGLU pass, a GEMM reading (512, 393,216) back, and the residual + norm.
trm/kernels/token_mixer.py keeps the activations on chip and writes only the result: ~150 MB of traffic per
call instead of ~2.8 GB. (bench/kernel_token_mixer_grad.py times the calls with gradients.)
"""

import torch
import torch.nn.functional as F

from bench.kernel_timing import run, time_variant
from trm.kernels import tma_compatible, token_mixer_forward
from trm.model import rms_norm

EPS = 1e-5


def unfused(tokens: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor) -> torch.Tensor:
    """The model's sub-layer without any kernel of ours (trm/model/layers.py TokenMixer)."""
    gate, up = (gate_up @ tokens).chunk(2, dim=0)
    return rms_norm(tokens + down @ (F.silu(gate) * up), EPS, dim=0)


def _case(seq: int, columns: int, width: int, device: str, dtype: torch.dtype):
    generator = torch.Generator(device="cpu").manual_seed(0)
    tokens = torch.randn(seq, columns, generator=generator).to(device, dtype)
    gate_up = (torch.randn(2 * width, seq, generator=generator) / seq**0.5).to(device, dtype)
    down = (torch.randn(seq, width, generator=generator) / width**0.5).to(device, dtype)
    return tokens, gate_up, down


def _relative_error(result: torch.Tensor, tokens, gate_up, down) -> float:
    reference = unfused(tokens.double(), gate_up.double(), down.double())
    return float((result.double() - reference).norm() / reference.norm())


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Small ragged sizes (sequence, width and columns multiples of no block), and on the GPU the paper's size;
    errors against float64 and against the model's plain path in the same dtype (the rounding it trains with)."""
    sizes = [(21, 152, 40)] + ([(97, 768 * 512, 512)] if device == "cuda" else [])
    for seq, columns, width in sizes:
        case = _case(seq, columns, width, device, dtype)
        plain = unfused(*case).double()
        for blocks, tma in (((32, 16, 4, 2), False), ((64, 32, 4, 1), False), ((32, 16, 4, 2), True)):
            assert tma_compatible(case[0]), "152 columns: 16-byte rows in bf16 and float32, ragged for every block"
            result = token_mixer_forward(*case, EPS, blocks, tma=tma)
            error = _relative_error(result, *case)
            versus_plain = float((result.double() - plain).norm() / plain.norm())
            print(f"check S={seq} N={columns:,} W={width} {blocks} tma={tma}: relative error {error:.2e} against "
                  f"float64, {versus_plain:.2e} against the plain {dtype} path (plain against float64: "
                  f"{_relative_error(plain, *case):.2e})")
            assert error < tolerance, f"{blocks}: relative error {error:.2e} >= {tolerance}"


def time_variants(configs: list[tuple[tuple[int, int, int, int], bool]], batch: int = 768) -> list[dict]:
    case = _case(97, batch * 512, 512, "cuda", torch.bfloat16)
    tokens, gate_up, down = case
    flops = 2 * 97 * 1024 * tokens.shape[1] + 2 * 512 * 97 * tokens.shape[1]
    compiled = torch.compile(unfused)
    timings = {"eager (cuBLAS + elementwise)": lambda: unfused(*case),
               "torch.compile (the model's plain path)": lambda: compiled(*case)}
    for blocks, tma in configs:
        timings[f"one kernel{' TMA' if tma else ''} {blocks}"] = (
            lambda blocks=blocks, tma=tma: token_mixer_forward(tokens, gate_up, down, EPS, blocks, tma=tma))
    return [time_variant(label, function, lambda result: _relative_error(result, *case), flops)
            for label, function in timings.items()]


# ((BLOCK_N, BLOCK_W, warps, stages), TMA); the first of each kernel is the model's default
# (trm/kernels/token_mixer.py's MIXER_LAYER_BLOCKS, MIXER_LAYER_TMA_BLOCKS)
TILES = [((128, 64, 8, 3), False), ((128, 64, 8, 2), False), ((128, 64, 8, 4), False), ((128, 128, 8, 2), False),
         ((128, 32, 8, 3), False), ((256, 64, 8, 2), False), ((64, 32, 4, 3), False),
         ((64, 64, 4, 2), True), ((128, 64, 8, 2), True), ((128, 64, 8, 3), True), ((128, 32, 8, 2), True),
         ((64, 32, 4, 2), True), ((256, 32, 8, 2), True), ((128, 64, 4, 2), True)]

if __name__ == "__main__":
    run(__doc__.split("\n")[0], check, time_variants, TILES)
