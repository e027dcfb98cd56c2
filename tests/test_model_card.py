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
