"""The model card's test-time section: accuracy against compute for K views x N steps, with and without the
agreement stop rule, as measured by bench/test_time_rules.py (its ``--card-json`` file)."""

from pathlib import Path

from trm.checkpoint import read_json
from trm.errors import DataError

_ROW_KEYS = {"views": int, "steps": int, "steps_per_puzzle": (int, float), "exact_q": (int, float)}


def _checked(entry: dict, source: str) -> dict:
    """The entry if it has the fields the card reads, with the right types; else a DataError naming the field."""
    for key, kind in {"set": str, "puzzles": int, "command": str, "rows": list, "cheapest": list}.items():
        if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
            raise DataError(f"{source}: field {key!r} is missing or not a {kind.__name__}.")
    for number, row in enumerate(entry["rows"], start=1):
        bad = [key for key, kind in _ROW_KEYS.items()
               if not isinstance(row, dict) or not isinstance(row.get(key), kind) or isinstance(row.get(key), bool)]
        if bad:
            raise DataError(f"{source}: row {number} lacks a number for {', '.join(bad)}.")
    if not all(isinstance(line, str) for line in entry["cheapest"]):
        raise DataError(f"{source}: 'cheapest' must be a list of strings.")
    return entry


def read_test_time(path: Path) -> dict:
    """One set's test-time results, checked."""
    return _checked(read_json(Path(path), "Test-time results"), str(path))


def merge_test_time(entries: list[dict], new: dict) -> list[dict]:
    """``entries`` with ``new`` replacing the entry of the same set (or added)."""
    return [entry for entry in entries if entry.get("set") != new["set"]] + [new]


def _agree_cell(row: dict, agree: int) -> str:
    rule = row.get(f"agree{agree}")
    if not isinstance(rule, dict):
        return "-"
    return f"{rule.get('exact', 0):.2%} at {rule.get('steps_per_puzzle', 0):.0f}"


def views_and_steps_section(entries: list[dict] | None) -> list[str]:
    """Markdown lines: per set, a table of views x steps and the cheapest setting for each accuracy target."""
    if not entries:
        return []
    lines = ["", "## Test-time views and steps", "",
             "K views of each puzzle (the puzzle itself, then random Sudoku symmetries) run N supervision steps each. "
             "Without a stop rule the answer is the view with the highest Q-halt logit at the last step and the "
             "cost is K x N supervision steps per puzzle. With the agreement rule each view stops when its own "
             "P(halt) reaches the threshold and a puzzle once M halted views give the same grid; the cost is the "
             "supervision steps its views actually ran (mean per puzzle). Cells: exact accuracy at that cost."]
    for entry in entries:
        recorded = entry.get("recorded_with") or {}
        agrees = sorted({int(key[5:]) for row in entry["rows"] for key in row if key[5:].isdigit()})
        lines += ["", f"### {entry['set']} ({entry['puzzles']:,} puzzles)", "",
                  f"Recorded on {recorded.get('device', 'n/a')} ({entry.get('precision', 'n/a')}); replay with "
                  f"`{entry['command']}`.", "",
                  "| views x steps | no stop | " + " | ".join(f"{m} halted agree" for m in agrees) + " |",
                  "|---|---:|" + "---:|" * len(agrees)]
        for row in entry["rows"]:
            cells = [f"{row['views']} x {row['steps']}", f"{row['exact_q']:.2%} at {row['steps_per_puzzle']:,}"]
            lines.append("| " + " | ".join(cells + [_agree_cell(row, m) for m in agrees]) + " |")
        lines += ["", "Cheapest setting measured for each target:", ""] + [f"- {line}" for line in entry["cheapest"]]
    return lines
