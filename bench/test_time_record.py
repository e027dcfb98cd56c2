"""Record every view's answer and Q-halt logit at every supervision step, for stop rules studied offline.

    python bench/test_time_record.py --checkpoint checkpoints/sudoku9-mlp \
        --data assets/puzzles/heldout_forum_hardest_2k.csv --views 32 --steps 64 [--noise S] --out F.npz

Views run all steps (no stop rule), so any rule that stops a view or a puzzle earlier - and any subset of views -
can be replayed from the record exactly (bench/test_time_rules.py). The file holds, for N puzzles, K views and
S steps: ``answer_id`` (N, K, S) int16, which of the puzzle's distinct answers (mapped back to the original
orientation) the view gives; ``solution_id`` (N,), the id of the right answer (-1 if no view ever gave it);
``q_halt_logit`` (N, K, S) float16; and the settings. Answers are told apart by random-weighted digit sums below
2**53, so two different grids collide with negligible probability.
"""

import argparse
import json
import time

import numpy as np
import torch
from tqdm import tqdm

from trm import decode_tokens, encode_grids, load_model
from trm.evaluate import fill_solutions
from trm.inference import iter_steps, make_views
from trm.sudoku import read_puzzle_csv, shape_for_size


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default="checkpoints/sudoku9-mlp")
    parser.add_argument("--data", default="assets/puzzles/heldout_forum_hardest_2k.csv")
    parser.add_argument("--first", type=int, default=0, help="skip the file's first puzzles (to split a long run)")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--max-seconds", type=float, default=float("inf"),
                        help="start no batch after this many seconds; the puzzles done so far are saved")
    parser.add_argument("--views", type=int, default=32)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--noise", type=float, default=0.0,
                        help="std of Gaussian noise added to the initial y and z of every view but the first")
    parser.add_argument("--rows", type=int, default=4096, help="views run per batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    if min(args.views, args.steps, args.rows) < 1 or not args.noise >= 0:
        parser.error("--views, --steps and --rows must be at least 1 and --noise at least 0")
    if args.views * args.steps > np.iinfo(np.int16).max:
        parser.error("views x steps must stay below 32768 (answer ids are int16)")
    return args


def _hash(grids: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    return (grids.long() * weights).sum(dim=-1)


def _start(model, rows: int, views: int, noise: float, dtype, generator):
    y, z = model.initial_state(rows, dtype)
    if not noise:
        return None
    keep = (torch.arange(rows, device=y.device) % views == 0)[:, None, None]
    return tuple(torch.where(keep, s, s + noise * torch.randn(s.shape, generator=generator, device=s.device).to(dtype))
                 for s in (y.to(generator.device), z.to(generator.device)))


def _record_batch(model, puzzles, args, weights, generator):
    shape = shape_for_size(model.config.grid_size)
    views = make_views(len(puzzles), args.views, shape, generator)
    dtype = torch.bfloat16 if puzzles.device.type == "cuda" else torch.float32
    start = _start(model, len(puzzles) * args.views, args.views, args.noise, dtype, generator)
    hashes, logits = [], []
    for output in iter_steps(model, encode_grids(views.to_views(puzzles)), args.steps,
                             bf16=dtype == torch.bfloat16, compiled=False, start=start):
        hashes.append(_hash(views.to_original(decode_tokens(output.tokens)), weights))  # (N, K)
        logits.append(output.q_halt_logit.float().view(-1, args.views))
    return torch.stack(hashes, dim=-1).cpu(), torch.stack(logits, dim=-1).half().cpu()


def _dense_ids(hashes: np.ndarray, solutions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per puzzle, hashes -> 0..distinct-1 (int16; at most K * S distinct), and the solution's id or -1."""
    ids, solution_ids = np.empty(hashes.shape, np.int16), np.full(len(hashes), -1, np.int16)
    for n, (row, solution) in enumerate(zip(hashes, solutions)):
        distinct, inverse = np.unique(row, return_inverse=True)
        ids[n] = inverse.reshape(row.shape)
        found = np.searchsorted(distinct, solution)
        if found < len(distinct) and distinct[found] == solution:
            solution_ids[n] = found
    return ids, solution_ids


def main() -> None:
    args = _args()
    model = load_model(args.checkpoint, args.device).model
    table, _ = fill_solutions(read_puzzle_csv(args.data, limit=None if args.limit is None else args.first + args.limit))
    puzzles = torch.as_tensor(table.puzzles[args.first:], device=args.device).long()
    generator = torch.Generator(device=args.device).manual_seed(args.seed)
    weights = torch.randint(0, 2 ** 43, (puzzles.shape[1],), generator=generator, device=args.device)
    per_batch = max(1, args.rows // args.views)
    hashes, logits = [], []
    started = time.perf_counter()
    with torch.no_grad():
        for first in tqdm(range(0, len(puzzles), per_batch), desc="recording", unit="batch"):
            if time.perf_counter() - started > args.max_seconds:
                break
            h, q = _record_batch(model, puzzles[first:first + per_batch], args, weights, generator)
            hashes.append(h)
            logits.append(q)
    seconds = time.perf_counter() - started
    done = sum(len(h) for h in hashes)
    solutions = _hash(torch.as_tensor(table.solutions[args.first:args.first + done], device=args.device), weights).cpu()
    settings = {"checkpoint": args.checkpoint, "data": args.data, "views": args.views, "steps": args.steps,
                "noise": args.noise, "seed": args.seed, "first": args.first, "puzzles": done,
                "seconds": round(seconds, 1),
                "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"}
    answer_id, solution_id = _dense_ids(torch.cat(hashes).numpy(), solutions.numpy())
    np.savez_compressed(args.out, answer_id=answer_id, solution_id=solution_id,
                        q_halt_logit=torch.cat(logits).numpy(), settings=json.dumps(settings))
    print(json.dumps(settings))


if __name__ == "__main__":
    main()
