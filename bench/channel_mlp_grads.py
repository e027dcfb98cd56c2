"""The channel SwiGLU's backward products, as cuBLAS gets them in training today and in other layouts.

    PYTHONPATH=. python bench/channel_mlp_grads.py                       # GPU: check, then time at the paper size
    PYTHONPATH=. python bench/channel_mlp_grads.py --check-only --device cpu

trm.kernels.swiglu_grad's FusedSwiGLU ends each trained call with three cuBLAS products over R = 74,496 rows
(batch 768 x 97 tokens), hidden D = 512 and width W = 1,536: the input's gradient d_gate_up (R, 2W) @ gate_up
(2W, D), and the two weight gradients d_gate_up^T @ x and grad_out^T @ activated, outputs of 3,072 x 512 and
512 x 1,536 values reduced over the R rows. The step's profile puts the GEMMs at 27.8 ms where the FLOPs need
about 19 at the rate large products reach; the token mixer's weight gradients were 2.3x faster with their operands
swapped (bench/mixer_weight_grads.py). This bench asks the same of the channel MLP's.
"""

import torch

from bench.kernel_timing import check_against_float64, checked_args, relative_error, report, time_variant

ROWS, HIDDEN, WIDTH = 768 * 97, 512, 1536  # the paper's TRM-MLP: batch 768 x 97 tokens, hidden 512, width 1,536


def operands(rows: int, hidden: int, width: int, device: str, dtype: torch.dtype) -> tuple[torch.Tensor, ...]:
    """x (R, D), grad_out (R, D), d_gate_up (R, 2W), activated (R, W), gate_up (2W, D): random, as in training."""
    generator = torch.Generator(device="cpu").manual_seed(0)
    shapes = ((rows, hidden), (rows, hidden), (rows, 2 * width), (rows, width), (2 * width, hidden))
    return tuple(torch.randn(shape, generator=generator).to(device, dtype) for shape in shapes)


def today(x, grad_out, d_gate_up, activated, gate_up) -> tuple[torch.Tensor, ...]:
    """As FusedSwiGLU.backward writes them: d_x, d(gate_up weight), d(down weight)."""
    return d_gate_up @ gate_up, d_gate_up.T @ x, grad_out.T @ activated


def swapped_weights(x, grad_out, d_gate_up, activated, gate_up) -> tuple[torch.Tensor, ...]:
    """Both weight gradients computed transposed (the operands' roles swapped), another cuBLAS layout."""
    return d_gate_up @ gate_up, (x.T @ d_gate_up).T, (activated.T @ grad_out).T


def swapped_gate_up(x, grad_out, d_gate_up, activated, gate_up) -> tuple[torch.Tensor, ...]:
    return d_gate_up @ gate_up, (x.T @ d_gate_up).T, grad_out.T @ activated


def swapped_down(x, grad_out, d_gate_up, activated, gate_up) -> tuple[torch.Tensor, ...]:
    return d_gate_up @ gate_up, d_gate_up.T @ x, (activated.T @ grad_out).T


def input_grad_only(x, grad_out, d_gate_up, activated, gate_up) -> tuple[torch.Tensor, ...]:
    """The input's gradient alone: how the time splits between it and the weight gradients."""
    return (d_gate_up @ gate_up,)


def variants() -> list[tuple[str, object]]:
    return [("mm (today)", today), ("weight grads swapped", swapped_weights),
            ("gate_up weight grad swapped", swapped_gate_up), ("down weight grad swapped", swapped_down),
            ("input grad alone", input_grad_only)]


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Every variant against float64, at a small size (and on the GPU at the paper's)."""
    sizes = [(97 * 8, 64, 96)] + ([(ROWS, HIDDEN, WIDTH)] if device == "cuda" else [])
    check_against_float64(sizes, operands, today, variants(), device, dtype, tolerance)


def flops_of(products) -> float:
    """Multiply-adds x 2 of the products a variant computes at the paper's size."""
    input_grad = 2.0 * ROWS * 2 * WIDTH * HIDDEN
    return input_grad if products is input_grad_only else input_grad * 2 + 2.0 * ROWS * HIDDEN * WIDTH


def main() -> None:
    args = checked_args(__doc__.splitlines()[0], check)
    if args is None:
        return
    inputs = operands(ROWS, HIDDEN, WIDTH, "cuda", torch.bfloat16)
    reference = today(*(t.double() for t in inputs))
    rows = [time_variant(label, lambda p=products: p(*inputs),
                         lambda results: relative_error(results, reference[:len(results)]), flops_of(products))
            for label, products in variants()]
    report(rows, args.out)


if __name__ == "__main__":
    main()
