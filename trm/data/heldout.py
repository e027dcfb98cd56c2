"""Make the held-out 9x9 samples shipped in ``assets/puzzles`` from the full tdoku lists (DATA_SOURCES.md).

Each sample drops every puzzle equal or equivalent to a Sudoku-Extreme training puzzle, then keeps a seeded
sample in file order. To remake them: ``python -m trm.data heldout --shared-dir DIR``, DIR holding the
tdoku_*.csv lists.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trm.data.build import ASSETS_DIR, TRAIN_9_FILE, read_solved_csv
from trm.data.dedupe import DedupeStats, remove_train_equivalents, select_rows
from trm.errors import DataError
from trm.sudoku.csv_io import write_puzzle_csv


@dataclass(frozen=True)
class HeldoutSample:
    """One shipped sample: ``rows`` puzzles (None: all survivors) of ``source`` written to ``target``."""

    target: str
    source: str
    rows: int | None


HELDOUT_SAMPLES = (
    HeldoutSample("heldout_forum_hardest_1106.csv", "tdoku_forum_hardest_1106.csv", None),
    HeldoutSample("heldout_forum_hardest_2k.csv", "tdoku_forum_hardest_1905_11plus.csv", 2000),
    HeldoutSample("heldout_top1465.csv", "tdoku_magictour_top1465.csv", None),
    HeldoutSample("heldout_17clue_2k.csv", "tdoku_17clue.csv", 2000),
)


def make_heldout_samples(shared_dir: str | Path, out_dir: str | Path = ASSETS_DIR, seed: int = 0,
                         is_progress_shown: bool = True) -> dict[str, DedupeStats]:
    """Write every HELDOUT_SAMPLES file into ``out_dir``; returns each source's dedupe statistics.

    Repeats are checked per source only (each sample stands alone); the data build dedupes across them.
    Raises DataError when a source file is missing or malformed.
    """
    if not Path(shared_dir).is_dir():
        raise DataError(f"--shared-dir {shared_dir} is not a folder: give the folder that holds the full "
                        f"tdoku_*.csv lists.")
    missing = [sample.source for sample in HELDOUT_SAMPLES if not (Path(shared_dir) / sample.source).is_file()]
    if missing:  # checked before anything is written: the shipped samples stay as they are
        raise DataError(f"--shared-dir {shared_dir} lacks {', '.join(missing)}: the held-out samples are made from "
                        f"all of {', '.join(sample.source for sample in HELDOUT_SAMPLES)}.")
    train = read_solved_csv(TRAIN_9_FILE, 9)
    stats, tables = {}, []
    for number, sample in enumerate(HELDOUT_SAMPLES):
        table, stats[sample.source] = remove_train_equivalents(read_solved_csv(Path(shared_dir) / sample.source, 9),
                                                               train, set(), is_progress_shown)
        if sample.rows is not None and sample.rows < len(table):
            rng = np.random.default_rng([seed, number])
            table = select_rows(table, np.sort(rng.choice(len(table), size=sample.rows, replace=False)))
        tables.append(table)
    for sample, table in zip(HELDOUT_SAMPLES, tables):  # written once every source has been read without error
        write_puzzle_csv(Path(out_dir) / sample.target, table)
    return stats
