"""The model card quotes the command that started a run and every distinct command that resumed it."""

from trm.model.config import ModelConfig
from trm.model_card import render_model_card


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
    from trm.export import main as export_main

    checkpoint = tmp_path / "sudoku4"
    shutil.copytree(Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4", checkpoint)
    config = json.loads((checkpoint / "config.json").read_text())
    config["metadata"]["training"].pop("data_provenance", None)
    (checkpoint / "config.json").write_text(json.dumps(config))
    data = tmp_path / "data"
    data.mkdir()
    (data / "meta.json").write_text(json.dumps({"counts": {"train": 7, "test": 3}, "sources": {
        "train": [{"file": "mine.csv", "sha256": "ab" * 32}], "test": []}}))
    assert export_main(["--card-only", str(checkpoint), "--data", str(data)]) == 0
    card = (checkpoint / "MODEL_CARD.md").read_text()
    assert "- Training puzzles: 7 from mine.csv (sha256 abababababab)" in card
    assert "100.0%" in card  # the recorded evaluation is kept, not rerun
