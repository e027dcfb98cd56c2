"""Command line: ``python -m trm.train --preset NAME --out RUN_DIR [overrides]`` or ``--resume RUN_DIR``.

Overrides: ``--steps N``, ``--data DIR``, ``--seed S``, ``--batch-size B``, ``--lr X`` or any field with
``--set train.eval_every=500`` / ``--set model.hidden_size=128``. ``--tensorboard DIR`` also writes the metrics
as TensorBoard event files. Runs under ``torchrun`` unchanged.
"""

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

import torch

import trm.cli_types as cli_types
from trm.errors import ConfigError, TRMError
from trm.model.config import ModelConfig
from trm.runs.layout import RUN_CONFIG, STATE, may_start_run_in
from trm.runs.listing import read_run
from trm.runs.lock import RunBusyError, is_process_alive, lock_holder
from trm.runs.run_config import read_run_config, write_run_config
from trm.runs.state import has_run_state, saved_step
from trm.train.config import PRESETS, TrainConfig, get_preset
from trm.train.device import setup_runtime
from trm.train.loop import Run, RunSpec
from trm.train.run_data import DATA_SHA256, STARTED_IN
from trm.train.trainer import load_initial_model
from trm.train.overrides import override_config, parse_settings


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trm.train", description="Train a Tiny Recursive Model.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=sorted(PRESETS), help="recipe to start a new run from")
    source.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its last checkpoint")
    parser.add_argument("--out", metavar="RUN_DIR", help="folder of a new run (with --preset)")
    parser.add_argument("--steps", type=cli_types.positive_int,
                        help="total optimiser steps (also extends a resumed run)")
    parser.add_argument("--data", help="data folder with train.npz and test.npz")
    parser.add_argument("--seed", type=cli_types.seed, help="random seed (default: the preset's)")
    parser.add_argument("--batch-size", type=cli_types.positive_int,
                        help="puzzles per optimiser step, over all GPUs (default: the preset's)")
    parser.add_argument("--lr", type=cli_types.positive_float, help="peak learning rate (default: the preset's)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                        help="override any config field, e.g. train.eval_every=500 or model.hidden_size=128")
    parser.add_argument("--no-optimizer-state", action="store_true",
                        help="save weights, EMA and the recursion's carry without the optimiser's moments (two "
                             "values per weight less; a resumed run warms its optimiser up again)")
    parser.add_argument("--device", type=cli_types.device, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--tensorboard", metavar="DIR",
                        help="also write the metrics as TensorBoard event files to DIR (needs: pip install "
                             "tensorboard); a resumed run keeps writing to its own unless given another")
    parser.add_argument("--init-from", metavar="MODEL_DIR",
                        help="new run: start from this saved model's weights (e.g. checkpoints/NAME) to fine-tune")
    args = parser.parse_args(argv)
    for flag, path in (("--resume", args.resume), ("--out", args.out)):
        if path and Path(path).is_file():
            parser.error(f"{flag} {path} is a file; give a run folder")
    if args.preset and not args.out:
        parser.error("--preset needs --out RUN_DIR")
    if args.init_from and args.resume:
        parser.error("--init-from starts a new run; a resumed run continues from its own state")
    if args.out and args.resume:
        parser.error("--resume continues a run in its own folder; --out names the folder of a new run (with "
                     "--preset)")
    run_dir = args.resume or args.out
    if args.tensorboard and run_dir and Path(args.tensorboard).resolve() == Path(run_dir).resolve():
        parser.error(f"--tensorboard {args.tensorboard} is the run's own folder: give a folder of its own, e.g. "
                     f"--tensorboard {Path(run_dir) / 'tensorboard'}")
    return args


def _collect_overrides(args: argparse.Namespace) -> tuple[dict, dict]:
    model, train = parse_settings(args.set)
    # a resumed run reads its saved paths from the folder it started in; one given now means this folder's
    data = str(Path(args.data).resolve()) if args.resume and args.data else args.data
    flags = {"total_steps": args.steps, "data_dir": data, "seed": args.seed, "batch_size": args.batch_size,
             "lr": args.lr}
    train.update({k: str(v) for k, v in flags.items() if v is not None})
    return model, train


def _spec_for(args: argparse.Namespace, run_dir: Path, argv: list[str]) -> RunSpec:
    model_overrides, train_overrides = _collect_overrides(args)
    if args.resume:
        if not run_dir.is_dir():
            raise ConfigError(f"--resume {run_dir}: no such folder; give the folder of a run (its --out)")
        if not (run_dir / RUN_CONFIG).is_file():
            raise ConfigError(f"--resume {run_dir}: not a run folder (it holds no {RUN_CONFIG}); give the folder "
                              "of a run (its --out)")
        saved = read_run_config(run_dir)
        spec = RunSpec(saved.get("preset", ""), *_saved_configs(run_dir, saved), saved.get("command", ""),
                       saved.get("save_optimizer", True))
        # The command that started the run stays (model cards quote it); each resume is added after it.
        spec.extra["resumed_with"] = [*saved.get("resumed_with", []), _this_command(argv)]
        if saved.get("init_from"):  # where a fine-tuning run started stays on record (its weights are not reloaded)
            spec.extra["init_from"] = saved["init_from"]
        spec.extra.update({key: saved[key] for key in ("tensorboard", STARTED_IN, DATA_SHA256) if saved.get(key)})
        if model_overrides:
            raise ConfigError("A resumed run keeps its model; start a new run to change model fields.")
    else:
        preset = get_preset(args.preset)
        spec = RunSpec(args.preset, preset.model, preset.train)
        spec.model = override_config(spec.model, "model", model_overrides)
    spec.train = override_config(spec.train, "train", train_overrides)
    spec.save_optimizer = spec.save_optimizer and not args.no_optimizer_state
    if not args.resume:
        spec.command = _this_command(argv)
        if args.init_from:
            spec.extra["init_from"] = args.init_from
    if args.tensorboard:
        spec.extra["tensorboard"] = str(Path(args.tensorboard).resolve()) if args.resume else args.tensorboard
    return spec


def _saved_configs(run_dir: Path, saved: dict) -> tuple[ModelConfig, TrainConfig]:
    """The model and training configs of a run to resume, from its run.json; a file edited by hand into something
    else is a ConfigError naming the file, not a traceback."""
    try:
        if not isinstance(saved.get("model"), dict) or not isinstance(saved.get("train"), dict):
            raise ConfigError("it needs a \"model\" and a \"train\" section")
        return ModelConfig.from_dict(saved["model"]), TrainConfig.from_dict(saved["train"])
    except ConfigError as error:
        raise ConfigError(f"{run_dir / 'run.json'}: {error}") from error


def _refuse_unsaved(run_dir: Path, preset: str, command: str) -> None:
    """A run stopped before its first checkpoint has nothing to resume from: say so, and how to start it again."""
    holder = lock_holder(run_dir)
    if not has_run_state(run_dir) and holder is not None and is_process_alive(holder):
        raise RunBusyError(f"{run_dir} is still being trained by process {holder}, which has not saved its first "
                           f"checkpoint yet: there is nothing to resume while it runs.")
    if not has_run_state(run_dir):
        again = command or f"python -m trm.train --preset {preset} --out {run_dir} (and the same options)"
        raise ConfigError(f"{run_dir} stopped before it saved its first checkpoint, so there is nothing to resume; "
                          f"start it again with the command that started it: {again}")


def _refuse_finished(run_dir: Path, total_steps: int, steps_given: bool) -> None:
    """Resuming a run that already trained its total would do nothing: say so, and how to train it further."""
    step = saved_step(run_dir)
    if step is None or step < total_steps:
        return
    if steps_given:  # the total is the user's, not the run's plan
        raise ConfigError(f"{run_dir} has already trained {step} steps, so --steps {total_steps} (the new total) "
                          f"leaves nothing to train; pass --steps N with N above {step} to train it further.")
    raise ConfigError(f"{run_dir} already trained {step} of its {total_steps} steps ({read_run(run_dir).state}); "
                      f"pass --steps N with N above {step} to train it further.")


def _this_command(argv: list[str]) -> str:
    """This process's command line as a user would type it (with the torchrun launcher when there is one)."""
    launcher = [Path(sys.executable).name]
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        launcher = ["torchrun", f"--nproc_per_node={os.environ.get('LOCAL_WORLD_SIZE', os.environ['WORLD_SIZE'])}"]
    return shlex.join([*launcher, "-m", "trm.train", *argv])


def _missing_folders(run_dir: Path) -> list[Path]:
    """The run folder and those of its parents that do not exist yet, deepest first: what this start may make."""
    missing = []
    for folder in [run_dir, *run_dir.parents]:
        if folder.exists():
            break
        missing.append(folder)
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    """A refused start leaves no empty folders behind; only ever called with folders this process made."""
    for folder in folders:
        try:
            folder.rmdir()  # fails, and keeps the folder (and so its parents), if anything was written there
        except OSError:
            return


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse_args(argv)
    run_dir = Path(args.resume or args.out)
    made_here = _missing_folders(run_dir)
    try:
        spec = _spec_for(args, run_dir, argv)
        if args.resume:
            _refuse_unsaved(run_dir, spec.preset, spec.command)
            _refuse_finished(run_dir, spec.train.total_steps, args.steps is not None)
        if not args.resume and (run_dir / STATE).exists():
            raise ConfigError(f"{run_dir} already holds a run; use --resume {run_dir} or another --out folder.")
        if not args.resume and not may_start_run_in(run_dir):
            raise ConfigError(f"{run_dir} is not empty and is not a TRM Studio run, so nothing is written there; "
                              f"choose a new or empty --out folder.")
        if args.init_from:  # before the data set is built (seconds to minutes): a wrong model is refused at once
            load_initial_model(args.init_from, spec.model)
        runtime = setup_runtime(args.device)
        if runtime.is_main:
            run_dir.mkdir(parents=True, exist_ok=True)
        try:
            run = Run(spec, run_dir, runtime, resume=bool(args.resume))  # refuses a busy folder or a bad option
            if runtime.is_main:  # only now: a refused resume must leave the run's config as it was
                write_run_config(run_dir, {"preset": spec.preset, "model": spec.model.to_dict(),
                                           "train": spec.train.to_dict(), "command": spec.command,
                                           "save_optimizer": spec.save_optimizer, **spec.extra})
            final = run.run()
            if runtime.is_distributed:  # every rank is done with its collectives before any tears the group down
                torch.distributed.barrier()
        finally:
            if runtime.is_distributed:
                torch.distributed.destroy_process_group()  # NCCL warns of leaked resources otherwise
    except TRMError as error:
        _remove_if_empty(made_here)
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before the loop's own handler is in place, e.g. while the data set is built
        _remove_if_empty(made_here)
        print("\ninterrupted", file=sys.stderr)
        return 130
    except OSError as error:  # a full disk, a folder gone: the run's last complete state is still on disk
        print(f"error: {error}. The run stopped; its last saved state is kept. Fix the cause (e.g. free disk "
              f"space), then continue with: python -m trm.train --resume {run_dir}", file=sys.stderr)
        return 1
    if runtime.is_main:  # once, not once per torchrun rank
        print(json.dumps({"run_dir": str(run_dir), "state": final}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
