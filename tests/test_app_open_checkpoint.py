"""Open a checkpoint… on the Solve page: a reference-format file, by path or upload, becomes a model of the picker
(with where it came from), and a bad one says why while the page keeps running."""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from streamlit.testing.v1 import AppTest

from tests.reference_steps import write_reference_run
from trm.checkpoint import save_model
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PUZZLE_9X9 = "8" + "0" * 80


@pytest.fixture
def empty_roots(tmp_path, monkeypatch) -> Path:
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    (tmp_path / "runs").mkdir()
    monkeypatch.setenv("TRM_STUDIO_CHECKPOINTS", str(checkpoints))
    monkeypatch.setenv("TRM_STUDIO_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("TRM_COMPILE", "0")
    return checkpoints


def _solve_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["p"] = PUZZLE_9X9
    at.run()
    at.switch_page("app_pages/solve.py").run()
    assert not at.exception, at.exception
    return at


def test_a_reference_checkpoint_opened_by_path_is_picked_and_solves(empty_roots, tmp_path):
    source = write_reference_run(tmp_path / "their-run", "att")
    at = _solve_page()
    assert any("No 9×9 model found" in info.value for info in at.info)
    at.text_input(key="open_ckpt_path").set_value(str(source))
    at.text_input(key="open_ckpt_name").set_value("their-att")
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception, at.exception
    assert (empty_roots / "their-att" / "MODEL_CARD.md").is_file()
    assert at.selectbox(key="solve_model").value == str(empty_roots / "their-att")
    assert any("converted from step_1000 (reference format" in caption.value for caption in at.caption)
    assert any("Converted into" in success.value for success in at.success)
    at.button(key="solve_run").click().run()
    assert not at.exception, at.exception
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert len(stored.trace.steps) == 16


def test_an_upload_without_its_config_and_a_wrong_path_say_why(empty_roots, tmp_path):
    source = write_reference_run(tmp_path / "their-run", "mlp")
    at = _solve_page()
    at.button(key="open_ckpt_convert").click().run()  # nothing given
    assert any(e.value.endswith("give the path of the weights file, or upload it.") for e in at.error)
    at.text_input(key="open_ckpt_path").set_value(str(tmp_path / "nowhere" / "step_1")).run()
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception, at.exception
    assert any("Could not open that checkpoint" in e.value and "no such file" in e.value for e in at.error)
    at.text_input(key="open_ckpt_path").set_value(str(source))
    at.text_input(key="open_ckpt_config").set_value(str(tmp_path / "missing.yaml")).run()
    at.button(key="open_ckpt_convert").click().run()
    assert any("in the app: the all_config.yaml field" in e.value for e in at.error)
    assert not any(empty_roots.iterdir())  # nothing half-written


def test_a_nano_trm_checkpoint_opens_with_its_ema_weights(empty_roots):
    at = _solve_page()
    at.segmented_control(key="open_ckpt_format").set_value("nano-trm").run()
    at.text_input(key="open_ckpt_path").set_value(str(Path(__file__).parent / "fixtures" / "nano_trm" /
                                                      "lightning_tiny.ckpt"))
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="solve_model").value == str(empty_roots / "nano_trm-lightning_tiny")
    assert any("converted from lightning_tiny.ckpt (nano-trm format" in c.value for c in at.caption)
    assert "EMA" in (empty_roots / "nano_trm-lightning_tiny" / "MODEL_CARD.md").read_text()


def test_a_name_that_leaves_the_checkpoints_folder_or_is_taken_is_refused(empty_roots, tmp_path):
    source = write_reference_run(tmp_path / "their-run", "mlp")
    at = _solve_page()
    at.text_input(key="open_ckpt_path").set_value(str(source))
    for name, message in (("../escaped", "is not allowed"), (str(tmp_path / "abs"), "is not allowed")):
        at.text_input(key="open_ckpt_name").set_value(name).run()
        at.button(key="open_ckpt_convert").click().run()
        assert any(message in e.value for e in at.error), name
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "abs").exists()
    at.text_input(key="open_ckpt_name").set_value("theirs").run()
    at.button(key="open_ckpt_convert").click().run()
    at.button(key="open_ckpt_convert").click().run()
    assert any("already exists" in e.value and "choose another name" in e.value for e in at.error)


def _studio_checkpoint(folder: Path) -> Path:
    """A tiny 9x9 TRM Studio checkpoint with a model card, as another clone or a colleague would have it."""
    config = ModelConfig(grid_size=9, hidden_size=32, answer_cycles=1, latent_steps=1, max_supervision_steps=2,
                         prefix_len=0)
    save_model(folder, TinyRecursiveModel(config, torch.Generator().manual_seed(1)), {"step": 7})
    (folder / "MODEL_CARD.md").write_text("# theirs\n")
    (folder / "notes.txt").write_text("not part of a checkpoint")
    return folder


@pytest.mark.parametrize("given", ["folder", "weights file", "run folder"])
def test_a_trm_studio_checkpoint_from_elsewhere_is_copied_as_it_is_whatever_the_format_picked(empty_roots, tmp_path,
                                                                                              given):
    source = _studio_checkpoint(tmp_path / "colleague" / "run7" / "best")
    path = {"folder": source, "weights file": source / "model.safetensors", "run folder": source.parent}[given]
    at = _solve_page()
    at.segmented_control(key="open_ckpt_format").set_value("nano-trm").run()
    at.text_input(key="open_ckpt_path").set_value(str(path)).run()
    assert any("is a TRM Studio checkpoint: it is checked and copied as it is" in c.value for c in at.caption)
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception, at.exception
    assert any("Copied into" in s.value and "TRM Studio checkpoint already" in s.value for s in at.success)
    copied = empty_roots / "run7"  # named after its run (best/ is every run's)
    assert sorted(p.name for p in copied.iterdir()) == ["MODEL_CARD.md", "config.json", "model.safetensors"]
    for name in ("MODEL_CARD.md", "config.json", "model.safetensors"):
        assert (copied / name).read_bytes() == (source / name).read_bytes()
    assert at.selectbox(key="solve_model").value == str(copied)


def test_a_folder_with_another_programs_config_and_safetensors_is_not_called_ours(empty_roots, tmp_path):
    """A Hugging Face model folder holds config.json and model.safetensors too: its config says what it is."""
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert", "hidden_size": 768}')
    save_file({"w": torch.zeros(2)}, str(folder / "model.safetensors"))
    at = _solve_page()
    at.text_input(key="open_ckpt_path").set_value(str(folder)).run()
    assert not any("is a TRM Studio checkpoint" in c.value for c in at.caption)
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception
    assert any("is a folder but not a TRM Studio checkpoint folder" in e.value for e in at.error)
    assert not any(empty_roots.iterdir())


def test_a_checkpoint_the_picker_lists_already_is_selected_not_copied(empty_roots, tmp_path):
    """A copy beside itself would only be a second entry of the same model."""
    listed = _studio_checkpoint(empty_roots / "mine")
    _studio_checkpoint(empty_roots / "other")
    at = _solve_page()
    at.selectbox(key="solve_model").set_value(str(empty_roots / "other")).run()
    at.text_input(key="open_ckpt_path").set_value(str(listed / "model.safetensors")).run()
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("is in the model list already, for 9×9 puzzles, and is selected there" in s.value for s in at.success)
    assert sorted(p.name for p in empty_roots.iterdir()) == ["mine", "other"]  # no copy
    assert at.selectbox(key="solve_model").value == str(listed)


def test_a_folder_that_is_no_checkpoint_or_a_damaged_one_is_refused_and_nothing_is_written(empty_roots, tmp_path):
    damaged = _studio_checkpoint(tmp_path / "damaged")
    config = json.loads((damaged / "config.json").read_text())
    config["model"]["hidden_size"] = 64
    (damaged / "config.json").write_text(json.dumps(config))
    at = _solve_page()
    unreadable = _studio_checkpoint(tmp_path / "unreadable")
    (unreadable / "config.json").write_text("{not json")
    for folder, reason in ((tmp_path, "TRM Studio checkpoint folder"),
                           (damaged, "weights and config.json do not match"), (unreadable, "JSON")):
        at.text_input(key="open_ckpt_path").set_value(str(folder))
        at.text_input(key="open_ckpt_name").set_value("broken")
        at.button(key="open_ckpt_convert").click().run()
        assert not at.exception, at.exception
        assert any("Could not open that checkpoint" in e.value and reason in e.value for e in at.error), \
            [e.value for e in at.error]
    assert not list(empty_roots.iterdir())


def test_a_run_folder_without_a_model_card_is_copied_with_one_written_and_the_page_says_so(empty_roots, tmp_path):
    source = _studio_checkpoint(tmp_path / "colleague" / "run8" / "best")
    (source / "MODEL_CARD.md").unlink()  # a run's best/ has none
    at = _solve_page()
    at.text_input(key="open_ckpt_path").set_value(str(source.parent)).run()
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception, at.exception
    assert any("its MODEL_CARD.md is written from its config.json" in s.value
               for s in at.success), [s.value for s in at.success]
    copied = empty_roots / "run8"
    assert sorted(p.name for p in copied.iterdir()) == ["MODEL_CARD.md", "config.json", "model.safetensors"]
    assert (copied / "MODEL_CARD.md").read_text().startswith("# run8\n")
    assert (copied / "model.safetensors").read_bytes() == (source / "model.safetensors").read_bytes()


def test_a_training_runs_folder_is_exported_with_a_card_from_its_logs(empty_roots, tmp_path, sudoku4_data):
    from trm.train.__main__ import main as train_main

    run = tmp_path / "runs" / "tiny"
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(run), "--steps", "4", "--data", str(sudoku4_data),
                       "--device", "cpu", "--set", "train.eval_every=2", "--set", "train.checkpoint_every=2"]) == 0
    at = _solve_page()
    at.text_input(key="open_ckpt_path").set_value(str(run)).run()
    at.button(key="open_ckpt_convert").click().run()
    assert not at.exception, at.exception
    assert any("its MODEL_CARD.md is written from its run's logs" in s.value for s in at.success)
    card = (empty_roots / "tiny" / "MODEL_CARD.md").read_text()
    assert "--preset sudoku4-tiny" in card and "- Optimiser steps: " in card and "n/a of n/a" not in card
