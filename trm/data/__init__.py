"""Data sets: Sudoku augmentation, symmetry-aware deduplication, train/test builds and split loading."""

from trm.data.augment import Symmetry, apply_symmetries, augment_batch, augment_grids, draw_symmetries
from trm.data.build import build
from trm.data.splits import SPLITS, check_grid_size, data_grid_size, load_meta, load_split, save_split
from trm.data.equivalence import (canonical_forms, equivalence_classes, equivalent_mask, invariant_keys,
                               is_equivalent)

__all__ = [
    "SPLITS", "Symmetry", "apply_symmetries", "augment_batch", "augment_grids", "build", "canonical_forms",
    "check_grid_size", "data_grid_size", "draw_symmetries", "equivalence_classes", "equivalent_mask",
    "invariant_keys", "is_equivalent", "load_meta", "load_split", "save_split",
]
