"""The Train page's recipe options reach the trainer: a run started with Muon, the normed SwiGLU, CGAR and
TensorBoard logging records exactly those changes in its command and config, and writes its events in its own
folder; options left at the preset's value stay out of the command; its page charts the gradient norm and Muon's
learning rate."""

import json

import pytest

from tests.test_app_train import _train_page, wait_until
from trm.runs import read_run

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def test_a_run_started_with_recipe_options_trains_with_them(sudoku4_data, train_runs_root):
    at = _train_page()
    at.text_input(key="train_data").input(str(sudoku4_data))
    at.number_input(key="train_steps").set_value(6)
    at.number_input(key="train_log_every").set_value(3)
    at.number_input(key="train_eval_every").set_value(3)
    at.selectbox(key="train_optimizer").select("muon").run()  # enables Muon's own boxes
    at.selectbox(key="train_swiglu").select("normed")
    at.selectbox(key="train_curriculum").select("cgar")
    at.number_input(key="train_grad_clip").set_value(1.0)
    at.number_input(key="train_label_smoothing").set_value(0.1)
    at.number_input(key="train_q_halt_weight").set_value(0.05)
    at.checkbox(key="train_fresh_augmentations").check()
    at.selectbox(key="train_answer_loss").select("softmax")
    at.number_input(key="train_muon_weight_decay").set_value(0.01)
    at.number_input(key="train_weight_decay").set_value(0.5)
    at.number_input(key="train_ema_rate").set_value(0.9)
    at.number_input(key="train_ema_start").set_value(3)
    at.number_input(key="train_prefix_weight_decay").set_value(0.0)
    at.number_input(key="train_cycles").set_value(3)
    at.number_input(key="train_latent_steps").set_value(1)
    at.checkbox(key="train_tensorboard").check()
    at.text_input(key="train_name").input("recipe")
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    run_dir = train_runs_root / "recipe"
    wait_until(lambda: read_run(run_dir).state == "finished", "the run to finish")

    config = json.loads((run_dir / "run.json").read_text())
    assert config["train"]["optimizer"] == "muon" and config["model"]["swiglu"] == "normed"
    assert (config["model"]["answer_cycles"], config["model"]["latent_steps"]) == (3, 1)
    assert config["train"]["depth_curriculum"] == "cgar" and config["train"]["grad_clip"] == 1.0
    assert config["train"]["q_halt_loss_weight"] == 0.05 and config["train"]["fresh_augmentations"] is True
    command = config["command"]
    for changed in ("train.optimizer=muon", "model.swiglu=normed", "train.depth_curriculum=cgar",
                    "train.grad_clip=1.0", "train.label_smoothing=0.1", "train.q_halt_loss_weight=0.05",
                    "train.fresh_augmentations=True", "train.answer_loss=softmax", "train.weight_decay=0.5",
                    "train.muon_weight_decay=0.01", "train.ema_rate=0.9", "train.ema_start_step=3",
                    "train.prefix_weight_decay=0.0", "model.answer_cycles=3", "model.latent_steps=1",
                    f"--tensorboard {run_dir.resolve() / 'tensorboard'}"):
        assert changed in command
    assert "lr_schedule" not in command and "muon_lr" not in command  # left at the preset's value
    at.run()
    recipe = next(caption.value for caption in at.caption if caption.value.startswith("Recipe: "))
    assert "Muon (lr 0.02" in recipe and "CGAR" in recipe and "normed SwiGLU" in recipe  # the run's header says it
    assert "label smoothing 0.1" in recipe and "Q-halt loss weight 0.05" in recipe and "fresh random symmetry" in recipe
    assert "softmax cross-entropy" in recipe and "EMA 0.9 from step 3" in recipe
    assert "weight decay 0.01) for the network's matrices" in recipe and "weight decay 0.5) for the rest" in recipe
    charts = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "Gradient norm (before clipping)" in charts and "Muon learning rate" in charts
    events = event_accumulator.EventAccumulator(str(run_dir / "tensorboard"))
    events.Reload()
    assert {"train/lm_loss", "train/grad_norm", "train/muon_lr", "eval/exact_accuracy"} <= set(
        events.Tags()["scalars"])


def test_without_tensorboard_the_box_is_disabled_and_a_start_that_asks_for_it_is_refused(
        sudoku4_data, train_runs_root, monkeypatch):
    import app_ui.training_form as form
    import trm.control.actions as actions

    monkeypatch.setattr(form, "tensorboard_available", lambda: False)
    monkeypatch.setattr(actions, "tensorboard_available", lambda: False)
    at = _train_page()
    assert at.checkbox(key="train_tensorboard").disabled
    with pytest.raises(actions.ConfigError, match="pip install tensorboard"):
        actions.start_run(train_runs_root, "refused", "sudoku4-tiny", data_dir=str(sudoku4_data), tensorboard=True)
    assert not (train_runs_root / "refused").exists()


def test_options_that_change_nothing_stay_out_of_the_command(sudoku4_data, train_runs_root, monkeypatch):
    import trm.control.actions as actions

    launched = []
    monkeypatch.setattr(actions, "spawn_trainer", lambda run_dir, args: launched.append(args) or 1)
    at = _train_page()
    at.text_input(key="train_data").input(str(sudoku4_data))
    at.selectbox(key="train_optimizer").select("muon").run()
    at.number_input(key="train_muon_lr").set_value(0.05).run()
    at.number_input(key="train_muon_weight_decay").set_value(0.5).run()
    at.selectbox(key="train_optimizer").select("adam_atan2").run()  # back: Muon's rate is left, greyed out
    at.button(key="train_start").click().run()
    assert not at.error, [e.value for e in at.error]
    command = " ".join(*launched)
    assert "muon" not in command and "optimizer" not in command and "ema" not in command and "swiglu" not in command
    at.selectbox(key="train_preset").select("sudoku4-flat").run()
    assert at.selectbox(key="train_swiglu").disabled  # the flat baseline has one SwiGLU
