"""``--tensorboard DIR`` mirrors metrics.jsonl as TensorBoard scalars; a resume purges the events past its
checkpoint; without the tensorboard package the run is refused with the fix, before anything is written; two runs never
share one folder."""

import sys

import pytest

from tests.test_train import TINY
from trm.errors import ConfigError
from trm.runs import read_metrics
from trm.runs.tensorboard_log import TensorBoardLog
from trm.train.__main__ import main as train_main

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _scalars(folder) -> dict[str, list[tuple[int, float]]]:
    events = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0})
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_a_run_writes_its_train_and_eval_metrics_as_tensorboard_scalars(train_data_9x9, tmp_path):
    run_dir, board = tmp_path / "run", tmp_path / "tb"
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(run_dir), "--steps", "6", "--data",
                       str(train_data_9x9), "--device", "cpu", "--tensorboard", str(board), *TINY]) == 0
    scalars = _scalars(board)
    records = read_metrics(run_dir).records
    train = [r for r in records if r["kind"] == "train"]
    assert [step for step, _ in scalars["train/lm_loss"]] == [r["step"] for r in train] == [3, 6]
    assert [value for _, value in scalars["train/lm_loss"]] == pytest.approx([r["lm_loss"] for r in train])
    evaluation = next(r for r in records if r["kind"] == "eval")
    assert scalars["eval/exact_accuracy"][0] == (evaluation["step"], pytest.approx(evaluation["exact_accuracy"]))
    assert len([tag for tag in scalars if tag.startswith("eval/accuracy_by_step/")]) == 3  # one per step
    assert '"tensorboard"' in (run_dir / "run.json").read_text()  # a resume keeps writing there


def test_a_resume_replaces_the_events_logged_after_its_checkpoint(tmp_path):
    first = TensorBoardLog(tmp_path, tmp_path / "run")
    for step, loss in ((3, 1.0), (6, 0.8), (9, 0.7)):  # step 9 came after the checkpoint at 6, then a crash
        first.write({"kind": "train", "step": step, "lm_loss": loss, "lr": float("nan")})
    first.write({"kind": "event", "step": 9, "event": "started"})  # events are not scalars
    first.close()
    resumed = TensorBoardLog(tmp_path, tmp_path / "run", resume_step=6)
    resumed.write({"kind": "train", "step": 9, "lm_loss": 0.65})
    resumed.close()
    scalars = _scalars(tmp_path)
    assert scalars["train/lm_loss"] == [(3, 1.0), (6, pytest.approx(0.8)), (9, pytest.approx(0.65))]
    assert "train/lr" not in scalars  # NaN is not plotted


def test_without_the_tensorboard_package_the_run_is_refused_and_its_folder_left_usable(train_data_9x9, tmp_path,
                                                                                      monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match="pip install tensorboard"):
        TensorBoardLog(tmp_path / "tb", tmp_path / "run")
    arguments = ["--preset", "sudoku9-mlp", "--out", str(tmp_path / "run"), "--steps", "3", "--data",
                 str(train_data_9x9), "--device", "cpu", *TINY]
    assert train_main([*arguments, "--tensorboard", str(tmp_path / "tb")]) == 2
    assert "pip install tensorboard" in capsys.readouterr().err
    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard")
    assert train_main(arguments) == 0  # the same folder, without the option


def test_a_second_run_is_refused_a_folder_that_holds_another_runs_events(train_data_9x9, tmp_path, capsys):
    board = tmp_path / "tb"

    def train(run: str) -> int:
        return train_main(["--preset", "sudoku9-mlp", "--out", str(tmp_path / run), "--steps", "3", "--data",
                           str(train_data_9x9), "--device", "cpu", "--tensorboard", str(board), *TINY])

    assert train("first") == 0
    events = sorted(path.name for path in board.iterdir())
    assert train("second") == 2
    error = capsys.readouterr().err
    assert "holds the TensorBoard events of the run" in error
    assert f"--tensorboard {tmp_path / 'second-tensorboard'}" in error  # not the run folder itself, beside it
    assert sorted(path.name for path in board.iterdir()) == events  # nothing written beside the first run's
    assert not (tmp_path / "second").exists()  # the refused run leaves no empty folder behind
    assert train("new/deep/third") == 2 and not (tmp_path / "new").exists()  # nor the parents it made
    (tmp_path / "mine").mkdir()
    assert train("mine") == 2 and (tmp_path / "mine").is_dir()  # a folder the user made stays
    assert train_main(["--resume", str(tmp_path / "first"), "--steps", "6"]) == 0  # its own run may go on
    inside = tmp_path / "first" / "tb"  # a folder inside the first run, claimed by it
    TensorBoardLog(inside, tmp_path / "first").close()
    with pytest.raises(ConfigError) as refused:
        TensorBoardLog(inside, tmp_path / "later" / "fourth")
    assert f"--tensorboard {tmp_path / 'fourth'}," in str(refused.value)  # out of the first run's folder
    named = tmp_path / "tb" / "r3"  # named after its run, as --out runs/r3 --tensorboard tb/r3 does
    (tmp_path / "A" / "runs" / "r3").mkdir(parents=True)
    TensorBoardLog(named, tmp_path / "A" / "runs" / "r3").close()
    (tmp_path / "tb" / "r3-tensorboard").mkdir()
    (tmp_path / "tb" / "r3-tensorboard" / "x").write_text("taken")
    with pytest.raises(ConfigError) as refused:
        TensorBoardLog(named, tmp_path / "B" / "runs" / "r3")
    assert f"--tensorboard {tmp_path / 'tb' / 'r3-2'}," in str(refused.value)  # never the refused one, nor a taken one


def test_a_fresh_start_hides_an_earlier_attempts_events_and_a_moved_run_keeps_its_folder(tmp_path):
    board, run = tmp_path / "tb", tmp_path / "runs" / "a"
    run.mkdir(parents=True)
    attempt = TensorBoardLog(board, run)  # an attempt that dies before its first checkpoint
    for step in (3, 6):
        attempt.write({"kind": "train", "step": step, "lm_loss": 2.0})
    attempt.close()
    again = TensorBoardLog(board, run)  # the app's Resume starts such a run again from step 0
    again.write({"kind": "train", "step": 3, "lm_loss": 1.5})
    again.close()
    assert _scalars(board)["train/lm_loss"] == [(3, 1.5)]
    moved = tmp_path / "elsewhere" / "a"
    run.rename(tmp_path / "gone")
    moved.mkdir(parents=True)
    TensorBoardLog(board, moved, resume_step=3).close()  # its recorded folder is gone and the name is the same
    assert (board / "trm-run.txt").read_text().strip() == str(moved.resolve())
    (board / "trm-run.txt").write_text("")  # left empty by a claim that died half-way: it names nobody
    TensorBoardLog(board, moved, resume_step=3).close()
    assert (board / "trm-run.txt").read_text().strip() == str(moved.resolve())
    renamed = tmp_path / "elsewhere" / "b"
    moved.rename(renamed)  # moved under another name: its own run.json still names the folder
    with pytest.raises(ConfigError, match="holds the TensorBoard events of the run"):
        TensorBoardLog(board, renamed)  # a new run may not take it over
    TensorBoardLog(board, renamed, resume_step=3).close()
    assert (board / "trm-run.txt").read_text().strip() == str(renamed.resolve())


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(train_data_9x9, tmp_path, capsys):
    other = tmp_path / "etc"
    other.mkdir()
    (other / "passwd").write_text("mine")
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(tmp_path / "run"), "--steps", "3", "--data",
                       str(train_data_9x9), "--device", "cpu", "--tensorboard", str(other), *TINY]) == 2
    assert "is not a new or empty folder" in capsys.readouterr().err
    assert [path.name for path in other.iterdir()] == ["passwd"] and not (tmp_path / "run").exists()
