"""Export a run's model into ``checkpoints/<name>/`` (bf16 safetensors + config.json + MODEL_CARD.md).

    python -m trm.export --run runs/sudoku9-mlp --name sudoku9-mlp \
        --eval forum-hardest=assets/puzzles/heldout_forum_hardest.csv --extra-steps 32 64 [--limit N] \
        [--difficulty-mix assets/puzzles/sudoku_extreme_train_1k.csv]
    python -m trm.export --card-only checkpoints/sudoku9-mlp [--data data/sudoku9] [--run RUN]   # card only
    python -m trm.export --card-only checkpoints/sudoku9-mlp --eval NAME=CSV ... [--limit N]   # new evaluations

The exported weights are reloaded and evaluated, so the card's accuracy is what ``python -m trm.evaluate``
prints for the shipped files. Each evaluation also records its accuracy by difficulty band; with a difficulty
mix, the card estimates the accuracy on a set of that mix from all sets' bands pooled.
"""

import argparse
import json
import sys
from pathlib import Path

import torch

from trm.checkpoint import load_model, read_json, save_model, write_json
from trm.errors import CheckpointError, TRMError
from trm.evaluate import (accuracy_by_band, estimate_for_mix, evaluate_model_at, fill_solutions, pooled_card_bands,
                          puzzle_backtracks)
from trm.model.config import ModelConfig
from trm.model.build import build_model
from trm.model.tokens import encode_grids
from trm.model.trm import RecursiveModel, count_parameters
from trm.model_card import and_list, render_model_card
from trm.data import load_meta, load_split
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv
from trm.train.rundir import read_metrics
from trm.train.state import load_run_state


def _ema_model(run_dir: Path, source: str) -> tuple[RecursiveModel, int]:
    """The run's EMA model from ``best/`` or from the latest resumable state; returns (model, step)."""
    if source == "best":
        loaded = load_model(run_dir / "best")
        return loaded.model, int(loaded.metadata.get("step", 0))
    run = read_json(run_dir / "run.json", "Run config")
    state = load_run_state(run_dir)
    model = build_model(ModelConfig.from_dict(run["model"]))
    weights = {k[6:]: v for k, v in state.weights.items() if k.startswith("model.")}
    weights.update({k[4:]: v for k, v in state.weights.items() if k.startswith("ema.")})
    model.load_state_dict(weights)
    return model.eval(), state.step


def data_provenance(data_dir: str | Path) -> dict | None:
    """What a built data set was made from (its meta.json): counts, source files with sha256, how it was built."""
    try:
        meta = load_meta(data_dir)
    except TRMError:
        return None
    sources = meta.get("sources") or {}
    return {"counts": meta.get("counts", {}), "how_built": meta.get("how_built", ""),
            **{split: [f"{s['file']} (sha256 {s['sha256'][:12]})" for s in sources.get(split, [])]
               for split in ("train", "test")}}


def training_curve(run_dir: str | Path, required: bool = False) -> list[dict]:
    """The held-out evaluations the run made while training (metrics.jsonl's eval records), oldest first.
    With ``required`` a run folder without metrics.jsonl raises CheckpointError (a mistyped --run)."""
    if required and not (Path(run_dir) / "metrics.jsonl").is_file():
        raise CheckpointError(f"{run_dir} has no metrics.jsonl: not a training run folder.")
    return [{"step": r["step"], "count": r.get("count"), "steps": r.get("steps"), "exact_accuracy": r["exact_accuracy"],
             "cell_accuracy": r.get("cell_accuracy")}
            for r in read_metrics(Path(run_dir) / "metrics.jsonl")
            if r.get("kind") == "eval" and isinstance(r.get("exact_accuracy"), (int, float)) and "step" in r]


def training_hardware(run_dir: str | Path, last_step: int, fallback: str = "n/a") -> str:
    """Where the run trained, by step range, from the device each process recorded when it started, e.g.
    "NVIDIA H100 (steps 0-16,212 and 22,050-32,374), 2x NVIDIA H200 under torchrun (16,212-22,050)".
    ``fallback`` (the last process's device) when a process recorded none (runs from before the record)."""
    starts = [r for r in read_metrics(Path(run_dir) / "metrics.jsonl")
              if r.get("kind") == "event" and r.get("event") in ("started", "resumed")]
    if not starts or starts[0].get("event") != "started" or any("device" not in r for r in starts):
        return fallback
    ranges: dict[str, list[list[int]]] = {}
    for start, end in zip(starts, [*starts[1:], {"step": last_step}]):
        world = int(start.get("world_size", 1))
        label = f"{world}x {start['device']} under torchrun" if world > 1 else str(start["device"])
        spans = ranges.setdefault(label, [])
        if spans and spans[-1][1] == int(start["step"]):  # resumed on the same kind of machine
            spans[-1][1] = int(end["step"])
        elif int(end["step"]) > int(start["step"]):
            spans.append([int(start["step"]), int(end["step"])])
    if len(ranges) <= 1:
        return next(iter(ranges), fallback)
    parts = [f"{label} ({and_list([f'{a:,}-{b:,}' for a, b in spans])})" for label, spans in ranges.items()]
    return parts[0].replace(" (", " (steps ", 1) + "".join(f", {part}" for part in parts[1:])


def _training_metadata(run_dir: Path, step: int) -> dict:
    run = read_json(run_dir / "run.json", "Run config")
    state = read_json(run_dir / "state" / "state.json", "Training state") if (run_dir / "state").exists() else {}
    status = read_json(run_dir / "status.json", "Run status") if (run_dir / "status.json").exists() else {}
    train = run["train"]
    return {"preset": run["preset"], "command": run.get("command", ""), "resumed_with": run.get("resumed_with", []),
            "step": step, "total_steps": train["total_steps"], "batch_size": train["batch_size"],
            "ema_rate": train["ema_rate"], "data": train["data_dir"],
            "data_provenance": data_provenance(train["data_dir"]),
            "wall_hours": round(float(state.get("wall_seconds", 0)) / 3600, 2), "hardware": training_hardware(run_dir, int(status.get("step", step)), status.get("device", "n/a")),
            "heldout_curve": training_curve(run_dir)}


def read_eval_set(source: str, limit: int | None = None) -> tuple[PuzzleTable, int]:
    """Puzzles with solutions from a CSV, a built data folder (its test split) or a split .npz file."""
    path = Path(source)
    if path.is_dir() or path.suffix == ".npz":
        table = load_split(path if path.is_dir() else path.parent, "test" if path.is_dir() else path.stem)
        n = len(table) if limit is None else min(limit, len(table))
        return PuzzleTable(table.shape, table.puzzles[:n], table.solutions[:n], table.sources[:n]), 0
    return fill_solutions(read_puzzle_csv(path, limit=limit))


def evaluate_checkpoint(path: Path, sets: dict[str, str], extra_steps: list[int], limit: int | None,
                        device: str, autocast: bool | None = None, batch_size: int = 512):
    """Evaluate a checkpoint on named CSVs at its own step count and at each of ``extra_steps``.

    Yields the evaluations done so far after each set, so a caller can save them before the next set starts.
    """
    loaded = load_model(path, device)
    step_counts = [loaded.model.config.max_supervision_steps, *extra_steps]
    evaluations = []
    for name, csv in sets.items():
        table, skipped = read_eval_set(csv, limit)
        inputs, labels = encode_grids(table.puzzles, device), encode_grids(table.solutions, device)
        results = evaluate_model_at(loaded.model, inputs, labels, step_counts, batch_size=batch_size,
                                    show_progress=True, autocast=autocast)
        backtracks = puzzle_backtracks(table.puzzles, table.shape)
        for index, result in enumerate(results):
            bands = accuracy_by_band(backtracks, result.puzzle_correct)
            evaluations.append({"name": name if index == 0 else f"{name} ({result.steps} steps)", "data": csv,
                                "skipped": skipped, "result": result.to_dict(),
                                "by_difficulty": [band.to_dict() for band in bands]})
        yield evaluations


def difficulty_mix_estimate(evaluations: list[dict], mix_csv: str, mix_backtracks: list[int]) -> dict | None:
    """The accuracy expected on a set with ``mix_csv``'s difficulty mix, from the bands of every set evaluated at
    the model's own step count, pooled; None before any evaluation."""
    pooled = pooled_card_bands(evaluations)
    if pooled is None:
        return None
    estimate = estimate_for_mix(pooled.bands, mix_backtracks)
    return {"data": mix_csv, "puzzles": len(mix_backtracks), "steps": pooled.steps, "pooled": pooled.set_names,
            **estimate.to_dict()}


def export_checkpoint(run_dir: Path, name: str, dest_root: Path = Path("checkpoints"), source: str = "best",
                      sets: dict[str, str] | None = None, extra_steps: list[int] | None = None,
                      limit: int | None = None, summary: str = "", status: str = "", device: str = "cpu",
                      dtype: torch.dtype = torch.bfloat16, autocast: bool | None = None, batch_size: int = 512,
                      difficulty_mix: str | None = None) -> Path:
    """Write ``dest_root/name`` from a run; returns its path. Raises CheckpointError for a broken run folder.

    The card is written before the evaluation and again after each evaluated set: a killed export keeps the
    sets it finished. ``difficulty_mix`` (a puzzle CSV) adds the accuracy estimated for that set's difficulty."""
    mix_backtracks = _mix_backtracks(difficulty_mix)  # first: a bad mix file fails before the long part
    model, step = _ema_model(Path(run_dir), source)
    destination = Path(dest_root) / name
    metadata = {"summary": summary, "status": status, "parameters": count_parameters(model),
                "dtype": str(dtype).replace("torch.", ""), "training": _training_metadata(Path(run_dir), step),
                "evaluations": []}
    save_model(destination, model, metadata, dtype=dtype)
    _write_card(destination, name, model.config, metadata)
    _evaluate_into_card(destination, name, model.config, metadata, sets or {}, extra_steps or [], limit, device,
                        autocast, batch_size, difficulty_mix, mix_backtracks)
    return destination


def reevaluate_checkpoint(checkpoint: Path, sets: dict[str, str], extra_steps: list[int] | None = None,
                          limit: int | None = None, device: str = "cpu", autocast: bool | None = None,
                          batch_size: int = 512, difficulty_mix: str | None = None) -> Path:
    """Evaluate a checkpoint's own files again on ``sets`` and replace its card's evaluations; the weights and the
    rest of the metadata stay. The card is written after each set, as in an export."""
    mix_backtracks = _mix_backtracks(difficulty_mix)
    saved = read_json(checkpoint / "config.json", "Checkpoint config")
    metadata = {key: value for key, value in (saved.get("metadata") or {}).items() if key != "difficulty_mix"}
    _evaluate_into_card(checkpoint, checkpoint.name, ModelConfig.from_dict(saved["model"]), metadata, sets,
                        extra_steps or [], limit, device, autocast, batch_size, difficulty_mix, mix_backtracks)
    return checkpoint


def _mix_backtracks(difficulty_mix: str | None) -> list[int] | None:
    if not difficulty_mix:
        return None
    mix = read_puzzle_csv(difficulty_mix)
    return puzzle_backtracks(mix.puzzles, mix.shape)


def compared_run(run_dir: str | Path) -> dict:
    """What a model card says about another run of the same model (a recipe tried beside the shipped one): its
    commands, starting weights, data, steps, time, hardware and held-out curve, from the run folder's logs alone
    (its weights are not needed). Raises CheckpointError for a folder that is not a run."""
    run_dir = Path(run_dir)
    curve = training_curve(run_dir, required=True)
    run = read_json(run_dir / "run.json", "Run config")
    if not isinstance(run.get("train"), dict) or "data_dir" not in run["train"]:
        raise CheckpointError(f"{run_dir}/run.json has no training config: not a training run folder.")
    records = read_metrics(run_dir / "metrics.jsonl")
    started = next((r for r in records if r.get("event") == "started"), {})
    trained = [r for r in records if r.get("kind") == "train"]
    status = read_json(run_dir / "status.json", "Run status") if (run_dir / "status.json").exists() else {}
    step = int(status.get("step", trained[-1]["step"] if trained else curve[-1]["step"] if curve else 0))
    wall = float(trained[-1].get("wall_seconds", 0)) if trained else 0.0
    rewarmed = [int(r["step"]) for r in records if r.get("event") == "resumed"
                and any("re-warms" in note for note in r.get("notes", []))]
    return {"name": run_dir.name, "command": run.get("command", ""), "resumed_with": run.get("resumed_with", []),
            "init_from": started.get("init_from"), "data_provenance": data_provenance(run["train"]["data_dir"]),
            "step": step, "total_steps": run["train"].get("total_steps"), "state": status.get("state", "n/a"),
            "rewarmed_at": rewarmed, "wall_hours": round(wall / 3600, 2),
            "hardware": training_hardware(run_dir, step, started.get("device", "n/a")), "curve": curve}


def _evaluate_into_card(destination: Path, name: str, config: ModelConfig, metadata: dict, sets: dict[str, str],
                        extra_steps: list[int], limit: int | None, device: str, autocast: bool | None,
                        batch_size: int, difficulty_mix: str | None, mix_backtracks: list[int] | None) -> None:
    for evaluations in evaluate_checkpoint(destination, sets, extra_steps, limit, device, autocast, batch_size):
        estimate = difficulty_mix_estimate(evaluations, difficulty_mix, mix_backtracks) if difficulty_mix else None
        _write_card(destination, name, config,
                    {**metadata, "evaluations": evaluations, **({"difficulty_mix": estimate} if estimate else {})})


def _write_card(destination: Path, name: str, config: ModelConfig, metadata: dict) -> None:
    saved = read_json(destination / "config.json", "Checkpoint config")
    write_json(destination / "config.json", {**saved, "metadata": metadata})
    (destination / "MODEL_CARD.md").write_text(render_model_card(name, config, metadata, metadata["evaluations"]))


def rerender_card(checkpoint: Path, data_dir: str | None = None, run_dir: str | None = None,
                  compare_runs: list[str] | None = None) -> Path:
    """Write MODEL_CARD.md again from the checkpoint's config.json (no evaluation), adding the data set's
    provenance from ``data_dir`` (default: the data folder the run trained on) when the config lacks it, the
    held-out curve from ``run_dir``'s metrics when given, and ``compare_runs`` (run folders of other recipes,
    replacing any listed before) side by side."""
    loaded_config = read_json(checkpoint / "config.json", "Checkpoint config")
    metadata = loaded_config.get("metadata") or {}
    training = metadata.setdefault("training", {})
    if not training.get("data_provenance"):
        training["data_provenance"] = data_provenance(data_dir or training.get("data", ""))
    if run_dir:
        training["heldout_curve"] = training_curve(run_dir, required=True) or training.get("heldout_curve", [])
    if compare_runs:
        metadata["compared_runs"] = [compared_run(folder) for folder in compare_runs]
    write_json(checkpoint / "config.json", {**loaded_config, "metadata": metadata})
    model_config = ModelConfig.from_dict(loaded_config["model"])
    (checkpoint / "MODEL_CARD.md").write_text(render_model_card(checkpoint.name, model_config, metadata,
                                                                metadata.get("evaluations", [])))
    return checkpoint


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trm.export", description="Export a run into checkpoints/.")
    parser.add_argument("--run", help="run folder (from python -m trm.train); with --card-only: its held-out curve")
    parser.add_argument("--name", help="checkpoint name, e.g. sudoku9-mlp")
    parser.add_argument("--card-only", metavar="CHECKPOINT",
                        help="only write CHECKPOINT/MODEL_CARD.md again from its config.json; with --eval, replace "
                             "its evaluations by new ones of its own files (the weights stay)")
    parser.add_argument("--data", help="with --card-only: the data folder the model trained on, for provenance")
    parser.add_argument("--compare-run", action="append", default=[], metavar="RUN_DIR",
                        help="with --card-only: show this run of another recipe beside the model (repeatable)")
    parser.add_argument("--dest", default="checkpoints")
    parser.add_argument("--source", choices=["best", "latest"], default="best")
    parser.add_argument("--eval", action="append", default=[], metavar="NAME=PATH",
                        help="held-out set: a puzzle CSV, a data folder (its test split) or a split .npz")
    parser.add_argument("--extra-steps", type=int, nargs="*", default=[], help="also evaluate at these step counts")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--summary", default="")
    parser.add_argument("--status", default="")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--fp32", action="store_true", help="on CUDA: evaluate in float32 (default: bf16 autocast)")
    parser.add_argument("--bf16", action="store_true", help="on the CPU: evaluate in bf16 autocast, as on CUDA")
    parser.add_argument("--batch-size", type=int, default=512, help="puzzles per evaluation batch")
    parser.add_argument("--difficulty-mix", metavar="CSV",
                        help="estimate the accuracy on a set with this CSV's difficulty mix (all sets pooled)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.card_only and not (args.run and args.name):
        parser.error("--run and --name are required (or --card-only CHECKPOINT)")
    if args.compare_run and (not args.card_only or args.eval):
        parser.error("--compare-run goes with --card-only CHECKPOINT, without --eval")
    if args.fp32 and args.bf16:
        parser.error("choose one of --fp32 and --bf16")
    try:
        sets = dict(item.split("=", 1) for item in args.eval)
        autocast = False if args.fp32 else True if args.bf16 else None
        if args.card_only and sets:
            path = reevaluate_checkpoint(Path(args.card_only), sets, args.extra_steps, args.limit, args.device,
                                         autocast, args.batch_size, args.difficulty_mix)
            print(json.dumps({"checkpoint": str(path)}))
            return 0
        if args.card_only:
            print(json.dumps({"checkpoint": str(rerender_card(Path(args.card_only), args.data, args.run,
                                                                args.compare_run))}))
            return 0
        path = export_checkpoint(Path(args.run), args.name, Path(args.dest), args.source, sets, args.extra_steps,
                                 args.limit, args.summary, args.status, args.device, autocast=autocast,
                                 batch_size=args.batch_size, difficulty_mix=args.difficulty_mix)
    except (TRMError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"checkpoint": str(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
