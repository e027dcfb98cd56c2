"""Model checkpoints: safetensors weights (sharded under 16 MiB a file) + a strict JSON config.

A checkpoint is a folder: ``config.json`` and ``model.safetensors`` (or ``model-00001-of-00002.safetensors``
...). Folders are written to a temporary sibling and swapped in with renames, so a killed process leaves either
the old or the new folder, never half of one. Nothing is ever unpickled.
"""

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from trm.cli_types import strict_json
from trm.errors import CheckpointError, ConfigError
from trm.model.config import ModelConfig
from trm.model.build import build_model
from trm.model.trm import RecursiveModel
from trm.trained_loss import trained_answer_loss

MODEL_FORMAT = "trm-studio/model"
FORMAT_VERSION = 1
FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # no separators, no "." or "..": stays in its root
MAX_SHARD_BYTES = 15 * 2**20  # shipped checkpoints are committed to git: shards this small suit any git host


def check_folder_name(name: str, what: str) -> str:
    """``name`` if it is a safe folder name (letters, digits, ``.``, ``_``, ``-``; 64 at most, starting with a
    letter or digit); else ConfigError. A name that passes can only ever mean a folder inside its root."""
    if not FOLDER_NAME.fullmatch(name or ""):
        raise ConfigError(f"{what} {name!r} is not allowed: use 1-64 letters, digits, '.', '_' or '-', starting "
                          f"with a letter or digit.")
    return name


def is_model_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a TRM Studio checkpoint (its config.json says so): the only kind we replace."""
    try:
        return read_json(Path(folder) / "config.json", "Checkpoint config").get("format") == MODEL_FORMAT
    except CheckpointError:
        return False


HOLD_SWAP_ENV = "TRM_TEST_HOLD_SWAP_SECONDS"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a number no process can have: leave its folder alone
    return True


def _remove_dead_temporaries(target: Path) -> None:
    """Delete ``TARGET.tmp-PID`` folders this code left behind when process PID was killed mid-write."""
    for folder in target.parent.glob(f"{glob.escape(target.name)}.tmp-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if folder.is_dir() and pid.isascii() and pid.isdecimal() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(target: Path):
    """Yield a fresh temporary folder; on success it replaces ``target``. At every instant ``target`` or its
    ``.old`` copy holds a complete folder (resolve_directory reads whichever), so a kill anywhere loses nothing."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_temporaries(target)
    temporary = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    previous = target.with_name(f"{target.name}.old")
    if not target.exists() and previous.exists():
        os.replace(previous, target)  # an earlier swap died between its renames: its .old is the good copy
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        os.replace(target, previous)
        _hold_swap_for_tests()
    os.replace(temporary, target)
    shutil.rmtree(previous, ignore_errors=True)


def _hold_swap_for_tests() -> None:
    """Tests set TRM_TEST_HOLD_SWAP_SECONDS to hold the swap open, so a kill can land between its two renames."""
    seconds = os.environ.get(HOLD_SWAP_ENV)
    if seconds:
        time.sleep(float(seconds))


def resolve_directory(target: Path) -> Path:
    """``target``, or its ``.old`` copy if a process died between the two renames of atomic_directory."""
    target = Path(target)
    previous = target.with_name(f"{target.name}.old")
    return previous if not target.exists() and previous.exists() else target


def save_sharded(tensors: dict[str, torch.Tensor], directory: Path, stem: str) -> list[str]:
    """Write ``tensors`` as ``stem.safetensors`` or numbered shards of at most MAX_SHARD_BYTES each."""
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().contiguous().cpu()
        nbytes = tensor.numel() * tensor.element_size()
        if shards[-1] and size + nbytes > MAX_SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][name] = tensor
        size += nbytes
    names = [f"{stem}.safetensors"] if len(shards) == 1 else [
        f"{stem}-{i + 1:05d}-of-{len(shards):05d}.safetensors" for i in range(len(shards))]
    for name, shard in zip(names, shards):
        # Written by Python, not safetensors' own writer (which creates files 0600): shared files stay readable
        (Path(directory) / name).write_bytes(save(shard))
    return names


def _shard_count(directory: Path, shards: list[Path], stem: str) -> int:
    """How many shards the names announce (``stem-i-of-N.safetensors``); raises CheckpointError for a bad name."""
    announced = shards[0].name.rsplit("-of-", 1)[-1].split(".")[0]
    if not (announced.isascii() and announced.isdigit()):
        raise CheckpointError(f"{directory}: '{shards[0].name}' is not a shard name ({stem}-I-of-N.safetensors).")
    return int(announced)


def require_regular_file(path: Path, what: str) -> None:
    """A FIFO, a device or a folder where a file belongs would hang or crash the reader: refuse it by name."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise CheckpointError(f"{what} {path} cannot be read ({error.strerror}).") from error
    if not stat.S_ISREG(mode):
        raise CheckpointError(f"{what} {path} is not a regular file.")


def load_sharded(directory: Path, stem: str) -> dict[str, torch.Tensor]:
    """Read every shard of ``stem``; raises CheckpointError for missing, incomplete or corrupt files."""
    directory = Path(directory)
    single = directory / f"{stem}.safetensors"
    shards = [single] if single.exists() else sorted(directory.glob(f"{stem}-*-of-*.safetensors"))
    if not shards:
        raise CheckpointError(f"No {stem}*.safetensors in {directory}; is this a TRM Studio checkpoint folder?")
    expected = _shard_count(directory, shards, stem) if len(shards) > 1 or not single.exists() else 1
    if expected != len(shards):
        raise CheckpointError(f"{directory}: found {len(shards)} of {expected} '{stem}' shards; the "
                              f"checkpoint is incomplete. Copy the missing files or use another checkpoint.")
    tensors: dict[str, torch.Tensor] = {}
    for shard in shards:
        require_regular_file(shard, "Weights file")
        try:
            found = load_file(str(shard))
        except (SafetensorError, OSError, ValueError) as error:
            raise CheckpointError(f"{shard} is corrupt or truncated ({error}); re-export or re-download it.") from error
        twice = sorted(set(found) & set(tensors))
        if twice:
            raise CheckpointError(f"{directory}: {twice[:3]} are in more than one '{stem}' shard; which to use is "
                                  f"ambiguous, so the checkpoint is refused.")
        tensors.update(found)
    return tensors


MAX_JSON_BYTES = 64 * 2 ** 20  # configs and run files are kilobytes; a huge one is not ours


def read_json(path: Path, what: str) -> dict:
    """Parse a JSON object file; raises CheckpointError naming the file."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{what} not found: {path}.")
    require_regular_file(path, what)
    if path.stat().st_size > MAX_JSON_BYTES:
        raise CheckpointError(f"{path} is {path.stat().st_size / 2 ** 20:.0f} MiB; a {what.lower()} is far smaller.")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path} is not valid JSON ({error}); the file is corrupt.") from error
    except RecursionError as error:
        raise CheckpointError(f"{path} is nested too deeply to be a {what.lower()}.") from error
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} should hold a JSON object.")
    return data


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically (temp file + rename)."""
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(strict_json(data, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, path)


@dataclass
class LoadedModel:
    """A model read from a checkpoint, in eval mode, with its config and free-form metadata (metrics, card)."""

    model: RecursiveModel
    config: ModelConfig
    metadata: dict
    path: Path


def save_model(directory: Path, model: RecursiveModel, metadata: dict, dtype: torch.dtype | None = None) -> None:
    """Write a model checkpoint folder atomically; ``dtype`` (e.g. torch.bfloat16) casts float weights."""
    state = {k: (v.to(dtype) if dtype is not None and v.is_floating_point() else v)
             for k, v in model.state_dict().items()}
    with atomic_directory(Path(directory)) as temporary:
        save_sharded(state, temporary, "model")
        write_json(temporary / "config.json", {"format": MODEL_FORMAT, "version": FORMAT_VERSION,
                                               "model": model.config.to_dict(), "metadata": metadata})


def weights_fingerprint(directory: str | Path) -> str:
    """sha256 (16 hex digits) over a checkpoint's weight files in name order: folders holding the same weights
    match, so a trace computed once with them can stand in for a solve."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).glob("model*.safetensors")):
        require_regular_file(path, "Model weights")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(2 ** 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def _refuse_other_than_checkpoint(directory: Path) -> None:
    """CheckpointError saying what to give instead of a file, a missing folder or a training run's folder."""
    if directory.is_file():
        other = "" if directory.name == "model.safetensors" else "; weights from other code go through trm.convert"
        raise CheckpointError(f"{directory} is a file: give the checkpoint folder that holds it (config.json beside "
                              f"model.safetensors){other}.")
    if not directory.is_dir():
        raise CheckpointError(f"Checkpoint folder not found: {directory}.")
    if not (directory / "config.json").exists() and (directory / "best" / "config.json").is_file():
        raise CheckpointError(f"{directory} is a training run's folder: its best model is {directory / 'best'} "
                              f"(or export it with python -m trm.export --run {directory} --name NAME).")


def load_model(directory: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a checkpoint folder into a float32 model in eval mode; raises CheckpointError on any mismatch."""
    directory = resolve_directory(Path(directory))
    _refuse_other_than_checkpoint(directory)
    config_data = read_json(directory / "config.json", "Checkpoint config")
    if config_data.get("format") != MODEL_FORMAT:
        raise CheckpointError(f"{directory}/config.json is not a TRM Studio model (format "
                              f"{config_data.get('format')!r}, expected {MODEL_FORMAT!r}).")
    try:
        config = ModelConfig.from_dict(config_data.get("model", {}))
    except (ConfigError, TypeError) as error:
        raise CheckpointError(f"{directory}/config.json has a bad model config: {error}") from error
    tensors = load_sharded(directory, "model")
    model = build_model(config)
    _check_state(directory, model.state_dict(), tensors)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in tensors.items()})
    metadata = config_data.get("metadata") if isinstance(config_data.get("metadata"), dict) else {}
    model.answer_loss = trained_answer_loss(metadata, directory)
    return LoadedModel(model.to(device).eval(), config, metadata, directory)


def _check_state(directory: Path, expected: dict[str, torch.Tensor], found: dict[str, torch.Tensor]) -> None:
    missing, unexpected = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f"{directory}: weights do not match the config (missing {missing[:5]}, unexpected "
                              f"{unexpected[:5]}); the files belong to a different model.")
    for name, tensor in expected.items():
        if tensor.is_floating_point() and not found[name].is_floating_point():
            raise CheckpointError(f"{directory}: '{name}' is stored as {found[name].dtype}, but it is a float "
                                  f"weight; the file was not written by TRM Studio or was altered.")
        if tuple(found[name].shape) != tuple(tensor.shape):
            raise CheckpointError(f"{directory}: '{name}' has shape {tuple(found[name].shape)}, the config "
                                  f"needs {tuple(tensor.shape)}; weights and config.json do not match.")
        if not torch.isfinite(found[name].float()).all():
            raise CheckpointError(f"{directory}: '{name}' holds NaN or infinite values.")
