"""The trace of one solve (records per step and per network call), its JSON form and its PCA views.

Built on the inference core: the trace is an observer of the recursion, never a second copy of it.
"""

from trm.trace.json_form import (TRACE_FORMAT, read_trace_file, trace_from_dict, trace_from_json,
                                 trace_to_dict)
from trm.trace.pca import TracePCA, fit_trace_pca
from trm.trace.records import CallStats, StepRecord, Trace
from trm.trace.solve import finish_trace, iter_trace, run_trace
from trm.trace.step_table import STEP_COLUMNS, digits_csv, step_rows, steps_csv
from trm.trace.views import ViewStep, ViewsTrace

__all__ = ["STEP_COLUMNS", "TRACE_FORMAT", "CallStats", "StepRecord", "Trace", "TracePCA", "ViewStep", "ViewsTrace",
           "digits_csv", "finish_trace", "fit_trace_pca", "iter_trace", "read_trace_file", "run_trace", "step_rows",
           "steps_csv", "trace_from_dict", "trace_from_json", "trace_to_dict"]
