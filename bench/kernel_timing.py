"""Shared by the kernel benches: time each variant of one computation, check it first, print and save the rows."""

import argparse
import json
from collections.abc import Callable

import torch


def time_variant(label: str, function: Callable[[], torch.Tensor], relative_error: Callable[[torch.Tensor], float],
                 flops: float) -> dict:
    """One row: the median ms of ``function`` (triton's do_bench), its TFLOP/s and its error against float64.

    A variant that fails (a tile that does not fit the GPU) gives a row with its error message instead.
    """
    import triton  # the GPU benches only: CPU wheels of PyTorch come without it

    try:
        error = relative_error(function())
        ms = triton.testing.do_bench(function, warmup=25, rep=200, return_mode="median")
    except Exception as exception:  # noqa: BLE001 - report it and go on to the next variant
        return {"variant": label, "error": str(exception)[:200]}
    return {"variant": label, "ms": round(ms, 4), "tflops": round(flops / ms / 1e9, 1),
            "relative_error": float(f"{error:.2e}")}


def relative_error(results, reference) -> float:
    """The largest relative error (Frobenius norm) of ``results`` against float64 ``reference``, pairwise."""
    return max(float((r.double() - e).norm() / e.norm()) for r, e in zip(results, reference))


def check_against_float64(sizes: list[tuple], operands: Callable, reference: Callable, variants: list[tuple],
                          device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Every (label, products) variant on ``operands(*size, device, dtype)`` against ``reference`` computed in
    float64, at each size; prints each error and asserts it is under ``tolerance``."""
    for size in sizes:
        inputs = operands(*size, device, dtype)
        expected = reference(*(t.double() for t in inputs))
        for label, products in variants:
            error = relative_error(products(*inputs), expected)
            print(f"check {'x'.join(map(str, size))} {label}: relative error {error:.2e}")
            assert error < tolerance, label


def report(rows: list[dict], out: str | None) -> None:
    """Print each row as JSON (and append it to ``out``), then a table: variant, ms, TFLOP/s."""
    for row in rows:
        print(json.dumps(row))
        if out:
            with open(out, "a", encoding="utf-8") as file:
                file.write(json.dumps(row) + "\n")
    print(f"\n{'variant':<50}{'ms':>9}{'TFLOP/s':>9}")
    for row in rows:
        figures = f"{row['ms']:>9.3f}{row['tflops']:>9.1f}" if "ms" in row else "  failed: " + row["error"][:60]
        print(f"{row['variant']:<50}{figures}")


def run(description: str, check: Callable[[str, torch.dtype, float], None],
        time_variants: Callable[[list[tuple]], list[dict]], tiles: list[tuple]) -> None:
    """A kernel bench's main: its command line and check (checked_args), then time every tile and report."""
    args = checked_args(description, check)
    if args is not None:
        report(time_variants(tiles), args.out)


def checked_args(description: str, check: Callable[[str, torch.dtype, float], None]) -> argparse.Namespace | None:
    """Parse a kernel bench's command line (--device, --check-only, --out) and run its correctness ``check`` (bf16
    on the GPU, float32 elsewhere); returns the arguments, or None when only the check was asked for."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--out", help="also append the rows to this JSONL file")
    args = parser.parse_args()
    on_gpu = args.device == "cuda"
    check(args.device, torch.bfloat16 if on_gpu else torch.float32, 2e-2 if on_gpu else 1e-5)
    return None if args.check_only else args
