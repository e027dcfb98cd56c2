"""The Solve page's test-time breadth: how many views, the noise on their starting states, their precision, and
how many halted views must agree (read by the views panel, replayed without recomputing).

Measured with the shipped 9x9 model on 2,000 held-out forum-hardest puzzles (bench/README.md): 32 views with start
noise 0.3, stopping once 2 halted views agree, solve 99.6% at 112 supervision steps per puzzle.
"""

import streamlit as st

from app_ui import address
from app_ui import solve_link as sl
from app_ui.number_field import NumberRange
from trm.inference import has_fast_bf16

KEY_VIEWS, KEY_NOISE, KEY_AGREE = "solve_views", "solve_noise", "solve_agree"
MAX_VIEWS = 32
NOISE_CHOICES = (0.0, 0.1, 0.3, 0.5, 1.0)
DEFAULT_AGREE = 2  # one halted view can be wrong; two rarely halt on the same wrong grid


def pick_views() -> tuple[int, str | None]:
    """The number of views, and why it cannot be used (None when it can): the box is range-checked on the server
    (app_ui/number_field.py says why)."""
    linked = sl.take(sl.URL_VIEWS)
    if linked is not None:
        st.session_state[KEY_VIEWS] = linked
    views = st.number_input("Views", value=1, step=1, key=KEY_VIEWS, persist_state="session", width=120,
                            help=f"Solve the puzzle this many times at once (1 to {MAX_VIEWS}): itself and random "
                                 "symmetries of it (relabelled digits, swapped rows and columns...). The Q-head picks "
                                 "the answer it trusts most. More views solve more hard puzzles and cost more "
                                 "compute.")
    return int(views), NumberRange(1, MAX_VIEWS).problem("Views", views)


def pick_noise(views: int) -> float:
    """The noise on every view's initial y and z but the puzzle's own (0 with a single view)."""
    linked = sl.take(sl.URL_NOISE)
    if linked is not None:
        st.session_state[KEY_NOISE] = linked
    if st.session_state.get(KEY_NOISE) not in NOISE_CHOICES:
        st.session_state[KEY_NOISE] = 0.0
    if views == 1:
        return 0.0
    return float(st.selectbox("Start noise", NOISE_CHOICES, key=KEY_NOISE, persist_state="session", width=120,
                              format_func=lambda s: "none" if s == 0 else f"{s:g}",
                              help="Gaussian noise on each view's starting y and z (not the puzzle's own): "
                                   "another start is another attempt where symmetries run out of variety. 0.3 "
                                   "found the most right answers on the hardest puzzles; 1.0 is too much."))


def use_bf16(views: int, device: str) -> bool:
    """Several views run in bf16 autocast where it is native (a GPU, a CPU with AVX512-BF16 or AMX): twice as
    fast on such a CPU, the precision the GPU measurements used. One view stays in float32."""
    return views > 1 and has_fast_bf16(device)


def pick_agree(views: int) -> int:
    """How many halted views must give the same grid before the puzzle stops (for the views panel)."""
    linked = sl.take(sl.URL_AGREE)
    if linked is not None:
        st.session_state[KEY_AGREE] = linked
        if linked > views:
            st.warning(f"The link asks {linked} halted views to agree, but the solve has {views} views: {views} "
                       f"are used.")
    current = st.session_state.get(KEY_AGREE, DEFAULT_AGREE)
    st.session_state[KEY_AGREE] = min(max(int(current), 1), views)
    agree = int(st.number_input("Halted views that must agree", 1, views, key=KEY_AGREE, width=220,
                                help="Each view stops when its own P(halt) reaches the threshold; the puzzle "
                                     "stops once this many halted views give the same grid. Nothing is "
                                     "recomputed when it changes."))
    address.put(sl.URL_AGREE, str(agree))
    return agree
