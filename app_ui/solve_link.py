"""The Solve page's settings in its address: ``model``, ``steps``, ``threshold``, ``views``, ``noise`` and ``agree``
beside ``p`` (the puzzle) and ``step`` (the player's cursor). A link carrying them opens on the same solve, run
by itself, at the same step; the address follows every change, so copying it at any moment shares what is on
screen. A solved comparison (the Compare panel) adds ``cmp_model``, ``cmp_steps``, ``cmp_views`` and
``cmp_threshold``: the link then also runs that comparison by itself, after the solve.

A value that is not valid (a model that is not here, steps out of range, ``²``) is skipped with a notice: the page
opens with its own default for it and keeps running.
"""

import math

import streamlit as st

from app_ui import address

URL_MODEL, URL_STEPS, URL_THRESHOLD, URL_VIEWS = "model", "steps", "threshold", "views"
URL_NOISE, URL_AGREE = "noise", "agree"
URL_CMP_MODEL, URL_CMP_STEPS, URL_CMP_VIEWS, URL_CMP_THRESHOLD = "cmp_model", "cmp_steps", "cmp_views", "cmp_threshold"
COMPARE_NAMES = (URL_CMP_MODEL, URL_CMP_STEPS, URL_CMP_VIEWS, URL_CMP_THRESHOLD)
KEY_AUTOSOLVE_COMPARE = "solve_link_autosolve_compare"  # the link carries a comparison: run it once, unasked
KEY_COMPARE_NOTES = "solve_link_compare_notes"  # shown in the Compare panel, beside what they are about
KEY_PENDING = "solve_link_pending"  # settings read from the link, applied as their widgets are drawn
KEY_AUTOSOLVE = "solve_link_autosolve"  # the link asked for a solve: run it once without a click
KEY_NOTES = "solve_link_notes"
KEY_NOTES_SHOWN = "solve_link_notes_shown"  # this run's notes, for presentation mode (which hides the page's own)
KEY_TEXTS = "solve_link_texts"  # each setting as the link wrote it, for notes that quote it
STEPS_CEILING = 10 ** 9 - 1  # far above any model's steps: the page caps a link's steps to the model's


def _int(text: str, low: int, high: int) -> int | None:
    if not (text.isascii() and text.isdecimal() and len(text) <= 9):  # Python refuses int() of 4,300+ digits
        return None
    return int(text) if low <= int(text) <= high else None


def _steps(text: str) -> int | None:
    """A whole number of at least 1; any longer one reads as the largest, which the page then caps."""
    if text.isascii() and text.isdecimal() and len(text) > 9:
        return STEPS_CEILING
    return _int(text, 1, STEPS_CEILING)


def _threshold(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return math.floor(value * 20 + 0.5) / 20 if 0.05 <= value <= 0.95 else None  # the slider's 0.05 grid, halves up


def _choice(text: str, choices: tuple[float, ...]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value in choices else None


def _parsers(max_views: int, noise_choices: tuple[float, ...]) -> dict:
    """Each setting's parser (None for a value that cannot be used) and what it allows, for the note."""
    views = (lambda t: _int(t, 1, max_views), f"a whole number from 1 to {max_views}")
    steps, threshold = (_steps, "a whole number of at least 1"), (_threshold, "a number from 0.05 to 0.95")
    model = (lambda t: t or None, "the name of a model in the picker")
    return {URL_STEPS: steps, URL_VIEWS: views, URL_THRESHOLD: threshold, URL_MODEL: model,
            URL_NOISE: (lambda t: _choice(t, noise_choices), "one of " + ", ".join(f"{c:g}" for c in noise_choices)),
            URL_AGREE: views, URL_CMP_MODEL: model, URL_CMP_STEPS: steps, URL_CMP_VIEWS: views,
            URL_CMP_THRESHOLD: threshold}


def read_link(max_views: int, noise_choices: tuple[float, ...]) -> None:
    """On the session's first run: remember the link's settings (applied by ``apply``) and whether to solve (and
    compare) by itself: whenever it names a puzzle and any setting (valid or not), a step, or presentation mode.
    Steps are capped later, when the model (and so its own count) is known. Notes on the comparison's values wait
    for the Compare panel."""
    if KEY_PENDING in st.session_state:
        return
    params, pending, notes, compare_notes = st.query_params, {}, [], []
    named = {name: parser for name, parser in _parsers(max_views, noise_choices).items() if name in params}
    for name, (parse, allowed) in named.items():
        value, said = parse(params[name]), compare_notes if name in COMPARE_NAMES else notes
        if value is None:
            said.append(f"`{name}={params[name]}` in the link is not valid here ({allowed}), so the default is used.")
            continue
        pending[name] = value
        if name in (URL_THRESHOLD, URL_CMP_THRESHOLD) and value != float(params[name]):
            said.append(f"`{name}={params[name]}` in the link falls between the slider's steps of 0.05, so "
                        f"{value:.2f} is used.")
    st.session_state[KEY_PENDING] = pending
    st.session_state[KEY_TEXTS] = {name: params[name] for name in pending}
    st.session_state[KEY_NOTES], st.session_state[KEY_COMPARE_NOTES] = notes, compare_notes
    # a puzzle with any setting, a step, or present=1 (a slide to show) asks for its solve
    st.session_state[KEY_AUTOSOLVE] = bool(params.get("p")) and (bool(named) or "step" in params or
                                                                 params.get("present") == "1")
    st.session_state[KEY_AUTOSOLVE_COMPARE] = bool(params.get("p")) and any(name in COMPARE_NAMES for name in named)


def take_compare_notes() -> list[str]:
    """The notes on the link's comparison values (once)."""
    return st.session_state.pop(KEY_COMPARE_NOTES, [])


def take(name: str):
    """The link's value for ``name`` (once), or None."""
    return st.session_state.get(KEY_PENDING, {}).pop(name, None)


def link_text(name: str) -> str:
    """``name``'s value as the link wrote it ("" when the link did not set it)."""
    return st.session_state.get(KEY_TEXTS, {}).get(name, "")


def note(text: str) -> None:
    st.session_state.setdefault(KEY_NOTES, []).append(text)


def show_notes() -> None:
    texts = st.session_state.pop(KEY_NOTES, [])
    for text in texts:
        st.warning(text)
    st.session_state[KEY_NOTES] = []
    st.session_state[KEY_NOTES_SHOWN] = texts


def take_shown_notes() -> list[str]:
    """The notes show_notes drew in this run (once: a rerun that drew none returns none)."""
    return st.session_state.pop(KEY_NOTES_SHOWN, [])


def should_autosolve() -> bool:
    """True once when the link asked for a solve."""
    return bool(st.session_state.pop(KEY_AUTOSOLVE, False))


def should_autosolve_compare() -> bool:
    """True once when the link asked for a comparison."""
    return bool(st.session_state.pop(KEY_AUTOSOLVE_COMPARE, False))


def write_compare(model_label: str | None, steps: int = 0, views: int = 1, threshold: float = 0.5) -> None:
    """Mirror the solved comparison into the address; ``model_label`` None (none solved for this puzzle) takes it
    out."""
    wanted = {URL_CMP_MODEL: model_label, URL_CMP_STEPS: str(steps), URL_CMP_VIEWS: str(views),
              URL_CMP_THRESHOLD: f"{threshold:.2f}"}
    for name, value in wanted.items():
        address.put(name, value if model_label is not None else None)


def write_link(model_label: str | None, steps: int, threshold: float, views: int, noise: float) -> None:
    """Mirror the settings on screen into the address; ``model_label`` None (an empty grid) takes them out: there
    is no solve to share. Noise and agreement mean something only with several views."""
    solving, several = model_label is not None, views > 1
    wanted = {URL_MODEL: model_label, URL_STEPS: str(steps), URL_THRESHOLD: f"{threshold:.2f}",
              URL_VIEWS: str(views), URL_NOISE: f"{noise:g}" if solving and several else None}
    for name, value in wanted.items():
        address.put(name, value if solving else None)
    if not (solving and several):
        address.put(URL_AGREE, None)
    if not solving:
        write_compare(None)
