"""Traces to and from plain JSON-able dicts (export from the app, fixtures in tests)."""

import dataclasses
import json
from pathlib import Path

import numpy as np

from trm.errors import DataError, PuzzleError
from trm.sudoku.shape import shape_for_size
from trm.sudoku.validate import Conflict
from trm.trace.checks import trace_problem
from trm.trace.records import CallStats, StepRecord, Trace
from trm.trace.pca import TracePCA
from trm.trace.views import ViewStep, ViewsTrace

TRACE_FORMAT = "trm-studio/trace"
_STEP_ARRAYS = {"prediction": np.int8, "confidence": np.float32, "entropy": np.float32, "changed": bool,
                "y_cells": np.float32}


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def trace_to_dict(trace: Trace, include_cell_states: bool = False) -> dict:
    """A JSON-able dict of the trace; per-cell y vectors (large) only when ``include_cell_states``."""
    steps = []
    for record in trace.steps:
        data = {k: _plain(v) for k, v in record.__dict__.items()
                if k not in ("calls", "violations", "y_calls", "z_calls", "y_cells", "correct", "views",
                             "digit_probabilities")}
        if record.digit_probabilities is not None:  # 4 decimals: a 64-step 9x9 trace stays well under 1 MB
            data["digit_probabilities"] = np.round(record.digit_probabilities.astype(np.float32), 4).tolist()
        data["correct"] = None if record.correct is None else record.correct.tolist()
        data["calls"] = dataclasses.asdict(record.calls)
        data["violations"] = [dataclasses.asdict(v) for v in record.violations]
        if include_cell_states:
            data["y_cells"] = record.y_cells.tolist()
        steps.append(data)
    pca = None if trace.pca is None else {k: _plain(v) for k, v in trace.pca.__dict__.items()}
    return {"format": TRACE_FORMAT, "grid_size": trace.grid_size, "puzzle": trace.puzzle.tolist(),
            "solution": None if trace.solution is None else trace.solution.tolist(),
            "halt_threshold": trace.halt_threshold, "halt_step": trace.halt_step,
            "first_solved_step": trace.first_solved_step, "steps": steps, "pca": pca,
            "views": None if trace.views is None else _views_to_dict(trace.views), "made_by": trace.made_by}


def _views_to_dict(views: ViewsTrace) -> dict:
    return {"count": views.count, "seed": views.seed, "noise": views.noise,
            "answers": [step.answers.tolist() for step in views.steps],  # [step][view][cell], mapped back
            "q_halt_logit": [step.q_halt_logit.tolist() for step in views.steps]}


def _views_from_dict(data: dict | None, puzzle: np.ndarray, solution: np.ndarray | None) -> ViewsTrace | None:
    if data is None:
        return None
    steps = [ViewStep(i + 1, np.asarray(answers, dtype=np.int8), np.asarray(logits, dtype=np.float32))
             for i, (answers, logits) in enumerate(zip(data["answers"], data["q_halt_logit"]))]
    return ViewsTrace(puzzle, solution, int(data["seed"]), steps, float(data.get("noise", 0.0)))


def _known_fields(data: dict, kind: type, where: str) -> dict:
    """``data`` if each of its keys is a field of dataclass ``kind``; a ValueError naming the first that is not."""
    if not isinstance(data, dict):
        raise ValueError(f"{where} is not an object")
    unknown = sorted(set(data) - {f.name for f in dataclasses.fields(kind)})
    if unknown:
        raise ValueError(f"{where} has a field this version does not know, {unknown[0]!r}")
    return data


def _built(kind: type, fields: dict, where: str):
    """``kind(**fields)``, with a ValueError naming the first field it needs that ``fields`` lacks."""
    needed = [f.name for f in dataclasses.fields(kind) if f.default is dataclasses.MISSING
              and f.default_factory is dataclasses.MISSING and f.init]
    missing = [name for name in needed if name not in fields]
    if missing:
        raise ValueError(f"{where} lacks the field {missing[0]!r}")
    return kind(**fields)


_MADE_BY_TYPES = {"model": (str, "a name"), "steps": (int, "a whole number"), "views": (int, "a whole number"),
                  "seed": (int, "a whole number"), "noise": ((int, float), "a number"),
                  "precision": (str, "a name"), "made_with": (str, "a name"), "weights": (str, "a fingerprint")}


def _checked_made_by(made_by) -> dict:
    """The trace's record of what made it, with each field the app shows of the type it shows it as."""
    made_by = made_by or {}
    if not isinstance(made_by, dict):
        raise ValueError("'made_by' is not an object")
    for name, value in made_by.items():
        kind, what = _MADE_BY_TYPES.get(name, (object, ""))
        if not isinstance(value, kind) or (kind is not object and isinstance(value, bool)):
            raise ValueError(f"'made_by.{name}' should be {what}, got {json.dumps(value)[:40]}")
    return made_by


def trace_from_dict(data: dict) -> Trace:
    """Rebuild a Trace from :func:`trace_to_dict` output (cell states are zeros if they were not exported)."""
    cells = len(data["puzzle"])
    if not isinstance(data["steps"], list):  # an object would be read as its keys, each called a step
        raise ValueError("its 'steps' is not a list of steps")
    records = []
    for index, step in enumerate(data["steps"], start=1):
        fields = {k: v for k, v in _known_fields(step, StepRecord, f"step {index}").items()
                  if k not in ("calls", "violations", "correct")}
        for name, dtype in _STEP_ARRAYS.items():
            fields[name] = np.asarray(fields.get(name, np.zeros((cells, 1))), dtype=dtype)
        fields["correct"] = None if step["correct"] is None else np.asarray(step["correct"], dtype=bool)
        if fields.get("digit_probabilities") is not None:
            fields["digit_probabilities"] = np.asarray(fields["digit_probabilities"], dtype=np.float16)
        fields["calls"] = _built(CallStats, _known_fields(step["calls"], CallStats, f"step {index}'s calls"),
                                 f"step {index}'s calls")
        fields["violations"] = [Conflict(v["unit"], v["index"], v["digit"], [tuple(c) for c in v["cells"]])
                                for v in step["violations"]]
        records.append(_built(StepRecord, fields, f"step {index}"))
    pca = None if data["pca"] is None else _built(TracePCA, {k: np.asarray(v) for k, v in _known_fields(
        data["pca"], TracePCA, "its PCA").items()}, "its PCA")
    solution = None if data["solution"] is None else np.asarray(data["solution"], dtype=np.int8)
    puzzle = np.asarray(data["puzzle"], dtype=np.int8)
    views = _views_from_dict(data.get("views"), puzzle, solution)
    for record, view in zip(records, views.steps if views else []):
        record.views = view
    made_by = _checked_made_by(data.get("made_by"))
    return Trace(data["grid_size"], puzzle, solution, data["halt_threshold"], records, pca, views, made_by)


MAX_TRACE_BYTES = 64 * 2 ** 20  # a 256-step 9x9 trace with views is a few MB


def read_trace_file(path: Path) -> Trace:
    """A trace saved by the app or ``python -m trm.render``; a clear DataError for anything else (never a
    traceback: the file may come from anyone)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Trace not found: {path}." if not path.exists() else f"{path} is not a file.")
    if path.stat().st_size > MAX_TRACE_BYTES:  # before reading it: any file may be given
        raise DataError(f"{path} is {path.stat().st_size / 2 ** 20:.0f} MiB; a saved trace is far smaller.")
    return trace_from_json(path.read_bytes(), str(path))


class _LongNumber(ValueError):
    def __init__(self, digits: int):
        super().__init__(f"a whole number of {digits} digits")
        self.digits = digits


def _short_int(text: str) -> int:
    """JSON's whole numbers, refusing the absurdly long: Python's own refusal (past 4,300 digits) advises a
    setting of the interpreter, which means nothing to the person who gave the file."""
    digits = len(text.lstrip("-"))
    if digits > 100:
        raise _LongNumber(digits)
    return int(text)


def trace_from_json(data: bytes | str, source: str) -> Trace:
    """:func:`read_trace_file` for an upload's bytes; ``source`` names it in errors."""
    if len(data) > MAX_TRACE_BYTES:
        raise DataError(f"{source} is {len(data) / 2 ** 20:.0f} MiB; a saved trace is far smaller.")
    try:
        parsed = json.loads(data, parse_int=_short_int)
    except _LongNumber as error:
        raise DataError(f"{source} is a damaged trace: it holds a whole number of {error.digits:,} digits, where "
                        "a trace has only small counts and digits.") from error
    except RecursionError as error:
        raise DataError(f"{source} is not a TRM Studio trace: it is nested far deeper than a trace.") from error
    except ValueError as error:  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise DataError(f"{source} is not valid JSON ({error}).") from error
    if not isinstance(parsed, dict):
        raise DataError(f"{source} is not a TRM Studio trace (it is not a JSON object).")
    return _checked_trace(parsed, source)


def _in_words(error: ValueError) -> str:
    """numpy's refusal of a word where a number belongs, said as such; other messages are ours already."""
    text = str(error)
    if text.startswith("could not convert string to float: "):
        return f"it holds {text.removeprefix('could not convert string to float: ')} where a number belongs"
    return text


def _checked_trace(data: dict, source: str) -> Trace:
    if data.get("format") != TRACE_FORMAT:
        raise DataError(f"{source} is not a TRM Studio trace (its 'format' is not {TRACE_FORMAT!r}).")
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # out-of-range floats become inf: trace_problem says so
            trace = trace_from_dict(data)
        shape = shape_for_size(trace.grid_size)
        if not trace.steps:
            raise ValueError("it has no steps")
    except OverflowError as error:  # a digit too large to store as one: numpy's words would mean nothing here
        raise DataError(f"{source} is a damaged trace: it holds a number far outside the digits where a digit "
                        "belongs.") from error
    except KeyError as error:
        raise DataError(f"{source} is a damaged trace: it lacks the field {error.args[0]!r}.") from error
    except ValueError as error:
        raise DataError(f"{source} is a damaged trace ({_in_words(error)}).") from error
    except (TypeError, AttributeError, PuzzleError) as error:
        raise DataError(f"{source} is a damaged trace ({error}).") from error
    problem = trace_problem(trace, shape)
    if problem:
        raise DataError(f"{source} is a damaged trace: {problem}.")
    return trace
