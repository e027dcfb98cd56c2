"""Data sets: Sudoku augmentation, symmetry-aware deduplication, train/test builds and split loading."""

from trm.data.split_files import load_split, save_split
from trm.data.augment import Symmetry, apply_symmetries, augment_batch, augment_grids, draw_symmetries

__all__ = ["load_split", "save_split", "Symmetry", "apply_symmetries", "augment_batch", "augment_grids", "draw_symmetries"]
