"""Export writes only inside --dest, under a plain folder name, and replaces only its own checkpoints."""

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("name", [".", "..", "../outside", "/tmp/absolute", "a/b", "x" * 65])
def test_export_refuses_a_name_that_is_not_a_plain_folder_name_and_touches_nothing(tmp_path, name, capsys):
    from trm.export.__main__ import main as export_main
    dest = tmp_path / "checkpoints"
    (dest / "shipped").mkdir(parents=True)
    (dest / "shipped" / "config.json").write_text("{}")
    assert export_main(["--run", str(tmp_path / "run"), f"--name={name}", "--dest", str(dest)]) == 2
    assert "is not allowed" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["checkpoints", "config.json", "shipped"]


def test_export_replaces_an_existing_checkpoint_only_with_force_and_never_a_foreign_folder(tmp_path, capsys):
    from trm.checkpoint import save_model
    from trm.export.__main__ import main as export_main
    from trm.model.build import build_model
    from trm.model.config import ModelConfig
    dest = tmp_path / "checkpoints"
    save_model(dest / "mine", build_model(ModelConfig(grid_size=4, hidden_size=16, prefix_len=0)), {"keep": 1})
    (dest / "foreign").mkdir()
    (dest / "foreign" / "notes.txt").write_text("not a checkpoint")
    run = tmp_path / "no-run"
    assert export_main(["--run", str(run), "--name", "mine", "--dest", str(dest)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert export_main(["--run", str(run), "--name", "foreign", "--dest", str(dest), "--force"]) == 2
    assert "never replaced" in capsys.readouterr().err
    assert (dest / "foreign" / "notes.txt").read_text() == "not a checkpoint"
    assert export_main(["--run", str(run), "--name", "mine", "--dest", str(dest), "--force"]) == 2  # no such run
    err = capsys.readouterr().err  # not "Checkpoint folder not found: .../no-run/best"
    assert f"No run folder at {run}" in err and "already exists" not in err
    assert (dest / "mine" / "config.json").exists()
    run.mkdir()  # a folder that is not a run, then a saved model inside a run
    assert export_main(["--run", str(run), "--name", "early", "--dest", str(dest)]) == 2
    assert "is not a run folder (no run.json): give the folder python -m trm.train" in capsys.readouterr().err
    (run / "run.json").write_text("{}")
    save_model(run / "best", build_model(ModelConfig(grid_size=4, hidden_size=16, prefix_len=0)), {})
    assert export_main(["--run", str(run / "best"), "--name", "early", "--dest", str(dest)]) == 2
    assert f"give its run, --run {run}." in capsys.readouterr().err
    run = tmp_path / "early-run"  # a run before its first held-out evaluation
    run.mkdir()
    (run / "run.json").write_text("{}")
    assert export_main(["--run", str(run), "--name", "early", "--dest", str(dest)]) == 2
    assert "has no best model yet" in capsys.readouterr().err

    (dest / "mine" / "NOTES.txt").write_text("my notes")  # somebody's file beside the checkpoint's own
    (dest / "mine" / "plots").mkdir()
    assert export_main(["--run", str(run), "--name", "mine", "--dest", str(dest), "--force"]) == 2
    assert "also holds NOTES.txt, plots, which no export wrote" in capsys.readouterr().err
    assert (dest / "mine" / "NOTES.txt").read_text() == "my notes" and (dest / "mine" / "plots").is_dir()


def test_a_bad_evaluation_file_is_refused_before_the_checkpoint_is_written(tmp_path, train_data_9x9, capsys):
    from tests.test_train import TINY
    from trm.export.__main__ import main as export_main
    from trm.train.__main__ import main as train_main
    run = tmp_path / "run"  # the 9x9 preset: the 4x4 one sets this process's thread count, which other tests feel
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(run), "--steps", "6", "--data", str(train_data_9x9),
                       "--device", "cpu", *TINY]) == 0
    (tmp_path / "random.bin").write_bytes(bytes(range(256)) * 4)
    good = Path(__file__).parents[1] / "assets/puzzles/heldout_forum_hardest_2k.csv"
    rows = good.read_text().splitlines()[:40]
    (tmp_path / "late.csv").write_text("\n".join([*rows, rows[1][:80] + "x" + rows[1][81:]]) + "\n")
    dest = tmp_path / "checkpoints"
    for sets, message in ((f"a={tmp_path / 'random.bin'}", "random.bin"),
                          (f"four={Path(__file__).parents[1] / 'assets/puzzles/heldout_4x4.csv'}",
                           "holds 4x4 puzzles"),
                          (f"late={tmp_path / 'late.csv'}", "line 41")):  # a bad row past the first
        assert export_main(["--run", str(run), "--name", "x1", "--dest", str(dest), "--eval", sets]) == 2
        assert message in capsys.readouterr().err and not (dest / "x1").exists()
    assert export_main(["--run", str(run), "--name", "x1", "--dest", str(dest), "--eval", f"good={good}",
                        "--eval", f"late={tmp_path / 'late.csv'}", "--limit", "50"]) == 2  # the second set is bad
    assert "line 41" in capsys.readouterr().err and not (dest / "x1").exists()
    with pytest.raises(SystemExit):
        export_main(["--run", str(run), "--name", "x1", "--dest", str(dest), "--eval", "no-equals-sign"])
    assert "--eval takes NAME=PATH" in capsys.readouterr().err
    assert export_main(["--run", str(run), "--name", "x1", "--dest", str(dest)]) == 0  # the retry needs no --force
    card = (dest / "x1" / "MODEL_CARD.md").read_text()
    assert "trained with the `sudoku9-mlp` preset: EMA weights of step 6 of 6, its best held-out evaluation." in card
    assert "- Status: finished its 6 steps" in card

    weights = dest / "x1" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:200])  # damaged: --card-only must not vouch for it again
    assert export_main(["--card-only", str(dest / "x1")]) == 2
    assert "corrupt or truncated" in capsys.readouterr().err
    assert (dest / "x1" / "MODEL_CARD.md").read_text() == card

    status = json.loads((run / "status.json").read_text())  # as if killed (kill -9) while still training
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (run / "status.json").write_text(json.dumps({**status, "state": "running", "step": 5, "pid": int(gone.stdout)}))
    state = json.loads((run / "state" / "state.json").read_text())  # its last save before its end
    (run / "state" / "state.json").write_text(json.dumps({**state, "step": 5}))
    assert export_main(["--run", str(run), "--name", "x2", "--dest", str(dest)]) == 0
    assert "- Status: crashed at step 5 when exported" in (dest / "x2" / "MODEL_CARD.md").read_text()


def test_an_export_interrupted_during_its_evaluations_says_what_it_left(tmp_path, train_data_9x9, capsys,
                                                                         monkeypatch):
    from tests.test_train import TINY
    import trm.export.checkpoint_export as checkpoint_export
    from trm.export.__main__ import main as export_main
    from trm.train.__main__ import main as train_main
    run = tmp_path / "run"
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(run), "--steps", "3", "--data", str(train_data_9x9),
                       "--device", "cpu", *TINY]) == 0

    def interrupted(*_, **__):
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(checkpoint_export, "evaluate_checkpoint", interrupted)
    good = Path(__file__).parents[1] / "assets/puzzles/heldout_forum_hardest_2k.csv"
    with pytest.raises(KeyboardInterrupt):
        export_main(["--run", str(run), "--name", "x", "--dest", str(tmp_path), "--eval", f"g={good}"])
    assert f"{tmp_path / 'x'} was written with the evaluations finished so far" in capsys.readouterr().err
    assert "No held-out evaluation was recorded." in (tmp_path / "x" / "MODEL_CARD.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--run", "r", "--name", "x", "--dest", "README.md"], "--dest README.md is a file"),
    (["--card-only", "checkpoints/sudoku4", "--name", "x", "--force"], "--name, --force: only for exporting a run"),
    (["--card-only", "checkpoints/sudoku4", "--source", "latest"], "--source: only for exporting a run"),
    (["--card-only", "checkpoints/sudoku4", "--limit", "5", "--fp32"], "--limit, --fp32: only with --eval"),
    (["--run", "r", "--name", "x", "--data", "data/sudoku4"], "--data goes with --card-only"),
    (["--run", "r", "--name", "x", "--extra-steps"], "expected at least one argument"),
])
def test_options_that_would_do_nothing_are_refused(args, message, capsys, monkeypatch):
    from trm.export.__main__ import main as export_main
    monkeypatch.chdir(Path(__file__).parents[1])
    with pytest.raises(SystemExit) as stopped:
        export_main(args)
    assert stopped.value.code == 2 and message in capsys.readouterr().err
