"""Training speed: ms per optimiser step, samples/s and model FLOPs utilisation (MFU) for a preset.

    python bench/train_step.py --preset sudoku9-mlp [--batch-size 768] [--steps 30] [--warmup 10] [--no-compile]

Runs the real Trainer (one supervision step + AdamATan2 + sign-SGD + EMA per step) on the preset's training
data, after warm-up steps (compilation happens there), with cuda.synchronize() around the timed window.
"""

import argparse
import dataclasses
import json
import time

import torch

from trm.data import load_split
from trm.model.flops import peak_flops, training_flops_per_sample
from trm.train.config import get_preset
from trm.train.runtime import setup_runtime
from trm.train.trainer import Trainer


def _sync(runtime) -> None:
    if runtime.is_cuda:
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="sudoku9-mlp")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--device")
    args = parser.parse_args()
    preset = get_preset(args.preset)
    config = dataclasses.replace(preset.train, batch_size=args.batch_size or preset.train.batch_size,
                                 compile=not args.no_compile, augmentations=8)
    runtime = setup_runtime(args.device)
    trainer = Trainer(preset.model, config, load_split(config.data_dir, "train"), runtime)
    start = time.perf_counter()
    for _ in range(args.warmup):
        trainer.train_step()
    _sync(runtime)
    warmup_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(args.steps):
        trainer.train_step()
    _sync(runtime)
    seconds = (time.perf_counter() - start) / args.steps
    samples_per_second = config.batch_size / seconds
    flops = training_flops_per_sample(preset.model) * samples_per_second
    peak = peak_flops(runtime.device_name()) if runtime.is_cuda else None
    print(json.dumps({"preset": args.preset, "device": runtime.device_name(), "batch_size": config.batch_size,
                      "compile": config.compile and runtime.is_cuda, "ms_per_step": round(1000 * seconds, 2),
                      "samples_per_second": round(samples_per_second, 1), "model_tflops": round(flops / 1e12, 1),
                      "mfu": round(flops / peak, 4) if peak else None, "warmup_seconds": round(warmup_seconds, 1),
                      "gflop_per_sample_step": round(training_flops_per_sample(preset.model) / 1e9, 2),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
