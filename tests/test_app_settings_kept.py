"""Settings chosen on one page are still there after a visit to another page (Streamlit forgets the value of every
widget that a run does not draw, so without app_ui.kept_settings they fell back to defaults, or to a minimum)."""

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from trm.checkpoint import save_model
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TINY = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=4,
                   prefix_len=2)


@pytest.fixture
def roots(tmp_path, monkeypatch) -> Path:
    save_model(tmp_path / "checkpoints" / "tiny4", TinyRecursiveModel(TINY, torch.Generator().manual_seed(0)), {})
    (tmp_path / "runs").mkdir()
    for name, value in (("TRM_STUDIO_CHECKPOINTS", tmp_path / "checkpoints"), ("TRM_STUDIO_RUNS", tmp_path / "runs"),
                        ("TRM_STUDIO_CACHE", tmp_path / "cache"), ("TRM_COMPILE", "0")):
        monkeypatch.setenv(name, str(value))
    return tmp_path


def _visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_insights_sample_steps_threshold_and_views_survive_a_visit_to_train(roots):
    at = _visit(AppTest.from_file(APP, default_timeout=120).run(), "app_pages/insight.py")
    at.number_input(key="insight_sample").set_value(60).run()
    at.number_input(key=next(n.key for n in at.number_input if n.key.startswith("insight_steps:"))).set_value(7).run()
    at.slider(key="insight_threshold").set_value(0.7).run()
    at.selectbox(key="insight_views").set_value(2).run()
    _visit(_visit(at, "app_pages/train.py"), "app_pages/insight.py")
    assert at.number_input(key="insight_sample").value == 60  # it fell to its minimum, 1
    assert next(n.value for n in at.number_input if n.key.startswith("insight_steps:")) == 7
    assert at.slider(key="insight_threshold").value == 0.7
    assert at.selectbox(key="insight_views").value == 2


def test_the_new_run_form_keeps_its_edits_through_a_visit_to_insight(roots):
    at = _visit(AppTest.from_file(APP, default_timeout=120).run(), "app_pages/train.py")
    at.number_input(key="train_steps").set_value(700).run()
    at.selectbox(key="train_optimizer").set_value("muon").run()
    at.text_input(key="train_name").input("my-run").run()
    _visit(_visit(at, "app_pages/insight.py"), "app_pages/train.py")
    assert at.number_input(key="train_steps").value == 700  # it went back to the preset's count
    assert at.selectbox(key="train_optimizer").value == "muon"
    assert at.text_input(key="train_name").value == "my-run"


def test_the_solve_pages_model_steps_threshold_and_views_survive_a_visit_to_train(roots):
    save_model(roots / "checkpoints" / "tiny4b", TinyRecursiveModel(TINY, torch.Generator().manual_seed(1)), {})
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["p"] = "0" * 15 + "1"
    _visit(at.run(), "app_pages/solve.py")
    other = str(roots / "checkpoints" / "tiny4b")
    at.selectbox(key="solve_model").set_value(other).run()
    at.number_input(key="solve_steps").set_value(3).run()
    at.slider(key="solve_threshold").set_value(0.7).run()
    at.number_input(key="solve_views").set_value(2).run()
    _visit(_visit(at, "app_pages/train.py"), "app_pages/solve.py")
    assert at.selectbox(key="solve_model").value == other
    assert at.number_input(key="solve_steps").value == 3
    assert at.slider(key="solve_threshold").value == 0.7
    assert at.number_input(key="solve_views").value == 2
