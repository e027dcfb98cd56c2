"""Export and model cards: a run's EMA model shipped as a checkpoint (bf16 safetensors + config.json), its
evaluations on held-out sets, and the MODEL_CARD.md rendered from its metadata with nothing typed by hand.

``python -m trm.export`` is the command line (``trm/export/__main__.py``). Export builds on run folders
(``trm.runs``: curve, hardware, training metadata) and sits below run control, which calls it for the app.
"""

from trm.export.card import render_model_card
from trm.export.card_evaluation import (EvalSet, difficulty_mix_estimate, evaluate_checkpoint, read_eval_set,
                                        read_eval_sets)
from trm.export.checkpoint_export import (export_checkpoint, read_checkpoint_eval_sets, reevaluate_checkpoint,
                                          rerender_card)

__all__ = ["EvalSet", "difficulty_mix_estimate", "evaluate_checkpoint", "export_checkpoint",
           "read_checkpoint_eval_sets", "read_eval_set", "read_eval_sets", "reevaluate_checkpoint", "render_model_card",
           "rerender_card"]
