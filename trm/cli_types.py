"""Argument types for every ``python -m trm...`` command line: numbers checked for range at the door.

argparse calls these on the text; a bad value becomes argparse's usage error (exit status 2) naming the option,
so ``--steps 0`` or ``--threshold nan`` never turns into a default or a NaN deep inside a run.
"""

import argparse
import functools
import json
import math
import os
import signal
import sys

MAX_SEED = 2**63 - 1  # what torch.Generator.manual_seed and NumPy's generators accept


def _number(text: str, kind: type) -> float | int:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _checked(text: str, kind: type, is_allowed, requirement: str):
    value = _number(text, kind)
    if not is_allowed(value):
        raise argparse.ArgumentTypeError(f"{value} must be {requirement}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (steps, batch sizes, limits, counts, views)."""
    return _checked(text, int, lambda value: value >= 1, "at least 1")


MAX_EVAL_STEPS = 4_096  # test-time depth far past any trained count; more only runs for hours


def int_up_to(most: int, what: str):
    """An argparse type: an integer from 1 to ``most`` (views, steps: past the cap a run only exhausts memory)."""
    def parse(text: str) -> int:
        return _checked(text, int, lambda value: 1 <= value <= most, f"from 1 to {most:,} {what}")
    parse.__name__ = f"{what} (1-{most})"  # argparse names the type in its error message
    return parse


def non_negative_int(text: str) -> int:
    """An integer >= 0 (a count where 0 means "all")."""
    return _checked(text, int, lambda value: value >= 0, "0 or more")


def seed(text: str) -> int:
    """A seed: an integer from 0 to 2**63 - 1."""
    return _checked(text, int, lambda value: 0 <= value <= MAX_SEED, "between 0 and 2**63 - 1")


def probability(text: str) -> float:
    """A finite number in [0, 1] (a halting threshold)."""
    return _checked(text, float, lambda value: 0.0 <= value <= 1.0, "between 0 and 1")


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate)."""
    return _checked(text, float, lambda value: value > 0, "greater than 0")


def non_negative_float(text: str) -> float:
    """A finite number >= 0 (a noise scale)."""
    return _checked(text, float, lambda value: value >= 0, "0 or more")


def device(text: str) -> str:
    """``cpu``, ``cuda`` or ``cuda:N`` naming a GPU PyTorch can see."""
    import torch  # here, not at the top: the Sudoku command line uses this module and needs no torch

    if text == "cpu":
        return text
    if text != "cuda" and not (text.startswith("cuda:") and text[5:].isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device: use cpu, cuda or cuda:N")
    if not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f"{text} asked for, but PyTorch sees no CUDA GPU here: use --device cpu")
    if text.startswith("cuda:") and int(text[5:]) >= torch.cuda.device_count():
        raise argparse.ArgumentTypeError(f"{text}: PyTorch sees {torch.cuda.device_count()} GPU(s)")
    return text


DEVICE_VARIABLE = "TRM_DEVICE"  # =cpu: stay on the CPU where a device is not named, even with a GPU


def default_device() -> str:
    """The device where none is named (commands, the app, training): ``cuda`` when PyTorch sees a GPU, else
    ``cpu``; ``cpu`` whenever the environment sets TRM_DEVICE=cpu (the test suite does: its checks compare with
    float32 results). Any other value of TRM_DEVICE is ignored, with a line on stderr saying so."""
    import torch  # see device()

    named = os.environ.get(DEVICE_VARIABLE, "")
    if named == "cpu":
        return "cpu"
    if named:
        _say_once(f"{DEVICE_VARIABLE}={named!r} is ignored: it takes only 'cpu' (unset it to use a GPU where there "
                  f"is one)")
    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.cache
def _say_once(message: str) -> None:
    print(message, file=sys.stderr)


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def strict_json(data, **options) -> str:
    """JSON that every parser reads: NaN and infinities (which json.dumps writes bare) become null."""
    return json.dumps(_finite(data), allow_nan=False, **options)


def _starts_as(path, first_line: str, second_line_part: str) -> bool:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return (handle.readline().rstrip("\r\n") == first_line
                    and second_line_part in handle.readline())
    except (OSError, UnicodeDecodeError):
        return False


def _same_file(target, source) -> bool:
    """Whether writing ``target`` would write ``source``: the same path, a link to it, or a hard link."""
    import os

    try:
        return target.resolve() == source.resolve() or (target.exists() and os.path.samefile(target, source))
    except OSError:
        return False


def _inside(target, folder) -> bool:
    """Whether ``target`` lies in ``folder`` (an input folder such as a data set), at any depth, or is a hard link
    to one of the files directly in it."""
    if not folder.is_dir():
        return False
    return folder.resolve() in target.resolve().parents or (target.is_file() and any(
        _same_file(target, entry) for entry in folder.iterdir() if entry.is_file()))


def output_file_problem(option: str, path: str, *, force: bool = False, inputs: tuple[str, ...] = (),
                        own_header: str | None = None, own_row_part: str = "",
                        parent_must_exist: bool = True, is_own=None) -> str | None:
    """Why ``path`` must not be written as ``option``'s file, or None. Never an input of the same command; an
    existing file only when it starts as this command writes its files (``own_header``, then a row holding
    ``own_row_part``; or ``is_own(path)`` is true) or with ``force``: a mistyped name must not replace somebody's
    data."""
    from pathlib import Path

    target = Path(path)
    if target.is_dir():
        return f"{option} {path} is a folder: give a file name in it"
    if parent_must_exist and not target.resolve().parent.is_dir():
        return f"{option} {path}: {target.parent} is not a folder that exists"
    if any(_same_file(target, Path(source)) for source in inputs if source):
        return f"{option} {path} is also this command's input: writing there would replace it"
    own = (own_header and _starts_as(target, own_header, own_row_part)) or (is_own and is_own(target))
    folder = next((source for source in inputs if source and _inside(target, Path(source))), None)
    if target.exists() and folder and not own:  # even with --force: the folder is being read
        return (f"{option} {path} is a file of {folder}, this command's input: writing there would replace it; "
                "give a name outside it")
    if target.exists() and not force and not own:
        return (f"{option} {path} already exists and is not a file this command wrote: give another name, or "
                "pass --force to replace it")
    return None


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt(signum)


def run_command(main) -> int:
    """Run a command line's ``main``; Ctrl+C or SIGTERM ends it with one line (and the shell's status 130 or 143),
    not a traceback, after the command's own clean-up for an interruption has run."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return main()
    except KeyboardInterrupt as interruption:
        print("\ninterrupted", file=sys.stderr)
        return 128 + (interruption.args[0] if interruption.args else signal.SIGINT)
