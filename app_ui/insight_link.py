"""A link to the Insight page carries its settings in the address (widgets bound to query parameters). A widget
drops a value it cannot take and shows its own default without a word; these notes say so, once per session, so
a shared link that named a model or a sample this machine cannot give does not pass for what its author saw."""

import streamlit as st

KEY_LINKED = "insight_linked"  # the address's insight_* values when the page first ran in this session
PREFIX = "insight_"


def remember_link() -> None:
    """On the page's first run in a session: keep the address's settings, before any widget changes them."""
    if KEY_LINKED not in st.session_state:
        st.session_state[KEY_LINKED] = {name: value for name, value in st.query_params.to_dict().items()
                                        if name.startswith(PREFIX)}


def _same(linked: str, shown: str) -> bool:
    try:
        return float(linked) == float(shown)
    except ValueError:
        return linked == shown


def note_dropped(shown: dict[str, str], slot) -> None:
    """``shown``: each setting's name and its value as the address writes it. A warning in ``slot`` names every
    linked setting whose widget shows another value; shown once, and only for settings drawn in this run."""
    linked = st.session_state.get(KEY_LINKED) or {}
    dropped = [f"`{name.removeprefix(PREFIX)}={text}`" for name, text in linked.items()
               if name in shown and not _same(text, shown[name])]
    st.session_state[KEY_LINKED] = {name: text for name, text in linked.items() if name not in shown}
    if dropped:
        slot.warning(f"{', '.join(dropped)} in the link {'is' if len(dropped) == 1 else 'are'} not available "
                     f"here, so the page shows its own {'value' if len(dropped) == 1 else 'values'} instead.",
                     icon=":material/link_off:")
