"""Our TRM reproduces the reference implementation step by step (fixture made by
scripts/make_reference_fixture.py from the reference code, every weight randomised)."""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from trm.model.config import ModelConfig
from trm.model.reference_keys import from_reference_state_dict
from trm.model.trm import TinyRecursiveModel

from tests.reference_steps import assert_matches_recorded_steps

FIXTURES = Path(__file__).parent / "fixtures" / "reference_trm"


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
    assert_matches_recorded_steps(model, expected)


def test_fixture_is_not_degenerate():
    _, expected = _load("mlp")
    assert expected["step3.q_halt_logits"].std() > 1e-3
    assert not torch.allclose(expected["step1.logits"], expected["step3.logits"])


def test_unknown_reference_key_is_refused():
    with pytest.raises(KeyError, match="no mapping"):
        from_reference_state_dict({"inner.something_new": torch.zeros(1)})
