"""Training examples held on the training device, drawn as the reference's data loader does.

Each training puzzle is stored with ``augmentations`` augmented variants (variant 0 is the original, as the
reference's 1 + 1,000 copies). Batches walk through shuffled epochs of puzzles and pick one variant of each
uniformly, so the GPU never waits on a CPU loader. With ``fresh`` no variants are stored: every drawn puzzle gets a
new random symmetry, so no two draws need be alike.
"""

import torch

from trm.data.augment import augment_batch
from trm.model.tokens import encode_grids
from trm.sudoku.csv_io import PuzzleTable

_AUGMENT_CHUNK_ROWS = 131_072  # bounds the temporary index tensors while precomputing variants


class VariantSampler:
    """Draws (inputs, labels) token batches (B, cells) int64 from device-resident puzzle variants."""

    def __init__(self, table: PuzzleTable, augmentations: int, seed: int, device: torch.device, fresh: bool = False):
        if table.solutions is None:
            raise ValueError("training puzzles need solutions")
        self.device, self.fresh, self.shape = device, fresh, table.shape
        augmentations = 0 if fresh else augmentations
        self.generator = torch.Generator(device=device).manual_seed(seed)
        puzzles = torch.as_tensor(table.puzzles, dtype=torch.int8, device=device)  # (N, cells)
        solutions = torch.as_tensor(table.solutions, dtype=torch.int8, device=device)
        self.puzzles, self.solutions = _precompute_variants(puzzles, solutions, table, augmentations, self.generator)
        self.order = torch.empty(0, dtype=torch.long, device=device)  # puzzle indices of the current epoch
        self.cursor = 0
        self.epoch = 0

    @property
    def puzzle_count(self) -> int:
        return self.puzzles.shape[0]

    def _next_puzzle_indices(self, count: int) -> torch.Tensor:
        taken = []
        while count > 0:
            if self.cursor >= len(self.order):
                self.order = torch.randperm(self.puzzle_count, generator=self.generator, device=self.device)
                self.cursor, self.epoch = 0, self.epoch + 1
            chunk = self.order[self.cursor:self.cursor + count]
            self.cursor += len(chunk)
            count -= len(chunk)
            taken.append(chunk)
        return torch.cat(taken)

    def next_batch(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (inputs, labels) as model tokens, (batch_size, cells) int64 on the sampler's device."""
        puzzle_index = self._next_puzzle_indices(batch_size)
        if self.fresh:
            puzzles, solutions = augment_batch(self.puzzles[puzzle_index, 0], self.solutions[puzzle_index, 0],
                                               self.shape, self.generator)
        else:
            variant = torch.randint(0, self.puzzles.shape[1], (batch_size,), generator=self.generator,
                                    device=self.device)
            puzzles, solutions = self.puzzles[puzzle_index, variant], self.solutions[puzzle_index, variant]
        return encode_grids(puzzles), encode_grids(solutions)

    def state_dict(self) -> dict:
        """Everything needed to continue the same stream: generator state, epoch order and cursor."""
        return {"generator": self.generator.get_state(), "order": self.order.cpu(), "cursor": self.cursor,
                "epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"].cpu())
        self.order = state["order"].to(self.device)
        self.cursor, self.epoch = int(state["cursor"]), int(state["epoch"])


def _precompute_variants(puzzles: torch.Tensor, solutions: torch.Tensor, table: PuzzleTable, augmentations: int,
                         generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 1 + augmentations, cells) int8 puzzles and solutions; variant 0 is the untouched original."""
    n, cells = puzzles.shape
    rows_p = puzzles.repeat_interleave(augmentations, dim=0)  # (N * A, cells)
    rows_s = solutions.repeat_interleave(augmentations, dim=0)
    out_p, out_s = [], []
    for start in range(0, len(rows_p), _AUGMENT_CHUNK_ROWS):
        stop = start + _AUGMENT_CHUNK_ROWS
        aug_p, aug_s = augment_batch(rows_p[start:stop], rows_s[start:stop], table.shape, generator)
        out_p.append(aug_p)
        out_s.append(aug_s)
    augmented_p = [torch.cat(out_p).view(n, augmentations, cells)] if out_p else []
    augmented_s = [torch.cat(out_s).view(n, augmentations, cells)] if out_s else []
    variants_p = torch.cat([puzzles[:, None], *augmented_p], 1)
    variants_s = torch.cat([solutions[:, None], *augmented_s], 1)
    return variants_p, variants_s
