"""The one-line model description on the Solve page (trm.catalog) states the accuracy a checkpoint was measured at."""

from trm.catalog import training_summary as _training_summary


def test_shipped_checkpoint_shows_its_card_accuracy_step_and_under_training():
    metadata = {"status": "UNDER-TRAINED: step 22,000 of 65,100.", "training": {"step": 22000},
                "evaluations": [{"name": "forum-hardest sample", "result": {"exact_accuracy": 0.453, "count": 64}}]}
    assert _training_summary(metadata) == ("; held-out puzzles solved: 45.3% of 64 (forum-hardest sample); "
                                           "training step 22,000 — under-trained, see its MODEL_CARD.md")
    metadata["status"] = "Trained to completion."
    assert _training_summary(metadata).endswith("training step 22,000")


def test_run_best_model_shows_its_evaluation_and_unknown_metadata_shows_nothing():
    assert _training_summary({"eval": {"exact_accuracy": 1.0}, "step": 900}) == \
        "; held-out puzzles solved: 100.0% (training step 900)"
    assert _training_summary({}) == ""
    assert _training_summary({"evaluations": [{"result": {"exact_accuracy": "n/a"}}]}) == ""
    assert _training_summary({"evaluations": [{"result": "n/a"}], "training": "n/a"}) == ""  # hand-edited file


def test_the_runs_larger_evaluation_at_the_shipped_step_is_quoted_beside_the_cards_sample():
    curve = [{"step": 38000, "count": 2000, "exact_accuracy": 0.708},
             {"step": 40000, "count": 2000, "exact_accuracy": 0.721}]
    metadata = {"training": {"step": 40000, "heldout_curve": curve},
                "evaluations": [{"name": "forum-hardest sample", "result": {"exact_accuracy": 0.74, "count": 100}}]}
    assert _training_summary(metadata) == ("; held-out puzzles solved: 74.0% of 100 (forum-hardest sample), 72.1% of "
                                           "2,000 in the run's own evaluation; training step 40,000")
    metadata["evaluations"][0]["result"]["count"] = 5000  # the card's own table is larger: nothing added
    assert "run's own" not in _training_summary(metadata)
    metadata["training"]["heldout_curve"] = "n/a"  # hand-edited file
    assert _training_summary(metadata).startswith("; held-out puzzles solved: 74.0% of 5000")


def test_difficulty_note_quotes_the_cards_band_of_this_puzzle():
    from types import SimpleNamespace
    from trm.catalog import difficulty_note as note_for_metadata

    def difficulty_note(loaded, backtracks):
        return note_for_metadata(loaded.metadata, backtracks)

    def band(name, count, correct):
        return {"band": name, "count": count, "correct": correct}

    bands = [band("0", 10, 10), band("1-50", 20, 19), band("51-100", 8, 6), band("101-200", 0, 0), band("201+", 4, 1)]
    other = [band("0", 0, 0), band("1-50", 0, 0), band("51-100", 2, 0), band("101-200", 0, 0), band("201+", 0, 0)]
    loaded = SimpleNamespace(metadata={"evaluations": [
        {"name": "a", "result": {"steps": 16}, "by_difficulty": bands},
        {"name": "a (32 steps)", "result": {"steps": 32}, "by_difficulty": other},  # other step count: not pooled
        {"name": "b", "result": {"steps": 16}, "by_difficulty": other}]})
    assert difficulty_note(loaded, 70) == ("The exact solver meets 70 dead ends on this puzzle (band 51-100). Of the "
                                           "puzzles on its card in that band, this model solves **60%** (6 of 10) at "
                                           "16 steps.")
    # the steps chosen on the page: the card's bands at that count where it has them, else it says it has none
    assert note_for_metadata(loaded.metadata, 70, 32).endswith("solves **0%** (0 of 2) at 32 steps.")
    assert note_for_metadata(loaded.metadata, 70, 64).endswith(
        "**60%** (6 of 10) at 16 steps (its card has no figures at the 64 steps chosen).")
    assert difficulty_note(loaded, 1).startswith("The exact solver meets 1 dead end on")
    assert "none of the puzzles on this model's card" in difficulty_note(loaded, 150)
    assert difficulty_note(loaded, None) == ""  # no unique solution
    assert difficulty_note(SimpleNamespace(metadata={"evaluations": [{"result": {"steps": 16}}]}), 5) == ""
    assert difficulty_note(SimpleNamespace(metadata={"eval": {}}), 5) == ""  # a run's best model
    assert difficulty_note(SimpleNamespace(metadata={"evaluations": [{"result": "n/a"}]}), 5) == ""  # hand-edited


def test_weights_trained_over_several_runs_show_the_steps_of_all_of_them():
    """The last run's own counter alone made a model of six runs look six times less trained beside another."""
    training = {"step": 9086, "init_from": {"earlier": [{"step": 13631}, {"step": 5810}]}}
    metadata = {"training": training, "evaluations": [{"name": "forum-hardest", "result": {"exact_accuracy": 0.368,
                                                                                          "count": 2000}}]}
    assert _training_summary(metadata).endswith("; 28,527 training steps over 3 runs")
    training["init_from"]["earlier"][1]["step"] = None  # a run whose steps are unknown: the last run's own counter
    assert _training_summary(metadata).endswith("; training step 9,086")


def test_the_shipped_model_of_each_size_stays_the_default_beside_models_that_sort_first():
    from trm.catalog import ModelEntry, default_index

    def entries(size: int, shipped: str) -> list:
        return [ModelEntry("broken", "/m/broken", size, problem="config.json is damaged"),
                ModelEntry("my-model", "/m/my-model", size), ModelEntry(shipped, f"/m/{shipped}", size),
                ModelEntry("run r (best)", "/r/best", size)]

    for size, shipped in ((9, "sudoku9-mlp"), (6, "sudoku6"), (4, "sudoku4")):
        assert default_index(entries(size, shipped), size) == 2
        assert default_index(entries(size, "elsewhere"), size) == 1  # no shipped model: the first usable one
    assert default_index([ModelEntry("sudoku4", "/m/sudoku4", None, problem="unreadable")], 4) == 0
