"""The model card quotes the command that started a run and every distinct command that resumed it, and states
each run's recipe (optimiser, schedule, clipping, curriculum) in words."""

import json

from trm.model.config import ModelConfig
from trm.export import render_model_card


def test_card_lists_the_start_command_then_each_resume_command_once_with_its_count():
    metadata = {"summary": "s", "status": "t", "parameters": 10, "dtype": "bfloat16",
                "training": {"command": "python3 -m trm.train --preset sudoku4-tiny --out runs/a",
                             "resumed_with": ["python3 -m trm.train --resume runs/a"] * 2
                             + ["torchrun --nproc_per_node=2 -m trm.train --resume runs/a"]}}
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), metadata, [])
    lines = [line for line in card.splitlines() if line.startswith(("- Command", "- Resumed"))]
    assert lines == ["- Command: `python3 -m trm.train --preset sudoku4-tiny --out runs/a`",
                     "- Resumed with: `python3 -m trm.train --resume runs/a` (2 times)",
                     "- Resumed with: `torchrun --nproc_per_node=2 -m trm.train --resume runs/a`"]


def test_card_writes_step_counts_with_thousands_separators_and_n_a_when_missing():
    training = {"step": 56000, "total_steps": 65100, "batch_size": 768}
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), {"training": training}, [])
    assert "- Optimiser steps: 56,000 of 65,100 planned, batch 768" in card
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), {"training": {}}, [])
    assert "- Optimiser steps: n/a of n/a planned, batch n/a" in card


def test_card_names_the_data_files_with_checksums_or_how_the_puzzles_were_generated():
    from_files = {"counts": {"train": 1000, "test": 5835}, "how_built": "",
                  "train": ["sudoku_extreme_train_1k.csv (sha256 eef55f5891a7)"], "test": ["heldout.csv (sha256 1)"]}
    generated = {"counts": {"train": 2667}, "how_built": "carved from the 288 grids", "train": [], "test": []}
    config = ModelConfig(grid_size=4, hidden_size=16)
    for provenance, expected in ((from_files, "- Training puzzles: 1,000 from sudoku_extreme_train_1k.csv (sha256"),
                                 (generated, "- Puzzles: 2,667 training and ? held-out, generated: carved from")):
        card = render_model_card("a", config, {"training": {"data_provenance": provenance}}, [])
        assert expected in card and "DATA_SOURCES.md" in card


def test_card_only_export_adds_provenance_without_evaluating(tmp_path):
    import json
    import shutil
    from pathlib import Path
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    config = json.loads((checkpoint / "config.json").read_text())
    config["metadata"]["training"].pop("data_provenance", None)
    (checkpoint / "config.json").write_text(json.dumps(config))
    data = tmp_path / "data"
    data.mkdir()
    (data / "meta.json").write_text(json.dumps({"size": 4, "counts": {"train": 7, "test": 3}, "sources": {
        "train": [{"file": "mine.csv", "sha256": "ab" * 32}], "test": []}}))
    assert export_main(["--card-only", str(checkpoint), "--data", str(data)]) == 0
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "- Training puzzles: 7 from mine.csv (sha256 abababababab)" in card
    assert "100.0%" in card  # the recorded evaluation is kept, not rerun


def test_card_only_refuses_data_or_a_run_that_are_not_the_models(tmp_path, capsys):
    import json
    import shutil
    from pathlib import Path
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    before = {path.name: path.read_bytes() for path in checkpoint.iterdir()}
    nine = tmp_path / "nine"
    nine.mkdir()
    (nine / "meta.json").write_text(json.dumps({"size": 9, "counts": {"train": 7, "test": 3}, "sources": {}}))
    assert export_main(["--card-only", str(checkpoint), "--data", str(nine)]) == 2
    assert "holds 9x9 puzzles; this model plays 4x4, so it did not train on them" in capsys.readouterr().err
    assert export_main(["--card-only", str(checkpoint), "--data", str(tmp_path / "nowhere")]) == 2
    assert "is not a built data set (no readable meta.json)" in capsys.readouterr().err
    other_run = tmp_path / "flat"
    other_run.mkdir()
    model = {**json.loads((checkpoint / "config.json").read_text())["model"], "hidden_size": 8}
    (other_run / "run.json").write_text(json.dumps({"preset": "sudoku4-flat", "model": model}))
    (other_run / "metrics.jsonl").write_text(json.dumps({"kind": "eval", "step": 30, "exact_accuracy": 0.0}) + "\n")
    assert export_main(["--card-only", str(checkpoint), "--run", str(other_run)]) == 2
    assert "trained another model (hidden_size differ)" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in checkpoint.iterdir()} == before


def test_card_shows_the_runs_held_out_curve_with_bars():
    curve = [{"step": 2000, "count": 50, "steps": 16, "exact_accuracy": 0.0, "cell_accuracy": 0.4},
             {"step": 40000, "count": 50, "steps": 16, "exact_accuracy": 0.721, "cell_accuracy": 0.89}]
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), {"training": {"heldout_curve": curve}}, [])
    assert "## Held-out accuracy during training" in card
    assert ("(50 held-out puzzles of its data's test split, EMA weights, 16 supervision steps; the tables above may "
            "hold other puzzles)") in card
    assert "| 2,000 | 0.0% | 40.0% |  |" in card
    assert "| 40,000 | 72.1% | 89.0% | " + "█" * 14 + " |" in card
    shipped = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16),
                                {"training": {"heldout_curve": curve, "step": 40000}}, [])
    assert "| 40,000 | 72.1% | 89.0% | " + "█" * 14 + " **these weights** |" in shipped
    assert "| 2,000 | 0.0% | 40.0% |  |" in shipped
    assert "during training" not in render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), {}, [])


def test_card_only_export_takes_the_curve_from_the_runs_metrics(tmp_path):
    import json
    import shutil
    from pathlib import Path
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    run = tmp_path / "run"
    run.mkdir()
    records = [{"kind": "train", "step": 50, "lm_loss": 1.0},
               {"kind": "eval", "step": 100, "count": 500, "steps": 16, "exact_accuracy": 0.25, "cell_accuracy": 0.5},
               {"kind": "eval", "step": 200, "count": 500, "steps": 16, "exact_accuracy": 1.0, "cell_accuracy": 1.0}]
    (run / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in records) + '\n{"kind": "ev')  # torn tail
    model = json.loads((checkpoint / "config.json").read_text())["model"]
    (run / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny", "model": model}))  # the run of these weights
    assert export_main(["--card-only", str(checkpoint), "--run", str(run)]) == 0
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "| 100 | 25.0% | 50.0% | █████ |" in card
    assert "| 200 | 100.0% | 100.0% | " + "█" * 20 + " |" in card
    saved = json.loads((checkpoint / "config.json").read_text())["metadata"]["training"]["heldout_curve"]
    assert [point["step"] for point in saved] == [100, 200]


def test_card_only_export_refuses_a_run_folder_without_metrics_and_keeps_the_card(tmp_path, capsys):
    import shutil
    from pathlib import Path
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    before = (checkpoint / "config.json").read_text()
    assert export_main(["--card-only", str(checkpoint), "--run", str(tmp_path / "no-such-run")]) == 2
    assert "no metrics.jsonl" in capsys.readouterr().err
    assert (checkpoint / "config.json").read_text() == before


def test_evaluate_and_export_pass_the_precision_flags_through_to_the_evaluation(monkeypatch, tmp_path):
    from pathlib import Path
    import trm.evaluate.cli
    import trm.export
    import trm.export.__main__ as export_cli
    import trm.export.card_evaluation
    from trm.evaluate import evaluate_model, evaluate_model_at

    seen = []

    def spy(function):
        def spied(*args, **kwargs):
            seen.append(kwargs.get("autocast"))
            return function(*args, **kwargs)
        return spied

    monkeypatch.setattr(trm.evaluate.cli, "evaluate_model", spy(evaluate_model))
    monkeypatch.setattr(trm.export.card_evaluation, "evaluate_model_at", spy(evaluate_model_at))
    repo = Path(__file__).resolve().parents[1]
    data = repo / "assets" / "puzzles" / "heldout_4x4.csv"
    checkpoint = repo / "checkpoints" / "sudoku4"
    for flags in ([], ["--fp32"], ["--bf16"]):
        assert trm.evaluate.cli.main(["--checkpoint", str(checkpoint), "--data", str(data), "--limit", "4",
                                  "--device", "cpu", "--json", *flags]) == 0
    sets = trm.export.read_eval_sets({"4x4": str(data)}, 4, limit=4)
    list(trm.export.evaluate_checkpoint(checkpoint, sets, [], "cpu", autocast=False))
    assert seen == [None, False, True, False]  # None: bf16 autocast on CUDA only
    captured = {}
    monkeypatch.setattr(export_cli, "export_checkpoint", lambda *args, **kwargs: captured.update(kwargs) or tmp_path)
    for flags, expected in (([], None), (["--fp32"], False)):
        assert export_cli.main(["--run", "r", "--name", "n", *flags]) == 0
        assert captured["autocast"] is expected


def test_one_long_evaluation_gives_the_same_results_as_separate_shorter_runs():
    from pathlib import Path
    import torch
    from trm.checkpoint import load_model
    from trm.evaluate import evaluate_model, evaluate_model_at
    from trm.export import read_eval_set

    repo = Path(__file__).resolve().parents[1]
    model = load_model(repo / "checkpoints" / "sudoku4", "cpu").model
    table, _ = read_eval_set(str(repo / "assets" / "puzzles" / "heldout_4x4.csv"), limit=12)
    inputs = torch.as_tensor(table.puzzles, dtype=torch.long) + 1
    labels = torch.as_tensor(table.solutions, dtype=torch.long) + 1
    together = evaluate_model_at(model, inputs, labels, [1, 3, 5], batch_size=5)
    for result in together:
        alone = evaluate_model(model, inputs, labels, steps=result.steps, batch_size=5)
        assert result.to_dict() == alone.to_dict()


def test_export_names_extra_step_evaluations_and_keeps_each_finished_set():
    from pathlib import Path
    import json
    import trm.export

    repo = Path(__file__).resolve().parents[1]
    data = str(repo / "assets" / "puzzles" / "heldout_4x4.csv")
    checkpoint = repo / "checkpoints" / "sudoku4"
    sets = trm.export.read_checkpoint_eval_sets(checkpoint, {"a": data, "b": data}, limit=4)
    finished = [len(evaluations) for evaluations in trm.export.evaluate_checkpoint(checkpoint, sets, [3], "cpu")]
    assert finished == [2, 4]
    names = [item["name"] for item in list(trm.export.evaluate_checkpoint(checkpoint, sets[:1], [3], "cpu"))[-1]]
    steps = json.loads((checkpoint / "config.json").read_text())["model"]["max_supervision_steps"]
    assert names == ["a", "a (3 steps)"] and steps != 3


def test_hardware_line_gives_each_device_its_step_ranges_from_the_runs_start_events(tmp_path):
    from trm.runs import training_hardware

    def write(*events):
        (tmp_path / "metrics.jsonl").write_text("".join(json.dumps({"kind": "event", **e}) + "\n" for e in events))

    h100, h200 = {"device": "H100", "world_size": 1}, {"device": "H200", "world_size": 2}
    write({"event": "started", "step": 0, **h100}, {"event": "resumed", "step": 100, **h200},
          {"event": "resumed", "step": 200, **h100}, {"event": "resumed", "step": 1500, **h100})
    assert training_hardware(tmp_path, 2000, "fallback") == (
        "H100 (steps 0-100 and 200-2,000), 2x H200 under torchrun (100-200)")
    write({"event": "started", "step": 0, **h100}, {"event": "resumed", "step": 100, **h100})
    assert training_hardware(tmp_path, 300, "fallback") == "H100"
    write({"event": "resumed", "step": 100, **h100})  # a run from before processes recorded their device
    assert training_hardware(tmp_path, 300, "fallback") == "fallback"


def test_card_only_export_shows_another_recipes_run_beside_the_model(tmp_path, capsys):
    import shutil
    from pathlib import Path
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    config = json.loads((checkpoint / "config.json").read_text())
    config["metadata"]["training"].update(step=300, heldout_curve=[
        {"step": 300, "count": 500, "steps": 4, "exact_accuracy": 0.9, "cell_accuracy": 0.95}])
    (checkpoint / "config.json").write_text(json.dumps(config))
    run = tmp_path / "bigger-data"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "python -m trm.train --init-from checkpoints/sudoku4",
                                              "resumed_with": ["python -m trm.train --resume runs/b"],
                                              "train": {"data_dir": str(tmp_path / "no-data"), "total_steps": 400}}))
    records = [{"kind": "event", "event": "started", "step": 0, "device": "H100", "world_size": 1,
                "init_from": {"path": "checkpoints/sudoku4", "step": 300, "preset": "sudoku4-tiny",
                              "dtype": "bfloat16"}},
               {"kind": "eval", "step": 100, "count": 500, "steps": 4, "exact_accuracy": 0.8, "cell_accuracy": 0.9},
               {"kind": "event", "event": "resumed", "step": 120, "device": "H100", "world_size": 1,
                "notes": ["Adam moments were not saved: learning rate re-warms up over 500 steps"]},
               {"kind": "train", "step": 150, "wall_seconds": 1800.0},
               {"kind": "eval", "step": 150, "count": 500, "steps": 4, "exact_accuracy": 0.85, "cell_accuracy": 0.93}]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run / "status.json").write_text(json.dumps({"state": "stopped", "step": 160}))
    assert export_main(["--card-only", str(checkpoint), "--compare-run", str(run)]) == 0
    card = (checkpoint / "MODEL_CARD.md").read_text()
    section = card[card.index("## Other recipes tried"):]
    assert "### bigger-data" in section
    assert "- Weights: started from `checkpoints/sudoku4` (step 300 of its run, its bfloat16 files)" in section
    assert "- Resumed with: `python -m trm.train --resume runs/b`" in section
    assert "- Optimiser steps: 160 of 400 planned (stopped) in 30.0 min on H100" in section
    assert "- Resumed without Adam's moments (learning rate warmed up again) at step 120" in section
    assert ("- Best held-out exact accuracy: 85.0% at step 150 (500 puzzles, 4 supervision steps); these weights "
            "scored 90.0% on the same evaluation in their own run.") in section
    assert "| 100 | 80.0% | 90.0% | " + "█" * 16 + " |" in section and "these weights**" not in section
    saved = json.loads((checkpoint / "config.json").read_text())["metadata"]["compared_runs"]
    assert [run["name"] for run in saved] == ["bigger-data"]
    config = json.loads((checkpoint / "config.json").read_text())  # as written where its data folder existed
    provenance = {"counts": {"train": 40, "test": 5}, "how_built": "by hand", "train": ["t.csv (sha256 ab)"]}
    config["metadata"]["compared_runs"][0]["data_provenance"] = provenance
    (checkpoint / "config.json").write_text(json.dumps(config))
    assert export_main(["--card-only", str(checkpoint), "--compare-run", str(run)]) == 0  # here it is missing
    saved = json.loads((checkpoint / "config.json").read_text())["metadata"]["compared_runs"]
    assert saved[0]["data_provenance"] == provenance
    assert export_main(["--card-only", str(checkpoint), "--compare-run", str(tmp_path / "nothing")]) == 2
    assert "no metrics.jsonl" in capsys.readouterr().err
    (run / "run.json").write_text("{}")
    assert export_main(["--card-only", str(checkpoint), "--compare-run", str(run)]) == 2
    assert "no training config" in capsys.readouterr().err
    assert "## Other recipes tried" in (checkpoint / "MODEL_CARD.md").read_text()  # the card is kept



def test_card_states_the_recipe_of_the_run_and_of_each_compared_run():
    from trm.runs.history import recipe_summary

    paper = {"lr": 1e-4, "weight_decay": 1.0, "warmup_steps": 2000}  # an older run: no recipe fields at all
    assert recipe_summary(paper) == "AdamATan2 (lr 0.0001, weight decay 1); 2,000 warm-up steps, then constant"
    with_prefix = {**paper, "prefix_lr": 1e-4, "prefix_weight_decay": 1.0}
    assert recipe_summary(with_prefix).startswith(
        "AdamATan2 (lr 0.0001, weight decay 1), sign-SGD (lr 0.0001, weight decay 1) for the puzzle prefix; 2,000")
    assert "sign-SGD" not in recipe_summary(with_prefix, prefix=False)  # the flat baseline has no prefix
    from trm.runs.history import has_prefix
    assert has_prefix(None) and has_prefix({"hidden_size": 512}) and not has_prefix({"prefix_len": 0})
    fast = {**paper, "optimizer": "muon", "muon_lr": 0.02, "muon_momentum": 0.6, "muon_ns_steps": 3,
            "warmup_steps": 0, "lr_schedule": "cosine", "grad_clip": 1.0, "depth_curriculum": "cgar",
            "label_smoothing": 0.2, "q_halt_loss_weight": 0.05, "fresh_augmentations": True, "ema_start_step": 5000,
            "muon_weight_decay": 0.005, "ema_rate": 0.9}
    assert recipe_summary(fast) == (
        "Muon (lr 0.02, momentum 0.6, 3 Newton-Schulz steps, weight decay 0.005) for the network's matrices, "
        "AdamATan2 (lr 0.0001, "
        "weight decay 1) for the rest; no warm-up, cosine to zero; gradient norm clipped at 1; label smoothing 0.2; "
        "Q-halt loss weight 0.05; EMA 0.9 from step 5,000 (the live weights before it); a fresh random symmetry at "
        "every draw; "
        "CGAR depth curriculum (1/3, then 2/3, then full depth)")
    assert recipe_summary({**paper, "ema_rate": 0.999}).endswith("then constant; EMA 0.999")
    metadata = {"training": {"recipe": recipe_summary(paper)},
                "compared_runs": [{"name": "fast", "recipe": recipe_summary(fast), "curve": []}]}
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), metadata, [])
    assert f"- Recipe: {recipe_summary(paper)}" in card and f"- Recipe: {recipe_summary(fast)}" in card


def test_a_run_brought_back_without_its_state_gets_its_wall_time_from_its_log_in_minutes_under_an_hour():
    from pathlib import Path
    from trm.runs.history import training_metadata

    run = Path(__file__).resolve().parents[1] / "training_state" / "recipe-sic-k1-8k"  # logs only, no state/
    training = training_metadata(run, 8000)
    assert training["wall_seconds"] == 1052.3 and training["wall_hours"] == 0.29
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), {"training": training}, [])
    assert "- Wall time: 17.5 min on NVIDIA H100 80GB HBM3" in card
    card = render_model_card("a", ModelConfig(grid_size=4, hidden_size=16), {"training": {"wall_hours": 2.39}}, [])
    assert "- Wall time: 2.39 h on n/a" in card  # a card written before seconds were kept



def test_card_only_export_replaces_the_opening_sentence_and_status_line_when_given(tmp_path):
    import shutil
    from pathlib import Path
    from trm.export.__main__ import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    before = json.loads((checkpoint / "config.json").read_text())["metadata"]
    assert export_main(["--card-only", str(checkpoint), "--summary", "A chain of five runs.",
                        "--status", "finished its chain"]) == 0
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "A chain of five runs." in card and "- Status: finished its chain" in card
    assert before["summary"] not in card
    assert export_main(["--card-only", str(checkpoint), "--status", "shipped"]) == 0  # the summary given stays
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "A chain of five runs." in card and "- Status: shipped" in card
    assert export_main(["--card-only", str(checkpoint), "--eval", "all=minimal:4", "--limit", "8",
                        "--summary", "Evaluated again."]) == 0
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "Evaluated again." in card and "- Status: shipped" in card
