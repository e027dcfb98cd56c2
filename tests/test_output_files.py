"""Command lines that write a file replace only a file they wrote: never their own input, never somebody's data."""

import shutil
from pathlib import Path

import pytest

from trm.data.__main__ import main as data_main
from trm.evaluate.cli import main as evaluate_main

REPO = Path(__file__).resolve().parents[1]
HELDOUT_4X4 = REPO / "assets" / "puzzles" / "heldout_4x4.csv"
SUDOKU4 = REPO / "checkpoints" / "sudoku4"


def _evaluate(data: Path, predictions: Path, *extra: str) -> int:
    return evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), "--limit", "3", "--device", "cpu",
                          "--predictions", str(predictions), *extra])


def test_predictions_never_replace_the_puzzles_being_evaluated(tmp_path, capsys):
    data = tmp_path / "puzzles.csv"
    shutil.copy(HELDOUT_4X4, data)
    with pytest.raises(SystemExit):
        _evaluate(data, data)
    assert "is also this command's input" in capsys.readouterr().err
    assert data.read_bytes() == HELDOUT_4X4.read_bytes()


def test_predictions_never_replace_the_puzzles_through_a_hard_link_or_inside_a_data_folder_even_forced(
        tmp_path, capsys, sudoku4_data):
    data = tmp_path / "puzzles.csv"
    shutil.copy(HELDOUT_4X4, data)
    (tmp_path / "same.csv").hardlink_to(data)
    with pytest.raises(SystemExit):
        _evaluate(data, tmp_path / "same.csv", "--force")
    assert "is also this command's input" in capsys.readouterr().err
    assert data.read_bytes() == HELDOUT_4X4.read_bytes()

    folder = tmp_path / "sudoku4"
    shutil.copytree(sudoku4_data, folder)
    split = (folder / "test.npz").read_bytes()
    with pytest.raises(SystemExit):
        _evaluate(folder, folder / "test.npz", "--force")
    assert "is a file of" in capsys.readouterr().err and (folder / "test.npz").read_bytes() == split
    (tmp_path / "linked.npz").hardlink_to(folder / "train.npz")  # the folder's file reached from outside it
    with pytest.raises(SystemExit):
        _evaluate(folder, tmp_path / "linked.npz", "--force")
    assert "is a file of" in capsys.readouterr().err
    assert _evaluate(folder, folder / "predictions.csv") == 0  # a new file in it harms nothing
    assert _evaluate(folder, folder / "predictions.csv", "--threshold", "0.9") == 0  # nor replacing its own


def test_predictions_replace_earlier_predictions_but_not_other_files_unless_forced(tmp_path, capsys):
    notes = tmp_path / "notes.md"
    notes.write_text("# my notes\n")
    with pytest.raises(SystemExit):
        _evaluate(HELDOUT_4X4, notes)
    assert "already exists and is not a file this command wrote" in capsys.readouterr().err
    assert notes.read_text() == "# my notes\n"

    rows = tmp_path / "rows.csv"
    assert _evaluate(HELDOUT_4X4, rows) == 0
    first = rows.read_text()
    assert _evaluate(HELDOUT_4X4, rows, "--threshold", "0.9") == 0  # its own earlier file: replaced
    assert rows.read_text().splitlines()[0] == first.splitlines()[0]

    assert _evaluate(HELDOUT_4X4, notes, "--force") == 0
    assert notes.read_text().startswith("puzzle,prediction,")


def test_minimal_puzzles_replace_only_an_earlier_minimal_puzzle_file(tmp_path, capsys):
    data = tmp_path / "puzzles.csv"
    shutil.copy(HELDOUT_4X4, data)  # a puzzle CSV with the same columns, but not written by this command
    with pytest.raises(SystemExit):
        data_main(["minimal", "--size", "4", "--count", "3", "--out", str(data)])
    assert "pass --force" in capsys.readouterr().err
    assert data.read_bytes() == HELDOUT_4X4.read_bytes()

    out = tmp_path / "new" / "minimal.csv"  # a missing folder is made
    assert data_main(["minimal", "--size", "4", "--count", "3", "--out", str(out)]) == 0
    assert data_main(["minimal", "--size", "4", "--count", "5", "--seed", "1", "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 6
    assert data_main(["minimal", "--size", "4", "--count", "2", "--out", str(data), "--force"]) == 0
    assert len(data.read_text().splitlines()) == 3


def test_minimal_puzzles_refuse_a_data_set_of_another_size_and_an_empty_6x6_file(tmp_path, capsys, sudoku4_data):
    out = tmp_path / "minimal.csv"
    assert data_main(["minimal", "--size", "6", "--count", "3", "--out", str(out), "--unlike",
                      str(sudoku4_data)]) == 2
    assert "holds 4x4 puzzles, but --size is 6" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit):
        data_main(["minimal", "--size", "6", "--count", "0", "--out", str(out)])
    assert "is for --size 4 only" in capsys.readouterr().err and not out.exists()


def test_predictions_never_replace_a_file_of_the_checkpoint_being_evaluated(tmp_path, capsys):
    checkpoint = shutil.copytree(SUDOKU4, tmp_path / "mine")
    config = (checkpoint / "config.json").read_bytes()
    with pytest.raises(SystemExit):
        evaluate_main(["--checkpoint", str(checkpoint), "--data", str(HELDOUT_4X4), "--limit", "3", "--device", "cpu",
                       "--predictions", str(checkpoint / "config.json"), "--force"])
    assert "is a file of" in capsys.readouterr().err and (checkpoint / "config.json").read_bytes() == config
