"""One row per puzzle of what a model answers: the grid at the last step, where the Q-head would halt, and its final
halting logit. Users compare models with these files, and a conversion from another project is checked end to end
by comparing the rows its own code gives with ours."""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from trm.evaluate.progress import puzzle_step_bar
from trm.inference import iter_steps
from trm.model.tokens import encode_grids
from trm.model.trm import RecursiveModel
from trm.sudoku.csv_io import PuzzleTable
from trm.sudoku.parse import grid_to_string

COLUMNS = ["puzzle", "prediction", "halt_step", "q_halt_logit", "solution", "right"]


@dataclass
class Predictions:
    """Per puzzle (N): the predicted digits (N, cells), the first step at which P(halt) reached the threshold
    (0: never), and the Q-halt logit after the last step."""

    grids: np.ndarray
    halt_step: np.ndarray
    final_q_halt_logit: np.ndarray


def digits_only(logits: torch.Tensor, grid_size: int) -> torch.Tensor:
    """(B, cells) digits 1..size from answer logits, the argmax over the digit tokens only: an untrained model
    still writes digits, never the pad or blank token."""
    return logits[..., 2:2 + grid_size].argmax(dim=-1) + 1


def predict(model: RecursiveModel, puzzles: np.ndarray, steps: int | None = None, threshold: float = 0.5,
            batch_size: int = 256, bf16: bool = False, show_progress: bool = False) -> Predictions:
    """Run every puzzle (N, cells; digits, 0 = blank) to the last step in batches on the model's device."""
    device = next(model.parameters()).device
    logit_threshold = float(torch.logit(torch.tensor(threshold, dtype=torch.float64)))
    grids, halts, finals = [], [], []
    steps = steps or model.config.max_supervision_steps
    with puzzle_step_bar(len(puzzles), steps, "predicting", show_progress) as progress:
        for first in range(0, len(puzzles), batch_size):
            tokens = encode_grids(puzzles[first:first + batch_size], device)
            halt = torch.zeros(tokens.shape[0], dtype=torch.long, device=device)
            last = None
            with torch.inference_mode():
                for last in iter_steps(model, tokens, steps, bf16=bf16, compiled=False):
                    newly = (halt == 0) & (last.q_halt_logit >= logit_threshold)
                    halt[newly] = last.step
                    progress.update(tokens.shape[0])
                grids.append(digits_only(last.logits.float(), model.config.grid_size).to(torch.int8).cpu().numpy())
            halts.append(halt.cpu().numpy())
            finals.append(last.q_halt_logit.float().cpu().numpy())
    return Predictions(np.concatenate(grids), np.concatenate(halts), np.concatenate(finals))


def write_predictions_csv(path: Path, table: PuzzleTable, predictions: Predictions) -> None:
    """The rows as CSV; ``solution`` and ``right`` stay empty where the file gave no solution."""
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for index, puzzle in enumerate(table.puzzles):
            solution = None if table.solutions is None else table.solutions[index]
            grid = predictions.grids[index]
            writer.writerow([grid_to_string(puzzle), grid_to_string(grid), int(predictions.halt_step[index]) or "",
                             f"{float(predictions.final_q_halt_logit[index]):.4f}",
                             "" if solution is None else grid_to_string(solution),
                             "" if solution is None else int(np.array_equal(grid, solution))])
