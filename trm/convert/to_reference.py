"""Write one of our checkpoints in the reference code's format, so a model trained here can be fine-tuned there
(``pretrain.py load_checkpoint=DIR/step_N``): a plain ``torch.save`` state dict under the reference's names and an
``all_config.yaml`` whose ``arch`` section rebuilds the same architecture."""

from pathlib import Path

import torch
import yaml

from trm.checkpoint import load_model
from trm.convert.reference_format import CONFIG_NAME, TRM_CLASS
from trm.errors import ConfigError
from trm.model.config import ModelConfig
from trm.model.reference_keys import to_reference_state_dict

REFERENCE_SWIGLU_MULTIPLE = 256  # the reference rounds every SwiGLU width up to a multiple of 256


def reference_arch_section(config: ModelConfig) -> dict:
    """The ``arch`` section of the reference's config for ``config`` (its Sudoku recipe's other settings)."""
    if config.is_flat_baseline:
        raise ConfigError("the flat baseline has no counterpart in the reference code.")
    if config.swiglu_multiple != REFERENCE_SWIGLU_MULTIPLE:
        raise ConfigError(f"this model rounds its SwiGLU widths to multiples of {config.swiglu_multiple}; the "
                          f"reference always uses {REFERENCE_SWIGLU_MULTIPLE}, so it would build other shapes.")
    return {"name": f"recursive_reasoning.trm@{TRM_CLASS}",
            "loss": {"name": "losses@ACTLossHead", "loss_type": "stablemax_cross_entropy"},
            "halt_exploration_prob": 0.1, "halt_max_steps": config.max_supervision_steps,
            "H_cycles": config.answer_cycles, "L_cycles": config.latent_steps, "H_layers": 0,
            "L_layers": config.layers, "hidden_size": config.hidden_size, "num_heads": config.attention_heads,
            "expansion": config.expansion, "puzzle_emb_ndim": config.hidden_size if config.prefix_len else 0,
            "pos_encodings": "none" if config.mixer == "mlp" else "rope", "forward_dtype": "bfloat16",
            "mlp_t": config.mixer == "mlp", "puzzle_emb_len": config.prefix_len, "no_ACT_continue": True,
            "rms_norm_eps": config.rms_norm_eps, "rope_theta": config.rope_theta}


def write_reference(checkpoint: Path, out_dir: Path, step: int | None = None) -> Path:
    """Write ``out_dir/step_N`` and ``out_dir/all_config.yaml`` from our ``checkpoint``; returns the weights file.
    Refuses to overwrite either file."""
    loaded = load_model(checkpoint)
    arch = reference_arch_section(loaded.config)
    step = step if step is not None else int(loaded.metadata.get("training", {}).get("step") or 0)
    out_dir = Path(out_dir)
    weights_path, config_path = out_dir / f"step_{step}", out_dir / CONFIG_NAME
    for path in (weights_path, config_path):
        if path.exists():
            raise ConfigError(f"{path} already exists; choose another --out folder.")
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(to_reference_state_dict(loaded.model.state_dict()), weights_path)
    grid = loaded.config.grid_size
    config_path.write_text(yaml.safe_dump({"arch": arch, "data_paths": [f"data/sudoku{grid}"],
                                           "converted_from": str(checkpoint)}, sort_keys=False))
    return weights_path
