"""Every command line refuses out-of-range numbers with a usage error naming the option (exit status 2)."""

import json
import os
import runpy
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECKPOINT = str(REPO / "checkpoints" / "sudoku4")
DATA = str(REPO / "assets" / "puzzles" / "heldout_4x4.csv")
EVALUATE = ["trm.evaluate", "--checkpoint", CHECKPOINT, "--data", DATA]
TRAIN = ["trm.train", "--preset", "sudoku4-tiny", "--out", "/nonexistent/never-written"]

CASES = [
    (EVALUATE + ["--steps", "0"], "--steps"), (EVALUATE + ["--steps", "-3"], "--steps"),
    (EVALUATE + ["--limit", "0"], "--limit"), (EVALUATE + ["--batch-size", "-1"], "--batch-size"),
    (EVALUATE + ["--threshold", "1.5"], "--threshold"), (EVALUATE + ["--threshold", "nan"], "--threshold"),
    (EVALUATE + ["--views", "0"], "--views"), (EVALUATE + ["--noise", "-0.1"], "--noise"),
    (EVALUATE + ["--views", "100000"], "--views"), (EVALUATE + ["--steps", "100000"], "--steps"),
    (EVALUATE + ["--views", "2", "--agree", "5"], "--agree"),
    (EVALUATE + ["--views", "2", "--agree", "2", "--threshold", "1"], "--threshold"),
    (EVALUATE + ["--views", "2", "--agree", "2", "--threshold", "0"], "--threshold"),
    (EVALUATE + ["--views", "2", "--agree", "2", "--select", "vote"], "--select"),
    (EVALUATE + ["--views", "2", "--agree", "2", "--select", "q"], "--select"),  # given at all, even the default
    (EVALUATE + ["--predictions", "/nonexistent/rows.csv"], "--predictions"),
    (EVALUATE + ["--noise", "0.3"], "--noise"), (EVALUATE + ["--select", "vote"], "--select vote"),
    (EVALUATE + ["--seed", "-1"], "--seed"), (EVALUATE + ["--device", "gpu"], "--device"),
    (TRAIN + ["--lr", "nan"], "--lr"), (TRAIN + ["--lr", "0"], "--lr"), (TRAIN + ["--steps", "0"], "--steps"),
    (TRAIN + ["--batch-size", "abc"], "--batch-size"), (TRAIN + ["--seed", "1e3"], "--seed"),
    (TRAIN + ["--tensorboard", "/nonexistent/never-written/"], "is the run's own folder"),
    (["trm.export", "--run", "r", "--name", "n", "--extra-steps", "0"], "--extra-steps"),
    (["trm.export", "--run", "r", "--name", "n", "--extra-steps", "5000"], "--extra-steps"),
    (["trm.export", "--run", "r", "--name", "n", "--limit", "-5"], "--limit"),
    (["trm.data", "build", "--size", "4", "--out", "/nonexistent/x", "--test-limit", "0"], "--test-limit"),
    (["trm.sudoku", "generate", "--count", "0"], "--count"), (["trm.sudoku", "generate", "--seed", "-2"], "--seed"),
]


def _run_module(argv: list[str], monkeypatch) -> int:
    """``python -m argv`` in this process (a usage error ends before any work, and a new interpreter would spend
    seconds importing PyTorch); its exit status. An exception other than SystemExit fails the test."""
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(sys, "argv", list(argv))
    # runpy warns when the module it runs as __main__ is already imported (other tests import it for its main)
    monkeypatch.delitem(sys.modules, f"{argv[0]}.__main__", raising=False)
    sigterm = signal.getsignal(signal.SIGTERM)  # the commands take SIGTERM over; pytest's process keeps its own
    try:
        runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
    except SystemExit as ended:
        return ended.code if isinstance(ended.code, int) else 1
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    return 0


@pytest.mark.parametrize("argv, option", CASES, ids=[" ".join(argv[:1] + argv[-2:]) for argv, _ in CASES])
def test_an_out_of_range_number_is_a_usage_error_naming_its_option(argv, option, monkeypatch, capsys):
    status = _run_module(argv, monkeypatch)
    err = capsys.readouterr().err
    assert status == 2, err[-1500:]
    assert option in err
    assert not Path("/nonexistent").exists()


def test_asking_for_a_gpu_where_there_is_none_says_so():
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    result = subprocess.run([sys.executable, "-m", *EVALUATE, "--device", "cuda"], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "sees no CUDA GPU" in result.stderr


@pytest.mark.parametrize("setting, message", [("train.batch_size=abc", "expected int"),
                                              ("train.lr=nan", "expected a finite number"),
                                              ("train.compile=maybe", "expected true or false"),
                                              ("train.lr=-1", "lr must be >= 0")])
def test_a_bad_set_override_is_refused_before_anything_is_written(tmp_path, setting, message, monkeypatch, capsys):
    status = _run_module(["trm.train", "--preset", "sudoku4-tiny", "--out", str(tmp_path / "run"), "--set", setting],
                         monkeypatch)
    assert status == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flags", [["--resume", "README.md"], ["--preset", "sudoku4-tiny", "--out", "README.md"]])
def test_a_file_given_for_a_run_folder_is_named_as_a_file(flags, capsys, monkeypatch):
    from trm.train.__main__ import main as train_main
    monkeypatch.chdir(REPO)
    with pytest.raises(SystemExit):
        train_main(flags)
    assert f"{flags[-2]} README.md is a file; give a run folder" in capsys.readouterr().err


def test_json_output_never_holds_a_bare_nan():
    from trm.cli_types import strict_json

    text = strict_json({"exact": float("nan"), "by_step": [0.5, float("inf")], "bins": ({"p": -float("inf")},)})
    refuse = lambda name: (_ for _ in ()).throw(ValueError(name))  # noqa: E731 - json calls it for NaN/Infinity
    assert json.loads(text, parse_constant=refuse) == {"exact": None, "by_step": [0.5, None], "bins": [{"p": None}]}


def test_the_text_report_ends_with_the_q_heads_calibration(capsys):
    from trm.evaluate.cli import main as evaluate_main
    assert evaluate_main(["--checkpoint", CHECKPOINT, "--data", DATA, "--limit", "20", "--device", "cpu"]) == 0
    report = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(report) if line.startswith("calibration:"))
    rows = [line.split() for line in report[start + 1:]]
    assert rows and sum(int(row[1]) for row in rows) == 20 * 4  # every (puzzle, step) pair of 20 puzzles, 4 steps


def test_evaluate_names_the_puzzles_it_skips(tmp_path, capsys):
    from trm.evaluate.cli import main as evaluate_main
    data = tmp_path / "mixed.csv"  # a conflict in the first row's givens, a fine puzzle, an empty grid
    data.write_text("puzzle\n1104020000300402\n0000300204100000\n0000000000000000\n")
    assert evaluate_main(["--checkpoint", CHECKPOINT, "--data", str(data), "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    assert "skipped puzzles 1, 3 of" in captured.err and "(2 skipped: no unique solution)" in captured.out


def test_a_command_stopped_with_sigterm_ends_in_one_line(tmp_path):
    import signal
    import time
    command = [sys.executable, "-m", "trm.evaluate", "--checkpoint", str(REPO / "checkpoints" / "sudoku9-mlp"),
               "--data", str(REPO / "assets" / "puzzles" / "heldout_forum_hardest_2k.csv"), "--steps", "64"]
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        deadline = time.monotonic() + 120
        while "% 0/" not in log.read_text() and time.monotonic() < deadline:  # its first progress line: main runs
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=60)
    error = log.read_text()
    assert status == 128 + signal.SIGTERM and error.rstrip().endswith("interrupted") and "Traceback" not in error


def test_the_default_device_is_the_gpu_unless_trm_device_keeps_the_cpu(monkeypatch, capsys):
    import torch
    from trm.cli_types import default_device
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("TRM_DEVICE", raising=False)
    assert default_device() == "cuda"
    monkeypatch.setenv("TRM_DEVICE", "cpu")
    assert default_device() == "cpu"
    monkeypatch.setenv("TRM_DEVICE", "gpu")
    assert default_device() == "cuda" and default_device() == "cuda"
    assert capsys.readouterr().err.count("TRM_DEVICE='gpu' is ignored: it takes only 'cpu'") == 1
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("TRM_DEVICE")
    assert default_device() == "cpu"


def test_a_command_with_a_bad_trm_device_says_so_and_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", *EVALUATE, "--limit", "2", "--json"], cwd=REPO, text=True,
                            capture_output=True, env={**os.environ, "TRM_DEVICE": "gpu"}, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "TRM_DEVICE='gpu' is ignored" in result.stderr and "Traceback" not in result.stderr
