"""A run's training data: found again on resume from any working folder, never rebuilt under a resumed run, and
checked to be the very puzzles the run started on."""

import hashlib
import os
from pathlib import Path

import torch
from tqdm import tqdm

from trm.data import build, check_grid_size, load_split
from trm.errors import ConfigError
from trm.sudoku import PuzzleTable
from trm.train.device import Runtime

STARTED_IN = "started_in"  # run.json: the working folder the run was started from
DATA_SHA256 = "train_data_sha256"  # run.json: the training puzzles the run started on


def seen_from_start(path: str | Path, started_in: str | None) -> Path:
    """A path saved in run.json as the run's first command saw it: relative paths are taken from the folder the run
    was started in, while that folder still exists (a resume may run from anywhere)."""
    path = Path(path)
    if path.is_absolute() or not started_in or not Path(started_in).is_dir():
        return path
    return Path(started_in) / path


def puzzles_sha256(table: PuzzleTable) -> str:
    """The training puzzles and solutions, hashed by content (the same set built again hashes the same)."""
    digest = hashlib.sha256()
    for array in (table.puzzles, table.solutions):
        digest.update(str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _build_if_missing(data_dir: Path, grid_size: int, runtime: Runtime) -> None:
    """Build the grid size's data set into ``data_dir`` when it is missing (a fresh clone has none)."""
    if (data_dir / "train.npz").exists() or data_dir.exists() and any(data_dir.iterdir()):
        return
    if runtime.is_main:
        tqdm.write(f"{data_dir} is missing: building the {grid_size}x{grid_size} data set there first")
        build(grid_size, data_dir)
    if runtime.is_distributed:
        torch.distributed.barrier()


def _refuse_missing(folder: Path, saved: str, extra: dict) -> None:
    if folder.exists():
        return
    where = f" (started in {extra[STARTED_IN]})" if extra.get(STARTED_IN) and not Path(saved).is_absolute() else ""
    raise ConfigError(f"This run trained on {saved}{where}, which is not there. A resumed run never builds its "
                      f"data again (a new build could differ): resume from the folder the run was started in, or "
                      f"give --data with the same data set.")


def open_training_data(data_dir: str, grid_size: int, extra: dict, runtime: Runtime,
                       resume: bool) -> tuple[Path, PuzzleTable]:
    """The data folder and its training split. A new run builds a missing folder and records its folder and
    puzzles in ``extra``; a resumed run must find the same puzzles again (ConfigError otherwise)."""
    folder = seen_from_start(data_dir, extra.get(STARTED_IN)) if resume else Path(data_dir)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--data {data_dir} is a file; give a data folder (python -m trm.data build --out DIR).")
    if resume:
        _refuse_missing(folder, data_dir, extra)
    else:
        _build_if_missing(folder, grid_size, runtime)
    train = load_split(folder, "train")
    check_grid_size(folder, grid_size, train.shape.size, resumed=resume)  # a set without meta.json too
    fingerprint = puzzles_sha256(train)
    if not resume:
        extra.update({STARTED_IN: os.getcwd(), DATA_SHA256: fingerprint})
    elif extra.get(DATA_SHA256, fingerprint) != fingerprint:
        raise ConfigError(f"{folder} does not hold the puzzles this run started on (another build or another data "
                          f"set): resume from the folder the run was started in, or give --data with its data set.")
    return folder, train
