"""The model card (MODEL_CARD.md) of a shipped checkpoint, written from its metadata: nothing typed by hand."""

import shlex
from pathlib import Path

from trm.catalog import steps_of_all_runs
from trm.evaluate import BandAccuracy, pooled_card_bands
from trm.export.card_origin import origin_section
from trm.export.card_test_time import views_and_steps_section
from trm.model.config import ModelConfig
from trm.runs.history import and_list

MIN_BAND_PUZZLES = 50  # fewer puzzles per band: a standard error of 7 points or more


def _duration(record: dict) -> str:
    """A run's wall time: seconds under a minute, minutes under an hour (where hours to two decimals say little),
    else hours."""
    seconds = record.get("wall_seconds")
    if isinstance(seconds, (int, float)) and seconds < 60:
        return f"{seconds:.0f} s"
    if isinstance(seconds, (int, float)) and seconds < 3600:
        return f"{seconds / 60:.1f} min"
    hours = record.get("wall_hours")
    return f"{hours} h" if isinstance(hours, (int, float)) else "n/a"


def _number(value: object, missing: str = "n/a") -> str:
    """An int with thousands separators; ``missing`` for anything else (absent or hand-edited metadata)."""
    return f"{value:,}" if isinstance(value, int) else missing


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _eval_section(evaluations: list[dict]) -> list[str]:
    if not evaluations:
        return ["No held-out evaluation was recorded."]
    lines = ["| held-out set | puzzles | steps | exact | cell | exact at halt (P>=0.5) | mean halt step |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for item in evaluations:
        r = item["result"]
        lines.append(f"| {item['name']} | {r['count']} | {r['steps']} | {_percent(r['exact_accuracy'])} | "
                     f"{_percent(r['cell_accuracy'])} | {_percent(r['halted_exact_accuracy'])} | "
                     f"{r['mean_halt_step']:.2f} |")
    first = evaluations[0]["result"]
    precisions = sorted({item["result"].get("precision", "float32") for item in evaluations})
    lines += ["", f"Evaluated in {' and '.join(precisions)}.",
              "", f"Exact accuracy by supervision step on {evaluations[0]['name']}:", "",
              "| step | " + " | ".join(str(i + 1) for i in range(len(first["accuracy_by_step"]))) + " |",
              "|---|" + "---:|" * len(first["accuracy_by_step"]),
              "| exact | " + " | ".join(f"{100 * a:.1f}" for a in first["accuracy_by_step"]) + " |", "",
              "Halting-step histogram (puzzles whose P(halt) first reaches 0.5 at step k; never = counted at the "
              "last): " + ", ".join(f"{k + 1}: {n}" for k, n in enumerate(first["halt_step_histogram"]) if n)]
    return lines


def _band_cell(band: BandAccuracy) -> str:
    return f"{_percent(band.accuracy)} of {band.count:,}" if band.count else "-"


def _band_assumption_check(sets: list[list[BandAccuracy]], bands: list[BandAccuracy]) -> str:
    """How far the mix estimate's assumption is off: the widest gap between two sets' accuracies in one band,
    counting only sets with enough puzzles there for the gap to be more than noise."""
    gaps = []
    for i, band in enumerate(bands):
        rates = [bands_of_set[i].accuracy for bands_of_set in sets if bands_of_set[i].count >= MIN_BAND_PUZZLES]
        if len(rates) > 1:
            gaps.append((max(rates) - min(rates), band.band))
    if not gaps:
        return ""
    gap, band = max(gaps)
    return (f" Within one band the sets differ by up to {100 * gap:.1f} points (band {band}, sets with at least "
            f"{MIN_BAND_PUZZLES} puzzles there), so the estimate is only as good as that assumption.")


def _difficulty_section(evaluations: list[dict], mix: dict | None) -> list[str]:
    """Exact accuracy per difficulty band for each set at the model's own step count, pooled, and (with a mix)
    the accuracy those bands imply on a set of another difficulty mix."""
    pooled = pooled_card_bands(evaluations)
    if pooled is None:
        return []
    sets = [[BandAccuracy.from_dict(band) for band in item["by_difficulty"]]
            for item in evaluations if item["name"] in pooled.set_names]
    header = ["backtracks", *pooled.set_names] + (["all pooled"] if len(sets) > 1 else [])
    rows = [[band.band, *(_band_cell(bands[i]) for bands in sets)] + ([_band_cell(band)] if len(sets) > 1 else [])
            for i, band in enumerate(pooled.bands)]
    if mix:
        header.append(f"share of {Path(mix['data']).name}")
        for row, weight in zip(rows, mix["weights"]):
            row.append(_percent(weight))
    lines = ["", "## Accuracy by difficulty", "",
             f"Exact accuracy at {pooled.steps} steps by the exact solver's backtracks (dead ends of its full search, "
             "singles propagated at every node: 0 = propagation alone solves it).", "",
             "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1),
             *("| " + " | ".join(row) + " |" for row in rows)]
    if mix and mix.get("accuracy") is not None:
        lines += ["", f"Reweighted to the difficulty mix of `{mix['data']}` ({mix['puzzles']:,} puzzles), the pooled "
                  f"bands give an expected exact accuracy of **{_percent(mix['accuracy'])}** at {mix['steps']} steps "
                  f"(standard error {_percent(mix['standard_error'])}). An estimate: it assumes a puzzle's chance "
                  "depends only on its band." + _band_assumption_check(sets, pooled.bands)]
    elif mix:
        lines += ["", f"No estimate for the difficulty mix of `{mix['data']}`: no evaluated puzzle in band(s) "
                  f"{', '.join(mix['missing'])}."]
    return lines


def _curve_rows(curve: list[dict], marked_step: object = None) -> list[str]:
    """A held-out curve as table rows with a bar to read at a glance; the row at ``marked_step`` is marked."""
    lines = ["| optimiser step | exact | cell | exact, one block per 5% |", "|---:|---:|---:|---|"]
    for point in curve:
        bar = "█" * round(20 * point["exact_accuracy"])
        marker = " **these weights**" if point["step"] == marked_step else ""
        lines.append(f"| {point['step']:,} | {_percent(point['exact_accuracy'])} | "
                     f"{_percent(point.get('cell_accuracy'))} | {bar}{marker} |")
    return lines


def _curve_section(train: dict) -> list[str]:
    """The run's own held-out evaluations while it trained: one row per evaluation, with a bar to read at a glance;
    the row of the shipped weights is marked (the run may have gone on past them)."""
    curve = train.get("heldout_curve")
    if not curve:
        return []
    last = curve[-1]
    count = _number(last.get("count"), "?")
    # The run evaluates the first puzzles of its data's test split: other puzzles than the tables above, so a
    # figure for the same weights may differ from theirs.
    lines = ["", "## Held-out accuracy during training", "",
             f"Measured by the training run itself ({count} held-out puzzles of its data's test split, EMA weights, "
             f"{last.get('steps') or '?'} supervision steps; the tables above may hold other puzzles)."]
    if steps_of_all_runs(train):
        lines[-1] += " Only the last of its runs: the steps count from that run's start."
    return [*lines, "", *_curve_rows(curve, train.get("step"))]


def _start_text(origin: object) -> str:
    """Where a run's weights started: a saved model (``--init-from``) or random weights."""
    if not isinstance(origin, dict) or not origin:
        return "started from random weights"
    files = f", its {origin['dtype']} files" if origin.get("dtype") else ""
    return f"started from `{origin.get('path')}` (step {_number(origin.get('step'))} of its run{files})"


def _lineage_lines(train: dict) -> list[str]:
    """For weights that went on from a shipped model (``--init-from``, perhaps in turn): where they started, each
    earlier run, oldest first, and the wall time of all of them."""
    origin = train.get("init_from")
    if not isinstance(origin, dict):
        return []
    earlier = [run for run in origin.get("earlier") or [] if isinstance(run, dict)]
    lines = [f"- Weights: {_start_text(origin)}"]
    if not earlier:
        return lines
    lines.append("- Earlier runs these weights went through, oldest first:")
    lines += [f"  - `{run.get('command', 'n/a')}`: {_number(run.get('step'))} of {_number(run.get('total_steps'))} "
              f"planned steps in {_duration(run)} on {run.get('hardware', 'n/a')}" for run in earlier]
    runs = "both runs" if len(earlier) == 1 else f"all {len(earlier) + 1} runs"
    chain = steps_of_all_runs(train)
    if chain:
        lines.append(f"- Optimiser steps of {runs}: {_number(chain[0])}")  # each run's own steps, as exported
    seconds = [_seconds(run) for run in (*earlier, train)]
    if None not in seconds:
        total = sum(seconds)
        whole = _duration({"wall_seconds": total, "wall_hours": round(total / 3600, 2)})
        lines.append(f"- Wall time of {runs}: {whole}")
    return lines


def _seconds(run: dict) -> float | None:
    """A run's wall time in seconds, from its hours where an older record kept only those."""
    for key, scale in (("wall_seconds", 1), ("wall_hours", 3600)):
        if isinstance(run.get(key), (int, float)) and not isinstance(run.get(key), bool):
            return float(run[key]) * scale
    return None


def _compared_run_lines(run: dict, own_curve: list[dict], own_step: object) -> list[str]:
    """One other recipe's run: how it trained and its held-out curve, next to these weights' own figure."""
    curve = run.get("curve") or []
    lines = ["", f"### {run.get('name', '?')}", "", f"- Command: `{run.get('command', 'n/a')}`",
             *_resume_lines(run.get("resumed_with", [])),
             *([f"- Recipe: {run['recipe']}"] if run.get("recipe") else []),
             f"- Weights: {_start_text(run.get('init_from'))}",
             *_provenance_lines(run.get("data_provenance")),
             f"- Optimiser steps: {_number(run.get('step'))} of {_number(run.get('total_steps'))} planned "
             f"({run.get('state', 'n/a')}) in {_duration(run)} on {run.get('hardware', 'n/a')}",
             *([f"- Resumed without Adam's moments (learning rate warmed up again) at step "
                f"{and_list([f'{step:,}' for step in run['rewarmed_at']])}"] if run.get("rewarmed_at") else [])]
    if not curve:
        return lines
    best = max(curve, key=lambda point: point["exact_accuracy"])
    own = next((point for point in own_curve if point["step"] == own_step), None)
    same_set = own is not None and (own.get("count"), own.get("steps")) == (best.get("count"), best.get("steps"))
    comparison = (f"; these weights scored {_percent(own['exact_accuracy'])} on the same evaluation in their own run"
                  if same_set else "")
    lines += [f"- Best held-out exact accuracy: {_percent(best['exact_accuracy'])} at step {best['step']:,} "
              f"({_number(best.get('count'), '?')} puzzles, {best.get('steps') or '?'} supervision steps)"
              f"{comparison}.", "", *_curve_rows(curve)]
    return lines


def _compared_runs_section(runs: list[dict] | None, own_curve: list[dict] | None, own_step: object) -> list[str]:
    """Other recipes tried with these weights' model, side by side with them, so a reader can judge the shipped
    recipe (the paper's) against the alternatives."""
    if not runs:
        return []
    lines = ["", "## Other recipes tried", "",
             "Runs of the same model with another recipe, measured the same way; none of them is shipped here."]
    for run in runs:
        lines += _compared_run_lines(run, own_curve or [], own_step)
    return lines


def _provenance_lines(provenance: dict | None) -> list[str]:
    """Where the training and held-out puzzles came from (the data set's meta.json), as card lines."""
    if not isinstance(provenance, dict):
        return []
    counts = provenance.get("counts", {})
    train, test = (_number(counts.get(split), "?") for split in ("train", "test"))
    if provenance.get("train") or provenance.get("test"):
        lines = [f"- Training puzzles: {train} from {', '.join(provenance.get('train') or ['?'])}",
                 f"- Held-out puzzles: {test} from {', '.join(provenance.get('test') or ['?'])}"]
    else:
        lines = [f"- Puzzles: {train} training and {test} held-out, generated: {provenance.get('how_built', '')}"]
    lines.append("- No held-out puzzle is equal or equivalent (digit relabelling, transpose, row/column "
                 "permutations) to a training puzzle; files and licences: DATA_SOURCES.md")
    return lines


def _resume_lines(commands: list[str]) -> list[str]:
    """One line per distinct resume command, in first-use order, with how many times it ran."""
    counts = {command: commands.count(command) for command in commands}
    return [f"- Resumed with: `{command}`" + (f" ({count} times)" if count > 1 else "")
            for command, count in counts.items()]


def _training_lines(metadata: dict) -> list[str]:
    train = metadata.get("training", {})
    return ["## Training", "",
            f"- Command: `{train.get('command', 'n/a')}`",
            *_resume_lines(train.get("resumed_with", [])),
            *([f"- Recipe: {train['recipe']}"] if train.get("recipe") else []),
            f"- Data: {train.get('data', 'n/a')}",
            *_provenance_lines(train.get("data_provenance")),
            f"- Optimiser steps: {_number(train.get('step'))} of {_number(train.get('total_steps'))} planned, batch "
            f"{_number(train.get('batch_size'))}",
            f"- Wall time: {_duration(train)} on {train.get('hardware', 'n/a')}",
            *_lineage_lines(train),
            f"- Status: {metadata.get('status') or 'n/a'}", ""]


def _reproduce_lines(location: str, evaluations: list[dict]) -> list[str]:
    """The command that measures the first row again, with the checkpoint at ``location``."""
    if not evaluations:
        return []
    first = evaluations[0]
    count = first["result"]["count"] + first.get("skipped", 0)  # --limit counts puzzles read, skipped ones too
    data = shlex.quote(first["data"]) if first.get("data") else "<csv>"
    command = (f"python -m trm.evaluate --checkpoint {shlex.quote(location)} --data {data} --limit {count} "
               f"--steps {first['result']['steps']}")
    bf16 = "bf16" in first["result"].get("precision", "")
    return [f"Reproduce the first row with `{command}`" + (" (evaluated in bf16 autocast: on a CPU add `--bf16` to "
                                                           "match)." if bf16 else ".")]


def render_model_card(name: str, config: ModelConfig, metadata: dict, evaluations: list[dict],
                      location: str | None = None) -> str:
    """Markdown for a checkpoint: what it is, how it was trained (command, data, steps, time, hardware), accuracy.
    ``location``: the folder as its reproduce command names it (default checkpoints/NAME, where models ship)."""
    train = metadata.get("training", {})
    lines = [f"# {name}", "", metadata.get("summary", ""), "",
             "## Model", "",
             f"- Architecture: {config.display_name}, {config.grid_size}x{config.grid_size} "
             f"Sudoku, hidden {config.hidden_size}, {config.layers} block{'s' if config.layers != 1 else ''}, "
             f"T={config.answer_cycles}, n={config.latent_steps}, up to {config.max_supervision_steps} supervision "
             f"steps, {config.prefix_len}-token puzzle prefix.",
             f"- Parameters: {_number(metadata.get('parameters'))}",
             f"- Weights: {metadata.get('dtype', 'n/a')} safetensors, "
             + ("converted from another project's file (below)." if metadata.get("converted_from") else
                f"EMA weights (rate {train.get('ema_rate', 'n/a')})."),
             "", *(origin_section(metadata["converted_from"]) if metadata.get("converted_from") else
                   _training_lines(metadata)),
             "## Held-out accuracy", "", *_eval_section(evaluations), "",
             *_reproduce_lines(location or f"checkpoints/{name}", evaluations),
             *_difficulty_section(evaluations, metadata.get("difficulty_mix")),
             *views_and_steps_section(metadata.get("test_time")),
             *_curve_section(train),
             *_compared_runs_section(metadata.get("compared_runs"), train.get("heldout_curve"), train.get("step"))]
    return "\n".join(lines) + "\n"
