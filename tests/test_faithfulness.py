"""Our TRM reproduces the reference implementation step by step (fixture made by
scripts/make_reference_fixture.py from the reference code, every weight randomised)."""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from trm.model.act import empty_carry, refill
from trm.model.config import ModelConfig
from trm.model.reference_keys import from_reference_state_dict
from trm.model.trm import TinyRecursiveModel

FIXTURES = Path(__file__).parent / "fixtures" / "reference_trm"
TOLERANCE = dict(atol=1e-4, rtol=1e-4)  # the fixture's own float32-vs-float64 error is <= 1.6e-5


def _our_config(reference: dict) -> ModelConfig:
    return ModelConfig(grid_size=9, hidden_size=reference["hidden_size"], layers=reference["L_layers"],
                       expansion=reference["expansion"], mixer="mlp" if reference["mlp_t"] else "attention",
                       attention_heads=reference["num_heads"], prefix_len=reference["puzzle_emb_len"],
                       answer_cycles=reference["H_cycles"], latent_steps=reference["L_cycles"],
                       max_supervision_steps=reference["halt_max_steps"], rms_norm_eps=reference["rms_norm_eps"])


def _load(variant: str) -> tuple[TinyRecursiveModel, dict]:
    meta = json.loads((FIXTURES / f"{variant}_config.json").read_text())
    reference_config = meta.get("config", meta)
    model = TinyRecursiveModel(_our_config(reference_config))
    model.load_state_dict(from_reference_state_dict(load_file(str(FIXTURES / f"{variant}.safetensors"))))
    return model.eval(), load_file(str(FIXTURES / f"{variant}_outputs.safetensors"))


@pytest.mark.parametrize("variant", ["mlp", "att"])
def test_three_supervision_steps_match_the_reference_code(variant):
    model, expected = _load(variant)
    inputs = expected["inputs"].long()
    carry = empty_carry(model, inputs.shape[0], torch.device("cpu"), torch.float32)
    carry = refill(model, carry, inputs, inputs)
    y, z = carry.y, carry.z
    with torch.no_grad():
        for step in (1, 2, 3):
            y, z, logits, q_halt = model(inputs, y, z)
            torch.testing.assert_close(y, expected[f"step{step}.z_H"], **TOLERANCE)
            torch.testing.assert_close(z, expected[f"step{step}.z_L"], **TOLERANCE)
            torch.testing.assert_close(logits, expected[f"step{step}.logits"], **TOLERANCE)
            torch.testing.assert_close(q_halt, expected[f"step{step}.q_halt_logits"], **TOLERANCE)


def test_fixture_is_not_degenerate():
    _, expected = _load("mlp")
    assert expected["step3.q_halt_logits"].std() > 1e-3
    assert not torch.allclose(expected["step1.logits"], expected["step3.logits"])


def test_unknown_reference_key_is_refused():
    with pytest.raises(KeyError, match="no mapping"):
        from_reference_state_dict({"inner.something_new": torch.zeros(1)})
