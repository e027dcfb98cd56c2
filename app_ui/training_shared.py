"""Shared bits of the Train page: one-shot messages from button callbacks, status chips and run colours."""

import zlib

import streamlit as st

STATE_CHIPS = {  # state -> (badge colour, Material icon)
    "starting": ("violet", ":material/hourglass_top:"),
    "running": ("blue", ":material/directions_run:"),
    "finished": ("green", ":material/check_circle:"),
    "stopped": ("orange", ":material/pause_circle:"),
    "crashed": ("red", ":material/error:"),
}
STATE_COLOURS = {"starting": "#7b3fbf", "running": "#1c6fd1", "finished": "#1f8a4c", "stopped": "#c76a00",
                 "crashed": "#d12c2c"}  # the runs table's status text, close to the badges' colours
RUN_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#332288", "#882255"]  # Okabe-Ito+
POLL_SECONDS = 4.0  # how often the watched live run's progress and numbers are read and drawn again
# How often its curves, and the runs table with its comparison, are. Polling costs the training it shows on a small
# machine: a 4x4 run on 2 cores watched in a browser kept 0.65-0.89 of its speed alone with everything redrawn
# every 2 s, 0.86-0.96 with these two periods.
CHART_POLL_SECONDS = 8.0
IDLE_POLL_SECONDS = 10.0  # how often the runs list looks for a run started elsewhere while none is alive


def flash(kind: str, text: str) -> None:
    """Queue a message ("success", "info" or "error") for the next run of the page (set from a callback)."""
    st.session_state.setdefault("train_flash", []).append((kind, text))


def show_flashes() -> None:
    """Show and forget the queued messages; errors with st.error, and as a toast too: the form's buttons sit far
    below the top of the page, where the message is."""
    for kind, text in st.session_state.pop("train_flash", []):
        {"success": st.success, "info": st.info}.get(kind, st.error)(text)
        if kind == "error":
            st.toast(text, icon=":material/error:", duration="long")


def status_chip(state: str) -> None:
    """A coloured badge for a run's state."""
    colour, icon = STATE_CHIPS.get(state, ("gray", ":material/help:"))
    st.badge(state, icon=icon, color=colour)


RUN_DASHES = ["solid", "dash", "dot", "dashdot"]  # once every colour of a chart is taken, lines differ in dash


def run_styles(names: list[str]) -> dict[str, tuple[str, str]]:
    """(colour, dash) for each of ``names`` (give every run listed, not only those drawn), no two alike while styles
    last. A run starts from the colour its name hashes to; when a run earlier in name order holds that colour, it
    takes the next free one. So which runs a chart shows, and in what order they were chosen, never recolours a
    line: only a new run that sorts earlier and collides can move another."""
    styles, taken = {}, set()
    for name in sorted(set(names)):
        start = zlib.crc32(name.encode()) % len(RUN_COLOURS)
        free = [(RUN_COLOURS[(start + k) % len(RUN_COLOURS)], dash) for dash in RUN_DASHES
                for k in range(len(RUN_COLOURS))]
        style = next((style for style in free if style not in taken), free[0])
        styles[name] = style
        taken.add(style)
    return styles
