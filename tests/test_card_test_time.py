"""The model card's test-time section comes from bench/test_time_rules.py's (replayed) or bench/test_time.py's (live)
results file, checked field by field."""

import json

import pytest

from trm.errors import DataError, TRMError
from trm.export.card_test_time import merge_test_time, read_test_time, views_and_steps_section

ENTRY = {"set": "forum-hardest", "puzzles": 2000, "command": "python bench/test_time_rules.py --record R.npz",
         "precision": "bf16 autocast", "recorded_with": {"device": "NVIDIA H200"},
         "rows": [{"views": 8, "steps": 64, "steps_per_puzzle": 512, "exact_q": 0.985, "exact_any": 0.985,
                   "agree2": {"exact": 0.985, "steps_per_puzzle": 56.2, "stopped": 0.98}}],
         "cheapest": [">= 99.0%: 16 x 64, 2 halted agree: 99.10% at 81.3 supervision steps per puzzle"]}


def test_the_section_tabulates_every_setting_with_and_without_the_rule(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(ENTRY))
    text = "\n".join(views_and_steps_section([read_test_time(path)]))
    assert "### forum-hardest (2,000 puzzles)" in text and "NVIDIA H200 (bf16 autocast)" in text
    assert "| 8 x 64 | 98.50% at 512 | 98.50% at 56 |" in text and ">= 99.0%: 16 x 64" in text
    assert views_and_steps_section(None) == [] and views_and_steps_section([]) == []


LIVE = {"set": "forum-hardest, live", "puzzles": 2000, "command": "python bench/test_time.py --agree 2",
        "device": "NVIDIA H200", "precision": "bf16 autocast",
        "live": [{"views": 32, "agree": 2, "steps": 64, "noise": 0.3, "exact": 0.996,
                  "supervision_steps_per_puzzle": 112.2, "seconds_per_puzzle": 0.0229, "puzzles": 2000}]}


def test_a_live_run_is_tabulated_with_its_noise_agreement_and_seconds(tmp_path):
    path = tmp_path / "live.json"
    path.write_text(json.dumps(LIVE))
    text = "\n".join(views_and_steps_section([ENTRY, read_test_time(path)]))
    assert "### forum-hardest, live (2,000 puzzles, run live)" in text
    assert "| 32 | 0.3 | 2 | 64 | 99.60% | 112 | 0.0229 |" in text and "### forum-hardest (2,000 puzzles)" in text
    path.write_text(json.dumps({**LIVE, "live": [{"views": 32}]}))
    with pytest.raises(DataError, match="row 1 lacks a number for agree, steps, noise"):
        read_test_time(path)


def test_a_new_result_replaces_the_one_of_its_set():
    other = {**ENTRY, "set": "top1465"}
    merged = merge_test_time([ENTRY, other], {**ENTRY, "puzzles": 1})
    assert [(e["set"], e["puzzles"]) for e in merged] == [("top1465", 2000), ("forum-hardest", 1)]


@pytest.mark.parametrize("change, message", [
    ({"puzzles": "many"}, "'puzzles'"), ({"rows": None}, "'rows'"), ({"puzzles": True}, "'puzzles'"),
    ({"rows": [{"views": 8}]}, "row 1 lacks a number for steps, steps_per_puzzle, exact_q"),
    ({"cheapest": [1]}, "'cheapest'")])
def test_a_damaged_results_file_is_a_clear_error(tmp_path, change, message):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**ENTRY, **change}))
    with pytest.raises(DataError, match=message):
        read_test_time(path)
    path.write_text("[1, 2]")
    with pytest.raises(TRMError, match="should hold a JSON object"):
        read_test_time(path)
