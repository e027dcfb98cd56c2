"""Precompute the shipped 9x9 model's traces of the famous examples, so a talk never waits on a CPU.

    PYTHONPATH=. python scripts/make_demo_traces.py [--checkpoint checkpoints/sudoku9-mlp] [--out assets/traces] \
        [--force]

Writes one trace JSON per 9x9 example of assets/examples.json at the model's own step count, and Easter Monster
also at 64 steps (it solves and halts late: the best halting demo there is). Each records the weights'
fingerprint, so the Solve page uses it only for exactly these weights, and its PCA views. Run it again after the
shipped model changes. A trace already made with these very weights is kept unless --force: on the hardest puzzles
rounding that differs between machines grows over the steps, so a rerun elsewhere can lose a demo (Easter Monster's
64-step trace, solved and halting at step 60, does not solve on every CPU).
"""

import argparse
import json
import re
from pathlib import Path

from trm import TRMError, load_model, weights_fingerprint
from trm.sudoku import parse_puzzle, shape_for_size, solve
from trm.trace import read_trace_file, run_trace, trace_to_dict

LONG_RUNS = {"Easter Monster": 64}


def rounded(value):
    """Floats to 5 significant digits (a quarter of the file; far below what any chart can show)."""
    if isinstance(value, float):
        return float(f"{value:.5g}")
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _made_with(path: Path, fingerprint: str) -> bool:
    try:
        return read_trace_file(path).made_by.get("weights") == fingerprint
    except (OSError, TRMError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default="checkpoints/sudoku9-mlp")
    parser.add_argument("--out", default="assets/traces")
    parser.add_argument("--force", action="store_true", help="remake traces made with these very weights too")
    args = parser.parse_args()
    loaded = load_model(args.checkpoint, "cpu")
    fingerprint = weights_fingerprint(args.checkpoint)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shape = shape_for_size(9)
    for example in json.loads(Path("assets/examples.json").read_text()):
        puzzle = parse_puzzle(example["puzzle"], check_conflicts=False)
        if len(puzzle) != shape.cells:
            continue
        found = solve(puzzle, shape)
        solution = found.solutions[0] if found.count == 1 else None
        for steps in sorted({loaded.config.max_supervision_steps, LONG_RUNS.get(example["name"], 0)} - {0}):
            path = out / f"{slug(example['name'])}-{steps}.json"
            if not args.force and _made_with(path, fingerprint):
                print(f"{path}: kept (made with these weights; --force remakes it)")
                continue
            trace = run_trace(loaded.model, puzzle, solution, steps, compiled=False)
            trace.made_by = {"model": Path(args.checkpoint).name, "weights": fingerprint, "steps": steps,
                             "views": 1, "seed": 0, "made_with": "scripts/make_demo_traces.py"}
            path.write_text(json.dumps(rounded(trace_to_dict(trace)), separators=(",", ":")))
            print(f"{path}: halts at {trace.halt_step}, solved at {trace.first_solved_step}, "
                  f"{path.stat().st_size / 1024:.0f} KiB", flush=True)


if __name__ == "__main__":
    main()
