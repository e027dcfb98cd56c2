"""Split files round-trip, and every way a split file can be wrong raises DataError with a useful message."""

import json

import numpy as np
import pytest

from trm.data import load_meta, load_split, save_split
from trm.errors import DataError
from trm.sudoku.csv_io import PuzzleTable
from trm.sudoku.shape import SHAPES

SOLUTION = np.array([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1], dtype=np.int8)


def _table(rows: int = 3) -> PuzzleTable:
    solutions = np.tile(SOLUTION, (rows, 1))
    puzzles = solutions.copy()
    puzzles[:, ::3] = 0
    return PuzzleTable(SHAPES[4], puzzles, solutions, [f"row{i}" for i in range(rows)])


def _write(directory, **arrays):
    np.savez(directory / "test.npz", **arrays)


def test_split_round_trips_exactly(tmp_path):
    table = _table()
    save_split(tmp_path, "train", table)
    loaded = load_split(tmp_path, "train")
    assert np.array_equal(loaded.puzzles, table.puzzles) and np.array_equal(loaded.solutions, table.solutions)
    assert loaded.sources == table.sources and loaded.shape == SHAPES[4] and loaded.puzzles.dtype == np.int8


def test_missing_split_file_names_the_path_and_the_fix(tmp_path):
    with pytest.raises(DataError, match=r"test\.npz.*python -m trm\.data build"):
        load_split(tmp_path, "test")


def test_unknown_split_name_is_rejected(tmp_path):
    with pytest.raises(DataError, match="Unknown split 'valid'"):
        load_split(tmp_path, "valid")


def test_corrupt_file_raises_data_error(tmp_path):
    (tmp_path / "test.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(DataError, match="is not an .npz archive") as refused:
        load_split(tmp_path, "test")
    assert "pickle" not in str(refused.value)  # NumPy's offer to unpickle it is no advice to give
    (tmp_path / "test.npz").write_text("puzzle,prediction\n")
    with pytest.raises(DataError, match="is not an .npz archive"):
        load_split(tmp_path, "test")


def test_truncated_file_raises_data_error(tmp_path):
    save_split(tmp_path, "test", _table())
    path = tmp_path / "test.npz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DataError, match="is damaged or cut short"):
        load_split(tmp_path, "test")


def test_file_without_solutions_is_rejected(tmp_path):
    _write(tmp_path, puzzles=_table().puzzles)
    with pytest.raises(DataError, match=r"lacks array\(s\) \['solutions'\]"):
        load_split(tmp_path, "test")


def test_wrong_cell_count_is_rejected(tmp_path):
    _write(tmp_path, puzzles=np.zeros((2, 17), np.int8), solutions=np.ones((2, 17), np.int8))
    with pytest.raises(DataError, match="17 cells"):
        load_split(tmp_path, "test")


def test_given_that_contradicts_its_solution_is_rejected(tmp_path):
    table = _table()
    table.puzzles[1, 1] = 3  # the solution has 2 there
    _write(tmp_path, puzzles=table.puzzles, solutions=table.solutions)
    with pytest.raises(DataError, match="row 1 has a given that differs"):
        load_split(tmp_path, "test")


def test_out_of_range_values_are_rejected(tmp_path):
    table = _table()
    table.solutions[0, 0] = 5
    _write(tmp_path, puzzles=table.puzzles, solutions=table.solutions)
    with pytest.raises(DataError, match="outside 1..4"):
        load_split(tmp_path, "test")


def test_size_disagreeing_with_meta_is_rejected(tmp_path):
    save_split(tmp_path, "test", _table())
    (tmp_path / "meta.json").write_text(json.dumps({"size": 9}))
    with pytest.raises(DataError, match="meta.json says otherwise"):
        load_split(tmp_path, "test")


def test_bad_meta_json_is_rejected(tmp_path):
    (tmp_path / "meta.json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_meta(tmp_path)
    with pytest.raises(DataError, match="not a built data set"):
        load_meta(tmp_path / "absent")


def test_table_saved_without_sources_loads_with_the_split_name(tmp_path):
    table = _table()
    save_split(tmp_path, "train", PuzzleTable(table.shape, table.puzzles, table.solutions))
    assert load_split(tmp_path, "train").sources == ["train"] * 3
