"""A trace as one self-contained HTML file that plays offline in any browser: no Python, no network, no library
(the grid is HTML, the charts inline SVG, the player a page of plain JavaScript; the trace is embedded)."""

import html
import json
from pathlib import Path

import numpy as np

from trm.render.judging import shown_conflicts, wrong_cells
from trm.sudoku.shape import shape_for_size
from trm.trace.records import Trace

TEMPLATE = Path(__file__).with_name("player.html")


def describe_maker(trace: Trace) -> str:
    """'sudoku9-mlp, 64 supervision steps, 8 views' from the trace's record of what made it ('' if none)."""
    made = trace.made_by
    if not made.get("model"):
        return ""
    views = f", {made['views']} views" if isinstance(made.get("views"), int) and made["views"] > 1 else ""
    if views and isinstance(made.get("noise"), (int, float)) and made["noise"] > 0:
        views += f" (start noise {made['noise']:g})"
    return f"{made['model']}, {made.get('steps', len(trace.steps))} supervision steps{views}"


def player_data(trace: Trace, note: str = "", start: int = 1, autoplay: bool = False, speed_ms: int = 800) -> dict:
    """What the page needs, compact: per step the digits, confidence in percent, changed and wrong flags, P(halt),
    blanks right and the digits repeated in the grid as shown (givens, and the model's digits in the blanks).
    Without a single solution (``judged`` false) "wrong" marks every digit repeated in a row, column or box, as the
    Solve page does: nothing else can be called wrong."""
    shape = shape_for_size(trace.grid_size)
    blanks = trace.puzzle == 0
    steps = []
    for record in trace.steps:
        conflicts = shown_conflicts(trace, record)
        wrong = wrong_cells(trace, record, conflicts)
        steps.append({"d": record.prediction.astype(int).tolist(),
                      "c": np.round(np.clip(record.confidence, 0, 1) * 100).astype(int).tolist(),
                      "ch": record.changed.astype(int).tolist(), "w": wrong.astype(int).tolist(),
                      "h": round(float(record.q_halt_probability), 4),
                      "r": None if record.correct is None else int(record.correct[blanks].sum()),
                      "v": len(conflicts), "full": bool(record.prediction[blanks].all())})
    return {"size": shape.size, "boxRows": shape.box_rows, "boxCols": shape.box_cols,
            "puzzle": trace.puzzle.astype(int).tolist(), "threshold": trace.halt_threshold,
            "blanks": int(blanks.sum()), "judged": trace.solution is not None, "solvedAt": trace.first_solved_step,
            "note": note, "start": start, "autoplay": autoplay, "speed": speed_ms, "steps": steps}


def render_html(trace: Trace, title: str = "TRM Studio: a Tiny Recursive Model solving Sudoku", note: str = "",
                start: int = 1, autoplay: bool = False, speed_ms: int = 800, page_height: int | None = None) -> str:
    """The page as a string; ``note`` (e.g. the model and settings) shows under the title, ``start`` is the step
    it opens on; ``autoplay`` starts playing at once, one step per ``speed_ms`` (800, 400, 250 or 150 ms).
    ``page_height`` (pixels) lays it out for that height instead of the window's: for a frame sized to its
    content, where the window's height would be the frame's own. On a phone's width it is one scrolling column."""
    data = player_data(trace, note, start, autoplay, speed_ms)
    embedded = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    root_style = f"--page-height: {int(page_height)}px" if page_height else ""
    return TEMPLATE.read_text(encoding="utf-8").replace("__TITLE__", html.escape(title)).replace(
        "__ROOT_STYLE__", root_style).replace("__TRACE_JSON__", embedded)


def write_html(trace: Trace, path: Path, title: str = "TRM Studio: a Tiny Recursive Model solving Sudoku",
               note: str = "", start: int = 1) -> Path:
    Path(path).write_text(render_html(trace, title, note, start), encoding="utf-8")
    return Path(path)
