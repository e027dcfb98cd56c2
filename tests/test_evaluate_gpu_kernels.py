"""Evaluations on a GPU under bf16 run the kernels training's own evaluation runs; the CPU and float32 keep the
plain layers. The command lines (trm.evaluate, trm.export's evaluations) switch the model they load."""

from pathlib import Path

import pytest
import torch

import trm.evaluate.gpu_kernels as gpu_kernels
from trm.checkpoint import load_model
from trm.kernels import PLAIN, KernelChoice
from trm.model.build import build_model
from trm.model.config import ModelConfig

ALL_ON = KernelChoice(swiglu=True, swiglu_grad=True, token_mixer=True, token_mixer_grad=True)
SUDOKU4 = Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4"


def _choices(model) -> set:
    return {module.kernels for module in model.modules() if isinstance(getattr(module, "kernels", None), KernelChoice)}


def test_the_cpu_and_float32_keep_the_plain_layers_and_a_gpu_under_bf16_gets_the_kernels(monkeypatch):
    model = build_model(ModelConfig(grid_size=4, hidden_size=16, swiglu_multiple=16))
    asked = []
    monkeypatch.setattr(gpu_kernels, "choose_kernels", lambda device, **wanted: asked.append(device) or ALL_ON)
    assert not gpu_kernels.use_evaluation_kernels(model, "cpu", None) and _choices(model) == {PLAIN}
    assert not gpu_kernels.use_evaluation_kernels(model, "cuda", False) and _choices(model) == {PLAIN}
    assert gpu_kernels.use_evaluation_kernels(model, "cuda:0", None) and _choices(model) == {ALL_ON}
    assert asked == [torch.device("cuda:0")]


@pytest.mark.parametrize("command", ["evaluate", "export"])
def test_the_command_lines_switch_the_model_they_load(command, monkeypatch, tmp_path):
    import trm.evaluate.cli as cli
    import trm.export.card_evaluation as card_evaluation
    from trm.export.__main__ import main as export_main

    switched = []
    for module in (cli, card_evaluation):
        monkeypatch.setattr(module, "use_evaluation_kernels",
                            lambda model, device, autocast: switched.append((type(model).__name__, device, autocast)))
    puzzles = tmp_path / "p.csv"
    puzzles.write_text("puzzle\n" + "\n".join(["1234341221434321".replace(c, "0", 1) for c in "1234"]) + "\n")
    # the device is named: on a machine with a GPU both commands would pick it by default
    if command == "evaluate":
        assert cli.main(["--checkpoint", str(SUDOKU4), "--data", str(puzzles), "--json", "--fp32",
                         "--device", "cpu"]) == 0
    else:
        assert export_main(["--card-only", str(_copy(SUDOKU4, tmp_path)), "--eval", f"small={puzzles}",
                            "--device", "cpu"]) == 0
    assert switched and switched[0][0] == type(load_model(SUDOKU4).model).__name__
    assert switched[0][1] == "cpu" and switched[0][2] is (False if command == "evaluate" else None)


def _copy(folder: Path, tmp_path: Path) -> Path:
    import shutil
    return Path(shutil.copytree(folder, tmp_path / folder.name))
