"""Seconds per traced solve (first step, all steps, PCA) and the ratio to the bare recursion, per checkpoint.

    python bench/trace_solve.py [--device cpu|cuda] [--steps 16] [--views K] [--only NAME] [--repeats 3]
        [--no-compile] [--threads N] [--precision float32|bf16|both]

For every checkpoint folder under checkpoints/ (or, when there is none, a randomly initialised paper-size
``build_model(ModelConfig())``, and the output says so) it solves one generated puzzle of the model's
grid size with the eager network and, unless --no-compile, with the network compiled by the inference core
(trm.inference), and prints one JSON line per (model, network):

- ``bare_s``: the core's recursion and readout without observers (what solving costs without watching), median
  of the repeats;
- ``first_step_s`` / ``all_steps_s``: ``iter_trace`` until its first / last record (what the page waits for);
- ``pca_s``: ``finish_trace`` (the PCA views, fitted once the last step is in);
- ``overhead``: all_steps_s / bare_s - 1, the cost of tracing (target < 10 %).

With ``--views K`` the puzzle is solved as K views in one batch, as the Solve page does (the compiled network
serves single puzzles only, so only the eager one is timed). Each measurement is warmed up once; CUDA work is
synchronised before every clock read.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from trm import CheckpointError, ModelConfig, RecursiveModel, build_model, encode_grids, load_model
from trm.inference import iter_steps, wait_until_compiled
from trm.sudoku import generate_puzzle, shape_for_size
from trm.trace import finish_trace, iter_trace

CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _bare_solve(model: RecursiveModel, compiled: bool, puzzle: np.ndarray, steps: int, views: int = 1,
                bf16: bool = False) -> None:
    """The core's recursion without observers: what solving costs without watching (K copies cost as K views)."""
    tokens = encode_grids(puzzle, next(model.parameters()).device)[None].expand(views, -1)
    for output in iter_steps(model, tokens, steps, compiled=compiled, bf16=bf16):
        output.tokens.cpu(), output.q_halt_logit.cpu()  # the page needs the digits and P(halt) of every step


def _traced_solve(model, compiled, puzzle, solution, steps, views=1, bf16=False) -> tuple[float, float, float]:
    device = next(model.parameters()).device
    started = time.perf_counter()
    first = None
    records = []
    for record in iter_trace(model, puzzle, solution, steps, keep_states=True, compiled=compiled, views=views,
                             bf16=bf16):
        first = first or time.perf_counter() - started
        records.append(record)
    _sync(device)
    all_steps = time.perf_counter() - started
    finish_trace(model.config.grid_size, puzzle, solution, records)
    return first, all_steps, time.perf_counter() - started - all_steps


def _timed(function, device) -> float:
    _sync(device)
    started = time.perf_counter()
    function()
    _sync(device)
    return time.perf_counter() - started


def _measure(name, model, compiled, label, puzzle, solution, steps, repeats, views=1, bf16=False) -> dict:
    device = next(model.parameters()).device
    _bare_solve(model, compiled, puzzle, 1, views, bf16)  # warm-up
    _traced_solve(model, compiled, puzzle, solution, 1, views, bf16)
    bare, first, all_steps, pca = [], [], [], []
    for _ in range(repeats):  # interleaved, so both see the same machine load
        bare.append(_timed(lambda: _bare_solve(model, compiled, puzzle, steps, views, bf16), device))
        f, a, p = _traced_solve(model, compiled, puzzle, solution, steps, views, bf16)
        first.append(f), all_steps.append(a), pca.append(p)
    bare_s, all_s = statistics.median(bare), statistics.median(all_steps)
    return {"model": name, "network": label, "device": str(device), "threads": torch.get_num_threads(),
            "steps": steps, "views": views, "precision": "bf16 autocast" if bf16 else "float32",
            "calls_per_step": model.config.calls_per_step, "bare_s": round(bare_s, 3),
            "first_step_s": round(statistics.median(first), 3), "all_steps_s": round(all_s, 3),
            "pca_s": round(statistics.median(pca), 3), "overhead": round(all_s / bare_s - 1, 3),
            "ms_per_call_bare": round(1000 * bare_s / (steps * model.config.calls_per_step), 2)}


def _models(device: str, only: str | None) -> list[tuple[str, RecursiveModel]]:
    folders = sorted(p.parent for p in CHECKPOINTS.glob("*/config.json") if only in (None, p.parent.name))
    if only and not folders:
        raise SystemExit(f"error: --only {only}: no checkpoint {CHECKPOINTS / only} (a random model is timed only "
                         "where none is shipped)")
    models = []
    for folder in folders:
        try:
            models.append((folder.name, load_model(folder, device).model))
        except CheckpointError as error:
            print(json.dumps({"model": folder.name, "skipped": str(error)}))
    if not folders:
        print(json.dumps({"note": f"no checkpoint under {CHECKPOINTS}: timing a randomly initialised "
                                  f"paper-size model build_model(ModelConfig())"}))
        models.append(("random-paper-size-9x9", build_model(ModelConfig(), torch.Generator().manual_seed(0))
                       .to(device).eval()))
    return models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, help="supervision steps (default: the model's maximum)")
    parser.add_argument("--views", type=int, default=1, help="solve as K views in one batch (eager only)")
    parser.add_argument("--only", help="time only this checkpoint folder's model, e.g. sudoku9-mlp")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--precision", choices=["float32", "bf16", "both"], default="float32",
                        help="eager network in float32, bf16 autocast, or each in turn")
    args = parser.parse_args()
    if min(args.views, args.repeats, args.steps or 1, args.threads or 1) < 1:
        parser.error("--views, --repeats, --steps and --threads must be at least 1")
    if args.threads:
        torch.set_num_threads(args.threads)
    for name, model in _models(args.device, args.only):
        shape = shape_for_size(model.config.grid_size)
        generated = generate_puzzle(shape, "easy" if shape.size == 4 else "medium", np.random.default_rng(0))
        steps = args.steps or model.config.max_supervision_steps
        for bf16 in {"float32": [False], "bf16": [True], "both": [False, True]}[args.precision]:
            print(json.dumps(_measure(name, model, False, "eager", generated.puzzle, generated.solution, steps,
                                      args.repeats, args.views, bf16)), flush=True)
        if args.no_compile or args.views > 1:
            continue
        status = wait_until_compiled(model)
        if status.state != "ready":
            print(json.dumps({"model": name, "network": "compiled", "status": status.state,
                              "message": status.message}))
            continue
        row = _measure(name, model, True, "compiled", generated.puzzle,
                       generated.solution, steps, args.repeats)
        print(json.dumps({**row, "compile_s": round(status.seconds, 1)}), flush=True)


if __name__ == "__main__":
    main()
