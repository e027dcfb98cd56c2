"""A set-level run for the researcher's bench, done in batches so a page can show results as they come, stop, and
resume: per supervision step the puzzles and cells right, each puzzle's halting step, final Q-halt logit and
outcome, and the calibration of P(halt) against correctness. A run is plain JSON, cached on disk per (weights,
puzzles, settings), so a second visit is instant."""

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from trm.evaluate.accuracy import CALIBRATION_BINS
from trm.inference import iter_steps
from trm.model.tokens import encode_grids
from trm.model.trm import RecursiveModel


@dataclass
class InsightRun:
    """Counts so far over the first ``done`` of ``total`` puzzles (lists by step are indexed by step - 1)."""

    total: int
    steps: int
    threshold: float
    done: int = 0
    right_by_step: list[int] = field(default_factory=list)
    cells_right_by_step: list[int] = field(default_factory=list)
    blank_cells: int = 0
    halt_step: list[int] = field(default_factory=list)  # per puzzle: first step with P(halt) >= threshold, 0: never
    right: list[bool] = field(default_factory=list)  # per puzzle, after the last step
    final_q_halt_logit: list[float] = field(default_factory=list)
    calibration_count: list[int] = field(default_factory=list)  # per P(halt) bin over all (puzzle, step)
    calibration_probability: list[float] = field(default_factory=list)  # sums, for the bin's mean
    calibration_right: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.right_by_step = self.right_by_step or [0] * self.steps
        self.cells_right_by_step = self.cells_right_by_step or [0] * self.steps
        self.calibration_count = self.calibration_count or [0] * CALIBRATION_BINS
        self.calibration_probability = self.calibration_probability or [0.0] * CALIBRATION_BINS
        self.calibration_right = self.calibration_right or [0] * CALIBRATION_BINS

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    def exact_accuracy_by_step(self) -> list[float]:
        return [count / self.done if self.done else 0.0 for count in self.right_by_step]

    def cell_accuracy_by_step(self) -> list[float]:
        """Blank cells right after each step (givens are not counted)."""
        return [count / self.blank_cells if self.blank_cells else 0.0 for count in self.cells_right_by_step]

    def halt_histogram(self) -> list[int]:
        """Puzzles halting at step 1..steps, then those that never halt."""
        counts = np.bincount(np.asarray(self.halt_step, dtype=int), minlength=self.steps + 1)
        return [*counts[1:].tolist(), int(counts[0])]

    def calibration(self) -> list[dict]:
        return [{"bin": f"{i / CALIBRATION_BINS:.1f}-{(i + 1) / CALIBRATION_BINS:.1f}", "count": n,
                 "mean_probability": p / n if n else None, "accuracy": r / n if n else None}
                for i, (n, p, r) in enumerate(zip(self.calibration_count, self.calibration_probability,
                                                   self.calibration_right))]

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "InsightRun":
        return cls(**json.loads(text))


def run_batch(model: RecursiveModel, run: InsightRun, puzzles: np.ndarray, solutions: np.ndarray,
              batch_size: int = 64, bf16: bool = False) -> None:
    """Add the next ``batch_size`` puzzles of (N, cells) ``puzzles`` (the same arrays every call) to ``run``."""
    batch = slice(run.done, min(run.done + batch_size, run.total))
    device = next(model.parameters()).device
    tokens, labels = encode_grids(puzzles[batch], device), encode_grids(solutions[batch], device)
    blank = tokens == encode_grids(np.zeros(1, dtype=np.int8), device)[0]
    halt = torch.zeros(tokens.shape[0], dtype=torch.long, device=device)
    logit_threshold = float(torch.logit(torch.tensor(run.threshold, dtype=torch.float64)))
    with torch.inference_mode():
        for output in iter_steps(model, tokens, run.steps, bf16=bf16, compiled=False):
            correct = output.tokens == labels
            solved = correct.all(dim=-1)
            run.right_by_step[output.step - 1] += int(solved.sum())
            run.cells_right_by_step[output.step - 1] += int((correct & blank).sum())
            halt[(halt == 0) & (output.q_halt_logit >= logit_threshold)] = output.step
            probability = output.halt_probability.double().cpu()
            bins = (probability * CALIBRATION_BINS).long().clamp(max=CALIBRATION_BINS - 1)
            sums = [torch.bincount(bins, weights=w, minlength=CALIBRATION_BINS).tolist()
                    for w in (torch.ones_like(probability), probability, solved.double().cpu())]
            for b in range(CALIBRATION_BINS):
                run.calibration_count[b] += int(sums[0][b])
                run.calibration_probability[b] += sums[1][b]
                run.calibration_right[b] += int(sums[2][b])
    run.blank_cells += int(blank.sum())
    run.halt_step += halt.cpu().tolist()
    run.right += solved.cpu().tolist()
    run.final_q_halt_logit += [round(v, 4) for v in output.q_halt_logit.float().cpu().tolist()]
    run.done = batch.stop


def cache_key(weights_fingerprint: str, puzzles: np.ndarray, steps: int, threshold: float) -> str:
    """The run's identity: the same weights, puzzles and settings give the same key."""
    digest = hashlib.sha256(weights_fingerprint.encode())
    digest.update(np.ascontiguousarray(puzzles, dtype=np.int8).tobytes())
    digest.update(f"{steps}|{threshold:.4f}".encode())
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
