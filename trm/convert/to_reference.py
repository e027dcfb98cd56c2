"""Write one of our checkpoints in the reference code's format, so a model trained here can be fine-tuned there
(``pretrain.py load_checkpoint=DIR/step_N``): a plain ``torch.save`` state dict under the reference's names and an
``all_config.yaml`` whose ``arch`` section rebuilds the same architecture."""

import re
from pathlib import Path

import torch
import yaml

from trm.checkpoint import load_model
from trm.convert.reference_format import CONFIG_NAME, TRM_CLASS
from trm.errors import ConfigError
from trm.model.config import ModelConfig
from trm.model.reference_keys import to_reference_state_dict

REFERENCE_SWIGLU_MULTIPLE = 256  # the reference rounds every SwiGLU width up to a multiple of 256


REFERENCE_LOSS_TYPES = {"stablemax": "stablemax_cross_entropy", "softmax": "softmax_cross_entropy"}  # ours: theirs


def reference_loss_type(metadata: dict) -> str:
    """The reference's name for the answer loss the checkpoint was trained with: as a converted checkpoint's source
    named it, else from its training record (a card from before that record says it in its recipe line)."""
    source_loss = (metadata.get("converted_from") or {}).get("loss_type")
    if source_loss in REFERENCE_LOSS_TYPES.values():
        return source_loss
    training = metadata.get("training") or {}
    softmax = training.get("answer_loss") == "softmax" or "softmax cross-entropy" in str(training.get("recipe", ""))
    return REFERENCE_LOSS_TYPES["softmax" if softmax else "stablemax"]


def reference_arch_section(config: ModelConfig, forward_dtype: str = "bfloat16",
                           loss_type: str = REFERENCE_LOSS_TYPES["stablemax"]) -> dict:
    """The ``arch`` section of the reference's config for ``config`` (its Sudoku recipe's other settings)."""
    if config.is_flat_baseline:
        raise ConfigError("the flat baseline has no counterpart in the reference code.")
    if config.swiglu != "standard":
        raise ConfigError(f"this model's SwiGLU is {config.swiglu!r}; the reference has only the standard one, so "
                          f"its outputs would differ.")
    if config.swiglu_multiple != REFERENCE_SWIGLU_MULTIPLE:
        raise ConfigError(f"this model rounds its SwiGLU widths to multiples of {config.swiglu_multiple}; the "
                          f"reference always uses {REFERENCE_SWIGLU_MULTIPLE}, so it would build other shapes.")
    return {"name": f"recursive_reasoning.trm@{TRM_CLASS}",
            "loss": {"name": "losses@ACTLossHead", "loss_type": loss_type},
            "halt_exploration_prob": 0.1, "halt_max_steps": config.max_supervision_steps,
            "H_cycles": config.answer_cycles, "L_cycles": config.latent_steps, "H_layers": 0,
            "L_layers": config.layers, "hidden_size": config.hidden_size, "num_heads": config.attention_heads,
            "expansion": config.expansion, "puzzle_emb_ndim": config.hidden_size if config.prefix_len else 0,
            "pos_encodings": "none" if config.mixer == "mlp" else "rope", "forward_dtype": forward_dtype,
            "mlp_t": config.mixer == "mlp", "puzzle_emb_len": config.prefix_len, "no_ACT_continue": True,
            "rms_norm_eps": config.rms_norm_eps, "rope_theta": config.rope_theta}


def _forward_dtype(state: dict[str, torch.Tensor]) -> str:
    """bfloat16 (the reference's training default, in which it keeps the initial states) when ours are exact in
    bf16, as the shipped checkpoints are; else float32, so the written file loses nothing."""
    exact = all(torch.equal(state[name].to(torch.bfloat16).float(), state[name].float())
                for name in ("y_init", "z_init"))
    return "bfloat16" if exact else "float32"


def _step_of(metadata: dict) -> int:
    """The training step of the checkpoint, or of the file it was converted from (``step_N``); else 0."""
    step = (metadata.get("training") or {}).get("step")
    if isinstance(step, int):
        return step
    found = re.search(r"step_(\d+)", str((metadata.get("converted_from") or {}).get("file", "")))
    return int(found.group(1)) if found else 0


def write_reference(checkpoint: Path, out_dir: Path, step: int | None = None) -> tuple[Path, str]:
    """Write ``out_dir/step_N`` and ``out_dir/all_config.yaml`` from our ``checkpoint``; returns the weights file
    and the forward dtype written. Refuses to overwrite either file."""
    checkpoint = Path(checkpoint)
    if not (checkpoint / "config.json").exists() and (checkpoint / "best" / "config.json").exists():
        raise ConfigError(f"{checkpoint} is a training run; pass its saved model, {checkpoint / 'best'} (or export "
                          f"one with python -m trm.export).")
    loaded = load_model(checkpoint)
    state = loaded.model.state_dict()
    forward_dtype = _forward_dtype(state)
    arch = reference_arch_section(loaded.config, forward_dtype, reference_loss_type(loaded.metadata))
    step = step if step is not None else _step_of(loaded.metadata)
    out_dir = Path(out_dir)
    weights_path, config_path = out_dir / f"step_{step}", out_dir / CONFIG_NAME
    for path in (weights_path, config_path):
        if path.exists():
            raise ConfigError(f"{path} already exists; choose another --out folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    init_dtype = torch.bfloat16 if forward_dtype == "bfloat16" else torch.float32
    torch.save(to_reference_state_dict(state, init_dtype), weights_path)
    grid = loaded.config.grid_size
    config_path.write_text(yaml.safe_dump({"arch": arch, "data_paths": [f"data/sudoku{grid}"],
                                           "converted_from": str(checkpoint)}, sort_keys=False))
    return weights_path, forward_dtype
