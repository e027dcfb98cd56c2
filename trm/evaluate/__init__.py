"""Evaluation of a model on a puzzle set: accuracy at every supervision step, halting, calibration, accuracy by
difficulty (the exact solver's backtracks), test-time evaluation with K views of every puzzle, when the model
commits to each cell (against the technique a person needs for it), and one row of predictions per puzzle.
``python -m trm.evaluate`` is its command line (trm.evaluate.cli).
"""

from trm.evaluate.accuracy import EvalResult, evaluate_model, evaluate_model_at
from trm.evaluate.agreement import AgreementResult, evaluate_agreement
from trm.evaluate.commit_times import TechniqueCommit, commit_by_technique, settle_steps
from trm.evaluate.difficulty import (BandAccuracy, CardBands, MixEstimate, accuracy_by_band, band_index, band_label,
                                     estimate_for_mix, pool_bands, pooled_card_bands, puzzle_backtracks)
from trm.evaluate.gpu_kernels import use_evaluation_kernels
from trm.evaluate.insight import BATCH_BY_SIZE, InsightRun, batch_size_for, view_counts
from trm.evaluate.insight_batch import run_batch
from trm.evaluate.insight_cache import cache_key, load_cached, save_cached
from trm.evaluate.predictions import Predictions, predict, write_predictions_csv
from trm.evaluate.solutions import fill_solutions
from trm.evaluate.sources import MINIMAL_4X4, read_eval_set
from trm.evaluate.views import ViewsResult, evaluate_views

__all__ = ["BATCH_BY_SIZE", "MINIMAL_4X4", "AgreementResult", "BandAccuracy", "CardBands", "EvalResult", "InsightRun",
           "MixEstimate", "Predictions", "TechniqueCommit", "ViewsResult", "accuracy_by_band", "band_index",
           "band_label", "batch_size_for", "cache_key", "commit_by_technique", "estimate_for_mix",
           "evaluate_agreement", "evaluate_model", "evaluate_model_at", "evaluate_views", "fill_solutions",
           "load_cached", "pool_bands", "pooled_card_bands", "predict", "puzzle_backtracks", "read_eval_set",
           "run_batch", "save_cached", "settle_steps", "use_evaluation_kernels", "view_counts", "write_predictions_csv"]
