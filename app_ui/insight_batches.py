"""Which Insight runs have a batch computing right now, in this app process. A Stop click reruns the page at once,
in a new script thread, while the old one is still inside its batch: it leaves at the batch's next step, when it
next shows its progress (the batch is then not saved; Continue runs it again). That old thread may no longer touch
the session's state, so the mark lives here, keyed by the run's cache key."""

import threading
import time

MARK_LIMIT_S = 600  # a batch takes seconds; a mark this old was left by a thread that died

_started: dict[str, float] = {}
_lock = threading.Lock()


def mark_computing(key: str) -> None:
    with _lock:
        _started[key] = time.time()


def mark_done(key: str) -> None:
    with _lock:
        _started.pop(key, None)


def computing(keys: list[str]) -> bool:
    """Whether a batch of any of these runs is still computing (a mark too old to be true does not count)."""
    with _lock:
        return any(time.time() - _started.get(key, 0.0) < MARK_LIMIT_S for key in keys)


def wait_until_saved(keys: list[str], poll_s: float = 0.2) -> None:
    """Return once no batch of these runs is computing."""
    while computing(keys):
        time.sleep(poll_s)
