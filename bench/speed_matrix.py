"""Run bench/train_step.py once per compile setting, each in a fresh process, and print a table.

    python bench/speed_matrix.py [--preset sudoku9-mlp] [--out speed_matrix.jsonl] [--only NAME ...]

Slow: every setting compiles from scratch (a fresh process, so no cache is shared); results are appended to
--out as they finish, so a cut-off run keeps what it measured.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

SETTINGS: dict[str, list[str]] = {  # "default" is the trainer's: both fused kernels on (a GPU with Triton)
    "default": [],
    "plain": ["--no-fused-swiglu", "--no-fused-token-mixer"],  # the model's layers without kernels of ours
    "no-cudagraph-autotune": ["--compile-mode", "max-autotune-no-cudagraphs"],
    "reduce-overhead": ["--compile-mode", "reduce-overhead"],
    "max-autotune": ["--compile-mode", "max-autotune"],
    "coordinate-descent": ["--inductor", "coordinate_descent_tuning=true"],
    "no-shape-padding": ["--inductor", "shape_padding=false"],
    "fused-swiglu": ["--fused-swiglu", "--no-fused-token-mixer"],
    "fused-token-mixer": ["--no-fused-swiglu", "--fused-token-mixer"],
    "mixer-forward-only": ["--plain-mixer-backward"],  # default, but trained token-mixer calls use autograd
    "swiglu-forward-only": ["--plain-swiglu-backward"],  # default, but trained channel SwiGLUs use autograd
    "no-tma": ["--no-tma"],  # default, but the kernels' pointer versions where the GPU has TMA
    "normed": ["--swiglu", "normed"],  # the normed SwiGLU with every kernel (forward and backward)
    "normed-plain": ["--swiglu", "normed", "--no-fused-swiglu", "--no-fused-token-mixer"],
}


def run_setting(name: str, extra: list[str], base: list[str], timeout: int) -> dict:
    command = [sys.executable, str(Path(__file__).with_name("train_step.py")), *base, *extra]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"setting": name, "error": f"timed out after {timeout} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"setting": name, "error": (done.stderr or done.stdout)[-800:]}
    return {"setting": name, **json.loads(lines[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="sudoku9-mlp")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=6)
    parser.add_argument("--only", nargs="*", choices=sorted(SETTINGS), help="settings to run (default: all)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per setting, compilation included")
    parser.add_argument("--out", default="speed_matrix.jsonl")
    parser.add_argument("--device")
    args = parser.parse_args()
    base = ["--preset", args.preset, "--steps", str(args.steps), "--warmup", str(args.warmup)]
    base += ["--device", args.device] if args.device else []
    results = []
    for name in args.only or list(SETTINGS):
        result = run_setting(name, SETTINGS[name], base, args.timeout)
        results.append(result)
        with open(args.out, "a", encoding="utf-8") as file:
            file.write(json.dumps(result) + "\n")
        print(json.dumps(result), flush=True)
    timed = {r["setting"]: r["ms_per_step"] for r in results if "ms_per_step" in r}
    baseline = next((name for name in ("plain", "default") if name in timed), None)
    reference = timed.get(baseline)
    print(f"\n{'setting':<24}{'ms/step':>10}{'samples/s':>12}{'MFU':>8}{'vs ' + str(baseline):>12}{'compile s':>11}")
    for r in results:
        if "ms_per_step" not in r:
            print(f"{r['setting']:<24}  failed: {r['error'].splitlines()[-1] if r['error'] else '?'}")
            continue
        ratio = f"{reference / r['ms_per_step']:.2f}x" if reference else "-"
        mfu = f"{100 * r['mfu']:.1f}%" if r.get("mfu") else "-"
        print(f"{r['setting']:<24}{r['ms_per_step']:>10.1f}{r['samples_per_second']:>12.0f}{mfu:>8}{ratio:>12}"
              f"{r['warmup_seconds']:>11.0f}")


if __name__ == "__main__":
    main()
