"""A run's history as a model card tells it, from the run folder's logs alone (its weights are not needed): the
held-out curve, where it trained by step range, its training facts, and a summary of another recipe's run."""

from pathlib import Path

from trm.data import load_meta
from trm.errors import CheckpointError, TRMError
from trm.runs.layout import BEST, METRICS, RUN_CONFIG
from trm.runs.metrics import read_metrics
from trm.runs.run_config import read_run_config
from trm.runs.state import read_state_info
from trm.runs.status import read_status


def and_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c": for the card's sentences."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _figure(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "?"


def recipe_summary(train: dict, prefix: bool = True) -> str:
    """The optimiser, schedule, clipping and depth curriculum of a run's train config, in words; fields an older
    run lacks read as the paper's recipe (the defaults they had). ``prefix``: the model has a puzzle prefix, which
    sign-SGD trains."""
    adam = f"AdamATan2 (lr {_figure(train.get('lr'))}, weight decay {_figure(train.get('weight_decay'))})"
    if train.get("optimizer", "adam_atan2") == "muon":
        muon_decay = f", weight decay {_figure(train['muon_weight_decay'])}" if "muon_weight_decay" in train else ""
        optimiser = (f"Muon (lr {_figure(train.get('muon_lr'))}, momentum {_figure(train.get('muon_momentum'))}, "
                     f"{_figure(train.get('muon_ns_steps'))} Newton-Schulz steps{muon_decay}) for the network's "
                     f"matrices, "
                     f"{adam} for the rest")
    else:
        optimiser = adam
    if prefix and "prefix_lr" in train:
        optimiser += (f", sign-SGD (lr {_figure(train['prefix_lr'])}, weight decay "
                      f"{_figure(train.get('prefix_weight_decay'))}) for the puzzle prefix")
    schedule = "cosine to zero" if train.get("lr_schedule", "constant") == "cosine" else "constant"
    warmup = train.get("warmup_steps")
    plural = "s" if warmup != 1 else ""
    parts = [optimiser, (f"{warmup:,} warm-up step{plural}, then {schedule}" if isinstance(warmup, int) and warmup
                         else f"no warm-up, {schedule}")]
    if train.get("grad_clip"):
        parts.append(f"gradient norm clipped at {_figure(train['grad_clip'])}")
    if train.get("answer_loss", "stablemax") == "softmax":
        parts.append("softmax cross-entropy (not stable-max)")
    if train.get("label_smoothing"):
        parts.append(f"label smoothing {_figure(train['label_smoothing'])}")
    if train.get("q_halt_loss_weight", 0.5) != 0.5:
        parts.append(f"Q-halt loss weight {_figure(train['q_halt_loss_weight'])}")
    rate = f" {_figure(train['ema_rate'])}" if "ema_rate" in train else ""
    if train.get("ema_start_step"):
        parts.append(f"EMA{rate} from step {train['ema_start_step']:,} (the live weights before it)")
    elif rate:
        parts.append(f"EMA{rate}")
    if train.get("fresh_augmentations"):
        parts.append("a fresh random symmetry at every draw")
    if train.get("depth_curriculum", "none") == "cgar":
        parts.append("CGAR depth curriculum (1/3, then 2/3, then full depth)")
    return "; ".join(parts)


# What a model card says of each earlier run that a model's weights went through (``--init-from`` chains)
LINEAGE_FIELDS = ("command", "resumed_with", "preset", "step", "total_steps", "wall_seconds", "wall_hours",
                  "hardware", "recipe")


def lineage(source_metadata: dict) -> list[dict]:
    """The runs that trained a saved model's weights, oldest first, from its metadata: the runs its own run started
    from in turn, then its own run. Only a shipped checkpoint's metadata records its run ("training"); a best/
    folder's gives none."""
    training = source_metadata.get("training") if isinstance(source_metadata, dict) else None
    if not isinstance(training, dict):
        return []
    origin = training.get("init_from")
    earlier = origin.get("earlier") if isinstance(origin, dict) else None
    return [*[run for run in earlier or [] if isinstance(run, dict)],
            {key: training[key] for key in LINEAGE_FIELDS if key in training}]


def source_lineage(path: str | Path, source_metadata: dict) -> list[dict]:
    """``lineage`` of the model at ``path``; for a run's best/ folder, whose metadata does not record its run, the
    run folder beside it tells it from its logs (none when that folder is gone or damaged)."""
    earlier = lineage(source_metadata)
    run_dir = Path(path).parent
    if earlier or Path(path).name != BEST or not (run_dir / RUN_CONFIG).is_file():
        return earlier
    try:
        return lineage({"training": training_metadata(run_dir, source_metadata.get("step"))})
    except (TRMError, KeyError, TypeError, ValueError):  # a hand-edited run.json: the card goes without
        return []


def has_prefix(model: object) -> bool:
    """Whether a run.json's model config has a puzzle prefix (the flat baseline has none; older runs read as the
    paper's 16 tokens)."""
    return not isinstance(model, dict) or bool(model.get("prefix_len", 16))


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
    if required and not (Path(run_dir) / METRICS).is_file():
        raise CheckpointError(f"{run_dir} has no metrics.jsonl: not a training run folder.")
    return _curve(read_metrics(run_dir).records)


def _curve(records: list[dict]) -> list[dict]:
    return [{"step": r["step"], "count": r.get("count"), "steps": r.get("steps"), "exact_accuracy": r["exact_accuracy"],
             "cell_accuracy": r.get("cell_accuracy")}
            for r in records
            if r.get("kind") == "eval" and isinstance(r.get("exact_accuracy"), (int, float)) and "step" in r]


def training_hardware(run_dir: str | Path, last_step: int, fallback: str = "n/a") -> str:
    """Where the run trained, by step range, from the device each process recorded when it started, e.g.
    "NVIDIA H100 (steps 0-16,212 and 22,050-32,374), 2x NVIDIA H200 under torchrun (16,212-22,050)".
    ``fallback`` (the last process's device) when a process recorded none (runs from before the record)."""
    return _hardware(read_metrics(run_dir).records, last_step, fallback)


def _hardware(records: list[dict], last_step: int, fallback: str) -> str:
    starts = [r for r in records if r.get("kind") == "event" and r.get("event") in ("started", "resumed")]
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


def _wall_time(state: dict, records: list[dict]) -> dict:
    """The run's training seconds (and hours, which older cards read): from its saved state, else from its last
    log line (a run folder brought back without its state); {} when neither says."""
    trained = [r for r in records if r.get("kind") == "train" and "wall_seconds" in r]
    seconds = state.get("wall_seconds", trained[-1]["wall_seconds"] if trained else None)
    if not isinstance(seconds, (int, float)):
        return {}
    return {"wall_seconds": round(float(seconds), 1), "wall_hours": round(float(seconds) / 3600, 2)}


def training_metadata(run_dir: str | Path, step: int) -> dict:
    """How the weights of ``step`` were trained, for a model card: preset, commands, data and its provenance,
    steps, wall hours, hardware and the held-out curve. Raises CheckpointError for a damaged run folder."""
    run, state, status = read_run_config(run_dir), read_state_info(run_dir), read_status(run_dir)
    records = read_metrics(run_dir).records
    train = run["train"]
    started = next((r for r in records if r.get("event") == "started"), {})
    return {"preset": run["preset"], "command": run.get("command", ""), "resumed_with": run.get("resumed_with", []),
            "step": step, "total_steps": train["total_steps"], "batch_size": train["batch_size"],
            "ema_rate": train["ema_rate"], "data": train["data_dir"],
            "recipe": recipe_summary(train, has_prefix(run.get("model"))),
            "answer_loss": train.get("answer_loss", "stablemax"),
            "data_provenance": data_provenance(train["data_dir"]),
            **_wall_time(state, records),
            "hardware": _hardware(records, int(status.get("step", step)), status.get("device", "n/a")),
            "heldout_curve": _curve(records),
            **({"init_from": started["init_from"]} if isinstance(started.get("init_from"), dict) else {})}


def compared_run(run_dir: str | Path) -> dict:
    """What a model card says about another run of the same model (a recipe tried beside the shipped one): its
    commands, starting weights, data, steps, time, hardware and held-out curve, from the run folder's logs alone
    (its weights are not needed). Raises CheckpointError for a folder that is not a run."""
    run_dir = Path(run_dir)
    curve = training_curve(run_dir, required=True)
    run = read_run_config(run_dir)
    if not isinstance(run.get("train"), dict) or "data_dir" not in run["train"]:
        raise CheckpointError(f"{run_dir}/run.json has no training config: not a training run folder.")
    records = read_metrics(run_dir).records
    started = next((r for r in records if r.get("event") == "started"), {})
    trained = [r for r in records if r.get("kind") == "train"]
    status = read_status(run_dir)
    step = int(status.get("step", trained[-1]["step"] if trained else curve[-1]["step"] if curve else 0))
    rewarmed = [int(r["step"]) for r in records if r.get("event") == "resumed"
                and any("re-warms" in note for note in r.get("notes", []))]
    return {"name": run_dir.name, "command": run.get("command", ""), "resumed_with": run.get("resumed_with", []),
            "init_from": started.get("init_from"), "data_provenance": data_provenance(run["train"]["data_dir"]),
            "recipe": recipe_summary(run["train"], has_prefix(run.get("model"))),
            "step": step, "total_steps": run["train"].get("total_steps"), "state": status.get("state", "n/a"),
            "rewarmed_at": rewarmed, **_wall_time({}, records),
            "hardware": _hardware(records, step, started.get("device", "n/a")), "curve": curve}
