"""Number boxes whose range the server checks, so what an action uses is what the box shows.

Streamlit's own ``min_value``/``max_value`` are checked in the browser: a value out of range turns the box red but
never reaches the server, so a button pressed next acts on the last valid value, which the box no longer shows.
These boxes send every number, and the page refuses the action, naming the box, while one is out of range.
"""

import math
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class NumberRange:
    """The numbers a box accepts: ``least`` <= value <= ``most``, or value > ``above``; None leaves a side open."""

    least: float | None = None
    most: float | None = None
    above: float | None = None

    def problem(self, label: str, value: float) -> str | None:
        """Why ``value`` is not accepted, as a sentence naming the box ``label``; None when it is."""
        if not math.isfinite(value):
            return f"{label} must be a number, got {value}."
        if self.above is not None and not value > self.above:
            return f"{label} must be above {self.above:g}, got {value:g}."
        if self.least is not None and value < self.least:
            return f"{label} must be at least {self.least:g}, got {value:g}."
        if self.most is not None and value > self.most:
            return f"{label} must be at most {self.most:g}, got {value:g}."
        return None


AT_LEAST_ONE = NumberRange(least=1)
NOT_NEGATIVE = NumberRange(least=0)


def checked_number(container, label: str, allowed: NumberRange, **kwargs) -> float | int:
    """Draw ``container.number_input(label, **kwargs)`` with no browser-side range, and under it a red line while
    its value is outside ``allowed``. Returns the value as the box shows it, in range or not."""
    value = container.number_input(label, **kwargs)
    show_problem(container, allowed.problem(label, value))
    return value


def show_problem(container, problem: str | None) -> None:
    """A red line with ``problem`` (nothing for None), under the box it names."""
    if problem is not None:
        container.markdown(f":red[:material/error: {problem}]")


def number_problem(label: str, allowed: NumberRange, key: str) -> str | None:
    """Why the value of the box ``key`` in session state is outside ``allowed``; None when it is inside (or the box
    has not been drawn yet)."""
    value = st.session_state.get(key)
    return None if value is None else allowed.problem(label, value)
