"""Exact accuracy by difficulty band, the estimate for another set's difficulty mix, and their CLI options."""

import json
from pathlib import Path

import pytest
import torch

from trm.evaluate.difficulty import (BANDS, accuracy_by_band, band_index, estimate_for_mix,
                                        puzzle_backtracks)
from trm.checkpoint import load_model
from trm.evaluate import evaluate_model
from trm.evaluate.cli import main as evaluate_main
from trm.sudoku.csv_io import read_puzzle_csv
from trm.sudoku.shape import GridShape

REPO = Path(__file__).resolve().parents[1]
PUZZLES = REPO / "assets" / "puzzles"
SUDOKU4 = REPO / "checkpoints" / "sudoku4"


def test_band_edges():
    assert [band_index(n) for n in (0, 1, 50, 51, 100, 101, 200, 201, 10**6)] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert len(BANDS) == 5
    with pytest.raises(ValueError):
        band_index(-1)


def test_accuracy_by_band_counts_each_band_and_keeps_empty_ones():
    bands = accuracy_by_band([0, 0, 7, 300, 300, 300], [True, True, False, True, False, False])
    assert [(b.band, b.count, b.correct) for b in bands] == [
        ("0", 2, 2), ("1-50", 1, 0), ("51-100", 0, 0), ("101-200", 0, 0), ("201+", 3, 1)]
    assert bands[2].accuracy is None and bands[4].accuracy == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="outcomes"):
        accuracy_by_band([0, 1], [True])


def test_estimate_reweights_bands_to_the_mix_and_refuses_bands_it_never_saw():
    bands = accuracy_by_band([0] * 4 + [300] * 4, [True] * 4 + [True, False, False, False])
    estimate = estimate_for_mix(bands, [0, 300, 300, 300])  # a mix three quarters hard
    assert estimate.weights == [0.25, 0, 0, 0, 0.75]
    assert estimate.accuracy == pytest.approx(0.25 * 1 + 0.75 * 0.25)
    assert estimate.standard_error == pytest.approx((0.75 ** 2 * 0.25 * 0.75 / 4) ** 0.5)
    unseen = estimate_for_mix(bands, [0, 60])
    assert unseen.accuracy is None and unseen.missing == ["51-100"]
    with pytest.raises(ValueError):
        estimate_for_mix(bands, [])


def test_backtracks_are_zero_when_propagation_solves_and_positive_on_the_hardest_puzzles():
    table = read_puzzle_csv(PUZZLES / "heldout_forum_hardest_2k.csv", limit=3)
    assert all(n > 0 for n in puzzle_backtracks(table.puzzles, table.shape))
    solved = table.solutions[:1].copy()
    solved[0, :5] = 0  # five blanks in a full grid: singles fill them
    assert puzzle_backtracks(solved, GridShape(3, 3)) == [0]


def test_evaluation_keeps_per_puzzle_outcomes_out_of_its_summary():
    model = load_model(SUDOKU4, "cpu").model
    table = read_puzzle_csv(PUZZLES / "heldout_4x4.csv", limit=10)
    inputs = torch.as_tensor(table.puzzles, dtype=torch.long) + 1
    labels = torch.as_tensor(table.solutions, dtype=torch.long) + 1
    for steps in (1, 4):  # after one step some 4x4 puzzles are still wrong
        result = evaluate_model(model, inputs, labels, steps=steps, batch_size=3)
        assert len(result.puzzle_correct) == 10
        assert sum(result.puzzle_correct) / 10 == pytest.approx(result.exact_accuracy)
        assert "puzzle_correct" not in result.to_dict()


def test_cli_estimate_for_the_evaluated_sets_own_mix_is_its_accuracy(capsys):
    data = PUZZLES / "heldout_4x4.csv"
    assert evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), "--limit", "40", "--steps", "1",
                          "--device", "cpu", "--json", "--difficulty-mix", str(data)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sum(band["count"] for band in report["accuracy_by_difficulty"]) == report["count"] == 40
    # The mix file is read whole (all its puzzles) and 4x4 puzzles never backtrack, so all sit in band 0.
    assert report["difficulty_mix"]["weights"] == [1, 0, 0, 0, 0]
    assert report["difficulty_mix"]["accuracy"] == pytest.approx(report["exact_accuracy"])

    assert evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), "--limit", "8", "--device", "cpu",
                          "--by-difficulty"]) == 0
    printed = capsys.readouterr().out
    assert "exact accuracy by difficulty" in printed and "201+" in printed and "difficulty mix" not in printed


def test_cli_rejects_a_mix_of_another_grid_size_and_two_precisions(capsys):
    data = PUZZLES / "heldout_4x4.csv"
    assert evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), "--limit", "4", "--device", "cpu",
                          "--difficulty-mix", str(PUZZLES / "heldout_6x6.csv")]) == 2
    assert "6x6 puzzles, not 4x4" in capsys.readouterr().err
    for options, message in ((["--fp32", "--bf16"], "one of --fp32 and --bf16"),
                             (["--views", "4", "--by-difficulty"], "measure one view"),
                             (["--noise", "0.3", "--difficulty-mix", str(data)], "measure one view"),
                             (["--views", "2", "--predictions", "x.csv"], "writes one view's rows")):
        with pytest.raises(SystemExit):
            evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), *options])
        assert message in capsys.readouterr().err


def test_a_bad_mix_file_or_a_folder_for_predictions_fails_before_the_evaluation(capsys, tmp_path, monkeypatch):
    import trm.evaluate.cli as cli
    monkeypatch.setattr(cli, "evaluate_model", lambda *_, **__: pytest.fail("evaluated before checking its inputs"))
    (tmp_path / "bad.csv").write_text("puzzle\n12x4\n")
    data = PUZZLES / "heldout_4x4.csv"
    assert evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), "--device", "cpu",
                          "--difficulty-mix", str(tmp_path / "bad.csv")]) == 2
    assert "bad.csv" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        evaluate_main(["--checkpoint", str(SUDOKU4), "--data", str(data), "--predictions", str(tmp_path)])
    assert "is a folder: give a file name" in capsys.readouterr().err


def _bands(*pairs):
    from trm.evaluate import band_label
    return [{"band": band_label(b), "count": n, "correct": r, "exact_accuracy": r / n if n else None}
            for b, (n, r) in zip(BANDS, pairs)]


def test_export_pools_the_sets_at_the_models_own_steps_for_the_mix_estimate():
    from trm.export import difficulty_mix_estimate

    def evaluation(name, steps, bands):
        return {"name": name, "result": {"steps": steps}, "by_difficulty": bands}

    evaluations = [evaluation("easy", 16, _bands((10, 10), (10, 9), (0, 0), (0, 0), (0, 0))),
                   evaluation("easy (32 steps)", 32, _bands((10, 0), (10, 0), (0, 0), (0, 0), (0, 0))),
                   evaluation("hard", 16, _bands((0, 0), (0, 0), (10, 5), (10, 5), (10, 2)))]
    estimate = difficulty_mix_estimate(evaluations, "mix.csv", [0, 30, 60, 150, 250])
    assert estimate["pooled"] == ["easy", "hard"] and estimate["steps"] == 16 and estimate["puzzles"] == 5
    assert estimate["accuracy"] == pytest.approx((1 + 0.9 + 0.5 + 0.5 + 0.2) / 5)
    assert difficulty_mix_estimate([], "mix.csv", [0]) is None


def test_export_records_bands_for_every_evaluation(tmp_path):
    import trm.export

    data = str(PUZZLES / "heldout_4x4.csv")
    sets = trm.export.read_eval_sets({"4x4": data}, 4, limit=6)
    evaluations = list(trm.export.evaluate_checkpoint(SUDOKU4, sets, [2], "cpu"))[-1]
    for item in evaluations:
        assert [band["count"] for band in item["by_difficulty"]] == [6, 0, 0, 0, 0]  # 4x4: propagation solves all
        assert item["by_difficulty"][0]["exact_accuracy"] == pytest.approx(item["result"]["exact_accuracy"])


def test_card_tabulates_bands_per_set_pooled_and_states_the_estimate():
    from trm.model.config import ModelConfig
    from trm.export import render_model_card

    evaluations = [{"name": "forum", "result": {"count": 30, "steps": 16, "exact_accuracy": 0.4, "cell_accuracy": 0.9,
                                                "halted_exact_accuracy": 0.4, "mean_halt_step": 9.0,
                                                "accuracy_by_step": [0.4], "halt_step_histogram": [30]},
                    "by_difficulty": _bands((0, 0), (0, 0), (10, 6), (10, 4), (10, 2))},
                   {"name": "17-clue", "result": {"count": 20, "steps": 16, "exact_accuracy": 1.0, "cell_accuracy": 1.0,
                                                  "halted_exact_accuracy": 1.0, "mean_halt_step": 3.0,
                                                  "accuracy_by_step": [1.0], "halt_step_histogram": [20]},
                    "by_difficulty": _bands((10, 10), (10, 10), (0, 0), (0, 0), (0, 0))}]
    mix = {"data": "assets/puzzles/sudoku_extreme_train_1k.csv", "puzzles": 1000, "steps": 16,
           "weights": [0.1, 0.2, 0.3, 0.3, 0.1], "accuracy": 0.59, "standard_error": 0.05, "missing": []}
    card = render_model_card("m", ModelConfig(), {"difficulty_mix": mix}, evaluations)
    assert "| backtracks | forum | 17-clue | all pooled | share of sudoku_extreme_train_1k.csv |" in card
    assert "| 51-100 | 60.0% of 10 | - | 60.0% of 10 | 30.0% |" in card
    assert "| 0 | - | 100.0% of 10 | 100.0% of 10 | 10.0% |" in card
    assert "expected exact accuracy of **59.0%** at 16 steps (standard error 5.0%)" in card
    without = render_model_card("m", ModelConfig(), {}, [{**item, "by_difficulty": None} for item in evaluations])
    assert "Accuracy by difficulty" not in without


def test_card_says_how_far_the_sets_disagree_within_a_band():
    from trm.model.config import ModelConfig
    from trm.export import render_model_card

    def evaluation(name, bands):
        return {"name": name, "by_difficulty": bands,
                "result": {"count": 200, "steps": 16, "exact_accuracy": 0.5, "cell_accuracy": 0.9,
                           "halted_exact_accuracy": 0.5, "mean_halt_step": 9.0, "accuracy_by_step": [0.5],
                           "halt_step_histogram": [200]}}

    mix = {"data": "mix.csv", "puzzles": 10, "steps": 16, "weights": [0.2] * 5, "accuracy": 0.7,
           "standard_error": 0.02, "missing": []}
    # Band 51-100: 50% against 80% on 100 puzzles each; band 1-50's 100%-vs-0% gap has 10 puzzles, too few to count.
    hard = evaluation("hard", _bands((50, 25), (10, 0), (100, 50), (20, 10), (20, 10)))
    easy = evaluation("easy", _bands((50, 25), (10, 10), (100, 80), (20, 20), (20, 20)))
    card = render_model_card("m", ModelConfig(), {"difficulty_mix": mix}, [hard, easy])
    assert "the sets differ by up to 30.0 points (band 51-100, sets with at least 50 puzzles there)" in card
    one_set = render_model_card("m", ModelConfig(), {"difficulty_mix": mix}, [hard])
    assert "depends only on its band." in one_set and "differ by up to" not in one_set


def test_card_only_with_eval_replaces_the_evaluations_and_keeps_the_weights(tmp_path, capsys):
    import shutil
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(SUDOKU4, checkpoint)
    weights = {p.name: p.read_bytes() for p in checkpoint.glob("*.safetensors")}
    before = json.loads((checkpoint / "config.json").read_text())["metadata"]
    data = str(PUZZLES / "heldout_4x4.csv")
    assert export_main(["--card-only", str(checkpoint), "--eval", f"sample={data}", "--limit", "12",
                        "--device", "cpu", "--difficulty-mix", data]) == 0
    after = json.loads((checkpoint / "config.json").read_text())["metadata"]
    assert [e["name"] for e in after["evaluations"]] == ["sample"] and after["evaluations"][0]["result"]["count"] == 12
    assert after["training"] == before["training"] and after["summary"] == before["summary"]
    assert after["difficulty_mix"]["accuracy"] is not None
    assert {p.name: p.read_bytes() for p in checkpoint.glob("*.safetensors")} == weights
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "## Accuracy by difficulty" in card and "share of heldout_4x4.csv" in card


def test_an_enumerated_set_of_another_size_is_refused_in_words(capsys):
    assert evaluate_main(["--checkpoint", "checkpoints/sudoku4", "--data", "minimal:6", "--limit", "3"]) == 2
    assert "minimal:6: only minimal:4 is enumerated" in capsys.readouterr().err
