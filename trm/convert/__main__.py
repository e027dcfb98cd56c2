"""Open another project's TRM checkpoint as ours, or write ours in the reference's format.

    python -m trm.convert --from reference runs/sudoku/step_65100 --out checkpoints/their-sudoku \
        [--config all_config.yaml] [--force] [--eval forum-hardest=assets/puzzles/heldout_forum_hardest_2k.csv]
    python -m trm.convert --from nano-trm logs/train/runs/NAME/checkpoints/last.ckpt --out checkpoints/NAME \
        [--ema | --raw]
    python -m trm.convert --from reference hf:OWNER/REPO[/FILE] --out checkpoints/NAME   # from the Hugging Face Hub
    python -m trm.convert --to reference checkpoints/sudoku9-mlp --out for-the-reference/ [--step N]

Files are read with torch.load(weights_only=True) or as safetensors: nothing is ever fully unpickled. The new
checkpoint's model card names the source file, its format and sha256, its settings and every tensor's name there
and here. ``--eval`` then measures it on held-out puzzles and adds the result to the card. A nano-trm checkpoint
opens with its EMA weights when it has them (what its validation accuracy measures); ``--raw`` takes the
state_dict (what its evaluate.py loads). ``hf:`` sources need ``pip install huggingface_hub``; with
``HF_HUB_OFFLINE=1`` they are read from the hub's cache (``HF_HUB_CACHE``) alone.
"""

import argparse
import json
import sys
from pathlib import Path

import trm.cli_types as cli_types
from trm.convert.convert import FORMATS, open_source, write_converted
from trm.convert.to_reference import write_reference
from trm.checkpoint import read_json
from trm.errors import TRMError
from trm.export.checkpoint_export import reevaluate_checkpoint
from trm.export.card_evaluation import read_eval_sets


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trm.convert", description=__doc__.split("\n")[0])
    direction = parser.add_mutually_exclusive_group(required=True)
    direction.add_argument("--from", dest="source_format", choices=FORMATS, help="the format of PATH")
    direction.add_argument("--to", dest="target_format", choices=["reference"],
                           help="write the checkpoint PATH in this format")
    parser.add_argument("path", metavar="PATH",
                        help="the file to convert, or hf:OWNER/REPO[/FILE] (--from); our checkpoint (--to)")
    parser.add_argument("--out", required=True,
                        help="--from: the checkpoint folder to write (e.g. checkpoints/NAME); --to: a folder")
    parser.add_argument("--config", help="--from reference: its all_config.yaml (default: beside PATH)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--ema", action="store_const", const=True, dest="ema",
                         help="--from nano-trm: the EMA callback's weights (the default when present)")
    weights.add_argument("--raw", action="store_const", const=False, dest="ema",
                         help="--from nano-trm: the raw state_dict")
    parser.add_argument("--force", action="store_true", help="replace an existing TRM Studio checkpoint at --out")
    parser.add_argument("--eval", action="append", default=[], metavar="NAME=PATH",
                        help="--from: then evaluate on this held-out set (a puzzle CSV, a data folder's test split, a "
                             "split .npz, or minimal:4) and add it to the card (repeatable)")
    parser.add_argument("--limit", type=cli_types.positive_int, help="with --eval: the first N puzzles only")
    parser.add_argument("--step", type=cli_types.non_negative_int, help="--to reference: the N of step_N")
    parser.add_argument("--device", type=cli_types.device, default="cpu", help="with --eval: cpu (default) or cuda")
    args = parser.parse_args(argv)
    if args.target_format and (args.eval or args.config or args.force or args.ema is not None):
        parser.error("--eval, --config, --force, --ema and --raw go with --from")
    if args.source_format == "nano-trm" and args.config:
        parser.error("--config is for --from reference; a nano-trm checkpoint holds its own hyper-parameters")
    if args.source_format == "reference" and args.ema is not None:
        parser.error("--ema and --raw are for --from nano-trm; the reference saves one set of weights")
    if args.source_format and args.step is not None:
        parser.error("--step goes with --to reference")
    if any("=" not in item for item in args.eval):
        parser.error("--eval takes NAME=PATH")
    return args


def _evaluations(destination: Path) -> dict[str, float]:
    evaluations = read_json(destination / "config.json", "Checkpoint config").get("metadata", {}).get("evaluations")
    return {entry["name"]: entry["result"]["exact_accuracy"] for entry in evaluations or []}


def _evaluate_written(destination: Path, eval_sets: list, device: str) -> None:
    """Evaluate the converted checkpoint; an interruption leaves it written and says so."""
    try:
        reevaluate_checkpoint(destination, eval_sets, [], device)
    except KeyboardInterrupt:
        print(f"\nnote: {destination} was written; its card holds the evaluations finished so far. Add the rest "
              f"with python -m trm.export --card-only {destination} --eval NAME=PATH ...", file=sys.stderr)
        raise


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.target_format:
            written, forward_dtype = write_reference(Path(args.path), Path(args.out), args.step)
            print(json.dumps({"written": [str(written), str(written.parent / "all_config.yaml")],
                              "forward_dtype": forward_dtype}))
            return 0
        converted = open_source(args.source_format, args.path, Path(args.config) if args.config else None, args.ema)
        sets = dict(item.split("=", 1) for item in args.eval)
        eval_sets = read_eval_sets(sets, converted.grid_size, args.limit)  # a bad file leaves nothing written
        destination = write_converted(converted, Path(args.out), args.force)
        if sets:
            _evaluate_written(destination, eval_sets, args.device)
    except (TRMError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = {"checkpoint": str(destination), "tensors": len(converted.origin["mapped"]),
              "source_sha256": converted.origin["sha256"]}
    if sets:
        report["exact_accuracy"] = _evaluations(destination)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(cli_types.run_command(main))
