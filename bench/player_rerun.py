"""Seconds per cursor move in the Solve page's step player, measured through Streamlit's AppTest.

    PYTHONPATH=. python bench/player_rerun.py [--puzzle 81CHARS] [--moves 8]

Solves one puzzle with the shipped 9x9 model on the Solve page (as a user would: the page, the default model,
Solve), then presses Previous ``--moves`` times and times each rerun: everything the page draws for one step (the
grid, the charts, the settle heat map, the cell inspector, the Compare and Intervene panels). AppTest reruns the
whole page where the browser reruns only the player fragment, so these are upper bounds. Prints one JSON line.
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HARD_PUZZLE = "000005209907000000030040000700000000000003100089700023040200800800010690000000050"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--puzzle", default=HARD_PUZZLE)
    parser.add_argument("--moves", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("TRM_COMPILE", "0")  # the background compile would compete for the 2 cores
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params["p"] = args.puzzle
    at.run()
    at.switch_page("app_pages/solve.py").run()
    started = time.perf_counter()
    at.button(key="solve_run").click().run()
    solve_seconds = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception}")
    moves = []
    for _ in range(args.moves):
        started = time.perf_counter()
        at.button(key="solve_prev").click().run()
        moves.append(time.perf_counter() - started)
    print(json.dumps({"puzzle": args.puzzle[:16] + "...", "solve_s": round(solve_seconds, 2),
                      "move_median_s": round(statistics.median(moves), 3), "move_max_s": round(max(moves), 3),
                      "moves": len(moves), "step_after": at.session_state["solve_step"]}))


if __name__ == "__main__":
    main()
