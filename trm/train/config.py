"""TrainConfig and the named presets (model + training) the CLI and the app offer."""

import dataclasses
import math
from dataclasses import dataclass

from trm.errors import ConfigError
from trm.model.act import ANSWER_LOSSES
from trm.model.config import ModelConfig, _strict_from_dict, check_field_types
from trm.train.curriculum import check_curriculum


COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
OPTIMIZERS = ("adam_atan2", "muon")
LR_SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Defaults are the reference's Sudoku-Extreme recipe (its config/cfg_pretrain.yaml and README)."""

    data_dir: str = "data/sudoku9"  # built by `python -m trm.data build`; holds train.npz and test.npz
    batch_size: int = 768  # global batch of slots (split across processes under torchrun)
    total_steps: int = 65_100  # optimiser steps (50,000 epochs of 1,000 puzzles at 768)
    lr: float = 1e-4
    warmup_steps: int = 2_000  # linear warmup, then constant
    weight_decay: float = 1.0
    beta1: float = 0.9
    beta2: float = 0.95
    prefix_lr: float = 1e-4  # sign-SGD on the puzzle prefix (puzzle_emb_lr)
    prefix_weight_decay: float = 1.0
    ema_rate: float = 0.999
    ema_start_step: int = 0  # the EMA copies the weights until this step, then averages (arXiv 2601.19085: 5,000)
    halt_exploration_prob: float = 0.1
    augmentations: int = 1_000  # precomputed augmented variants per training puzzle (plus the original)
    fresh_augmentations: bool = False  # a new random symmetry at every draw instead of the precomputed variants
    seed: int = 0
    eval_every: int = 2_000  # steps between held-out evaluations (EMA weights, all supervision steps)
    eval_puzzles: int = 1_000  # held-out puzzles per periodic evaluation (0 = the whole test split)
    eval_batch_size: int = 1_024
    checkpoint_every: int = 1_000  # steps between resumable checkpoints
    log_every: int = 50  # steps between metric lines in metrics.jsonl
    rewarmup_steps: int = 500  # warmup again on resume when Adam's moments were not saved
    compile: bool = True  # torch.compile on CUDA (ignored on the CPU)
    compile_mode: str = "default"  # torch.compile mode: default, reduce-overhead, max-autotune(-no-cudagraphs)
    cpu_threads: int = 0  # 0 = PyTorch's default; small models train fastest on 1 (their matmuls don't split well)
    # GPU speed options, same maths; used on CUDA with Triton, ignored elsewhere (bench/README.md has the figures)
    fused_swiglu: bool = True  # channel SwiGLUs: one GEMM kernel each way (trm.kernels.swiglu[_grad])
    fused_token_mixer: bool = True  # token mixers in one kernel each way (trm.kernels.token_mixer[_grad])
    # Faster-recipe options (bench/README.md records each try); the defaults are the reference's recipe
    depth_curriculum: str = "none"  # "cgar": shallower recursion early in training (trm.train.curriculum)
    optimizer: str = "adam_atan2"  # "muon": Muon for the recursive network's matrices (trm.train.muon), Adam else
    muon_lr: float = 0.02  # Muon's settings default to the "Speed is Confidence" recipe (arXiv 2601.19085)
    muon_momentum: float = 0.6
    muon_ns_steps: int = 3
    muon_weight_decay: float = 0.005
    lr_schedule: str = "constant"  # after the warm-up: "constant" (the reference) or "cosine" (to 0 at the end)
    grad_clip: float = 0.0  # clip the global gradient norm to this; 0: off (the reference)
    label_smoothing: float = 0.0  # share of each cell's target spread over all classes; 0: off (the reference)
    q_halt_loss_weight: float = 0.5  # the Q-halt BCE's weight beside the answer loss (the reference's 0.5)
    answer_loss: str = "stablemax"  # the answer's cross-entropy: "stablemax" (the reference) or "softmax"

    def __post_init__(self) -> None:
        check_field_types(self)
        for field in dataclasses.fields(self):  # NaN slips through every comparison below
            if field.type is float and not math.isfinite(getattr(self, field.name)):
                raise ConfigError(f"TrainConfig.{field.name} must be a finite number, got {getattr(self, field.name)}.")
        for name in ("batch_size", "total_steps", "eval_every", "checkpoint_every", "log_every", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"TrainConfig.{name} must be >= 1, got {getattr(self, name)}.")
        for name in ("lr", "prefix_lr", "weight_decay", "prefix_weight_decay", "warmup_steps", "augmentations",
                     "eval_puzzles", "rewarmup_steps", "ema_start_step"):
            if getattr(self, name) < 0:
                raise ConfigError(f"TrainConfig.{name} must be >= 0, got {getattr(self, name)}.")
        for name in ("beta1", "beta2", "ema_rate", "halt_exploration_prob", "label_smoothing"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"TrainConfig.{name} must be in [0, 1), got {getattr(self, name)}.")

        check_curriculum(self.depth_curriculum)
        for name, allowed in (("optimizer", OPTIMIZERS), ("lr_schedule", LR_SCHEDULES),
                              ("answer_loss", ANSWER_LOSSES)):
            if getattr(self, name) not in allowed:
                raise ConfigError(f"TrainConfig.{name} must be one of {allowed}, got {getattr(self, name)!r}.")
        for name, least in (("muon_lr", 0), ("muon_weight_decay", 0), ("grad_clip", 0), ("muon_ns_steps", 1),
                            ("q_halt_loss_weight", 0)):
            if getattr(self, name) < least:
                raise ConfigError(f"TrainConfig.{name} must be >= {least}, got {getattr(self, name)}.")
        if self.optimizer == "muon" and not self.muon_lr > 0:  # 0 would leave the network's matrices untrained
            raise ConfigError(f"TrainConfig.muon_lr must be > 0 with optimizer muon, got {self.muon_lr}.")
        if not 0 <= self.muon_momentum < 1:
            raise ConfigError(f"TrainConfig.muon_momentum must be in [0, 1), got {self.muon_momentum}.")
        if self.compile_mode not in COMPILE_MODES:
            raise ConfigError(f"TrainConfig.compile_mode must be one of {COMPILE_MODES}, got {self.compile_mode!r}.")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        return _strict_from_dict(cls, data)


@dataclass(frozen=True)
class Preset:
    """A named recipe: what the model is and how it trains."""

    description: str
    model: ModelConfig
    train: TrainConfig


_SMALL = dict(hidden_size=64, layers=2, answer_cycles=2, latent_steps=2, max_supervision_steps=8, prefix_len=2,
              swiglu_multiple=16)

_SMALL4 = {**_SMALL, "max_supervision_steps": 4}
_TRAIN4 = TrainConfig(data_dir="data/sudoku4", batch_size=64, total_steps=1_800, lr=1e-3, warmup_steps=50,
                      weight_decay=0.1, prefix_lr=1e-3, prefix_weight_decay=0.1, ema_rate=0.99, augmentations=64,
                      eval_every=300, eval_puzzles=500, eval_batch_size=500, checkpoint_every=300, log_every=25,
                      compile=False, cpu_threads=1)

# "Speed is Confidence" (arXiv 2601.19085) K=1 recipe within our options: recipe try 6 in bench/README.md, whose
# run (training_state/recipe-sic-k1-8k) this preset repeats; it beats the paper's recipe on held-out accuracy and time
_FAST_MODEL = ModelConfig(swiglu="normed", answer_cycles=6, latent_steps=9)
_FAST_TRAIN = TrainConfig(total_steps=8_000, batch_size=384, optimizer="muon", lr_schedule="cosine", warmup_steps=0,
                          grad_clip=1.0, answer_loss="softmax", label_smoothing=0.2, q_halt_loss_weight=0.05,
                          fresh_augmentations=True, ema_rate=0.9, ema_start_step=5_000, eval_every=1_000,
                          eval_puzzles=2_000)

PRESETS: dict[str, Preset] = {
    "sudoku9-fast": Preset("TRM-MLP for 9x9 with a faster recipe (Muon, normed SwiGLU, 6x9 recursion, 8,000 steps): "
                           "81% held-out in 18 minutes of one H100, where the paper's recipe takes hours; GPU.",
                           _FAST_MODEL, _FAST_TRAIN),
    "sudoku9-mlp": Preset("The paper's TRM-MLP for 9x9 Sudoku-Extreme (5.0M parameters); GPU.",
                          ModelConfig(), TrainConfig()),
    "sudoku9-att": Preset("The paper's TRM-Att (attention + RoPE) for 9x9 (6.8M parameters); GPU.",
                          ModelConfig(mixer="attention"), TrainConfig()),
    "sudoku4-tiny": Preset("A small TRM-MLP for 4x4 Sudoku; reaches 100% held-out on a laptop CPU.",
                           ModelConfig(grid_size=4, **_SMALL4), _TRAIN4),
    "sudoku6-small": Preset("A small TRM-MLP for 6x6 Sudoku; CPU in about 45 minutes.",
                            ModelConfig(grid_size=6, **_SMALL),
                            TrainConfig(data_dir="data/sudoku6", batch_size=64, total_steps=12_000, lr=1e-3,
                                        warmup_steps=100, weight_decay=0.1, prefix_lr=1e-3, prefix_weight_decay=0.1,
                                        ema_rate=0.995, augmentations=16, eval_every=500, eval_puzzles=500,
                                        eval_batch_size=500, checkpoint_every=500, log_every=50, compile=False,
                                        cpu_threads=1)),
    "sudoku4-flat": Preset("The flat gated-MLP baseline (no sequence axis) on 4x4, to compare with sudoku4-tiny.",
                           ModelConfig(grid_size=4, architecture="flat-baseline", **{**_SMALL4, "prefix_len": 0}),
                           _TRAIN4),
    "sudoku9-flat": Preset("The flat gated-MLP baseline on 9x9 Sudoku-Extreme, same recipe as sudoku9-mlp.",
                           ModelConfig(architecture="flat-baseline", prefix_len=0), TrainConfig()),
}


def get_preset(name: str) -> Preset:
    """Return the named preset; raises ConfigError listing the known names."""
    if name not in PRESETS:
        raise ConfigError(f"Unknown preset {name!r}; choose one of {sorted(PRESETS)}.")
    return PRESETS[name]
