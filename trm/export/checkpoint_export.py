"""Export a run's EMA model into ``checkpoints/<name>/`` (bf16 safetensors + config.json + MODEL_CARD.md), evaluate
a checkpoint's own files again, or write its card again from its metadata.

The exported weights are reloaded and evaluated, so the card's accuracy is what ``python -m trm.evaluate``
prints for the shipped files. The card is written before each evaluation and after each set: a killed export keeps
the sets it finished.
"""

from pathlib import Path

import torch

from trm.checkpoint import check_folder_name, is_model_folder, load_model, read_json, save_model, write_json
from trm.data import data_grid_size
from trm.errors import CheckpointError, ConfigError
from trm.export.card import render_model_card
from trm.export.card_evaluation import (EvalSet, read_eval_sets, difficulty_mix_estimate, evaluate_checkpoint,
                                        mix_backtracks)
from trm.export.card_test_time import merge_test_time, read_test_time
from trm.model.build import build_model
from trm.model.config import ModelConfig
from trm.model.trm import RecursiveModel, count_parameters
from trm.runs.listing import read_run
from trm.runs.history import compared_run, data_provenance, training_curve, training_metadata
from trm.runs.layout import BEST, RUN_CONFIG
from trm.runs.run_config import read_run_config
from trm.runs.state import load_run_state
from trm.runs.status import read_status


def _ema_model(run_dir: Path, source: str) -> tuple[RecursiveModel, int]:
    """The run's EMA model from ``best/`` or from the latest resumable state; returns (model, step)."""
    if not run_dir.is_dir():
        raise CheckpointError(f"No run folder at {run_dir}.")
    if not (run_dir / RUN_CONFIG).is_file():
        inside = run_dir.name == BEST and (run_dir.parent / RUN_CONFIG).is_file()
        raise CheckpointError(f"{run_dir} is not a run folder (no {RUN_CONFIG}): "
                              + (f"give its run, --run {run_dir.parent}." if inside else
                                 "give the folder python -m trm.train --out wrote. A saved model (a checkpoint or a "
                                 "run's best/) is already exported: evaluate it with python -m trm.evaluate."))
    if source == "best":
        if not (run_dir / BEST).exists():  # a run saves best/ at its first held-out evaluation
            raise CheckpointError(f"{run_dir} has no best model yet (it is saved at the run's first held-out "
                                  f"evaluation); export its latest state with --source latest.")
        loaded = load_model(run_dir / BEST)
        return loaded.model, int(loaded.metadata.get("step", 0))
    run = read_run_config(run_dir)
    state = load_run_state(run_dir)
    model = build_model(ModelConfig.from_dict(run["model"]))
    weights = {k.removeprefix("model."): v for k, v in state.weights.items() if k.startswith("model.")}
    weights.update({k.removeprefix("ema."): v for k, v in state.weights.items() if k.startswith("ema.")})
    model.load_state_dict(weights)
    return model.eval(), state.step


def refuse_to_overwrite(destination: Path, replace: bool) -> None:
    if not destination.exists() and not destination.is_symlink():
        return
    if destination.is_symlink() or not is_model_folder(destination):
        raise ConfigError(f"{destination} exists and is not a TRM Studio checkpoint (no config.json of ours): "
                          f"it is never replaced; choose another name.")
    if not replace:
        raise ConfigError(f"{destination} already exists: choose another name, or pass --force to replace the "
                          f"checkpoint there.")
    foreign = sorted(entry.name for entry in destination.iterdir() if not _written_by_us(entry))
    if foreign:  # replacing swaps the whole folder: what someone added there would go with it
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ConfigError(f"{destination} also holds {shown}, which no export wrote: move them out first, or "
                          f"choose another name (--force replaces only a checkpoint's own files).")


def _written_by_us(entry: Path) -> bool:
    """A checkpoint's own file: its config, card or weights (one file or numbered shards)."""
    return entry.is_file() and (entry.name in ("config.json", "MODEL_CARD.md")
                                or (entry.name.startswith("model") and entry.name.endswith(".safetensors")))


def _default_summary(config: ModelConfig, training: dict, source: str) -> str:
    # the best weights of a finished run may come from before its last step (the first of tied evaluations)
    chosen = ", its best held-out evaluation" if source == "best" else ", its latest saved state"
    return (f"{config.display_name} for {config.grid_size}x{config.grid_size} Sudoku, trained with the "
            f"`{training['preset']}` preset: EMA weights of step {training['step']:,} of {training['total_steps']:,}"
            f"{chosen}.")


def _run_state(run_dir: Path, weights_step: int) -> str:
    """What the run was doing when it was exported, in the words of its status file, and where the exported
    weights come from when that is not where the run stands."""
    info, step = read_run(run_dir), read_status(run_dir).get("step")  # read_run sees a crash as one
    if info.state == "finished":  # its status may predate its last step, if the process died just after saving
        reached = info.total_steps if isinstance(info.total_steps, int) else None
        said = f"finished its {reached:,} steps" if reached is not None else "finished"
    else:
        reached = step if isinstance(step, int) else None
        said = f"{info.state} at step {step:,} when exported" if info.state and reached is not None else ""
    if said and reached is not None and weights_step != reached:
        said += f"; these weights are from its step {weights_step:,}"
    return said


def export_checkpoint(run_dir: Path, name: str, dest_root: Path = Path("checkpoints"), source: str = "best",
                      sets: dict[str, str] | None = None, extra_steps: list[int] | None = None,
                      limit: int | None = None, summary: str = "", status: str = "", device: str = "cpu",
                      dtype: torch.dtype = torch.bfloat16, autocast: bool | None = None, batch_size: int = 512,
                      difficulty_mix: str | None = None, replace: bool = False) -> Path:
    """Write ``dest_root/name`` from a run; returns its path. Raises CheckpointError for a broken run folder,
    ConfigError for a name that is not a plain folder name or a checkpoint that exists (unless ``replace``: then
    only one of our checkpoints is replaced, never another kind of folder).

    ``difficulty_mix`` (a puzzle CSV) adds the accuracy estimated for that set's difficulty."""
    destination = Path(dest_root) / check_folder_name(name, "Checkpoint name")
    refuse_to_overwrite(destination, replace)
    backtracks = mix_backtracks(difficulty_mix)  # first: a bad mix file fails before the long part
    model, step = _ema_model(Path(run_dir), source)
    eval_sets = read_eval_sets(sets or {}, model.config.grid_size, limit)  # a bad file leaves nothing written
    training = training_metadata(run_dir, step)
    metadata = {"summary": summary or _default_summary(model.config, training, source),
                "status": status or _run_state(run_dir, step), "parameters": count_parameters(model),
                "dtype": str(dtype).replace("torch.", ""), "training": training, "evaluations": []}
    save_model(destination, model, metadata, dtype=dtype)
    _write_card(destination, name, model.config, metadata)
    _evaluate_into_card(destination, name, model.config, metadata, eval_sets, extra_steps or [], device, autocast,
                        batch_size, difficulty_mix, backtracks)
    return destination


def read_checkpoint_eval_sets(checkpoint: Path, sets: dict[str, str], limit: int | None = None) -> list[EvalSet]:
    """``sets`` read for a checkpoint's grid size (from its config.json), before anything is evaluated."""
    saved = read_json(Path(checkpoint) / "config.json", "Checkpoint config")
    return read_eval_sets(sets, ModelConfig.from_dict(saved["model"]).grid_size, limit)


def reevaluate_checkpoint(checkpoint: Path, sets: list[EvalSet], extra_steps: list[int] | None = None,
                          device: str = "cpu", autocast: bool | None = None, batch_size: int = 512,
                          difficulty_mix: str | None = None, summary: str = "", status: str = "") -> Path:
    """Evaluate a checkpoint's own files again on ``sets`` (read_eval_sets, read_checkpoint_eval_sets) and replace
    its card's evaluations (and its opening sentence and status line where given); the weights and the rest of the
    metadata stay. The card is written after each set, as in an export."""
    backtracks = mix_backtracks(difficulty_mix)
    saved = read_json(checkpoint / "config.json", "Checkpoint config")
    metadata = {key: value for key, value in (saved.get("metadata") or {}).items() if key != "difficulty_mix"}
    metadata = _with_words(metadata, summary, status)
    _evaluate_into_card(checkpoint, checkpoint.name, ModelConfig.from_dict(saved["model"]), metadata, sets,
                        extra_steps or [], device, autocast, batch_size, difficulty_mix, backtracks)
    return checkpoint


def _evaluate_into_card(destination: Path, name: str, config: ModelConfig, metadata: dict, sets: list[EvalSet],
                        extra_steps: list[int], device: str, autocast: bool | None, batch_size: int,
                        difficulty_mix: str | None, backtracks: list[int] | None) -> None:
    for evaluations in evaluate_checkpoint(destination, sets, extra_steps, device, autocast, batch_size):
        estimate = difficulty_mix_estimate(evaluations, difficulty_mix, backtracks) if difficulty_mix else None
        _write_card(destination, name, config,
                    {**metadata, "evaluations": evaluations, **({"difficulty_mix": estimate} if estimate else {})})


def _write_card(destination: Path, name: str, config: ModelConfig, metadata: dict) -> None:
    saved = read_json(destination / "config.json", "Checkpoint config")
    write_json(destination / "config.json", {**saved, "metadata": metadata})
    (destination / "MODEL_CARD.md").write_text(render_model_card(name, config, metadata, metadata["evaluations"],
                                                                  str(destination)))


def _with_words(metadata: dict, summary: str, status: str) -> dict:
    """The metadata with the card's opening sentence and status line replaced where new ones are given."""
    return {**metadata, **({"summary": summary} if summary else {}), **({"status": status} if status else {})}


def _keep_provenance(run: dict, earlier: dict) -> dict:
    """A compared run whose data folder is not on this machine keeps the provenance its earlier entry recorded
    (the card must not lose facts because a fresh clone lacks the data)."""
    before = earlier.get(run["name"]) or {}
    if run.get("data_provenance") is None and before.get("command") == run["command"]:
        run["data_provenance"] = before.get("data_provenance")
    return run


def _data_set_of(data_dir: str, model: ModelConfig) -> dict:
    """The provenance of a built data set of this model's grid size; CheckpointError for anything else."""
    provenance = data_provenance(data_dir)
    if provenance is None:
        raise CheckpointError(f"--data {data_dir} is not a built data set (no readable meta.json): give the folder "
                              f"the model trained on, as made by python -m trm.data build.")
    size = data_grid_size(data_dir)
    if size != model.grid_size:
        raise CheckpointError(f"--data {data_dir} holds {size}x{size} puzzles; this model plays "
                              f"{model.grid_size}x{model.grid_size}, so it did not train on them.")
    return provenance


def _check_trained_here(run_dir: str, model: ModelConfig) -> None:
    """A run whose curve may go on this checkpoint's card: one that trained a model of this very config."""
    run_model = ModelConfig.from_dict(read_run_config(run_dir).get("model") or {}).to_dict()
    differing = [name for name, value in model.to_dict().items() if run_model.get(name) != value]
    if differing:
        raise CheckpointError(f"--run {run_dir} trained another model ({', '.join(differing)} differ), so its "
                              f"held-out curve is not this checkpoint's: give the run these weights came from.")


def rerender_card(checkpoint: Path, data_dir: str | None = None, run_dir: str | None = None,
                  compare_runs: list[str] | None = None, test_time: list[str] | None = None, summary: str = "",
                  status: str = "", name: str | None = None) -> Path:
    """Write MODEL_CARD.md again from the checkpoint's config.json (no evaluation), adding the data set's
    provenance from ``data_dir`` (default: the data folder the run trained on) when the config lacks it, the
    held-out curve from ``run_dir``'s metrics when given, and ``compare_runs`` (run folders of other recipes,
    replacing any listed before) side by side, and ``test_time`` results (bench/test_time_rules.py --card-json
    files, each replacing the entry of its set); ``summary`` and ``status``, where given, replace the card's
    opening sentence and status line. ``name``: the card's title (default: the folder's name)."""
    load_model(checkpoint, "cpu")  # a damaged checkpoint is refused, not given a card that vouches for it
    loaded_config = read_json(checkpoint / "config.json", "Checkpoint config")
    model_config = ModelConfig.from_dict(loaded_config["model"])
    metadata = _with_words(loaded_config.get("metadata") or {}, summary, status)
    training = metadata.setdefault("training", {})
    if data_dir:  # named by the user: it replaces what the card says, once it is a data set this model can play
        training["data_provenance"] = _data_set_of(data_dir, model_config)
    elif not training.get("data_provenance"):
        training["data_provenance"] = data_provenance(training.get("data", ""))
    if run_dir:
        curve = training_curve(run_dir, required=True)
        _check_trained_here(run_dir, model_config)
        training["heldout_curve"] = curve or training.get("heldout_curve", [])
    if compare_runs:
        earlier = {run.get("name"): run for run in metadata.get("compared_runs") or []}
        metadata["compared_runs"] = [_keep_provenance(compared_run(folder), earlier) for folder in compare_runs]
    for path in test_time or []:
        metadata["test_time"] = merge_test_time(metadata.get("test_time") or [], read_test_time(Path(path)))
    write_json(checkpoint / "config.json", {**loaded_config, "metadata": metadata})
    (checkpoint / "MODEL_CARD.md").write_text(render_model_card(name or checkpoint.name, model_config, metadata,
                                                                metadata.get("evaluations", []), str(checkpoint)))
    return checkpoint
