"""The inference core: runs a model's supervision steps on a batch of puzzles for everything but training.

``iter_steps`` / ``run_steps`` run the recursion (the model's own code) and report to :class:`Observer` objects
(per step: answers, probabilities, Q-halt logit, y and z; per network call: y, z and their change), which may
edit the state between steps. ``prepare_for_solving`` starts compiling a model's network in the background; the
core uses the compiled copy once it is ready for the shapes at hand.
"""

from trm.inference.compiled import (CompileStatus, compile_status, is_compile_enabled, prepare_for_solving,
                                    wait_until_compiled)
from trm.inference.core import (CallEvent, Observer, RecursionState, StepOutput, StopRule, halt_when_all_confident,
                                iter_steps, run_steps)

__all__ = ["CallEvent", "CompileStatus", "Observer", "RecursionState", "StepOutput", "StopRule", "compile_status",
           "halt_when_all_confident", "is_compile_enabled", "iter_steps", "prepare_for_solving", "run_steps",
           "wait_until_compiled"]
