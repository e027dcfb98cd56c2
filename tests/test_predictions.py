"""trm.evaluate --predictions: one row per puzzle with digits only (even untrained), the halting step and the final
Q-halt logit; rows of a file with solutions say whether each is right."""

import csv

import torch

from trm.checkpoint import save_model
from trm.evaluate.cli import main as evaluate_main
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

TINY = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=3,
                   prefix_len=2)
ROWS = [("0000300204100000", "4231314224131324"), ("1000000000000004", "")]  # the second has many solutions


def test_an_untrained_model_writes_digits_and_every_puzzle_gets_a_row(tmp_path, capsys):
    model = TinyRecursiveModel(TINY, torch.Generator().manual_seed(3))
    with torch.no_grad():  # the Q-head starts at -5 (never halts); make it say halt at once
        model.q_head.bias.fill_(4.0)
    save_model(tmp_path / "tiny", model, {})
    (tmp_path / "p.csv").write_text("puzzle\n" + "\n".join(p for p, _ in ROWS) + "\n")
    assert evaluate_main(["--checkpoint", str(tmp_path / "tiny"), "--data", str(tmp_path / "p.csv"),
                          "--predictions", str(tmp_path / "rows.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "rows.csv").open()))
    assert [row["puzzle"] for row in rows] == [p for p, _ in ROWS]
    assert all(len(row["prediction"]) == 16 and set(row["prediction"]) <= set("1234") for row in rows)
    assert all(row["halt_step"] == "1" and float(row["q_halt_logit"]) > 0 for row in rows)
    assert "puzzles: 2" in capsys.readouterr().out


def test_rows_with_solutions_say_right_or_wrong(tmp_path, capsys):
    folder = "checkpoints/sudoku4"
    (tmp_path / "p.csv").write_text("puzzle,solution\n" + f"{ROWS[0][0]},{ROWS[0][1]}\n")
    assert evaluate_main(["--checkpoint", folder, "--data", str(tmp_path / "p.csv"), "--json",
                          "--predictions", str(tmp_path / "rows.csv")]) == 0
    row = next(csv.DictReader((tmp_path / "rows.csv").open()))
    assert row["solution"] == ROWS[0][1] and row["right"] == str(int(row["prediction"] == ROWS[0][1]))
    assert '"exact_accuracy"' in capsys.readouterr().out
