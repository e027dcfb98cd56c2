"""Build a train/test data set directory (see trm/data/splits.py) for one Sudoku size.

9x9: train = the 1,000 Sudoku-Extreme training puzzles shipped in ``assets/puzzles``; test = held-out tdoku
puzzles (by default the samples shipped beside them) minus anything equal or equivalent to a training puzzle.
4x4 and 6x6: both splits come from our generator (trm/data/generated.py), split by equivalence class.
"""

import time
from pathlib import Path

import numpy as np

from trm.data.dedupe import concat_tables, remove_train_equivalents, select_rows
from trm.data.generated import build_generated
from trm.data.splits import data_grid_size, load_meta, make_meta, save_meta, save_split
from trm.errors import DataError
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets" / "puzzles"
TRAIN_9_FILE = ASSETS_DIR / "sudoku_extreme_train_1k.csv"
HELDOUT_9_FILES = tuple(ASSETS_DIR / name for name in (
    "heldout_forum_hardest_1106.csv", "heldout_forum_hardest_2k.csv", "heldout_top1465.csv",
    "heldout_17clue_2k.csv"))


def read_solved_csv(path: Path, size: int) -> PuzzleTable:
    """Read a puzzle CSV of ``size`` x ``size`` puzzles that has solutions; raises DataError otherwise."""
    table = read_puzzle_csv(path)
    if table.shape.size != size:
        raise DataError(f"{path} holds {table.shape.size}x{table.shape.size} puzzles, not {size}x{size}.")
    if table.solutions is None:
        raise DataError(f"{path} has no solution column; a data set needs a solution for every puzzle.")
    return table


def _sample(table: PuzzleTable, limit: int | None, rng: np.random.Generator) -> PuzzleTable:
    """Up to ``limit`` rows drawn without replacement, kept in file order; all rows when ``limit`` is None."""
    if limit is None or limit >= len(table):
        return table
    return select_rows(table, np.sort(rng.choice(len(table), size=limit, replace=False)))


def _extra_training(train: PuzzleTable, test: PuzzleTable, extra: dict[str, PuzzleTable],
                    is_progress_shown: bool) -> tuple[PuzzleTable, dict]:
    """``train`` plus the extra files' puzzles that repeat nothing already kept and match no held-out puzzle.

    A puzzle equivalent to a test puzzle would leak it (the model trains on its augmentations), so those go;
    one equivalent to a training puzzle stays (it only adds variants of what is already trained on).
    """
    seen = set(row.tobytes() for row in train.puzzles)
    tables, stats = [train], {}
    for name, extra_table in extra.items():
        table, stats[name] = remove_train_equivalents(extra_table, test, seen, is_progress_shown)
        tables.append(table)
    return concat_tables(tables), stats


def build_sudoku9(out: Path, test_files: tuple[Path, ...] = HELDOUT_9_FILES, test_limit: int | None = None,
                  seed: int = 0, is_progress_shown: bool = True, extra_train_files: tuple[Path, ...] = ()) -> dict:
    """Write the 9x9 data set to ``out`` (train.npz, test.npz, meta.json); returns the meta dict.

    ``test_limit`` caps the test split by a seeded sample. ``extra_train_files`` add their puzzles to the training
    split, minus repeats and anything equal or equivalent to a held-out puzzle (a larger-data recipe than the
    paper's). Raises DataError for a missing or bad input file.
    """
    start = time.perf_counter()
    train = read_solved_csv(TRAIN_9_FILE, 9)
    extra = {path.name: read_solved_csv(path, 9) for path in extra_train_files}  # a bad file fails before the dedupe
    seen: set[bytes] = set()
    kept, stats = [], {}
    for path in test_files:
        table, stats[path.name] = remove_train_equivalents(read_solved_csv(path, 9), train, seen, is_progress_shown)
        kept.append(table)
    heldout = concat_tables(kept)
    test = _sample(heldout, test_limit, np.random.default_rng(seed))
    # against every held-out puzzle, not only the sample: the held-out files are evaluated whole elsewhere
    train, extra_stats = _extra_training(train, heldout, extra, is_progress_shown)
    save_split(out, "train", train)
    save_split(out, "test", test)
    meta = make_meta(train, test, seed, [TRAIN_9_FILE, *extra_train_files], list(test_files), stats, start)
    meta["how_built"] = ("train: the Sudoku-Extreme training sample as shipped; test: the held-out files, repeats "
                         "dropped, anything equal or equivalent (relabelling, transpose, band/row/stack/column "
                         "permutations; exact test) to a training puzzle removed, then a seeded sample of "
                         "test_limit rows when given")
    if extra_train_files:
        meta["extra_train_dedupe"] = {name: s.to_dict(against="heldout") for name, s in extra_stats.items()}
        meta["how_built"] += ("; extra training files: their puzzles added to train, minus repeats and anything "
                              "equal or equivalent to a held-out puzzle (extra_train_dedupe counts those against all "
                              "held-out files, before any test_limit sample)")
    save_meta(out, meta)
    return meta


# a data set's files, and the temporary ones a killed build leaves
DATA_SET_FILES = {"train.npz", "test.npz", "meta.json", "train.tmp.npz", "test.tmp.npz", "meta.json.tmp"}


def _refuse_foreign_folder(out: Path) -> None:
    """A build writes only into a new or empty folder or over a data set: never among someone else's files."""
    if out.exists() and not out.is_dir():
        raise DataError(f"{out} is a file; give a folder for the data set.")
    others = sorted(p.name for p in out.iterdir() if p.name not in DATA_SET_FILES) if out.is_dir() else []
    if others:
        raise DataError(f"{out} holds other files ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}); "
                        f"build the data set into a new or empty folder.")


def build(size: int, out: str | Path, test_limit: int | None = None, seed: int = 0,
          is_progress_shown: bool = True, extra_train_files: tuple[str | Path, ...] = (), force: bool = False) -> dict:
    """Build the data set of ``size`` (4, 6 or 9) into directory ``out``; returns its meta dict.

    ``extra_train_files`` (9x9 only) add puzzles to the training split. Raises DataError for an unsupported size,
    extra files for a generated size, a bad input file, or (unless ``force``) a data set already in ``out`` that
    was built with other settings.
    """
    out = Path(out)
    _refuse_foreign_folder(out)
    held = data_grid_size(out) if out.is_dir() else None
    if held is not None and held != size:  # rebuilding a set of the same size is fine; silently swapping sizes is not
        raise DataError(f"{out} holds a {held}x{held} data set; a {size}x{size} build would replace it. Build into "
                        f"another folder (e.g. data/sudoku{size}), or delete this one first.")
    if size not in (4, 6, 9):
        raise DataError(f"No data set for size {size}: use 4, 6 or 9.")
    if extra_train_files and size != 9:
        raise DataError(f"Extra training files are for 9x9 only; the {size}x{size} sets come from the generator.")
    extra = tuple(Path(p) for p in extra_train_files)
    missing = [str(path) for path in extra if not path.is_file()]
    if missing:  # before the held-out dedupe, which takes a while
        raise DataError(f"--extra-train {', '.join(missing)}: no such file.")
    if held is not None and not force:
        _refuse_other_settings(out, seed, test_limit, extra)
    if size == 9:
        meta = build_sudoku9(out, test_limit=test_limit, seed=seed, is_progress_shown=is_progress_shown,
                             extra_train_files=extra)
    else:
        meta = build_generated(size, out, test_limit=test_limit, seed=seed, is_progress_shown=is_progress_shown)
    save_meta(out, {**meta, "test_limit": test_limit})  # with the seed and sources: what a rebuild must match
    return {**meta, "test_limit": test_limit}


def _refuse_other_settings(out: Path, seed: int, test_limit: int | None, extra: tuple[Path, ...]) -> None:
    """DataError when the data set in ``out`` was built with another seed, test limit or extra training files: a
    rebuild would replace its puzzles, and the runs that trained on them could no longer resume."""
    meta = load_meta(out)
    before = {"seed": meta.get("seed"), "test_limit": meta.get("test_limit", test_limit),  # older sets lack it
              "extra": [source.get("file") for source in meta.get("sources", {}).get("train", [])[1:]]}
    now = {"seed": seed, "test_limit": test_limit, "extra": [path.name for path in extra]}
    differ = [name for name in now if before[name] != now[name]]
    if differ:
        words = {"seed": "--seed", "test_limit": "--test-limit", "extra": "--extra-train"}
        raise DataError(f"{out} holds a data set built with another {', '.join(words[name] for name in differ)}; "
                        f"this build would replace its puzzles, and runs that trained on them could no longer "
                        f"resume. Build into another folder, or pass --force to replace it.")
