"""The Train page under Streamlit's AppTest: start a tiny 4x4 run, see its metrics, stop, resume, export; bad input
and damaged run files give st.error, never an exception.

AppTest never fires ``run_every``, so the tests poll the run's files themselves and then call ``at.run()``.
"""

import json
import time
import zlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_ui.training_shared import RUN_COLOURS, run_styles
from trm.runs import read_curves, read_run

APP = str(Path(__file__).resolve().parent.parent / "app.py")
WAIT_SECONDS = 120


def wait_until(condition, what: str, timeout: float = WAIT_SECONDS):
    """Poll ``condition`` (files written by the training process) until it is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/train.py").run()
    assert not at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(metric.value for metric in at.metric if metric.label == label)


def _table(at: AppTest) -> dict[str, str]:
    frame = at.dataframe[0].value
    frame = frame.data if hasattr(frame, "data") else frame  # a pandas Styler keeps its frame in .data
    return dict(zip(frame["Run"], frame["Status"]))


def test_start_a_tiny_run_watch_its_metrics_stop_resume_and_export(sudoku4_data, train_runs_root):
    at = _train_page()
    assert "float32" in " ".join(caption.value for caption in at.caption)
    at.text_input(key="train_data").input(str(sudoku4_data))
    at.number_input(key="train_steps").set_value(400)
    at.number_input(key="train_log_every").set_value(10)
    at.text_input(key="train_name").input("demo")
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    assert "Started run **demo**" in at.success[0].value
    run_dir = train_runs_root / "demo"

    wait_until(lambda: len(read_curves(run_dir).train) >= 2, "two metrics lines")
    at.run()
    assert _table(at) == {"demo": "● running"}
    assert _metric(at, "Loss (LM)") != "—" and float(_metric(at, "Loss (LM)")) > 0
    assert "ETA" in at.get("progress")[0].proto.text

    at.button(key="train_stop").click().run()
    assert "save and stop" in at.success[0].value
    wait_until(lambda: read_run(run_dir).state == "stopped", "the run to stop")
    at.run()
    assert _table(at) == {"demo": "● stopped"} and not at.button(key="train_resume").disabled
    stopped_at = read_run(run_dir).step

    at.number_input(key="train_resume_steps").set_value(stopped_at + 20)
    at.button(key="train_resume").click().run()
    assert "Resuming run demo" in at.success[0].value
    wait_until(lambda: read_run(run_dir).state == "finished", "the resumed run to finish")
    at.run()
    assert _table(at) == {"demo": "● finished"}
    steps = [record["step"] for record in read_curves(run_dir).train]
    assert steps == sorted(set(steps)) and steps[-1] == stopped_at + 20

    at.text_input(key="train_export_name").input("demo-4x4")
    at.button(key="train_export").click().run()
    assert not at.error, [e.value for e in at.error]
    assert (train_runs_root.parent / "checkpoints" / "demo-4x4" / "MODEL_CARD.md").exists()
    assert "the Solve page lists it" in at.success[0].value


def test_start_with_a_bad_name_or_a_taken_folder_shows_an_error(train_runs_root, tmp_path):
    at = _train_page()
    at.text_input(key="train_data").input(str(tmp_path / "data4")).run()  # inside the tests' data root
    at.text_input(key="train_name").input("../escape").run()
    at.button(key="train_start").click().run()
    assert not at.exception and "not allowed" in at.error[0].value
    (train_runs_root / "taken").mkdir(parents=True)
    (train_runs_root / "taken" / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny"}))
    at.text_input(key="train_name").input("taken").run()
    at.button(key="train_start").click().run()
    assert not at.exception and any("already holds a run" in error.value for error in at.error)


def test_a_learning_rate_of_zero_is_refused_before_anything_starts(train_runs_root):
    at = _train_page()
    at.text_input(key="train_name").input("frozen").run()
    at.number_input(key="train_lr").set_value(0.0).run()  # what a cleared field becomes
    at.button(key="train_start").click().run()
    assert not at.exception
    assert any("Learning rate must be above 0, got 0" in error.value and "this preset's is" in error.value
               for error in at.error)
    assert any("Learning rate must be above 0" in toast.value for toast in at.toast)  # seen beside the button too
    assert not (train_runs_root / "frozen").exists()


def test_a_number_out_of_range_is_shown_as_typed_and_start_refuses_it(train_runs_root):
    """The browser would keep such a value to itself and Start would use the last valid one: the server checks."""
    at = _train_page()
    at.text_input(key="train_name").input("out-of-range").run()
    for key, value, said in (("train_steps", 0, "Steps must be at least 1, got 0."),
                             ("train_batch", -5, "Batch size must be at least 1, got -5."),
                             ("train_ema_rate", 1.5, "EMA rate must be at most 0.9999, got 1.5."),
                             ("train_lr", -0.1, "Learning rate must be above 0, got -0.1.")):
        at.number_input(key=key).set_value(value).run()
        assert at.number_input(key=key).value == value  # the box keeps what was typed
        assert any(said in markdown.value for markdown in at.markdown), key  # a red line under it
        at.button(key="train_start").click().run()
        assert not at.exception
        assert any(said in error.value for error in at.error), key
        assert not (train_runs_root / "out-of-range").exists()
        assert not any("would never change" in error.value for error in at.error)  # said only of 0
        at.number_input(key=key).set_value({"train_ema_rate": 0.999, "train_lr": 1e-3}.get(key, 1)).run()
    assert not any("must be" in markdown.value for markdown in at.markdown)


def test_a_data_folder_outside_the_data_root_is_refused_before_anything_starts(train_runs_root, tmp_path):
    at = _train_page()
    at.text_input(key="train_name").input("outside").run()
    for folder in ("/etc/trm-data", "../../outside", str(tmp_path.parent.parent.parent / "elsewhere")):
        at.text_input(key="train_data").input(folder).run()
        captions = " ".join(caption.value for caption in at.caption)
        assert "is not inside" in captions and "is missing" not in captions, folder  # Start refuses it
        at.button(key="train_start").click().run()
        assert not at.exception
        assert any("must lie inside" in error.value for error in at.error), folder
    assert not (train_runs_root / "outside").exists()
    at.text_input(key="train_data").input("").run()
    captions = " ".join(caption.value for caption in at.caption)
    assert "Name a data set folder inside" in captions and "``" not in captions


def test_a_data_set_of_another_grid_size_is_flagged_and_refused_before_anything_starts(train_runs_root,
                                                                                         sudoku4_data):
    at = _train_page()
    at.segmented_control(key="train_size").set_value(9).run()
    at.text_input(key="train_data").input(str(sudoku4_data)).run()
    assert any("holds 4x4 puzzles; this model plays 9x9" in caption.value for caption in at.caption)
    at.text_input(key="train_name").input("mismatch").run()
    at.button(key="train_start").click().run()
    assert not at.exception and any("holds 4x4 puzzles, but the model plays 9x9" in e.value for e in at.error)
    assert not (train_runs_root / "mismatch").exists()


def test_damaged_status_and_metrics_files_are_reported_not_crashed_on(train_runs_root):
    for name, status, metrics in (("bad-status", "{oops", '{"kind": "train", "step": 5, "lm_loss": 1.5}\n'),
                                  ("bad-metrics", '{"state": "stopped", "step": 5}', "xx\n{}\n" * 3 + "{"),
                                  ("negative", '{"state": "stopped", "step": -1, "total_steps": -1}', ""),
                                  ("no-files", None, None)):
        folder = train_runs_root / name
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny", "train": {"total_steps": 10}}))
        if status is not None:
            (folder / "status.json").write_text(status)
            (folder / "metrics.jsonl").write_text(metrics)
    at = _train_page()
    assert set(_table(at)) == {"bad-status", "bad-metrics", "negative", "no-files"}
    frame = at.dataframe[0].value
    frame = frame.data if hasattr(frame, "data") else frame
    row = frame[frame["Run"] == "negative"].iloc[0]
    assert row["Step"] == "0 / 10" and row["Progress"] == 0.0  # the run.json's total; no "-1" or "-0%"
    errors = {}
    for name in ("bad-status", "bad-metrics", "no-files"):
        at.selectbox(key="train_run").set_value(name).run()
        assert not at.exception
        errors[name] = " ".join(error.value for error in at.error)
    assert "not valid JSON" in errors["bad-status"]
    assert "3 unreadable line(s)" in errors["bad-metrics"]
    assert "crashed" in errors["no-files"]


def test_a_diverged_run_offers_no_resume_and_a_run_without_metrics_says_it_ended(train_runs_root):
    from trm.runs.launch_record import write_launch_record

    crash = {"state": "crashed", "step": 0, "total_steps": 40, "message": "RuntimeError: out of memory"}
    nan = "TrainingDiverged: the training loss became nan at step 25"
    for name, status in (("diverged", {"state": "crashed", "step": 25, "total_steps": 40, "diverged": True,
                                       "message": nan}),
                         ("diverged-before-the-field", {"state": "crashed", "step": 25, "total_steps": 40,
                                                        "message": nan}),
                         ("crash-from-a-terminal", crash), ("crash-from-the-app", crash)):
        folder = train_runs_root / name
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny", "train": {"total_steps": 40}}))
        (folder / "status.json").write_text(json.dumps(status))
    write_launch_record(train_runs_root / "crash-from-the-app", 2 ** 22 + 7, ["--preset", "sudoku4-tiny"])
    at = _train_page()
    for name in ("diverged", "diverged-before-the-field"):
        at.selectbox(key="train_run").set_value(name).run()
        assert not at.exception and at.button(key="train_resume").disabled, name
        assert at.number_input(key="train_resume_steps").disabled
        assert "diverge again" in at.button(key="train_resume").help
        assert "diverge again" in at.number_input(key="train_resume_steps").help
        errors = " ".join(error.value for error in at.error)
        assert "The run diverged: the training loss became nan" in errors and "Resume continues" not in errors
    at.selectbox(key="train_run").set_value("crash-from-a-terminal").run()  # no checkpoint, no launch record
    assert at.button(key="train_resume").disabled and "start a new run" in at.button(key="train_resume").help
    notes = " ".join(info.value for info in at.info)
    assert "crashed before it logged any metrics" in notes and "first logging interval" not in notes
    at.selectbox(key="train_run").set_value("crash-from-the-app").run()
    assert not at.button(key="train_resume").disabled and "from step 0" in at.button(key="train_resume").help
    at.number_input(key="train_resume_steps").set_value(-3).run()  # refused as typed, not as the last valid value
    assert any("Resume up to step must be above the run's step 0, got -3." in md.value for md in at.markdown)
    at.button(key="train_resume").click().run()
    assert not at.exception and any("must be above the run's step 0; got -3" in e.value for e in at.error)


def test_odd_lock_and_pid_values_never_take_the_page_down(train_runs_root):
    odd = {"superscript-lock": ("²", '{"state": "running", "step": 5, "pid": "²"}'),
           "circled-lock": ("①", '{"state": "running", "step": 5, "pid": true}'),
           "binary-lock": (b"\xff\xfe\x00", '{"state": "running", "step": 5, "pid": -4}')}
    for name, (lock, status) in odd.items():
        folder = train_runs_root / name
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny", "train": {"total_steps": 10}}))
        (folder / "status.json").write_text(status)
        if isinstance(lock, bytes):
            (folder / "lock").write_bytes(lock)
        else:
            (folder / "lock").write_text(lock)
    at = _train_page()
    assert set(_table(at)) == set(odd)
    for name in odd:
        at.selectbox(key="train_run").set_value(name).run()
        assert not at.exception, (name, at.exception)


def _fake_run(root: Path, name: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny", "train": {"total_steps": 10}}))
    (folder / "status.json").write_text('{"state": "stopped", "step": 5}')
    (folder / "metrics.jsonl").write_text('{"kind": "train", "step": 5, "lm_loss": 1.5}\n')


def test_a_run_that_appears_joins_the_comparison_and_a_removed_choice_stays_removed(train_runs_root):
    for name in ("a", "b"):
        _fake_run(train_runs_root, name)
    at = _train_page()
    assert sorted(at.multiselect(key="train_compare").value) == ["a", "b"]
    at.multiselect(key="train_compare").unselect("a").run()
    _fake_run(train_runs_root, "c")
    at.run()
    assert not at.exception
    assert sorted(at.multiselect(key="train_compare").value) == ["b", "c"]
    configs = [json.loads(chart.proto.config) for chart in at.get("plotly_chart")]
    assert configs and all(config.get("displayModeBar") is False for config in configs)  # it would cover the legend


def _comparison(at: AppTest, names: list[str]) -> dict:
    """The figure of the chart that draws exactly the lines ``names`` (the comparison)."""
    for chart in at.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        if {trace.get("name") for trace in figure["data"] if trace.get("showlegend", True)} == set(names):
            return figure
    raise AssertionError(f"no chart draws exactly {names}")


def _line_styles(at: AppTest, names: list[str]) -> dict[str, tuple[str, str]]:
    """(colour, dash) of each line of the comparison of ``names``."""
    return {trace["name"]: (trace["line"]["color"], trace["line"].get("dash", "solid"))
            for trace in _comparison(at, names)["data"] if trace.get("showlegend", True)}


def test_runs_whose_names_hash_to_one_colour_get_different_lines_in_the_comparison(train_runs_root):
    colliding = ["run-3", "run-8", "run-12", "run-19"]  # their names all hash to the palette's last colour
    assert len({zlib.crc32(name.encode()) % len(RUN_COLOURS) for name in colliding}) == 1
    for name in colliding:
        _fake_run(train_runs_root, name)
    at = _train_page()
    at.multiselect(key="train_compare").set_value(colliding[:2]).run()
    first_two = _line_styles(at, colliding[:2])
    at.multiselect(key="train_compare").set_value(colliding).run()
    styles = _line_styles(at, colliding)
    assert len(set(styles.values())) == len(colliding)
    assert {name: styles[name] for name in colliding[:2]} == first_two  # adding runs recolours none
    layout = _comparison(at, colliding)["layout"]  # four lines: the legend moves below the plot, off the title
    assert layout["legend"]["y"] < 0 and layout["hovermode"] == "closest"
    # a run keeps its style whatever order the runs are chosen in, and with nine runs the ninth gets a new dash
    assert run_styles(colliding[::-1]) == run_styles(colliding)
    nine = run_styles([f"run-{i}" for i in range(9)])
    assert len(set(nine.values())) == 9 and {dash for _, dash in nine.values()} == {"solid", "dash"}


def test_the_resume_box_offers_more_steps_once_the_watched_run_finishes(train_runs_root):
    _fake_run(train_runs_root, "watched")
    at = _train_page()
    assert at.number_input(key="train_resume_steps").value == 10  # stopped at 5 of 10: resume up to 10
    (train_runs_root / "watched" / "status.json").write_text('{"state": "finished", "step": 10}')
    at.run()
    assert at.number_input(key="train_resume_steps").value == 20  # finished: offer a longer run, not its own end


def test_export_says_why_it_is_greyed_out():
    from types import SimpleNamespace

    from app_ui.training_runs import _export_help

    assert "first held-out evaluation" in _export_help(SimpleNamespace(has_best_model=False, is_alive=True))
    assert "has stopped" in _export_help(SimpleNamespace(has_best_model=True, is_alive=True))
    assert "checkpoints/" in _export_help(SimpleNamespace(has_best_model=True, is_alive=False))


def test_the_runs_table_shows_a_runs_whole_name(train_runs_root):
    _fake_run(train_runs_root, "sudoku4-tiny-1")  # cut to "sudoku" at a laptop's width by default
    at = _train_page()
    columns = json.loads(at.dataframe[0].proto.columns)
    assert columns["Run"]["width"] >= 8 * len("sudoku4-tiny-1") and columns["Run"]["pinned"]


def test_the_held_out_figures_say_which_step_they_were_measured_at(train_runs_root):
    _fake_run(train_runs_root, "evaluated")  # stopped at step 5, last evaluated at step 3
    with (train_runs_root / "evaluated" / "metrics.jsonl").open("a") as log:
        log.write('{"kind": "eval", "step": 3, "exact_accuracy": 0.596, "cell_accuracy": 0.9}\n')
    at = _train_page()
    assert _metric(at, "Held-out exact (step 3)") == "59.6%" and _metric(at, "Held-out cells (step 3)") == "90.0%"


def test_the_runs_table_says_a_runs_preset_only_where_its_name_does_not():
    from pathlib import Path

    from app_ui.training_runs import runs_frame
    from trm.runs import RunInfo

    def run(name: str, preset: str, message: str = "") -> RunInfo:
        return RunInfo(name, Path(name), "finished", None, 10, 10, preset, "cpu", None, 8, None, message, (), False,
                       False)

    frame = runs_frame([run("sudoku4-tiny-1", "sudoku4-tiny"), run("mine", "sudoku9-mlp"),
                        run("sudoku4-tiny-2", "sudoku4-tiny", "stopped by the user")])
    assert frame["Details"].tolist() == ["", "sudoku9-mlp", "stopped by the user"]
    assert list(frame.columns)[-1] == "Updated"  # a laptop's half page cuts the last column first


def test_a_column_of_short_run_names_still_shows_its_title_whole():
    import pandas as pd

    from app_ui.training_runs import _text_width

    assert _text_width(pd.Series(["t", "x"], name="Run")) >= 16 + 9 * len("Run")  # not cut to "Ru"
    assert _text_width(pd.Series(["sudoku4-tiny-1"], name="Run")) == 16 + 8 * len("sudoku4-tiny-1")
