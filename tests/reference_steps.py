"""Shared check: a model reproduces a fixture's recorded supervision steps (y, z, logits, Q-halt logit)."""

import torch

from trm.model.act import empty_carry, refill

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
