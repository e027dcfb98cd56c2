"""The token mixer's two weight-gradient products, as cuBLAS gets them today and as batches of column chunks.

    PYTHONPATH=. python bench/mixer_weight_grads.py                       # GPU: check, then time at the paper size
    PYTHONPATH=. python bench/mixer_weight_grads.py --check-only --device cpu

trm.kernels.token_mixer_grad ends each trained call with grad_down = d_mixed (S, N) @ activated^T (N, W) and
grad_gate_up = d_gate_up (2W, N) @ tokens^T (N, S): outputs of 97 x 512 and 1024 x 97 values, reduced over
N = 393,216 columns (batch 768 x hidden 512). cuBLAS runs such products split along N; this bench asks whether
an explicit split, a strided batch of chunk products summed in float32, reads the 1.6 GB of operands faster.
"""

import torch

from bench.kernel_timing import check_against_float64, checked_args, relative_error, report, time_variant

SEQ, COLUMNS, WIDTH = 97, 768 * 512, 512  # the paper's TRM-MLP: 97 tokens, batch 768 x hidden 512, width 512


def operands(seq: int, columns: int, width: int, device: str, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """d_mixed (S, N), activated (W, N), d_gate_up (2W, N), tokens (S, N): random, as the backward kernel writes."""
    generator = torch.Generator(device="cpu").manual_seed(0)
    shapes = ((seq, columns), (width, columns), (2 * width, columns), (seq, columns))
    return tuple(torch.randn(shape, generator=generator).to(device, dtype) for shape in shapes)


def today(d_mixed, activated, d_gate_up, tokens) -> tuple[torch.Tensor, torch.Tensor]:
    return d_mixed @ activated.T, d_gate_up @ tokens.T


def swapped(d_mixed, activated, d_gate_up, tokens) -> tuple[torch.Tensor, torch.Tensor]:
    """The same products with the operands' roles swapped (the transposed result), another cuBLAS layout."""
    return (activated @ d_mixed.T).T, (tokens @ d_gate_up.T).T


def swapped_down(d_mixed, activated, d_gate_up, tokens) -> tuple[torch.Tensor, torch.Tensor]:
    return (activated @ d_mixed.T).T, d_gate_up @ tokens.T


def swapped_gate_up(d_mixed, activated, d_gate_up, tokens) -> tuple[torch.Tensor, torch.Tensor]:
    return d_mixed @ activated.T, (tokens @ d_gate_up.T).T


def chunked(chunks: int):
    """Split N into ``chunks`` (no copies: strided views), one batched product, the partials summed in float32."""
    def products(d_mixed, activated, d_gate_up, tokens) -> tuple[torch.Tensor, torch.Tensor]:
        def reduce(left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:  # left (A, N), right (B, N) -> (A, B)
            size = left.shape[1] // chunks
            left_chunks = left.view(left.shape[0], chunks, size).transpose(0, 1)  # (chunks, A, size)
            right_chunks = right.view(right.shape[0], chunks, size).permute(1, 2, 0)  # (chunks, size, B)
            if left.is_cuda:
                return torch.bmm(left_chunks, right_chunks, out_dtype=torch.float32).sum(0).to(left.dtype)
            return torch.bmm(left_chunks, right_chunks).sum(0)
        return reduce(d_mixed, activated), reduce(d_gate_up, tokens)
    return products


def variants() -> list[tuple[str, object]]:
    return [("mm (today)", today), ("mm, operands swapped", swapped),
                                          ("mm, swapped for grad_down only", swapped_down),
                                          ("mm, swapped for grad_gate_up only", swapped_gate_up)] + [
        (f"bmm over {chunks} column chunks, fp32 sum", chunked(chunks)) for chunks in (32, 96)]


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Every variant against float64, at a small size (and on the GPU at the paper's)."""
    sizes = [(21, 384 * 8, 40)] + ([(SEQ, COLUMNS, WIDTH)] if device == "cuda" else [])
    check_against_float64(sizes, operands, today, variants(), device, dtype, tolerance)


def main() -> None:
    args = checked_args(__doc__.splitlines()[0], check)
    if args is None:
        return
    inputs = operands(SEQ, COLUMNS, WIDTH, "cuda", torch.bfloat16)
    reference = today(*(t.double() for t in inputs))
    flops = 2.0 * COLUMNS * SEQ * WIDTH * 3  # both products: 97 x 512 and 1024 x 97 outputs over N
    rows = [time_variant(label, lambda p=products: p(*inputs), lambda results: relative_error(results, reference),
                         flops) for label, products in variants()]
    report(rows, args.out)


if __name__ == "__main__":
    main()
