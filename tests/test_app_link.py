"""A link carries the whole solve: the puzzle, the model, the steps, the threshold, the views (their noise and the
agreement) and the step; opening
it runs the solve by itself and lands on that step, and the address follows the page."""

from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from trm.checkpoint import save_model
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PUZZLE_4X4 = "0000300204100000"
TINY = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=6,
                   prefix_len=2)


def _models(tmp_path, monkeypatch) -> None:
    for name, seed in (("alpha", 0), ("beta", 1)):
        save_model(tmp_path / "checkpoints" / name, TinyRecursiveModel(TINY, torch.Generator().manual_seed(seed)),
                   {"step": 1})
    (tmp_path / "runs").mkdir()
    monkeypatch.setenv("TRM_STUDIO_CHECKPOINTS", str(tmp_path / "checkpoints"))
    monkeypatch.setenv("TRM_STUDIO_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("TRM_COMPILE", "0")


def _open(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.switch_page("app_pages/solve.py").run()
    assert not at.exception, at.exception
    return at


def test_a_full_link_solves_by_itself_with_its_settings_and_lands_on_its_step(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "model": "beta", "steps": "9", "threshold": "0.3", "views": "3", "step": "7"})
    assert at.selectbox(key="solve_model").value.endswith("beta")
    assert at.number_input(key="solve_steps").value == 9 and at.number_input(key="solve_views").value == 3
    assert at.slider(key="solve_threshold").value == 0.3
    assert at.session_state["solve_step"] == 7  # solved without a click, on the linked step
    assert any("3 views, one judge" in h.value for h in at.subheader)
    assert not at.warning
    params = at.query_params
    assert params["model"] == ["beta"] and params["steps"] == ["9"] and params["views"] == ["3"]
    assert params["threshold"] == ["0.30"] and params["step"] == ["7"]


def test_a_link_with_noise_and_agreement_solves_noisy_views_and_judges_them_by_its_agreement(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "views": "4", "noise": "0.3", "agree": "3"})
    assert at.selectbox(key="solve_noise").value == 0.3 and at.number_input(key="solve_agree").value == 3
    stored = next(iter(at.session_state["solve_traces"].values()))
    assert stored.trace.views.noise == 0.3 and stored.trace.made_by["noise"] == 0.3
    assert any("3 halted views give the same grid" in md.value for md in at.markdown)
    assert at.query_params["noise"] == ["0.3"] and at.query_params["agree"] == ["3"]
    at.number_input(key="solve_views").set_value(1).run()  # one view: noise and agreement mean nothing
    assert "noise" not in at.query_params and "agree" not in at.query_params


def test_bad_values_in_a_link_are_skipped_with_a_note_and_the_page_keeps_running(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "model": "gamma", "steps": "²", "views": "99", "threshold": "nan", "noise": "0.7"})
    notes = " ".join(w.value for w in at.warning)
    assert "`gamma` is not among this machine's 4×4 models, so `alpha` is used" in notes
    assert "`steps=²`" in notes and "`views=99`" in notes and "`threshold=nan`" in notes
    assert "`noise=0.7`" in notes
    at = _open({"p": PUZZLE_4X4, "threshold": "0.33"})
    assert at.slider(key="solve_threshold").value == 0.35
    assert "`threshold=0.33` in the link falls between the slider's steps of 0.05, so 0.35 is used" in \
        " ".join(w.value for w in at.warning)
    assert at.number_input(key="solve_steps").value == TINY.max_supervision_steps
    assert at.number_input(key="solve_views").value == 1


def test_a_presentation_link_shows_what_it_changed_as_a_toast(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "steps": "4", "threshold": "0.33", "present": "1"})
    assert at.session_state["solve_present"]
    toasts = " ".join(t.value for t in at.toast)
    assert "`threshold=0.33` in the link falls between the slider's steps of 0.05, so 0.35 is used" in toasts
    at.run()  # a rerun keeps the player but does not repeat the notice
    assert not at.toast


def test_a_presented_solve_computes_out_of_sight_of_the_ordinary_page(tmp_path, monkeypatch):
    import app_ui.trace_store as ts
    seen = []
    original = ts.run_streaming

    def spying(*args, **kwargs):  # where the progress goes while the solve runs
        seen.append(args[5] if len(args) > 5 else kwargs.get("where"))
        return original(*args, **kwargs)

    monkeypatch.setattr(ts, "run_streaming", spying)
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "steps": "4", "threshold": "0.33", "present": "1"})
    assert len(seen) == 1 and seen[0] is not None  # the presentation's own container, not the hidden page
    assert "so 0.35 is used" in " ".join(t.value for t in at.toast)  # announced once, before the solve
    assert len(at.toast) == 1
    seen.clear()
    at = _open({"p": PUZZLE_4X4, "steps": "3"})
    assert seen == [None]  # not presenting: the progress shows on the page


def test_a_puzzle_alone_waits_for_solve_and_the_address_takes_the_settings_with_the_solve(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4})
    assert "solve_step" not in at.session_state or not at.session_state["solve_step"]
    at.number_input(key="solve_steps").set_value(4).run()
    # Unsolved, the address holds the puzzle alone: reloading it (or going Back to it) fills the grid, no more.
    assert "steps" not in at.query_params and "model" not in at.query_params
    reloaded = _open({name: values[-1] for name, values in at.query_params.items()})
    assert "solve_step" not in reloaded.session_state or not reloaded.session_state["solve_step"]
    at.button(key="solve_run").click().run()
    assert at.query_params["steps"] == ["4"] and at.query_params["model"] == ["alpha"]
    at.number_input(key="solve_steps").set_value(5).run()  # no longer what is on screen: out until solved
    assert "steps" not in at.query_params


def test_play_has_a_speed_and_changing_it_while_playing_keeps_playing(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "steps": "6", "step": "1"})
    speed = at.selectbox(key="solve_play_speed")
    assert speed.value == "normal" and speed.options == ["slow", "normal", "fast", "fastest"]
    at.button(key="solve_play").click().run()
    assert at.session_state["solve_playing"]
    at.selectbox(key="solve_play_speed").set_value("fastest").run()
    assert not at.exception and at.session_state["solve_playing"]


def test_a_model_trained_past_256_steps_takes_its_own_count_from_a_link_and_more_is_capped_with_a_note(
        tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    long = ModelConfig(**{**TINY.to_dict(), "max_supervision_steps": 300})
    save_model(tmp_path / "checkpoints" / "long", TinyRecursiveModel(long, torch.Generator().manual_seed(2)), {})
    at = _open({"p": PUZZLE_4X4, "model": "long", "steps": "300"})
    assert at.number_input(key="solve_steps").value == 300 and not at.warning
    at = _open({"p": PUZZLE_4X4, "model": "alpha", "steps": "1000"})  # a 6-step model is offered 256 at most
    assert at.number_input(key="solve_steps").value == 256
    assert "`steps=1000`" in " ".join(w.value for w in at.warning)
    at = _open({"p": PUZZLE_4X4, "model": "alpha", "steps": "5000"})  # past every model's limit: capped alike
    assert at.number_input(key="solve_steps").value == 256
    assert "`steps=5000` in the link is more than this model runs here (256)" in " ".join(w.value for w in at.warning)
    at = _open({"p": PUZZLE_4X4, "model": "alpha", "steps": "9" * 40})
    assert at.number_input(key="solve_steps").value == 256
    assert f"`steps={'9' * 40}` in the link is more than" in " ".join(w.value for w in at.warning)  # as written


def test_a_link_with_a_comparison_solves_both_and_the_address_keeps_it(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "model": "alpha", "cmp_model": "beta", "cmp_steps": "12", "cmp_views": "2",
                "cmp_threshold": "0.4"})
    _, comparison, compared = at.session_state["solve_cmp_compared"]  # solved without a click
    assert (comparison.label, comparison.steps, comparison.views) == ("beta", 12, 2)
    assert compared.halt_threshold == 0.4 and len(compared.steps) == 12 and compared.views.count == 2
    assert at.number_input(key="solve_cmp_steps").value == 12 and not at.warning
    params = at.query_params
    assert params["cmp_model"] == ["beta"] and params["cmp_steps"] == ["12"] and params["cmp_views"] == ["2"]
    assert params["cmp_threshold"] == ["0.40"]
    at.number_input(key="solve_cmp_steps").set_value(5).run()  # not solved yet: the address keeps what is shown
    assert at.query_params["cmp_steps"] == ["12"]
    at.button(key="solve_cmp_run").click().run()
    assert at.query_params["cmp_steps"] == ["5"]


def test_a_comparison_model_the_link_cannot_have_here_is_said_and_nothing_is_compared_by_itself(tmp_path,
                                                                                                 monkeypatch):
    """Another model than the link's would answer another question (the solve's own model against itself, say);
    the solve itself still runs, and the panel keeps the link's other settings for a click."""
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "cmp_model": "gamma", "cmp_steps": "400", "cmp_views": "x"})
    warnings = " ".join(w.value for w in at.warning)
    assert "`cmp_views=x` in the link is not valid here" in warnings
    assert "comparison model `gamma` is not among" in warnings and "no comparison was solved" in warnings
    assert "`cmp_steps=400`" in warnings
    assert "solve_cmp_compared" not in at.session_state and at.number_input(key="solve_cmp_steps").value == 256
    assert at.session_state["solve_shown_trace"] is not None  # the solve above ran


def test_a_solve_without_a_comparison_leaves_none_in_the_address(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "steps": "3"})
    assert "solve_cmp_compared" not in at.session_state
    assert not any(name.startswith("cmp_") for name in at.query_params)


def test_a_link_whose_only_settings_are_bad_still_solves_both_and_says_why_beside_the_comparison(tmp_path,
                                                                                                monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "cmp_views": "99", "cmp_threshold": "nan"})
    assert at.session_state["solve_step"] >= 1 and "solve_cmp_compared" in at.session_state
    warnings = [w.value for w in at.warning]
    assert any("`cmp_views=99` in the link is not valid here" in w for w in warnings)
    assert any("`cmp_threshold=nan`" in w for w in warnings)
    assert at.query_params["cmp_views"] == ["1"] and at.query_params["cmp_threshold"] == ["0.50"]  # what ran


def test_a_presentation_link_leaves_its_comparison_until_the_page_shows_it(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "present": "1", "cmp_steps": "8"})
    assert "solve_cmp_compared" not in at.session_state  # hidden behind the presentation: not computed
    assert at.query_params["cmp_steps"] == ["8"]  # and the link still carries it
    at.toggle(key="solve_present").set_value(False).run()
    _, comparison, _ = at.session_state["solve_cmp_compared"]
    assert comparison.steps == 8


def test_a_link_step_that_is_not_a_step_of_the_solve_is_said_and_the_player_opens_on_the_last(tmp_path,
                                                                                            monkeypatch):
    _models(tmp_path, monkeypatch)
    for step in ("abc", "-3", "9999", "0"):
        at = _open({"p": PUZZLE_4X4, "model": "alpha", "steps": "6", "step": step})
        assert at.session_state["solve_step"] == 6
        assert any(f"`step={step}` in the link is not a step of this solve (1 to 6)" in toast.value
                   for toast in at.toast), step


def test_a_presentation_link_with_only_a_puzzle_solves_it_and_presents_it(tmp_path, monkeypatch):
    _models(tmp_path, monkeypatch)
    at = _open({"p": PUZZLE_4X4, "present": "1"})
    assert at.session_state["solve_present"]
    assert at.session_state["solve_shown_trace"] is not None  # solved without a click: the slide's solve
    at = _open({"p": PUZZLE_4X4})  # a puzzle alone only fills the grid
    assert at.session_state["solve_shown_trace"] is None
