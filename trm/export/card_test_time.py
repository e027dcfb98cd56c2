"""The model card's test-time section: accuracy against compute for K views x N steps, with and without the
agreement stop rule, as replayed by bench/test_time_rules.py or run live by bench/test_time.py --agree (each
tool's ``--card-json`` file: replays carry ``rows`` and ``cheapest``, live runs ``live``)."""

from pathlib import Path

from trm.checkpoint import read_json
from trm.errors import DataError

_NUMBER = (int, float)
_ROW_KEYS = {"views": int, "steps": int, "steps_per_puzzle": _NUMBER, "exact_q": _NUMBER}
_LIVE_KEYS = {"views": int, "agree": int, "steps": int, "noise": _NUMBER, "exact": _NUMBER,
              "supervision_steps_per_puzzle": _NUMBER, "seconds_per_puzzle": _NUMBER}


def _check_fields(entry: dict, fields: dict, source: str) -> None:
    for key, kind in fields.items():
        if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
            raise DataError(f"{source}: field {key!r} is missing or not a {kind.__name__}.")


def _check_rows(rows: list, fields: dict, source: str) -> None:
    for number, row in enumerate(rows, start=1):
        bad = [key for key, kind in fields.items()
               if not isinstance(row, dict) or not isinstance(row.get(key), kind) or isinstance(row.get(key), bool)]
        if bad:
            raise DataError(f"{source}: row {number} lacks a number for {', '.join(bad)}.")


def _checked(entry: dict, source: str) -> dict:
    """The entry if it has the fields the card reads, with the right types; else a DataError naming the field."""
    _check_fields(entry, {"set": str, "puzzles": int, "command": str}, source)
    if "live" in entry:
        _check_fields(entry, {"live": list}, source)
        _check_rows(entry["live"], _LIVE_KEYS, source)
        return entry
    _check_fields(entry, {"rows": list, "cheapest": list}, source)
    _check_rows(entry["rows"], _ROW_KEYS, source)
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
        if "live" in entry:
            lines += _live_lines(entry)
            continue
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


def _live_lines(entry: dict) -> list[str]:
    """A live run's table: the agreement rule computed as it runs (finished views leave the batch), with time."""
    lines = ["", f"### {entry['set']} ({entry['puzzles']:,} puzzles, run live)", "",
             f"Run on {entry.get('device', 'n/a')} ({entry.get('precision', 'n/a')}) with `{entry['command']}`. "
             f"Each view stops at its own halt, a puzzle once M halted views agree; the steps and seconds are what "
             f"was computed.", "",
             "| views | start noise | M agree | budget (steps) | exact | steps per puzzle | seconds per puzzle |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for row in entry["live"]:
        lines.append(f"| {row['views']} | {row['noise']:g} | {row['agree']} | {row['steps']} | {row['exact']:.2%} | "
                     f"{row['supervision_steps_per_puzzle']:.0f} | {row['seconds_per_puzzle']:.4f} |")
    return lines
