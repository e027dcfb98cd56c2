"""The inference core: runs a model's supervision steps on a batch of puzzles for everything but training.

``iter_steps`` / ``run_steps`` run the recursion (the model's own code) and report to :class:`Observer` objects
(per step: answers, probabilities, Q-halt logit, y and z; per network call: y, z and their change), which may
edit the state between steps. ``make_views`` stacks K symmetric views of each puzzle on the batch axis and maps
their answers back; ``select_answer`` picks one per puzzle (the Q-head's choice or a vote); ``HaltedViewsAgree``
stops each view at its own halt and a puzzle once enough halted views agree; ``has_fast_bf16`` says where bf16
autocast pays; ``Intervene`` changes the state after one step (reset, noise, a new given) and lets it continue.
``prepare_for_solving`` starts compiling a model's network in the background; the core uses the compiled copy
once it is ready for the shapes at hand.
"""

from trm.inference.agreement import AgreementOutcome, HaltedViewsAgree
from trm.inference.agreement_run import solve_with_agreement
from trm.inference.compiled import (CompileStatus, compile_status, is_compile_enabled, prepare_for_solving,
                                    wait_until_compiled)
from trm.inference.core import (CallEvent, Observer, RecursionState, StepOutput, StopRule, halt_when_all_confident,
                                iter_steps, run_steps)
from trm.inference.intervention import KINDS as INTERVENTIONS
from trm.inference.intervention import Intervene, Intervention
from trm.inference.precision import has_fast_bf16
from trm.inference.selection import SELECTIONS, Selection, select_answer, select_by_q, select_by_vote
from trm.inference.views import (Views, make_views, noisy_start, stop_when_best_view_confident,
                                 stop_when_views_agree)

__all__ = ["INTERVENTIONS", "SELECTIONS", "AgreementOutcome", "CallEvent", "CompileStatus", "HaltedViewsAgree",
           "Intervene", "Intervention", "Observer",
           "RecursionState", "Selection", "StepOutput", "StopRule", "Views", "compile_status",
           "halt_when_all_confident", "has_fast_bf16", "is_compile_enabled", "iter_steps", "make_views", "noisy_start",
           "prepare_for_solving", "run_steps", "select_answer", "select_by_q", "select_by_vote",
           "solve_with_agreement", "stop_when_best_view_confident", "stop_when_views_agree", "wait_until_compiled"]
