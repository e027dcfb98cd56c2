"""Settings chosen on one page are still there after a visit to another page (Streamlit forgets the value of every
widget that a run does not draw unless the widget persists it for the session: they fell back to defaults, or to a
minimum). tests/test_browser_settings_kept.py checks the same through the sidebar of a real browser."""

from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from tests.conftest import TINY4
from trm.checkpoint import save_model
from trm.model.trm import TinyRecursiveModel

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_insights_sample_steps_threshold_and_views_survive_a_visit_to_train(tiny4_roots):
    at = _visit(AppTest.from_file(APP, default_timeout=120).run(), "app_pages/insight.py")
    at.number_input(key="insight_sample").set_value(60).run()
    at.number_input(key=next(n.key for n in at.number_input if n.key.startswith("insight_steps_"))).set_value(7).run()
    at.slider(key="insight_threshold").set_value(0.7).run()
    at.selectbox(key="insight_views").set_value(2).run()
    _visit(_visit(at, "app_pages/train.py"), "app_pages/insight.py")
    assert at.number_input(key="insight_sample").value == 60  # it fell to its minimum, 1
    assert next(n.value for n in at.number_input if n.key.startswith("insight_steps_")) == 7
    assert at.slider(key="insight_threshold").value == 0.7
    assert at.selectbox(key="insight_views").value == 2


def test_the_new_run_form_keeps_its_edits_through_a_visit_to_insight(tiny4_roots):
    at = _visit(AppTest.from_file(APP, default_timeout=120).run(), "app_pages/train.py")
    at.number_input(key="train_steps").set_value(700).run()
    at.selectbox(key="train_optimizer").set_value("muon").run()
    at.text_input(key="train_name").input("my-run").run()
    _visit(_visit(at, "app_pages/insight.py"), "app_pages/train.py")
    assert at.number_input(key="train_steps").value == 700  # it went back to the preset's count
    assert at.selectbox(key="train_optimizer").value == "muon"
    assert at.text_input(key="train_name").value == "my-run"


def test_the_solve_pages_model_steps_threshold_and_views_survive_a_visit_to_train(tiny4_roots):
    save_model(tiny4_roots / "checkpoints" / "tiny4b", TinyRecursiveModel(TINY4, torch.Generator().manual_seed(1)), {})
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["p"] = "0" * 15 + "1"
    _visit(at.run(), "app_pages/solve.py")
    other = str(tiny4_roots / "checkpoints" / "tiny4b")
    at.selectbox(key="solve_model").set_value(other).run()
    at.number_input(key="solve_steps").set_value(3).run()
    at.slider(key="solve_threshold").set_value(0.7).run()
    at.number_input(key="solve_views").set_value(2).run()
    _visit(_visit(at, "app_pages/train.py"), "app_pages/solve.py")
    assert at.selectbox(key="solve_model").value == other
    assert at.number_input(key="solve_steps").value == 3
    assert at.slider(key="solve_threshold").value == 0.7
    assert at.number_input(key="solve_views").value == 2
