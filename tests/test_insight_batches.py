"""A Stop click on Insight reruns the page while the old script thread still computes its batch: the new run waits
for that batch through marks the old thread can still write."""

import threading
import time

from app_ui import insight_batches as batches


def test_a_run_is_computing_from_its_mark_until_its_batch_is_done_and_waiting_ends_then():
    batches.mark_computing("run-a")
    assert batches.computing(["run-b", "run-a"]) and not batches.computing(["run-b"])
    finisher = threading.Timer(0.3, batches.mark_done, args=("run-a",))  # the old thread saving its batch
    finisher.start()
    started = time.monotonic()
    batches.wait_until_saved(["run-a"], poll_s=0.02)
    assert time.monotonic() - started >= 0.25 and not batches.computing(["run-a"])
    finisher.join()


def test_a_mark_left_by_a_thread_that_died_long_ago_does_not_hold_the_page(monkeypatch):
    batches.mark_computing("run-c")
    later = time.time() + batches.MARK_LIMIT_S + 1
    monkeypatch.setattr(batches.time, "time", lambda: later)
    assert not batches.computing(["run-c"])
    batches.wait_until_saved(["run-c"])  # returns at once
    monkeypatch.undo()
    batches.mark_done("run-c")
