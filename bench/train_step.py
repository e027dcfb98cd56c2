"""Training speed: ms per optimiser step, samples/s and model FLOPs utilisation (MFU) for a preset.

    python bench/train_step.py --preset sudoku9-mlp [--batch-size 768] [--steps 30] [--warmup 10] [--no-compile]
        [--compile-mode max-autotune-no-cudagraphs] [--inductor coordinate_descent_tuning=true ...]
        [--profile top_kernels.txt] [--no-fused-swiglu] [--no-fused-token-mixer] [--plain-mixer-backward]
        [--plain-swiglu-backward] [--no-tma] [--swiglu normed] [--set model.answer_cycles=6 ...]
        (from the repo root, PYTHONPATH=.)
    torchrun --standalone --nproc_per_node=2 bench/train_step.py --batch-size 1536   (global batch, DDP)

Runs the real Trainer (one supervision step + AdamATan2 + sign-SGD + EMA per step) on the preset's training
data, after warm-up steps (compilation happens there), with cuda.synchronize() around the timed window.
"""

import argparse
import dataclasses
import json
import sys
import time

import torch
import torch._inductor.config as inductor_config
from torch._dynamo.utils import counters

from bench.gpu_timeline import device_activities, summarize
from trm import ConfigError
from trm.data import load_split
from trm.kernels import KernelChoice, use_kernels
from trm.model import peak_flops, training_flops_per_sample
from trm.train import COMPILE_MODES, PRESETS, Trainer, get_preset, override_config, parse_settings, setup_runtime


def _sync(runtime) -> None:
    if runtime.is_cuda:
        torch.cuda.synchronize()


def _inductor_setting(item: str) -> tuple[str, object]:
    """Parse KEY=VALUE (true/false, an int, or a string) and apply it to torch._inductor.config."""
    key, _, text = item.partition("=")
    value: object = {"true": True, "false": False}.get(text.lower(), text)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    setattr(inductor_config, key, value)
    return key, value


def _compared_kernels(chosen: KernelChoice, args: argparse.Namespace) -> KernelChoice:
    """The trainer's kernels less those the comparison flags turn off (a backward left to autograd, no TMA)."""
    return dataclasses.replace(chosen, swiglu_grad=chosen.swiglu_grad and not args.plain_swiglu_backward,
                               token_mixer_grad=chosen.token_mixer_grad and not args.plain_mixer_backward,
                               tma=chosen.tma and not args.no_tma)


def _profile(trainer: Trainer, runtime, path: str, steps: int = 3) -> dict:
    """Profile ``steps`` steps, write the operators and kernels that take the most device time, and return the
    GPU timeline's summary (busy versus idle time, kernel time by category; bench/gpu_timeline.py)."""
    activities = [torch.profiler.ProfilerActivity.CPU]
    if runtime.is_cuda:
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as profiler:
        start = time.perf_counter()
        for _ in range(steps):
            trainer.train_step()
        _sync(runtime)
        wall = time.perf_counter() - start
    sort_by = "cuda_time_total" if runtime.is_cuda else "cpu_time_total"
    summary = {"wall_ms_per_step_profiled": round(1000 * wall / steps, 2)}
    if runtime.is_cuda:
        summary.update(summarize(device_activities(profiler), steps))
    with open(path, "w", encoding="utf-8") as file:
        file.write(profiler.key_averages().table(sort_by=sort_by, row_limit=60, max_name_column_width=90))
        file.write("\nGPU timeline (each device activity once): " + json.dumps(summary, indent=1) + "\n")
    return summary


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="sudoku9-mlp", choices=sorted(PRESETS))
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--no-compile", action="store_true", default=None)  # None: not given (see _FLAG_FIELDS)
    parser.add_argument("--compile-mode", choices=COMPILE_MODES, help="torch.compile's mode (default: default)")
    parser.add_argument("--inductor", nargs="*", default=[], metavar="KEY=VALUE",
                        help="torch._inductor.config settings to try, e.g. shape_padding=true")
    parser.add_argument("--profile", metavar="TXT", help="also profile 3 steps; write the top kernels here")
    parser.add_argument("--fused-swiglu", action=argparse.BooleanOptionalAction,
                        help="channel SwiGLUs in the fused Triton kernels, both ways (default: the preset's, on)")
    parser.add_argument("--fused-token-mixer", action=argparse.BooleanOptionalAction,
                        help="token mixers in one Triton kernel each way (default: the preset's, on)")
    parser.add_argument("--plain-mixer-backward", action="store_true",
                        help="with the fused token mixer, leave its trained calls to autograd (for comparison)")
    parser.add_argument("--plain-swiglu-backward", action="store_true",
                        help="with the fused SwiGLU, leave its trained calls to autograd (for comparison)")
    parser.add_argument("--no-tma", action="store_true",
                        help="the fused kernels' pointer versions, not their TMA ones (Hopper and newer)")
    parser.add_argument("--swiglu", choices=("standard", "normed"), help="the model's SwiGLU (default: the preset's)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE",
                        help="as trm.train's --set, applied last, e.g. model.answer_cycles=6 (a recipe's step time)")
    parser.add_argument("--device")
    return parser.parse_args()


def _with_settings(model, train, settings: list[str]):
    """The preset's configs with each --set applied; exits with the reason on a bad one (no traceback)."""
    try:
        model_settings, train_settings = parse_settings(settings)
        return override_config(model, "model", model_settings), override_config(train, "train", train_settings)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None  # a usage error, as trm.train exits


def _timed_steps(trainer: Trainer, runtime, count: int) -> float:
    """Wall seconds of ``count`` optimiser steps, the GPU's queue drained before the clock stops."""
    start = time.perf_counter()
    for _ in range(count):
        trainer.train_step()
    _sync(runtime)
    return time.perf_counter() - start


# Flags that set a config field a --set could also name: giving both would leave one silently ignored.
_FLAG_FIELDS = {"batch_size": "train.batch_size", "swiglu": "model.swiglu", "fused_swiglu": "train.fused_swiglu",
                "fused_token_mixer": "train.fused_token_mixer", "no_compile": "train.compile",
                "compile_mode": "train.compile_mode"}


def _refuse_doubled_fields(args: argparse.Namespace) -> None:
    named = {setting.split("=", 1)[0].strip() for setting in args.set}
    for flag, field in _FLAG_FIELDS.items():
        if getattr(args, flag) is not None and field in named:
            print(f"error: --{flag.replace('_', '-')} and --set {field} both set {field}; give it once.",
                  file=sys.stderr)
            raise SystemExit(2)


def _configs(args: argparse.Namespace):
    """The preset's model and training configs with the command line's flags, then its --set settings."""
    _refuse_doubled_fields(args)
    preset = get_preset(args.preset)
    config = dataclasses.replace(preset.train, batch_size=args.batch_size or preset.train.batch_size,
                                 compile=not args.no_compile, compile_mode=args.compile_mode or "default",
                                 augmentations=8,
                                 **{name: value for name in ("fused_swiglu", "fused_token_mixer")
                                    if (value := getattr(args, name)) is not None})
    model = dataclasses.replace(preset.model, swiglu=args.swiglu or preset.model.swiglu)
    return _with_settings(model, config, args.set)


def main() -> None:
    args = _parse_args()
    inductor = dict(_inductor_setting(item) for item in args.inductor)
    model, config = _configs(args)
    runtime = setup_runtime(args.device)
    trainer = Trainer(model, config, load_split(config.data_dir, "train"), runtime)
    kernels = _compared_kernels(trainer.kernels, args)
    use_kernels(trainer.model, kernels)  # before the first step compiles the model
    warmup_seconds = _timed_steps(trainer, runtime, args.warmup)  # torch.compile compiles here
    seconds = _timed_steps(trainer, runtime, args.steps) / args.steps
    profile = _profile(trainer, runtime, args.profile) if args.profile else None
    samples_per_second = config.batch_size / seconds  # the global batch: every rank's share of it
    flops = training_flops_per_sample(model) * samples_per_second
    peak = peak_flops(runtime.device_name()) if runtime.is_cuda else None
    peak = peak * runtime.world_size if peak else None
    if runtime.is_distributed:
        torch.distributed.destroy_process_group()  # a process group left open aborts the worker at exit
    if not runtime.is_main:
        return
    print(json.dumps({"preset": args.preset, "settings": args.set, "swiglu": model.swiglu,
                      "device": runtime.device_name(),
                      "batch_size": config.batch_size, "gpus": runtime.world_size,
                      "samples_per_second_per_gpu": round(samples_per_second / runtime.world_size, 1),
                      "compile": config.compile and runtime.is_cuda, "compile_mode": config.compile_mode,
                      "inductor": inductor,  # the kernels that ran (none on the CPU)
                      "fused_swiglu": kernels.swiglu or kernels.swiglu_grad,
                      "fused_token_mixer": kernels.token_mixer or kernels.token_mixer_grad,
                      "plain_mixer_backward": args.plain_mixer_backward,
                      "plain_swiglu_backward": args.plain_swiglu_backward,
                      "tma": kernels.tma, "ms_per_step": round(1000 * seconds, 2),
                      "samples_per_second": round(samples_per_second, 1), "model_tflops": round(flops / 1e12, 1),
                      "mfu": round(flops / peak, 4) if peak else None, "warmup_seconds": round(warmup_seconds, 1),
                      "gflop_per_sample_step": round(training_flops_per_sample(model) / 1e9, 2),
                      "graph_breaks": sum(counters["graph_break"].values()),  # each one costs a compiled region
                      "torch": torch.__version__, **({"profile": profile} if profile else {})}))


if __name__ == "__main__":
    main()
