"""The Insight page: a model on a puzzle set, run in batches, cached on disk (a second visit is instant), with its
charts and a failures table whose rows open in Solve."""

import json
from pathlib import Path

import streamlit
import torch
from streamlit.testing.v1 import AppTest

from app_ui import insight_batches
from tests.conftest import TINY4
from trm.checkpoint import save_model
from trm.evaluate import InsightRun
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _insight(link: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for name, value in (link or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page("app_pages/insight.py").run()
    assert not at.exception, at.exception
    return at


def test_a_run_shows_every_chart_and_the_failures_and_is_cached_for_the_next_visit(tiny4_roots):
    at = _insight()
    assert at.selectbox(key="insight_file").value == "heldout_4x4.csv"
    at.number_input(key="insight_sample").set_value(60).run()
    at.button(key="insight_run").click().run()
    assert not at.exception, at.exception
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    for name in ("insight_accuracy", "insight_calibration", "insight_halting", "insight_difficulty"):
        assert any(name in key for key in keys), name
    assert any("60 of 60" in metric.value for metric in at.metric)
    cached = list((tiny4_roots / "cache" / "insight").glob("*.json"))
    assert len(cached) == 1 and InsightRun.from_json(cached[0].read_text()).finished
    failures = at.dataframe[0].value
    assert len(failures) > 0 and failures["open in Solve"][0].startswith("/solve?p=")
    assert "model=tiny4" in failures["open in Solve"][0]

    again = _insight()  # a new session: the cache answers at once, no Run button
    again.number_input(key="insight_sample").set_value(60).run()
    assert not [button for button in again.button if button.key == "insight_run"]  # nothing left to run
    assert any("60 of 60" in metric.value for metric in again.metric)


def test_a_stopped_run_continues_where_it_stopped_and_a_generated_set_can_be_picked(tiny4_roots):
    at = _insight()
    at.number_input(key="insight_sample").set_value(40).run()
    at.button(key="insight_run").click().run()
    cached = next((tiny4_roots / "cache" / "insight").glob("*.json"))
    run = InsightRun.from_json(cached.read_text())
    half = InsightRun(total=run.total, steps=run.steps)  # as if stopped at once
    cached.write_text(half.to_json())
    at = _insight()
    at.number_input(key="insight_sample").set_value(40).run()
    assert at.button(key="insight_run").label == "Run"
    at.button(key="insight_run").click().run()
    assert InsightRun.from_json(cached.read_text()) == run  # the same numbers as the uninterrupted run
    at.segmented_control(key="insight_source").set_value("Generated").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="insight_level").value == "easy" and at.button(key="insight_run").label == "Run"


def test_views_add_a_views_by_steps_chart_and_a_second_model_joins_the_accuracy_chart(tiny4_roots):
    other = ModelConfig(**{**TINY4.__dict__, "hidden_size": 16})
    save_model(tiny4_roots / "checkpoints" / "other4", TinyRecursiveModel(other, torch.Generator().manual_seed(1)), {})
    at = _insight()
    at.number_input(key="insight_sample").set_value(30).run()
    at.selectbox(key="insight_views").set_value(4).run()
    compared = [p for p in at.selectbox(key="insight_compare").options if p != "nothing"]
    assert len(compared) == 1  # the other 4x4 model, not the one picked
    at.selectbox(key="insight_compare").select_index(1).run()
    at.button(key="insight_run").click().run()
    assert not at.exception, at.exception
    keys = [chart.proto.id for chart in at.get("plotly_chart")]
    for name in ("insight_chart_views", "insight_techniques", "insight_accuracy"):
        assert any(name in key for key in keys), name
    assert any("pick of 4 views" in metric.label for metric in at.metric)
    compared_metric = next(metric for metric in at.metric if metric.label.endswith(": solved"))
    assert compared_metric.proto.delta.endswith(" points")  # a difference of two percentages, not a percentage
    assert any(metric.label == "Solved after 4 steps (the puzzle's own view)" for metric in at.metric)
    assert any("the Q-head's pick of 4 views may still have solved them" in c.value for c in at.caption)
    runs = [InsightRun.from_json(p.read_text()) for p in (tiny4_roots / "cache" / "insight").glob("*.json")]
    assert len(runs) == 2 and all(r.finished and r.views == 4 for r in runs)
    accuracy = next(c for c in at.get("plotly_chart") if "insight_accuracy" in c.proto.id)
    names = [trace["name"] for trace in json.loads(accuracy.proto.spec)["data"]]
    assert sum("puzzles solved" in n for n in names) == 2 and any(n.startswith("other4") for n in names)
    link = at.dataframe[0].value["open in Solve"][0]  # a failure opens with the run's settings, views included
    assert "views=4" in link and "threshold=0.50" in link
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Accuracy by step (CSV)" in labels and "Commit by technique (CSV)" in labels


def test_a_new_threshold_rereads_the_run_and_a_csv_of_another_size_is_refused_with_a_reason(tiny4_roots):
    at = _insight()
    at.number_input(key="insight_sample").set_value(20).run()
    at.button(key="insight_run").click().run()
    at.slider(key="insight_threshold").set_value(0.2).run()
    assert not [button for button in at.button if button.key == "insight_run"]  # nothing to recompute
    assert any("threshold 0.20" in caption.value for caption in at.caption)
    assert len(list((tiny4_roots / "cache" / "insight").glob("*.json"))) == 1
    six = Path(__file__).resolve().parent.parent / "assets" / "puzzles" / "heldout_6x6.csv"
    at.segmented_control(key="insight_source").set_value("Upload a CSV").run()
    at.file_uploader(key="insight_upload").set_value(("six.csv", six.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    assert any("six.csv holds 6×6 puzzles; this model solves 4×4" in error.value for error in at.error)
    assert not at.session_state["insight_running"]


def test_a_model_trained_past_256_steps_opens_at_its_own_count(tiny4_roots):
    long = ModelConfig(**{**TINY4.to_dict(), "max_supervision_steps": 300})
    save_model(tiny4_roots / "checkpoints" / "tiny4", TinyRecursiveModel(long, torch.Generator().manual_seed(0)), {})
    at = _insight()
    assert next(n for n in at.number_input if n.label == "Steps").value == 300


def test_the_shipped_9x9_model_is_the_default_as_on_the_solve_page(tmp_path, monkeypatch):
    for name, value in (("TRM_STUDIO_RUNS", tmp_path / "runs"), ("TRM_STUDIO_CACHE", tmp_path / "cache"),
                        ("TRM_COMPILE", "0")):
        monkeypatch.setenv(name, str(value))
    (tmp_path / "runs").mkdir()
    at = _insight()  # the repository's checkpoints: sudoku9-fast sorts before sudoku9-mlp
    assert Path(at.selectbox(key="insight_model").value).name == "sudoku9-mlp"


def test_while_a_stopped_batch_still_computes_the_page_says_so_and_run_waits(tiny4_roots, monkeypatch):
    """A second start during that wait would run the same puzzles in two script threads at once."""
    monkeypatch.setattr(insight_batches, "computing", lambda keys: True)
    monkeypatch.setattr(insight_batches, "wait_until_saved", lambda keys: None)
    monkeypatch.setattr(streamlit, "rerun", lambda: None)  # the page as it stands while it waits
    at = _insight()
    assert not at.exception, at.exception
    assert any("Stopping" in caption.value for caption in at.caption)
    assert at.button(key="insight_run").disabled and at.button(key="insight_stop").disabled


def test_a_checkpoint_that_cannot_be_used_is_left_out_with_its_reason(tiny4_roots):
    broken = tiny4_roots / "checkpoints" / "badcfg4"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (broken / "model.safetensors").write_bytes(b"")
    at = _insight()
    assert at.selectbox(key="insight_model").options == ["tiny4 (4×4)"]
    assert any("Left out: **badcfg4** cannot be used." in caption.value for caption in at.caption)


def test_the_progress_bar_follows_the_steps_inside_a_batch(tiny4_roots, monkeypatch):
    """A 9x9 batch takes tens of seconds on a CPU, with the bar standing still at "6 of 200 puzzles"."""
    import trm.evaluate

    shown = []
    real = trm.evaluate.run_batch

    def recording(*args, on_step=None, **kwargs):
        def step(k):
            on_step(k)  # the page's own report, which must not fail mid-batch
            shown.append(k)
        real(*args, on_step=step, **kwargs)

    monkeypatch.setattr(trm.evaluate, "run_batch", recording)
    at = _insight()
    at.number_input(key="insight_sample").set_value(20).run()
    at.button(key="insight_run").click().run()
    assert not at.exception, at.exception
    steps = TINY4.max_supervision_steps
    assert shown and shown == list(range(1, steps + 1)) * (len(shown) // steps)


def test_a_stop_before_the_first_batch_finished_says_that_nothing_was_kept(tiny4_roots):
    at = _insight()
    at.number_input(key="insight_sample").set_value(40).run()
    assert not [c for c in at.caption if "Stopped before the first batch" in c.value]
    at.session_state["insight_stopped"] = True  # what the page's Stop leaves while the first batch computes
    at.run()
    assert any("Stopped before the first batch of puzzles finished" in c.value for c in at.caption)
    assert at.button(key="insight_run").label == "Run"
    at.button(key="insight_run").click().run()  # a new run: the note goes
    assert not [c for c in at.caption if "Stopped before the first batch" in c.value]


def test_a_link_whose_values_cannot_be_used_says_so_and_a_good_one_says_nothing(tiny4_roots):
    at = _insight({"insight_model": "bogus", "insight_compare": "nobody", "insight_sample": "-3",
                   "insight_views": "4"})
    notes = [w.value for w in at.warning]
    assert len(notes) == 1 and "`model=bogus`, `compare=nobody` in the link are not available here" in notes[0]
    # A number out of range stays in its box as the link gave it, with what is wrong under it; nothing runs.
    assert at.number_input(key="insight_sample").value == -3
    assert any("Sample must be at least 1, got -3." in md.value for md in at.markdown)
    at.run()
    assert not at.warning  # said once
    label = at.selectbox(key="insight_model").options[0]
    at = _insight({"insight_model": label, "insight_sample": "7", "insight_views": "4", "insight_threshold": "0.35"})
    assert not at.warning and at.session_state["insight_sample"] == 7 and at.session_state["insight_views"] == 4
