"""ModelConfig: the shape of a Tiny Recursive Model. Defaults are the paper's Sudoku TRM-MLP."""

import dataclasses
from dataclasses import dataclass

from trm.errors import ConfigError

ARCHITECTURES = ("trm", "flat-baseline")
MIXERS = ("mlp", "attention")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one TRM (reference names in comments: z_H -> y, z_L -> z, H_cycles -> T, L_cycles -> n)."""

    grid_size: int = 9  # digits per unit; the grid has grid_size**2 cells
    hidden_size: int = 512  # D
    layers: int = 2  # blocks in the one network (L_layers)
    expansion: float = 4.0  # SwiGLU expansion (inner = round(4 * D * 2/3) rounded up to swiglu_multiple)
    swiglu_multiple: int = 256  # reference rounding; small CPU presets use 16 so a 20-token mixer is not 256 wide
    architecture: str = "trm"  # "trm"; "flat-baseline": a flat gated-MLP model to compare TRM with (trm.model.flat)
    mixer: str = "mlp"  # TRM's sequence mixer: "mlp" (TRM-MLP, mlp_t=True) or "attention" (TRM-Att with RoPE)
    attention_heads: int = 8  # TRM-Att only
    rope_theta: float = 10000.0  # TRM-Att only
    prefix_len: int = 16  # learned puzzle-prefix tokens (puzzle_emb_len); 0 = none
    answer_cycles: int = 3  # T (H_cycles): cycles per supervision step, the first T-1 without gradients
    latent_steps: int = 6  # n (L_cycles): z-updates per cycle, each followed by one y-update per cycle
    max_supervision_steps: int = 16  # N_sup (halt_max_steps)
    rms_norm_eps: float = 1e-5

    def __post_init__(self) -> None:
        positive = ("grid_size", "hidden_size", "layers", "answer_cycles", "latent_steps", "max_supervision_steps",
                    "swiglu_multiple")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"ModelConfig.{name} must be >= 1, got {getattr(self, name)}.")
        if self.grid_size not in (4, 6, 9):
            raise ConfigError(f"ModelConfig.grid_size must be 4, 6 or 9, got {self.grid_size}.")
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(f"ModelConfig.architecture must be one of {ARCHITECTURES}, got {self.architecture!r}.")
        if self.mixer not in MIXERS:
            raise ConfigError(f"ModelConfig.mixer must be one of {MIXERS}, got {self.mixer!r}.")
        if self.is_flat_baseline and self.prefix_len:
            raise ConfigError("ModelConfig.prefix_len must be 0 for the flat baseline (it has no sequence).")
        if self.prefix_len < 0:
            raise ConfigError(f"ModelConfig.prefix_len must be >= 0, got {self.prefix_len}.")
        if self.mixer == "attention" and self.hidden_size % (2 * self.attention_heads):
            raise ConfigError("ModelConfig.hidden_size must split into attention_heads heads of even size.")

    @property
    def is_flat_baseline(self) -> bool:
        return self.architecture == "flat-baseline"

    @property
    def display_name(self) -> str:
        """What people call this model: TRM-MLP, TRM-Att or the flat baseline."""
        if self.is_flat_baseline:
            return "flat gated-MLP baseline"
        return "TRM-MLP" if self.mixer == "mlp" else "TRM-Att"

    @property
    def cells(self) -> int:
        return self.grid_size * self.grid_size

    @property
    def vocab_size(self) -> int:
        """Tokens: 0 pad, 1 blank, 2.. digits."""
        return self.grid_size + 2

    @property
    def seq_len(self) -> int:
        """Positions the network sees: puzzle prefix + cells (97 for the paper's 9x9); 1 for the flat baseline."""
        return 1 if self.is_flat_baseline else self.prefix_len + self.cells

    @property
    def calls_per_step(self) -> int:
        """Network calls in one supervision step: T * (n + 1)."""
        return self.answer_cycles * (self.latent_steps + 1)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        """Build strictly: unknown or missing keys raise ConfigError."""
        if data.get("mixer") == "flat":  # older configs spell the baseline mixer="flat"
            data = {**data, "architecture": "flat-baseline", "mixer": "mlp"}
        return _strict_from_dict(cls, data)


# Fields added after the first saved configs (runs and checkpoints exist without them), with the value those
# configs implied. Every new field of ModelConfig or TrainConfig needs an entry here, or old runs cannot resume.
_ADDED_FIELDS = {"ModelConfig": {"swiglu_multiple": 256, "architecture": "trm"},
                 "TrainConfig": {"cpu_threads": 0, "compile_mode": "default", "fused_swiglu": False,
                                 "fused_token_mixer": False}}


def _strict_from_dict(cls, data: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    data = {**_ADDED_FIELDS.get(cls.__name__, {}), **data}
    unknown, missing = set(data) - names, names - set(data)
    if unknown or missing:
        raise ConfigError(f"{cls.__name__}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}.")
    return cls(**data)
