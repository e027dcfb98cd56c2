"""A Sudoku grid for Streamlit pages: an editable input grid and a read-only answer view.

Built with Custom Components v2 (no iframe); the JavaScript and CSS live beside this file as
``grid_component.js`` / ``grid_component.css`` and are passed inline, which also works under AppTest.

The data the browser receives (``sudoku_grid`` builds it; ``n = size * size`` cells, row-major)::

    {
      "size": 9,                  # digits per unit: 4, 6 or 9
      "box": [3, 3],              # box rows x box cols: [2, 2], [2, 3] or [3, 3]
      "cells": [n ints],          # digits shown, 0 = blank; givens included
      "givens": [n ints],         # the locked digit of each given cell, 0 = not a given
      "readonly": false,          # true: no typing (the step player's answer view)
      "show_conflicts": true,     # red marks on repeated digits; defaults to (not readonly)
      "report_selection": false,  # true: a click sends the cell index back (trigger "selected")
      "overlay": null | {         # optional per-cell layer drawn over non-given cells
        "digits":     [n ints],   # the model's digit, 0 = none; shown in teal instead of cells[i]
        "confidence": [n floats], # 0..1, shades the cell (more confident = darker); null entries = none
        "changed":    [n bools],  # amber dot: the digit changed since the previous step
        "wrong":      [n bools]   # red digit and corner: disagrees with the solution
      }
    }

The browser sends back state ``cells`` (``n`` ints) after every edit and, when ``report_selection``,
the trigger ``selected`` (a cell index). Cells carry ``role="gridcell"`` and ``aria-label="r3c7"``
(1-based row and column). Click selects; 1..size types; Backspace, Delete or 0 clears; arrow keys move;
Ctrl/Cmd+Z undoes typed edits and Ctrl/Cmd+Shift+Z or Ctrl+Y redoes them (new cells from Python start a new history).
On a touch screen an editable grid has a digit pad under it: the digits, Clear and Undo.
Givens are bold and locked, typed digits blue, model digits teal; a digit repeated in a row, column or
box turns red as it is typed. While editing, the selected cell's row, column, box and equal digits are
tinted; the read-only view tints only the selected cell, so confidence shading stays readable.
"""

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from app_ui.component_assets import component_asset
from trm import PuzzleError
from trm.sudoku import shape_for_size

_COMPONENT_NAME = "trm_sudoku_grid"
_OVERLAY_FIELDS = ("digits", "confidence", "changed", "wrong")


def _mount() -> Callable[..., Any]:
    # Registering on every call is cheap and idempotent; it also re-registers with each new runtime
    # (AppTest starts one per test), which a module-level registration would miss.
    return st.components.v2.component(
        _COMPONENT_NAME, css=component_asset("grid_component.css"), js=component_asset("grid_component.js")
    )


def _int_list(values: Sequence[int], n: int, name: str) -> list[int]:
    if len(values) != n:
        raise PuzzleError(f"sudoku_grid: {name} has {len(values)} entries, expected {n}.")
    return [int(v) for v in values]


def _check_overlay(overlay: dict[str, Sequence[Any]], n: int) -> dict[str, list[Any]]:
    unknown = set(overlay) - set(_OVERLAY_FIELDS)
    if unknown:
        raise PuzzleError(f"sudoku_grid: unknown overlay fields {sorted(unknown)}; use {list(_OVERLAY_FIELDS)}.")
    checked = {}
    for field, values in overlay.items():
        if len(values) != n:
            raise PuzzleError(f"sudoku_grid: overlay {field!r} has {len(values)} entries, expected {n}.")
        checked[field] = [None if v is None else float(v) if field == "confidence" else int(v) for v in values]
    return checked


def grid_data(
    cells: Sequence[int],
    size: int,
    *,
    givens: Sequence[int] | None = None,
    readonly: bool = False,
    overlay: dict[str, Sequence[Any]] | None = None,
    report_selection: bool = False,
    show_conflicts: bool | None = None,
) -> dict[str, Any]:
    """Return the JSON-ready ``data`` dict of the schema above; raises PuzzleError for wrong lengths."""
    shape = shape_for_size(size)
    n = shape.cells
    return {
        "size": size,
        "box": [shape.box_rows, shape.box_cols],
        "cells": _int_list(cells, n, "cells"),
        "givens": _int_list(givens, n, "givens") if givens is not None else [0] * n,
        "readonly": readonly,
        "show_conflicts": (not readonly) if show_conflicts is None else show_conflicts,
        "report_selection": report_selection,
        "overlay": _check_overlay(overlay, n) if overlay else None,
    }


def sudoku_grid(
    cells: Sequence[int],
    size: int,
    *,
    key: str,
    givens: Sequence[int] | None = None,
    readonly: bool = False,
    overlay: dict[str, Sequence[Any]] | None = None,
    show_conflicts: bool | None = None,
    on_change: Callable[[list[int]], None] | None = None,
    on_select: Callable[[int], None] | None = None,
) -> list[int]:
    """Draw a ``size`` x ``size`` Sudoku grid and return its cells (row-major ints, 0 = blank).

    The caller owns the puzzle: pass its current ``cells`` and an ``on_change`` callback, which Streamlit
    runs before the rerun with the edited cells, so the returned list is the caller's own state once the
    callback has stored it. ``givens`` (0 = not given) are locked. ``readonly`` with ``overlay`` gives the
    step player's answer view; ``on_select`` (readonly use) receives the clicked cell index.
    ``show_conflicts`` (default: not ``readonly``) marks digits repeated in a row, column or box in red.
    Without ``on_change`` the last edit is returned instead, until the next edit (even if ``cells`` changed).
    Raises PuzzleError for an unsupported size or lists of the wrong length.
    """
    data = grid_data(cells, size, givens=givens, readonly=readonly, overlay=overlay,
                     report_selection=on_select is not None, show_conflicts=show_conflicts)
    callbacks: dict[str, Callable[[], None]] = {"on_cells_change": lambda: None}
    if on_change is not None:
        callbacks["on_cells_change"] = lambda: on_change(_edited_cells(key, len(data["cells"])))
    if on_select is not None:
        callbacks["on_selected_change"] = lambda: on_select(int(st.session_state[key]["selected"]))
    result = _mount()(key=key, data=data, **callbacks)
    edited = result.get("cells")
    if on_change is None and isinstance(edited, list) and len(edited) == len(data["cells"]):
        return [int(v) for v in edited]
    return data["cells"]


def _edited_cells(key: str, n: int) -> list[int]:
    values = st.session_state[key]["cells"]
    if not isinstance(values, list) or len(values) != n:
        raise PuzzleError(f"The grid sent {values!r}; expected {n} cells. Reload the page.")
    return [int(v) for v in values]
