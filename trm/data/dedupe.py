"""Remove from held-out candidates every puzzle that is a duplicate of, or equivalent to, a training puzzle."""

from dataclasses import asdict, dataclass

import numpy as np

from trm.data.equivalence import equivalent_mask, possible_equivalents
from trm.sudoku.csv_io import PuzzleTable


@dataclass
class DedupeStats:
    """What happened to one source's rows: every count is a number of puzzles."""

    rows: int  # read from the source
    repeated: int  # equal to an earlier held-out candidate (kept once)
    equal_to_train: int  # character for character equal to a training puzzle
    flagged_by_invariants: int  # same invariant key as some training puzzle (possible equivalents)
    equivalent_to_train: int  # confirmed equivalent by the exact test (equal ones excluded)
    kept: int

    def to_dict(self, against: str = "train") -> dict:
        """The counts, those against the reference set named for it (``against``: "train", or "heldout" where an
        extra training file is checked against the held-out puzzles)."""
        return {key.replace("_train", f"_{against}"): value for key, value in asdict(self).items()}


def _row_keys(puzzles: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in puzzles]


def remove_train_equivalents(candidates: PuzzleTable, train: PuzzleTable, seen: set[bytes],
                             is_progress_shown: bool = False) -> tuple[PuzzleTable, DedupeStats]:
    """Keep the candidates that are new (not in ``seen``), not equal and not equivalent to a training puzzle.

    ``seen`` holds the puzzle bytes of candidates kept so far from other sources and is updated in place.
    Returns the kept rows (original order) and their statistics.
    """
    train_keys = set(_row_keys(train.puzzles))
    keys = _row_keys(candidates.puzzles)
    is_repeated = np.zeros(len(keys), dtype=bool)
    for i, key in enumerate(keys):
        is_repeated[i] = key in seen
        seen.add(key)
    is_equal = np.array([key in train_keys for key in keys]) & ~is_repeated
    rest = ~is_repeated & ~is_equal
    flagged = sum(bool(refs) for refs in possible_equivalents(candidates.puzzles[rest], train.puzzles,
                                                              candidates.shape))
    is_equivalent = np.zeros(len(keys), dtype=bool)
    is_equivalent[rest] = equivalent_mask(candidates.puzzles[rest], train.puzzles, candidates.shape,
                                          is_progress_shown)
    keep = rest & ~is_equivalent
    stats = DedupeStats(len(keys), int(is_repeated.sum()), int(is_equal.sum()), flagged, int(is_equivalent.sum()),
                        int(keep.sum()))
    return select_rows(candidates, np.flatnonzero(keep)), stats


def select_rows(table: PuzzleTable, rows: np.ndarray) -> PuzzleTable:
    """The PuzzleTable of ``table``'s rows at indices ``rows`` (in that order)."""
    solutions = None if table.solutions is None else table.solutions[rows]
    return PuzzleTable(table.shape, table.puzzles[rows], solutions, [table.sources[i] for i in rows])


def concat_tables(tables: list[PuzzleTable]) -> PuzzleTable:
    """One PuzzleTable of all rows of ``tables`` (same shape, all with solutions), in order."""
    assert tables and all(t.shape == tables[0].shape and t.solutions is not None for t in tables)
    return PuzzleTable(tables[0].shape, np.concatenate([t.puzzles for t in tables]),
                       np.concatenate([t.solutions for t in tables]), [s for t in tables for s in t.sources])
