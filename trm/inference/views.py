"""Views of a puzzle: the puzzle itself and random Sudoku symmetries of it, solved as one batch and mapped back.

A symmetry (digit relabelling, transpose where boxes are square, band/row/stack/column permutations) turns a
puzzle into another with the same difficulty whose solution is the same symmetry of the original solution. The
model sees each view as a new puzzle, so K views are K attempts; their answers, mapped back to the original
orientation, can be compared and the best chosen (trm.inference.selection).
"""

from dataclasses import dataclass

import torch

from trm.data.augment import Symmetry, apply_symmetries, draw_symmetries
from trm.inference.core import StepOutput, StopRule
from trm.sudoku.shape import GridShape


@dataclass(frozen=True)
class Views:
    """K views of each of N puzzles, stacked puzzle-major on the batch axis: row n * K + k is view k of puzzle n
    (view 0 the puzzle itself). ``forward`` maps original grids to views, ``back`` maps views' grids back."""

    count: int  # K
    forward: Symmetry  # per row of the (N * K) batch
    back: Symmetry

    def to_views(self, grids: torch.Tensor) -> torch.Tensor:
        """(N, cells) original grids (digits) -> (N * K, cells), each puzzle as its K views."""
        return apply_symmetries(grids.repeat_interleave(self.count, dim=0), self.forward)

    def to_original(self, grids: torch.Tensor) -> torch.Tensor:
        """(N * K, cells) grids in the views' orientations (digits, 0 = none) -> (N, K, cells) in the original."""
        return apply_symmetries(grids, self.back).view(-1, self.count, grids.shape[-1])


def _identity(rows: int, shape: GridShape, device: torch.device) -> Symmetry:
    cells = torch.arange(shape.cells, device=device).expand(rows, -1)
    digits = torch.arange(shape.size + 1, device=device).expand(rows, -1)
    return Symmetry(cells, digits)


def invert(symmetry: Symmetry) -> Symmetry:
    """The symmetry that undoes ``symmetry``, row by row."""
    return Symmetry(symmetry.cell_source.argsort(dim=-1), symmetry.digit_map.argsort(dim=-1))


def make_views(puzzles: int, count: int, shape: GridShape, generator: torch.Generator) -> Views:
    """Views for ``puzzles`` puzzles: the identity, then ``count - 1`` random symmetries each (seeded by
    ``generator``, on its device). 6x6 boxes are not square, so no view of a 6x6 puzzle is transposed."""
    if count < 1:
        raise ValueError(f"views must be >= 1, got {count}")
    drawn = draw_symmetries(puzzles * count, shape, generator)
    is_first = (torch.arange(puzzles * count, device=generator.device) % count == 0)[:, None]
    identity = _identity(puzzles * count, shape, generator.device)
    forward = Symmetry(torch.where(is_first, identity.cell_source, drawn.cell_source),
                       torch.where(is_first, identity.digit_map, drawn.digit_map))
    return Views(count, forward, invert(forward))


def noisy_start(model, views: Views, noise: float, dtype: torch.dtype,
                generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's initial (y, z) for every row of ``views``, with Gaussian noise of std ``noise`` added to every
    view but the puzzle itself: another starting point is another attempt, where symmetries run out of variety."""
    rows, device = views.forward.cell_source.shape[0], generator.device
    y, z = (t.to(device) for t in model.initial_state(rows, dtype))
    is_plain = (torch.arange(rows, device=device) % views.count == 0)[:, None, None]
    perturbed = [state + noise * torch.randn(state.shape, generator=generator, device=device).to(dtype)
                 for state in (y, z)]
    return tuple(torch.where(is_plain, state, moved) for state, moved in zip((y, z), perturbed))


def stop_when_best_view_confident(views: Views, threshold: float) -> StopRule:
    """Stop once, for every puzzle, its most confident view's P(halt) has reached ``threshold``."""
    def stop(output: StepOutput) -> bool:
        best = output.halt_probability.view(-1, views.count).max(dim=1).values  # (N,)
        return bool((best >= threshold).all())
    return stop


def stop_when_views_agree(views: Views) -> StopRule:
    """Stop once, for every puzzle, all its views give the same grid (mapped back to the original)."""
    def stop(output: StepOutput) -> bool:
        answers = views.to_original(output.answers.long())  # (N, K, cells)
        return bool((answers == answers[:, :1]).all())
    return stop
