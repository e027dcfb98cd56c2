"""The evaluations' progress bar, counted in puzzle-steps: a set that fits one batch still moves it (a 9x9 step of a
large batch takes seconds on a CPU, and a batch with several views of each puzzle minutes)."""

from tqdm import tqdm

from trm.progress_bars import progress_bar


def puzzle_step_bar(puzzles: int, steps: int, description: str, show: bool) -> tqdm:
    """A bar of ``puzzles`` x ``steps``; advance it by a batch's puzzle count after each step the batch runs."""
    return progress_bar(total=puzzles * steps, desc=description, unit=" puzzle-steps", disable=not show)
