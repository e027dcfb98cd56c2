"""Writing puzzle CSVs: a writer stopped midway (Ctrl+C, a full disk) leaves the previous file whole, or no file,
and no temporary file beside it."""

import csv

import numpy as np
import pytest

from trm.sudoku import read_puzzle_csv, shape_for_size, write_puzzle_csv
from trm.sudoku.csv_io import PuzzleTable

PUZZLE, SOLUTION = "0000300204100000", "4231314224131324"
CSV_WRITER = csv.writer


def _table(rows: int) -> PuzzleTable:
    puzzles = np.tile(np.array([int(c) for c in PUZZLE], dtype=np.int8), (rows, 1))
    solutions = np.tile(np.array([int(c) for c in SOLUTION], dtype=np.int8), (rows, 1))
    return PuzzleTable(shape_for_size(4), puzzles, solutions, ["test"] * rows)


class _StoppingWriter:
    """csv.writer's stand-in that is stopped (as by Ctrl+C) after a few rows."""

    def __init__(self, handle):
        self.inner, self.rows = CSV_WRITER(handle), 0

    def writerow(self, row):
        self.rows += 1
        if self.rows > 2:
            raise KeyboardInterrupt
        self.inner.writerow(row)


@pytest.mark.parametrize("existing", [True, False])
def test_a_stopped_write_leaves_the_previous_file_or_none(tmp_path, monkeypatch, existing):
    path = tmp_path / "puzzles.csv"
    if existing:
        write_puzzle_csv(path, _table(2))
    before = path.read_bytes() if existing else None
    monkeypatch.setattr(csv, "writer", _StoppingWriter)
    with pytest.raises(KeyboardInterrupt):
        write_puzzle_csv(path, _table(50))
    assert [p.name for p in tmp_path.iterdir()] == (["puzzles.csv"] if existing else [])
    if existing:
        assert path.read_bytes() == before and len(read_puzzle_csv(path)) == 2


def test_a_finished_write_replaces_the_file(tmp_path):
    path = tmp_path / "puzzles.csv"
    write_puzzle_csv(path, _table(2))
    write_puzzle_csv(path, _table(5))
    assert len(read_puzzle_csv(path)) == 5 and [p.name for p in tmp_path.iterdir()] == ["puzzles.csv"]
