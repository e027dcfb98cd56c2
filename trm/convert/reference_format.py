"""The reference code's checkpoints (SamsungSAILMontreal/TinyRecursiveModels and forks that keep its format): a
``torch.save`` state dict (``step_N`` or ``*.pth``) with its keys under ``_orig_mod.model.inner.``, and the run's
``all_config.yaml`` beside it, whose ``arch`` section holds the architecture.

Only the Sudoku TRM maps onto ours: the ``TinyRecursiveReasoningModel_ACTV1`` class, one puzzle identifier (every
Sudoku puzzle shares it), a vocabulary of digits + blank + pad, MLP-t or attention with RoPE.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import torch
import yaml

from trm.errors import CheckpointError, ConfigError
from trm.model.config import ModelConfig
from trm.model.reference_keys import from_reference_state_dict, strip_wrappers

TRM_CLASS = "TinyRecursiveReasoningModel_ACTV1"
CONFIG_NAME = "all_config.yaml"
_UNSUPPORTED_DATA = {r"(?<![a-z])arc(?![a-z])": "an ARC-AGI model", r"(?<![a-z])maze(?![a-z])": "a maze model"}


@dataclass(frozen=True)
class ReferenceArch:
    """The fields of the reference's ``arch`` config that decide the architecture (reference defaults)."""

    name: str
    hidden_size: int
    L_layers: int
    H_cycles: int
    L_cycles: int
    expansion: float
    num_heads: int
    mlp_t: bool = False
    pos_encodings: str = "rope"
    puzzle_emb_ndim: int = 0
    puzzle_emb_len: int = 16
    halt_max_steps: int = 16
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0

    def __post_init__(self) -> None:
        """YAML gives any type: a quoted number or a list must be named here, not fail later in a comparison."""
        for field in self.__dataclass_fields__.values():
            value, kind = getattr(self, field.name), getattr(field.type, "__name__", str(field.type))
            if kind == "float" and isinstance(value, str):  # PyYAML reads 1e-5 (no dot) as text
                value = _float_or_none(value)
            allowed = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}[kind]
            if not isinstance(value, allowed) or (isinstance(value, bool) and kind != "bool"):
                raise ConfigError(f"arch.{field.name} is {_as_yaml(getattr(self, field.name))}; it must be "
                                  f"{_KIND_WORDS[kind]}.")


_KIND_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false", "str": "text"}


def _as_yaml(value) -> str:
    """A value as the user wrote it in all_config.yaml (null, true, '512'), not as Python prints it."""
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def _float_or_none(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def find_config(weights: Path, config: Path | None) -> Path:
    """``config`` if given, else ``all_config.yaml`` beside the weights; ConfigError saying how to give one."""
    path = Path(config) if config else Path(weights).parent / CONFIG_NAME
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: give the {CONFIG_NAME} file itself.")
    if not path.is_file():
        raise ConfigError(f"{path} not found: the reference saves its architecture in {CONFIG_NAME} beside its "
                          f"step_N files; pass it with --config (in the app: the {CONFIG_NAME} field).")
    return path


def read_config(path: Path) -> dict:
    """The whole all_config.yaml (plain YAML only: no Python tags are constructed)."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path} is not a readable YAML file{line}: {reason}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("arch"), dict):
        raise ConfigError(f"{path} has no 'arch' section: it is not a reference all_config.yaml.")
    return data


def reference_arch(config: dict, source: Path) -> ReferenceArch:
    """The ``arch`` section as a ReferenceArch; ConfigError for another model class or data set."""
    arch = config["arch"]
    name = str(arch.get("name", ""))
    if not name.endswith(TRM_CLASS) or "recursive_reasoning.trm@" not in name:
        raise ConfigError(f"{source}: arch.name is {name!r}; only the reference TRM "
                          f"(recursive_reasoning.trm@{TRM_CLASS}) converts. HRM, the single-z and hierarchical "
                          f"variants and the transformer baseline compute differently.")
    for marker, what in _UNSUPPORTED_DATA.items():
        if any(re.search(marker, str(p).lower()) for p in config.get("data_paths") or []):
            raise ConfigError(f"{source} trained on {config['data_paths']}: {what}. TRM Studio runs Sudoku models "
                              f"(digits on a 4x4, 6x6 or 9x9 grid, one shared puzzle identifier).")
    fields = {key: arch[key] for key in ReferenceArch.__dataclass_fields__ if key in arch}
    missing = [key for key in ("hidden_size", "L_layers", "H_cycles", "L_cycles", "expansion", "num_heads")
               if key not in fields]
    if missing:
        raise ConfigError(f"{source}: arch lacks {', '.join(missing)}.")
    try:
        return ReferenceArch(**fields)
    except (TypeError, ConfigError) as error:
        raise ConfigError(f"{source}: {error}") from None


def loss_type(config: dict) -> str | None:
    """The answer loss the reference trained with (``arch.loss.loss_type``), when its config names one."""
    loss = config["arch"].get("loss")
    named = loss.get("loss_type") if isinstance(loss, dict) else None
    return named if isinstance(named, str) else None


def prefix_length(arch: ReferenceArch) -> int:
    """The reference's puzzle_emb_len: as set, or (when 0) as many tokens as the embedding fills."""
    return arch.puzzle_emb_len or -(arch.puzzle_emb_ndim // -arch.hidden_size)


def model_config(arch: ReferenceArch, weights: dict[str, torch.Tensor]) -> ModelConfig:
    """Our ModelConfig for a reference TRM; the grid size comes from the vocabulary (digits + blank + pad)."""
    vocab = _shape(weights, "embed_tokens.embedding_weight")[0]
    grid = vocab - 2
    if grid not in (4, 6, 9):
        raise ConfigError(f"the token table has {vocab} rows: not a Sudoku vocabulary (pad, blank and 4, 6 or 9 "
                          f"digits).")
    if not arch.mlp_t and arch.pos_encodings != "rope":
        raise ConfigError(f"attention with pos_encodings={arch.pos_encodings!r}: TRM Studio's attention uses RoPE "
                          f"only (the paper's TRM-Att).")
    if arch.pos_encodings == "learned":
        raise ConfigError("learned position embeddings (pos_encodings='learned') are not supported.")
    prefix = prefix_length(arch)
    if prefix and arch.puzzle_emb_ndim == 0:
        raise ConfigError("a puzzle prefix without a puzzle embedding (puzzle_emb_ndim=0) is not a working "
                          "reference model.")
    if arch.puzzle_emb_ndim > arch.hidden_size:
        raise ConfigError(f"the puzzle embedding (puzzle_emb_ndim={arch.puzzle_emb_ndim}) spans several prefix "
                          f"tokens; TRM Studio's prefix holds one vector of hidden_size={arch.hidden_size}.")
    try:
        config = ModelConfig(grid_size=grid, hidden_size=arch.hidden_size, layers=arch.L_layers,
                             expansion=float(arch.expansion), mixer="mlp" if arch.mlp_t else "attention",
                             attention_heads=arch.num_heads, rope_theta=float(arch.rope_theta), prefix_len=prefix,
                             answer_cycles=arch.H_cycles, latent_steps=arch.L_cycles,
                             max_supervision_steps=arch.halt_max_steps, rms_norm_eps=float(arch.rms_norm_eps))
    except (ConfigError, TypeError) as error:
        raise ConfigError(f"the reference architecture does not fit TRM Studio: {error}") from None
    if arch.mlp_t:
        sequence = _shape(weights, "L_level.layers.0.mlp_t.gate_up_proj.weight")[1]
        if sequence != config.seq_len:
            raise ConfigError(f"the token mixer spans {sequence} positions, but a {grid}x{grid} grid with a "
                              f"{prefix}-token prefix has {config.seq_len}: the model was trained on other data.")
    return config


def our_weights(arch: ReferenceArch, weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The reference state dict renamed and reshaped to ours (one puzzle identifier, prefix padded to D)."""
    embedding = _find(weights, "puzzle_emb.weights")
    if embedding is not None and embedding.shape[0] != 1:
        raise ConfigError(f"the puzzle embedding has {embedding.shape[0]} identifiers: a model with one learned "
                          f"vector per training puzzle (ARC style). Its answers depend on which puzzle it was "
                          f"told it sees, which a new Sudoku has not got; TRM Studio runs models with one.")
    mapped = from_reference_state_dict(weights)
    if "puzzle_prefix" in mapped and mapped["puzzle_prefix"].numel() < arch.hidden_size:
        mapped["puzzle_prefix"] = torch.nn.functional.pad(mapped["puzzle_prefix"],
                                                          (0, arch.hidden_size - mapped["puzzle_prefix"].numel()))
    return mapped


def _find(weights: dict[str, torch.Tensor], short: str) -> torch.Tensor | None:
    return next((tensor for name, tensor in weights.items() if strip_wrappers(name) == short), None)


def _shape(weights: dict[str, torch.Tensor], short: str) -> tuple[int, ...]:
    tensor = _find(weights, short)
    if tensor is None:
        raise CheckpointError(f"no {short} among the file's {len(weights)} tensors: not a reference TRM state dict.")
    return tuple(tensor.shape)
