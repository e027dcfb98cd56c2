"""ModelConfig: the shape of a Tiny Recursive Model. Defaults are the paper's Sudoku TRM-MLP."""

import dataclasses
from dataclasses import dataclass

from trm.errors import ConfigError

ARCHITECTURES = ("trm", "flat-baseline")
MIXERS = ("mlp", "attention")
SWIGLUS = ("standard", "normed")
# Ranges a config file may hold. They are far beyond any useful TRM (the paper: D=512, 2 layers, T=3, n=6,
# 16 steps) and keep a bad or hostile file from asking for terabytes or a billion steps.
MAX_SUPERVISION_STEPS = 1_024  # the most a config may train with (and so the most the app must offer to run)
_INT_RANGES = {"grid_size": (4, 9), "hidden_size": (1, 16_384), "layers": (1, 64), "swiglu_multiple": (1, 4_096),
               "attention_heads": (1, 1_024), "prefix_len": (0, 1_024), "answer_cycles": (1, 64),
               "latent_steps": (1, 64), "max_supervision_steps": (1, MAX_SUPERVISION_STEPS)}
_FLOAT_RANGES = {"expansion": (0.0, 64.0), "rope_theta": (0.0, 1e12), "rms_norm_eps": (0.0, 1.0)}
MAX_PARAMETERS = 2_000_000_000  # 8 GiB of float32 weights


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of one TRM (reference names in comments: z_H -> y, z_L -> z, H_cycles -> T, L_cycles -> n)."""

    grid_size: int = 9  # digits per unit; the grid has grid_size**2 cells
    hidden_size: int = 512  # D
    layers: int = 2  # blocks in the one network (L_layers)
    expansion: float = 4.0  # SwiGLU expansion (inner = round(4 * D * 2/3) rounded up to swiglu_multiple)
    swiglu_multiple: int = 256  # reference rounding; small CPU presets use 16 so a 20-token mixer is not 256 wide
    # "standard": down(silu(g) * v), the paper's. "normed": down(sigmoid(g) * RMSNorm(g * v)) ("Speed is
    # Confidence", arXiv 2601.19085): bounded activations, which let Muon train at a high learning rate.
    swiglu: str = "standard"
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
        check_field_types(self)
        for name, (low, high) in _INT_RANGES.items():
            if not low <= getattr(self, name) <= high:
                raise ConfigError(f"ModelConfig.{name} must be between {low} and {high}, got {getattr(self, name)}.")
        for name, (low, high) in _FLOAT_RANGES.items():
            if not low < getattr(self, name) <= high:  # also refuses NaN
                raise ConfigError(f"ModelConfig.{name} must be above {low} and at most {high}, "
                                  f"got {getattr(self, name)}.")
        if self.grid_size not in (4, 6, 9):
            raise ConfigError(f"ModelConfig.grid_size must be 4, 6 or 9, got {self.grid_size}.")
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(f"ModelConfig.architecture must be one of {ARCHITECTURES}, got {self.architecture!r}.")
        if self.mixer not in MIXERS:
            raise ConfigError(f"ModelConfig.mixer must be one of {MIXERS}, got {self.mixer!r}.")
        if self.swiglu not in SWIGLUS:
            raise ConfigError(f"ModelConfig.swiglu must be one of {SWIGLUS}, got {self.swiglu!r}.")
        if self.is_flat_baseline and self.swiglu != "standard":
            raise ConfigError("ModelConfig.swiglu must be 'standard' for the flat baseline (its MLPs have no other).")
        if self.is_flat_baseline and self.prefix_len:
            raise ConfigError("ModelConfig.prefix_len must be 0 for the flat baseline (it has no sequence).")
        if self.mixer == "attention" and self.hidden_size % (2 * self.attention_heads):
            raise ConfigError("ModelConfig.hidden_size must split into attention_heads heads of even size.")
        if self.estimated_parameters() > MAX_PARAMETERS:
            raise ConfigError(f"ModelConfig describes a model of about {self.estimated_parameters():.2g} "
                              f"parameters ({4 * self.estimated_parameters() / 2 ** 30:.0f} GiB in float32); "
                              f"TRM Studio refuses more than {MAX_PARAMETERS:.0e}.")

    def estimated_parameters(self) -> int:
        """An upper estimate of the parameter count, from the shapes alone (checked before anything is built)."""
        inner = int(self.expansion * self.hidden_size * 2 / 3) + self.swiglu_multiple
        sequence = self.prefix_len + self.cells
        mixer = 4 * self.hidden_size ** 2 if self.mixer == "attention" else 3 * sequence * (2 * sequence + 256)
        per_layer = 3 * self.hidden_size * inner + mixer
        return self.layers * per_layer + (sequence + self.vocab_size + 8) * self.hidden_size * 2

    @property
    def is_flat_baseline(self) -> bool:
        return self.architecture == "flat-baseline"

    @property
    def display_name(self) -> str:
        """What people call this model: TRM-MLP, TRM-Att or the flat baseline."""
        if self.is_flat_baseline:
            return "flat gated-MLP baseline"
        name = "TRM-MLP" if self.mixer == "mlp" else "TRM-Att"
        return name + (" (normed SwiGLU)" if self.swiglu == "normed" else "")

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
_ADDED_FIELDS = {"ModelConfig": {"swiglu_multiple": 256, "architecture": "trm", "swiglu": "standard"},
                 "TrainConfig": {"cpu_threads": 0, "compile_mode": "default", "fused_swiglu": False,
                                 "fused_token_mixer": False, "depth_curriculum": "none",
                                 "optimizer": "adam_atan2", "muon_lr": 0.02, "muon_momentum": 0.6,
                                 "muon_ns_steps": 3, "muon_weight_decay": 0.005, "lr_schedule": "constant",
                                 "grad_clip": 0.0, "label_smoothing": 0.0, "q_halt_loss_weight": 0.5,
                                 "fresh_augmentations": False, "answer_loss": "stablemax",
                                 "ema_start_step": 0}}


def _strict_from_dict(cls, data: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    data = {**_ADDED_FIELDS.get(cls.__name__, {}), **data}
    unknown, missing = set(data) - names, names - set(data)
    if unknown or missing:
        parts = [f"{what} {', '.join(map(repr, sorted(keys)))}" for what, keys in
                 (("lacks the field(s)", missing), ("has field(s) this version does not know,", unknown)) if keys]
        raise ConfigError(f"{cls.__name__} {' and '.join(parts)}.")
    return cls(**data)


def check_field_types(config) -> None:
    """Every field of a config dataclass has its declared type (a file edited by hand may say "lr": "fast"): an
    int is not a bool, a float is a number (an int will do), a bool is a bool, anything else a str."""
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.type is int:
            is_right = isinstance(value, int) and not isinstance(value, bool)
        elif field.type is float:  # NaN passes here; each config's range checks refuse it by name
            is_right = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif field.type is bool:
            is_right = isinstance(value, bool)
        else:
            is_right = isinstance(value, str)
        if not is_right:
            raise ConfigError(f"{type(config).__name__}.{field.name} must be {field.type.__name__}, got {value!r}.")
