"""Shared helpers of the reference fixture (tests/fixtures/reference_trm): a model reproduces its recorded
supervision steps (y, z, logits, Q-halt logit); a run folder laid out as the reference's pretrain.py leaves it."""

import json
from pathlib import Path

import torch
import yaml
from safetensors.torch import load_file

from trm.model.act import empty_carry, refill

FIXTURES = Path(__file__).parent / "fixtures" / "reference_trm"
TOLERANCE = dict(atol=1e-4, rtol=1e-4)  # the reference fixture's own float32-vs-float64 drift is <= 1.6e-5


def assert_matches_recorded_steps(model, expected: dict[str, torch.Tensor], steps: int = 3) -> None:
    """``expected`` holds ``inputs`` and ``step{s}.z_H`` / ``.z_L`` / ``.logits`` / ``.q_halt_logits``."""
    inputs = expected["inputs"].long()
    carry = refill(model, empty_carry(model, inputs.shape[0], torch.device("cpu"), torch.float32), inputs, inputs)
    y, z = carry.y, carry.z
    with torch.no_grad():
        for step in range(1, steps + 1):
            y, z, logits, q_halt = model(inputs, y, z)
            torch.testing.assert_close(y, expected[f"step{step}.z_H"], **TOLERANCE)
            torch.testing.assert_close(z, expected[f"step{step}.z_L"], **TOLERANCE)
            torch.testing.assert_close(logits, expected[f"step{step}.logits"], **TOLERANCE)
            torch.testing.assert_close(q_halt, expected[f"step{step}.q_halt_logits"], **TOLERANCE)


ARCH_KEYS = ("H_cycles", "L_cycles", "H_layers", "L_layers", "hidden_size", "expansion", "num_heads",
             "rms_norm_eps", "rope_theta", "halt_max_steps", "puzzle_emb_ndim", "puzzle_emb_len", "mlp_t",
             "pos_encodings", "forward_dtype", "no_ACT_continue", "halt_exploration_prob")


def write_reference_run(folder: Path, variant: str, step: int = 1000, **arch_changes) -> Path:
    """A folder laid out as the reference's pretrain.py leaves it: step_N (torch.save of the compiled loss head's
    state dict) and all_config.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    weights = load_file(str(FIXTURES / f"{variant}.safetensors"))
    torch.save({"_orig_mod.model." + name: tensor for name, tensor in weights.items()}, folder / f"step_{step}")
    config = json.loads((FIXTURES / f"{variant}_config.json").read_text())["config"]
    arch = {"name": "recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1",
            "loss": {"name": "losses@ACTLossHead", "loss_type": "stablemax_cross_entropy"},
            **{key: config[key] for key in ARCH_KEYS}, **arch_changes}
    (folder / "all_config.yaml").write_text(yaml.safe_dump({"arch": arch, "data_paths": ["data/sudoku-extreme-1k"],
                                                            "ema": True, "global_batch_size": 768}))
    return folder / f"step_{step}"
