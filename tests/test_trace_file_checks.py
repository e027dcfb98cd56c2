"""A saved trace may come from anyone: one with a value out of range is refused by name, before anything draws it
(a digit 99 in a cell, P(halt) 7, a logit that is a word), instead of showing a wrong picture or a traceback."""

import json
from pathlib import Path

import pytest

from trm.errors import DataError
from trm.trace import read_trace_file, trace_from_json

TRACE = Path(__file__).resolve().parents[1] / "assets" / "traces" / "easter-monster-16.json"


def _tampered(change) -> bytes:
    data = json.loads(TRACE.read_text())
    change(data)
    return json.dumps(data).encode()


def _set(path: tuple, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


@pytest.mark.parametrize("change, message", [
    (_set(("steps", 0, "q_halt_logit"), "banana"), "halting logit 'banana' is not a number"),
    (_set(("steps", 2, "q_halt_probability"), 7), "step 3's P(halt) 7 is not a probability"),
    (_set(("steps", 2, "q_halt_probability"), True), "P(halt) True is not a probability"),
    (_set(("steps", 0, "prediction", 5), 99), "step 1's prediction holds the digit 99, outside 0-9"),
    (_set(("steps", 0, "prediction", 5), 300), "a number far outside the digits where a digit belongs"),
    (_set(("steps", 1, "step"), 7), "not numbered 1, 2, 3"),
    (_set(("steps", 0, "confidence", 0), 1.5), "confidences are not probabilities"),
    (_set(("steps", 0, "correct"), [True]), "correct has 1 cells, not 81"),
    (_set(("puzzle", 0), -1), "the puzzle holds the digit -1, outside 0-9"),
    (_set(("solution", 0), 0), "the solution holds the digit 0, outside 1-9"),
    (_set(("halt_threshold",), "half"), "halting threshold 'half' is not a probability"),
    (_set(("steps", 3, "y_norm"), None), "norms or time are not numbers"),
    (_set(("steps", 0, "digit_probabilities"), [[2.0] * 9] * 81), "digit probabilities are not 81 x 9"),
    (_set(("views",), {"count": 1, "seed": 0, "noise": 0.0, "answers": [[[99] * 81]] * 16,
                       "q_halt_logit": [[0.0]] * 16}), "its views at step 1 are damaged"),
    (_set(("views",), {"count": 1, "seed": 0, "noise": 0.0, "answers": [[[1] * 81]] * 3,
                       "q_halt_logit": [[0.0]] * 3}), "views cover a different number of steps"),
    (_set(("steps", 1, "calls", "y_delta"), [1.0]), "step 2's call statistic y_delta does not have one value"),
    (_set(("steps", 1, "calls", "z_delta", 0), "x"), "step 2's z_delta holds something other than numbers"),
    (_set(("steps", 0, "calls", "y_decoded_correct", 0), 500), "step 1's y_decoded_correct is not a count"),
    (_set(("steps", 0, "calls", "kinds", 0), "q"), "step 1's calls are not the 21 z- and y-updates of step 1"),
    (_set(("steps", 4, "calls", "kinds"), ["z", "y"]), "step 5's calls are not the 21 z- and y-updates"),
    (_set(("steps", 0, "calls", "kinds"), []), "step 1 records no calls of the network"),
    (_set(("steps", 2, "calls", "kinds"), 5), "step 3's calls are not the 21 z- and y-updates"),
    (_set(("pca", "y_path"), 0.5), "its PCA does not have a point for every call"),
    (_set(("steps", 0, "halt_probability"), 0.5), "step 1 has a field this version does not know, "
                                                  "'halt_probability'"),
    (_set(("steps", 0, "calls", "extra"), []), "step 1's calls has a field this version does not know"),
    (lambda data: data["steps"][0].pop("calls"), "it lacks the field 'calls'"),
    (_set(("pca", "y_path"), [[0.0, 0.0, 0.0]]), "its PCA does not have a point for every call"),
    (_set(("pca", "cells_explained"), ["a", "b"]), "its PCA holds something other than numbers"),
    (_set(("steps",), {"a": 1}), "its 'steps' is not a list of steps"),
    (lambda data: data["pca"].pop("z_path"), "its PCA lacks the field 'z_path'"),
    (lambda data: data["steps"][1]["calls"].pop("kinds"), "step 2's calls lacks the field 'kinds'"),
    (lambda data: data["steps"][2].pop("seconds"), "step 3 lacks the field 'seconds'"),
    (_set(("steps", 0, "calls"), [1, 2]), "step 1's calls is not an object"),
    (_set(("made_by", "steps"), "abc"), "'made_by.steps' should be a whole number, got \"abc\""),
    (_set(("made_by", "views"), True), "'made_by.views' should be a whole number, got true"),
    (_set(("made_by", "model"), 5), "'made_by.model' should be a name, got 5"),
    (_set(("steps", 0, "confidence", 3), "abc"), "it holds 'abc' where a number belongs"),
    (_set(("pca", "y_path", 0, 0), 1e308), "its PCA holds something other than numbers"),
    (_set(("steps", 1, "q_halt_logit"), 1e308), "step 2's halting logit 1e+308 is not a number"),
    (_set(("steps", 1, "calls", "y_delta", 0), 1e300), "step 2's y_delta holds something other than numbers"),
])
def test_a_trace_with_a_value_out_of_range_is_refused_by_name(change, message):
    with pytest.raises(DataError, match="damaged trace") as refused:
        trace_from_json(_tampered(change), "upload.json")
    assert message in str(refused.value)
    assert str(refused.value).startswith("upload.json is a damaged trace")


def test_every_shipped_trace_passes_the_checks():
    for path in sorted(TRACE.parent.glob("*.json")):
        assert read_trace_file(path).steps


def test_a_number_of_thousands_of_digits_is_refused_in_words_a_user_can_act_on():
    text = _tampered(lambda data: None).decode().replace('"grid_size": 9', '"grid_size": ' + "9" * 5001)
    with pytest.raises(DataError) as refused:
        trace_from_json(text, "upload.json")
    assert str(refused.value) == ("upload.json is a damaged trace: it holds a whole number of 5,001 digits, where a "
                                  "trace has only small counts and digits.")


def test_confidences_beyond_float32_are_refused_without_a_numpy_warning(recwarn):
    with pytest.raises(DataError, match="confidences are not probabilities"):
        trace_from_json(_tampered(_set(("steps", 0, "confidence", 0), 1e308)), "upload.json")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_json_nested_far_deeper_than_a_trace_is_refused_in_words():
    with pytest.raises(DataError) as refused:
        trace_from_json("[" * 100_000 + "]" * 100_000, "upload.json")
    assert str(refused.value) == "upload.json is not a TRM Studio trace: it is nested far deeper than a trace."
