"""Where a set-level run (trm.evaluate.InsightRun) is kept between visits: one JSON file per (weights, puzzles,
settings), written atomically, so a second visit is instant and a killed writer never leaves half a file."""

import hashlib
import os
from pathlib import Path

import numpy as np

from trm.evaluate.insight import InsightRun

RUN_FORMAT = 4  # part of the key: runs recorded in an older form are recomputed


def cache_key(weights_fingerprint: str, puzzles: np.ndarray, steps: int, views: int = 1, bf16: bool = False) -> str:
    """The run's identity: the same weights, puzzles and settings (precision included) give the same key. The
    halting threshold is not among them: a run keeps every step's Q-halt logit and is judged at any threshold."""
    digest = hashlib.sha256(weights_fingerprint.encode())
    digest.update(np.ascontiguousarray(puzzles, dtype=np.int8).tobytes())
    digest.update(f"{RUN_FORMAT}|{steps}|{views}|{'bf16' if bf16 else 'float32'}".encode())
    return digest.hexdigest()[:24]


def load_cached(folder: Path, key: str) -> InsightRun | None:
    """A cached run, or None when there is none or it cannot be read (it is then recomputed)."""
    path = Path(folder) / f"{key}.json"
    try:
        return InsightRun.from_json(path.read_text())
    except (OSError, ValueError, TypeError):
        return None


def save_cached(folder: Path, key: str, run: InsightRun) -> None:
    """Write atomically (a killed writer leaves the previous file, never half of one)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{key}.{os.getpid()}.tmp"
    temporary.write_text(run.to_json())
    os.replace(temporary, folder / f"{key}.json")
