"""Data builds: splits load back, held-out puzzles never equal or match a training puzzle, generated sets split by
equivalence class."""

import dataclasses
import importlib
import shutil

import numpy as np
import pytest

from trm.data import build, canonical_forms, equivalent_mask, is_equivalent, load_meta, load_split
from trm.data.__main__ import main
from trm.data.build import ASSETS_DIR, HELDOUT_9_FILES, TRAIN_9_FILE
from trm.data.generated import GeneratedPlan, build_generated
from trm.data.heldout import make_heldout_samples
from trm.sudoku.enumeration import enumerate_solution_grids, is_minimal
from trm.errors import DataError
from trm.sudoku import generate_puzzle, read_puzzle_csv
from trm.sudoku.csv_io import PuzzleTable, write_puzzle_csv
from trm.sudoku.shape import SHAPES
from trm.sudoku.solver import count_solutions

TINY_PLAN = GeneratedPlan(train=120, test=40, min_blanks=6, oversample=1.5)


@pytest.fixture(scope="module")
def sudoku9(tmp_path_factory):
    out = tmp_path_factory.mktemp("sudoku9")
    build(9, out, test_limit=400, seed=3, is_progress_shown=False)
    return out


def _rows(puzzles: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in puzzles}


def test_train_split_is_the_shipped_sudoku_extreme_sample(sudoku9):
    train, source = load_split(sudoku9, "train"), read_puzzle_csv(TRAIN_9_FILE)
    assert np.array_equal(train.puzzles, source.puzzles) and np.array_equal(train.solutions, source.solutions)
    assert train.puzzles.dtype == np.int8 and train.puzzles.shape == (1000, 81)


def test_test_split_has_no_puzzle_equal_or_equivalent_to_a_training_puzzle(sudoku9):
    train, test = load_split(sudoku9, "train"), load_split(sudoku9, "test")
    assert len(test) == 400 and len(_rows(test.puzzles)) == 400
    assert not _rows(test.puzzles) & _rows(train.puzzles)
    assert not equivalent_mask(test.puzzles, train.puzzles, test.shape).any()


def test_shipped_heldout_files_have_no_training_equivalents():
    train = read_puzzle_csv(TRAIN_9_FILE)
    for path in HELDOUT_9_FILES:
        heldout = read_puzzle_csv(path)
        assert len(heldout) >= 375 and path.stat().st_size < 500_000
        assert not equivalent_mask(heldout.puzzles, train.puzzles, heldout.shape).any(), path.name


def test_meta_records_counts_sources_and_dedupe(sudoku9):
    meta = load_meta(sudoku9)
    assert meta["size"] == 9 and (meta["box_rows"], meta["box_cols"]) == (3, 3)
    assert meta["counts"] == {"train": 1000, "test": 400} and meta["seed"] == 3
    assert [s["file"] for s in meta["sources"]["test"]] == [p.name for p in HELDOUT_9_FILES]
    assert sum(s["kept"] for s in meta["dedupe"].values()) >= 400


def test_build_is_deterministic_given_the_seed(sudoku9, tmp_path):
    build(9, tmp_path, test_limit=400, seed=3, is_progress_shown=False)
    again, first = load_split(tmp_path, "test"), load_split(sudoku9, "test")
    assert np.array_equal(again.puzzles, first.puzzles) and again.sources == first.sources


def test_all_288_four_by_four_grids_are_enumerated():
    grids = enumerate_solution_grids(SHAPES[4])
    assert grids.shape == (288, 16) and len(_rows(grids)) == 288
    assert all(count_solutions(grid, SHAPES[4]) == 1 for grid in grids[::37])


@pytest.mark.parametrize("size", [4, 6])
def test_generated_splits_share_no_equivalent_puzzles(size, tmp_path):
    meta = build_generated(size, tmp_path, seed=1, is_progress_shown=False, plan=TINY_PLAN)
    train, test = load_split(tmp_path, "train"), load_split(tmp_path, "test")
    assert meta["counts"] == {"train": len(train), "test": len(test)} and len(test) == 40 and len(train) >= 60
    forms_train, forms_test = canonical_forms(train.puzzles, train.shape), canonical_forms(test.puzzles, test.shape)
    assert not set(forms_train) & set(forms_test)  # an independent exact check of the split
    assert len(set(forms_train)) == len(train) and len(set(forms_test)) == len(test)
    for puzzle, solution in zip(test.puzzles[:10], test.solutions[:10]):
        assert count_solutions(puzzle, test.shape) == 1
        assert np.array_equal(puzzle[puzzle != 0], solution[puzzle != 0])


@pytest.mark.parametrize("size", [4, 6])
def test_minimal_puzzles_added_to_train_never_have_an_equivalent_in_test(size, tmp_path):
    plan = dataclasses.replace(TINY_PLAN, minimal_train=30)
    build_generated(size, tmp_path, seed=2, is_progress_shown=False, plan=plan)
    train, test = load_split(tmp_path, "train"), load_split(tmp_path, "test")
    extras = train.puzzles[-30:]
    assert all(is_minimal(puzzle, train.shape) for puzzle in extras)
    assert not set(canonical_forms(train.puzzles, train.shape)) & set(canonical_forms(test.puzzles, test.shape))
    assert len(test) == 40


def test_cli_builds_a_set_and_rejects_a_bad_limit(tmp_path, capsys):
    assert main(["build", "--size", "9", "--out", str(tmp_path), "--test-limit", "25"]) == 0
    assert len(load_split(tmp_path, "test")) == 25
    assert main(["build", "--size", "9", "--out", str(tmp_path), "--test-limit", "0"]) == 2
    assert "--test-limit" in capsys.readouterr().err


def test_equivalence_search_sees_a_shipped_puzzle_in_its_transposed_relabelled_form():
    train = read_puzzle_csv(TRAIN_9_FILE, limit=1)
    grid = train.puzzles[0].reshape(9, 9).T
    relabelled = np.where(grid == 0, 0, 10 - grid).astype(np.int8).reshape(-1)
    assert is_equivalent(relabelled, train.puzzles[0], train.shape)


def test_extra_training_files_join_the_training_split_minus_test_equivalents(tmp_path):
    build(9, tmp_path / "plain", test_limit=50, seed=3, is_progress_shown=False)
    test, train = load_split(tmp_path / "plain", "test"), load_split(tmp_path / "plain", "train")
    relabel = np.array([0, 2, 3, 4, 5, 6, 7, 8, 9, 1], dtype=np.int8)  # digit d -> d + 1, 9 -> 1; blanks stay
    def transposed(grid):
        return relabel[grid.reshape(9, 9).T.reshape(81)]
    unsampled = read_puzzle_csv(HELDOUT_9_FILES[2])  # held out, but outside the 50-puzzle test sample
    outside = next(i for i in range(len(unsampled)) if not _rows(unsampled.puzzles[i:i + 1]) & _rows(test.puzzles))
    rng = np.random.default_rng(5)
    fresh = [generate_puzzle(SHAPES[9], "easy", rng) for _ in range(2)]
    rows = [(test.puzzles[0], test.solutions[0]),  # a test puzzle itself: dropped
            (transposed(test.puzzles[1]), transposed(test.solutions[1])),  # equivalent to one: dropped
            (unsampled.puzzles[outside], unsampled.solutions[outside]),  # held out though not sampled: dropped
            (train.puzzles[0], train.solutions[0]),  # already a training puzzle: dropped as a repeat
            *[(puzzle.puzzle, puzzle.solution) for puzzle in fresh]]  # new: kept
    extra = tmp_path / "extra.csv"
    write_puzzle_csv(extra, PuzzleTable(test.shape, np.stack([p for p, _ in rows]), np.stack([s for _, s in rows]),
                                        ["extra"] * len(rows)))
    meta = build(9, tmp_path / "more", test_limit=50, seed=3, is_progress_shown=False, extra_train_files=(extra,))
    more = load_split(tmp_path / "more", "train")
    assert meta["counts"] == {"train": 1002, "test": 50}
    assert meta["extra_train_dedupe"]["extra.csv"] == {"rows": 6, "repeated": 1, "equal_to_heldout": 2,
                                                       "flagged_by_invariants": 1, "equivalent_to_heldout": 1,
                                                       "kept": 2}
    with pytest.raises(DataError, match="--extra-train .*nowhere.csv: no such file"):
        build(9, tmp_path / "none", test_limit=50, is_progress_shown=False,
              extra_train_files=(tmp_path / "nowhere.csv",))
    assert not (tmp_path / "none").exists()
    assert np.array_equal(more.puzzles[1000:], np.stack([puzzle.puzzle for puzzle in fresh]))
    assert not equivalent_mask(more.puzzles, test.puzzles, test.shape).any()
    assert [s["file"] for s in meta["sources"]["train"]] == [TRAIN_9_FILE.name, "extra.csv"]


def test_extra_training_files_are_refused_for_generated_sizes(tmp_path):
    with pytest.raises(DataError, match="9x9 only"):
        build(4, tmp_path, extra_train_files=(TRAIN_9_FILE,))


def test_a_build_writes_only_into_a_new_or_empty_folder_or_over_a_data_set(tmp_path, capsys, sudoku4_data):
    import shutil

    from trm.data.__main__ import main as data_main

    crowded = tmp_path / "crowded"
    crowded.mkdir()
    (crowded / "notes.txt").write_text("mine")
    assert data_main(["build", "--size", "4", "--out", str(crowded), "--test-limit", "10"]) == 2
    assert "holds other files (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in crowded.iterdir()) == ["notes.txt"]
    assert data_main(["build", "--size", "4", "--out", str(crowded / "notes.txt"), "--test-limit", "10"]) == 2
    assert "is a file" in capsys.readouterr().err
    again = shutil.copytree(sudoku4_data, tmp_path / "again")
    before = (again / "meta.json").read_bytes()
    assert data_main(["build", "--size", "4", "--out", str(again), "--test-limit", "10"]) == 2  # other settings
    assert "built with another --test-limit; this build would replace its puzzles" in capsys.readouterr().err
    assert (again / "meta.json").read_bytes() == before
    assert data_main(["build", "--size", "4", "--out", str(again), "--test-limit", "10", "--force"]) == 0
    assert {p.name for p in again.iterdir()} == {"train.npz", "test.npz", "meta.json"}
    assert data_main(["build", "--size", "4", "--out", str(again), "--seed", "7"]) == 2
    assert "built with another --seed, --test-limit;" in capsys.readouterr().err
    before = (again / "meta.json").read_bytes()
    assert data_main(["build", "--size", "6", "--out", str(again), "--test-limit", "10"]) == 2  # another size
    assert "holds a 4x4 data set; a 6x6 build would replace it" in capsys.readouterr().err
    assert (again / "meta.json").read_bytes() == before


def test_heldout_samples_need_a_folder_of_lists(capsys):
    assert main(["heldout", "--shared-dir", __file__]) == 2
    assert "is not a folder: give the folder that holds the full tdoku_*.csv lists" in capsys.readouterr().err


def test_an_extra_training_file_that_is_no_puzzle_csv_is_refused_before_the_dedupe(tmp_path, monkeypatch):
    build_module = importlib.import_module("trm.data.build")  # trm.data.build is also the function's name

    def dedupe(*args, **kwargs):
        raise AssertionError("the held-out dedupe ran before the extra file was read")
    monkeypatch.setattr(build_module, "remove_train_equivalents", dedupe)
    notes = tmp_path / "notes.md"
    notes.write_text("# Not puzzles\nsome text\n", encoding="utf-8")
    with pytest.raises(DataError, match="notes.md"):
        build(9, tmp_path / "set", test_limit=50, is_progress_shown=False, extra_train_files=(notes,))
    assert not (tmp_path / "set").exists()


def test_heldout_samples_with_a_list_missing_change_nothing(tmp_path):
    shared, out = tmp_path / "shared", tmp_path / "assets"
    shared.mkdir(), out.mkdir()
    shutil.copy(ASSETS_DIR / "heldout_forum_hardest_1106.csv", shared / "tdoku_forum_hardest_1106.csv")
    (out / "heldout_forum_hardest_1106.csv").write_text("the shipped sample\n")
    with pytest.raises(DataError, match="lacks tdoku_forum_hardest_1905_11plus.csv, tdoku_magictour_top1465.csv, "
                                        "tdoku_17clue.csv"):
        make_heldout_samples(shared, out, is_progress_shown=False)
    assert [p.name for p in out.iterdir()] == ["heldout_forum_hardest_1106.csv"]
    assert (out / "heldout_forum_hardest_1106.csv").read_text() == "the shipped sample\n"
