"""The one-line model description on the Solve page states the accuracy a checkpoint was measured at."""

from app_ui.model_picker import _training_summary


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
