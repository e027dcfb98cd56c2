"""A resumed run finds its own data from any working folder, never builds a data set in its place, and refuses
puzzles other than those it started on."""

import json
import shutil
from pathlib import Path

from trm.data import load_split, save_split
from trm.runs import read_curves
from trm.sudoku import PuzzleTable
from trm.train.__main__ import main as train_main

TINY = ["--batch-size", "8", "--set", "model.hidden_size=16", "--set", "model.latent_steps=1",
        "--set", "model.answer_cycles=2", "--set", "model.max_supervision_steps=2", "--set", "model.prefix_len=2",
        "--set", "train.augmentations=2", "--set", "train.eval_puzzles=8", "--set", "train.eval_every=100",
        "--set", "train.log_every=3", "--set", "train.checkpoint_every=3", "--set", "train.warmup_steps=1"]


def _started_in_project(train_data_9x9: Path, tmp_path: Path, monkeypatch) -> Path:
    """A 3-step run started in a project folder with relative --data and --out; returns the run folder."""
    project = tmp_path / "project"
    shutil.copytree(train_data_9x9, project / "data" / "s9")
    monkeypatch.chdir(project)
    assert train_main(["--preset", "sudoku9-mlp", "--out", "runs/r", "--data", "data/s9", "--steps", "3",
                       "--device", "cpu", *TINY]) == 0
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return project / "runs" / "r"


def test_a_run_resumed_from_another_folder_trains_on_its_own_data(train_data_9x9, tmp_path, monkeypatch):
    run_dir = _started_in_project(train_data_9x9, tmp_path, monkeypatch)
    assert train_main(["--resume", str(run_dir), "--steps", "6"]) == 0
    assert [record["step"] for record in read_curves(run_dir).train] == [3, 6]
    assert not any((tmp_path / "elsewhere").iterdir())  # no data set was built where the resume ran
    assert json.loads((run_dir / "run.json").read_text())["train"]["data_dir"] == "data/s9"


def test_a_resume_whose_data_is_gone_is_refused_and_builds_nothing(train_data_9x9, tmp_path, monkeypatch, capsys):
    run_dir = _started_in_project(train_data_9x9, tmp_path, monkeypatch)
    shutil.move(tmp_path / "project" / "data" / "s9", tmp_path / "moved")
    assert train_main(["--resume", str(run_dir), "--steps", "6"]) == 2
    error = capsys.readouterr().err
    assert "trained on data/s9" in error and "which is not there" in error and "give --data" in error
    assert not any((tmp_path / "elsewhere").iterdir()) and not (tmp_path / "project" / "data" / "s9").exists()
    assert json.loads((run_dir / "status.json").read_text())["step"] == 3  # the run is as it was

    assert train_main(["--resume", str(run_dir), "--steps", "6", "--data", str(tmp_path / "moved")]) == 0
    assert [record["step"] for record in read_curves(run_dir).train] == [3, 6]


def test_a_resume_on_other_puzzles_of_the_same_size_is_refused(train_data_9x9, tmp_path, monkeypatch, capsys):
    run_dir = _started_in_project(train_data_9x9, tmp_path, monkeypatch)
    data = tmp_path / "project" / "data" / "s9"
    train = load_split(data, "train")
    save_split(data, "train", PuzzleTable(train.shape, train.puzzles[::-1], train.solutions[::-1]))
    assert train_main(["--resume", str(run_dir), "--steps", "6"]) == 2
    assert "does not hold the puzzles this run started on" in capsys.readouterr().err


def test_a_file_given_as_data_is_refused_before_a_run_folder_is_made(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("puzzles.csv").write_text("0" * 81 + "\n")
    assert train_main(["--preset", "sudoku9-mlp", "--out", "runs/y", "--data", "puzzles.csv", "--steps", "3",
                       "--device", "cpu", *TINY]) == 2
    assert "--data puzzles.csv is a file; give a data folder" in capsys.readouterr().err
    assert not Path("runs").exists()
