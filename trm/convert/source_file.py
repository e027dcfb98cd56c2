"""Read another project's weights file without trusting it: safetensors, or a torch.save file read with
``torch.load(weights_only=True)`` (plain containers and tensors only; nothing is ever fully unpickled).

A file may hold a state dict directly or inside a wrapper (Lightning's ``state_dict``, a fork's ``model`` or
``model_state_dict``); :func:`read_weights_file` returns the whole object, :func:`tensor_dict` one dict of tensors.
"""

import hashlib
import pathlib
import pickle
import warnings
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from trm.checkpoint import is_model_folder
from trm.errors import CheckpointError

MAX_SOURCE_BYTES = 4 * 2 ** 30  # a paper-size TRM is ~30 MB in float32; a file this big is not a TRM
# Lightning checkpoints pickle the run's output folder as a path object among their hyper-parameters. Building a
# path runs no code, so these (and nothing else) are allowed; a Windows path is read as a pure path on any system.
SAFE_PATH_GLOBALS = [(pathlib.PosixPath, "pathlib.PosixPath"), (pathlib.PosixPath, "pathlib._local.PosixPath"),
                     (pathlib.PureWindowsPath, "pathlib.WindowsPath"),
                     (pathlib.PureWindowsPath, "pathlib._local.WindowsPath")]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(2 ** 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _refuse_what_holds_no_weights(path: Path) -> None:
    """CheckpointError, saying what to give instead, for a path that is no weights file to convert."""
    if path.is_dir() and (path / "config.json").is_file() and (path / "model.safetensors").is_file():
        raise CheckpointError(f"{path} is already a TRM Studio checkpoint: the app, python -m trm.evaluate and "
                              f"python -m trm.render open it as it is, so there is nothing to convert.")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder: give the weights file inside it (step_N, .pth, .ckpt, "
                              f".safetensors).")
    if path.is_file() and path.name.startswith("model") and is_model_folder(path.parent):
        raise CheckpointError(f"{path} is the weights file of the TRM Studio checkpoint {path.parent}: the app, "
                              f"python -m trm.evaluate and python -m trm.render open that folder as it is, so there "
                              f"is nothing to convert.")
    if not path.exists():
        raise CheckpointError(f"{path}: no such file.")
    if not path.is_file():  # a device, a pipe or a socket: reading it could block or never end
        raise CheckpointError(f"{path} is not a regular file: give a weights file (step_N, .pth, .ckpt, "
                              f".safetensors).")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path} is empty (an interrupted copy or save?).")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise CheckpointError(f"{path} is {path.stat().st_size / 2 ** 30:.1f} GiB: far larger than any TRM; refused.")


def read_weights_file(path: Path) -> object:
    """The object stored in ``path`` (a dict of tensors for safetensors); CheckpointError, with the reason, for a
    missing, huge, damaged or non-weights-only file."""
    path = Path(path)
    _refuse_what_holds_no_weights(path)
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as error:
            raise CheckpointError(f"{path} is not a readable safetensors file: {error}") from None
    try:
        # torch warns about old pickle protocols before refusing them: the refusal below says all there is to say
        with torch.serialization.safe_globals(SAFE_PATH_GLOBALS), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        # "Unsupported global: GLOBAL x.y" for a class, "unsupported GLOBAL posix.system whose module ..." for a call
        refused = next((line.strip() for line in str(error).splitlines() if "unsupported global" in line.lower()),
                       None)
        if refused is None:
            raise CheckpointError(f"{path} is not a PyTorch or safetensors file.") from None
        what = refused.split(" was not")[0].split(" whose")[0].split("error: ")[-1]
        raise CheckpointError(f"{path} holds more than weights: Python objects that only full unpickling could "
                              f"read, which could run code, so it is refused. Save its state_dict() alone, or as "
                              f"safetensors. ({what})") from None
    except Exception:  # torch.load fails on arbitrary bytes with KeyError, IndexError, RuntimeError...
        if _starts_like_a_torch_archive(path):
            raise CheckpointError(f"{path} starts as a PyTorch file but cannot be read: it is damaged or cut short "
                                  f"(an interrupted copy or save?).") from None
        raise CheckpointError(f"{path} is not a PyTorch or safetensors file.") from None


# torch.save's legacy (non-zip) files open with its magic number pickled (protocol 2)
LEGACY_TORCH_START = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)[:15]


def _starts_like_a_torch_archive(path: Path) -> bool:
    """Whether the file opens as torch.save's zip archive, or its legacy format, does."""
    with path.open("rb") as file:
        start = file.read(len(LEGACY_TORCH_START))
    return start[:4] == b"PK\x03\x04" or start == LEGACY_TORCH_START


def is_tensor_dict(value: object) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


WRAPPER_KEYS = ("state_dict", "model", "model_state_dict", "module")  # Lightning, common forks, DataParallel


def tensor_dict(stored: object, path: Path) -> tuple[dict[str, torch.Tensor], str]:
    """The state dict inside ``stored`` and where it was ("" at the top level, else the wrapper key)."""
    if is_tensor_dict(stored):
        return stored, ""
    if isinstance(stored, dict):
        for key in WRAPPER_KEYS:
            if is_tensor_dict(stored.get(key)):
                return stored[key], key
    kind = type(stored).__name__
    keys = f" with keys {sorted(map(str, stored))[:8]}" if isinstance(stored, dict) else ""
    raise CheckpointError(f"{path} holds a {kind}{keys}, not a state dict of tensors (looked at the top level and "
                          f"under {', '.join(WRAPPER_KEYS)}).")
