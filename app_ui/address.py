"""The Solve page's address (its query parameters), sent to the browser once per script run.

Streamlit's browser side pushes a history entry for every address change it is sent, so a run that changed five
parameters one by one left five entries behind, and Back had to be pressed five times to reach the puzzle before.
Writers here only note what they want; the run's end sends it all in one change (``one_change_per_run``).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

KEY_WANTED = "address_wanted"  # this run's changes: name -> value, or None to take the parameter out
# How many of one_change_per_run's blocks the script thread is in: a page's run (1), a fragment drawn inside it (2),
# a fragment rerun alone (1). Not in the session's state: a run cut short may no longer write to that.
_depth: ContextVar[int] = ContextVar("address_depth", default=0)


@contextmanager
def one_change_per_run() -> Iterator[None]:
    """Around a page's code and around a fragment's: what they put is sent when the outermost of them ends, so a
    fragment rerun alone (the step player) sends its own change, and one drawn in a page's run leaves it to the
    page's. A run cut short (a click starts the next, or st.rerun) sends nothing: what it sends may never reach
    the browser while the server would take it as sent; the next run puts and sends it again."""
    token = _depth.set(_depth.get() + 1)
    try:
        yield
    finally:
        _depth.reset(token)
    if _depth.get() == 0:
        flush()


def put(name: str, value: str | None) -> None:
    """Set ``name`` to ``value`` in the address (None takes it out) when the run ends."""
    st.session_state.setdefault(KEY_WANTED, {})[name] = value


def flush() -> None:
    """Send this run's changes to the browser as one change of the address; nothing when they change nothing."""
    wanted = st.session_state.pop(KEY_WANTED, {})
    current = st.query_params.to_dict()
    new = dict(current)
    for name, value in wanted.items():
        if value is None:
            new.pop(name, None)
        else:
            new[name] = value
    if new != current:
        st.query_params.from_dict(new)
