"""Interventions: change the recursion's state after one supervision step and let it continue from there.

Researchers ask what the model keeps where: wipe z (or y) back to its initial state at step 5, shake it with noise
of a chosen size, or give it one more digit, and watch whether the run recovers. :class:`Intervene` is an
observer of the inference core that makes one such change after its step; everything before is the untouched run.
"""

from dataclasses import dataclass

import torch

from trm.inference.core import Observer, RecursionState, StepOutput
from trm.model.tokens import encode_grids
from trm.model.trm import RecursiveModel
from trm.sudoku.shape import cell_name

KINDS = ("reset_z", "reset_y", "noise_z", "noise_y", "add_given")


@dataclass(frozen=True)
class Intervention:
    """One change, made after supervision step ``after_step`` (1-based), to every row of the batch."""

    after_step: int
    kind: str  # one of KINDS
    scale: float = 0.0  # noise_*: the std of the Gaussian noise added to the state
    cell: int = 0  # add_given: the cell (row-major index) ...
    digit: int = 0  # ... and the digit it gets as a given
    seed: int = 0  # noise_*

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"intervention kind must be one of {KINDS}, got {self.kind!r}")
        if self.after_step < 1:
            raise ValueError(f"an intervention comes after a step (>= 1), got {self.after_step}")
        if not 0 <= self.scale < float("inf"):  # also NaN, which every comparison fails
            raise ValueError(f"noise scale must be a finite number >= 0, got {self.scale}")

    def describe(self, grid_size: int | None = None) -> str:
        """'z reset to its initial state after step 5', for captions and legends; with ``grid_size`` a cell is
        named as on the page (r3c7), else by its index."""
        cell = cell_name(self.cell, grid_size) if grid_size else f"cell {self.cell}"
        what = {"reset_z": "z reset to its initial state", "reset_y": "y reset to its initial state",
                "noise_z": f"noise of size {self.scale:g} added to z", "noise_y": f"noise of size {self.scale:g} "
                "added to y", "add_given": f"digit {self.digit} given in {cell}"}[self.kind]
        return f"{what} after step {self.after_step}"


class Intervene(Observer):
    """Applies ``intervention`` once, after its step (a run shorter than that is untouched)."""

    def __init__(self, model: RecursiveModel, intervention: Intervention):
        self.model, self.intervention = model, intervention

    def on_step(self, state: RecursionState, output: StepOutput) -> None:
        change = self.intervention
        if state.steps_done != change.after_step:
            return
        if change.kind in ("reset_y", "reset_z"):
            y0, z0 = self.model.initial_state(state.y.shape[0], state.y.dtype)
            if change.kind == "reset_y":
                state.y = y0.to(state.y.device)
            else:
                state.z = z0.to(state.z.device)
        elif change.kind in ("noise_y", "noise_z"):
            generator = torch.Generator(device=state.y.device).manual_seed(change.seed)
            target = state.y if change.kind == "noise_y" else state.z
            moved = target + change.scale * torch.randn(target.shape, generator=generator, device=target.device,
                                                        dtype=torch.float32).to(target.dtype)
            state.y, state.z = (moved, state.z) if change.kind == "noise_y" else (state.y, moved)
        else:
            if not 0 <= change.cell < state.tokens.shape[1] or not 1 <= change.digit <= self.model.config.grid_size:
                raise ValueError(f"cell {change.cell} / digit {change.digit} do not fit a "
                                 f"{self.model.config.grid_size}x{self.model.config.grid_size} grid")
            tokens = state.tokens.clone()
            tokens[:, change.cell] = int(encode_grids(torch.tensor(change.digit)))
            state.tokens = tokens
