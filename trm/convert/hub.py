"""``hf:OWNER/REPO[/FILE]``: a checkpoint on the Hugging Face Hub, fetched through ``huggingface_hub`` (an optional
dependency) into its usual cache, or read from that cache alone when offline (``HF_HUB_OFFLINE=1``).

A reference-format file needs its ``all_config.yaml``: it is fetched from the same folder of the repository.
Without FILE, the repository must hold exactly one file of the format (``step_N``, ``.pth``, ``.safetensors`` for
the reference; ``.ckpt`` for nano-trm).
"""

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

from trm.convert.reference_format import CONFIG_NAME
from trm.errors import CheckpointError, ConfigError

PREFIX = "hf:"
PATTERNS = {"reference": ["step_*", "*.pth", "*.pt", "*.safetensors"], "nano-trm": ["*.ckpt"]}
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class HubFiles:
    weights: Path
    config: Path | None  # all_config.yaml, for the reference format
    source: str  # hf:OWNER/REPO/FILE@REVISION, for the card


def is_hub_source(text: str) -> bool:
    return str(text).startswith(PREFIX)


def parse(text: str) -> tuple[str, str | None]:
    """'hf:alice/trm/run/step_5' -> ('alice/trm', 'run/step_5'); ConfigError for anything else."""
    parts = text[len(PREFIX):].strip("/").split("/")
    repo, file = "/".join(parts[:2]), "/".join(parts[2:]) or None
    if not _REPO.fullmatch(repo) or (file and ".." in file.split("/")):
        raise ConfigError(f"{text!r} is not hf:OWNER/REPO or hf:OWNER/REPO/FILE.")
    return repo, file


def _hub():
    try:
        import huggingface_hub
    except ImportError:
        raise ConfigError("hf: sources need the huggingface_hub package: pip install huggingface_hub") from None
    return huggingface_hub


def _options() -> dict:
    """Read at each call, so the cache and offline settings of the moment apply."""
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    return {"cache_dir": os.environ.get("HF_HUB_CACHE") or None, "local_files_only": offline}


UNREACHABLE = ("ConnectError", "ConnectionError", "ConnectTimeout", "Name or service not known",
               "Temporary failure in name resolution", "Network is unreachable", "Connection refused")


def _reason(error: Exception) -> str:
    """Why the hub failed, in one line; no connection is said as such, with the ways round it."""
    if any(sign in str(error) or sign in type(error.__cause__ or error).__name__ for sign in UNREACHABLE):
        return ("the Hugging Face Hub cannot be reached from this machine (no network?). Download the file where "
                "there is one and give its path, or set HF_HUB_OFFLINE=1 to use a copy in the local hub cache")
    return (str(error).splitlines() or [type(error).__name__])[0]


def _download(hub, repo: str, file: str) -> Path:
    try:
        return Path(hub.hf_hub_download(repo, file, **_options()))
    except Exception as error:  # the hub's errors (not found, offline and not cached, HTTP): all say why
        raise CheckpointError(f"could not get {file} from the hub repository {repo}: {_reason(error)}") from None


def _only_file(hub, repo: str, kind: str) -> str:
    try:
        # The hub matches patterns against whole paths with fnmatch, whose * crosses folders.
        patterns = ["*" + pattern.lstrip("*") for pattern in PATTERNS[kind]]
        snapshot = Path(hub.snapshot_download(repo, allow_patterns=patterns, **_options()))
    except Exception as error:
        raise CheckpointError(f"could not list the hub repository {repo}: {_reason(error)}") from None
    found = sorted(str(p.relative_to(snapshot)) for p in snapshot.rglob("*") if p.is_file() and any(
        fnmatch.fnmatch(p.name, pattern) for pattern in PATTERNS[kind]))
    if len(found) != 1:
        listed = ", ".join(found[:8]) or "none"
        raise ConfigError(f"hf:{repo} holds {len(found)} {kind} checkpoint files ({listed}); name one: "
                          f"hf:{repo}/FILE.")
    return found[0]


def fetch(text: str, kind: str) -> HubFiles:
    """The local paths of a hub checkpoint (and its config for the reference format)."""
    hub = _hub()
    repo, file = parse(text)
    file = file or _only_file(hub, repo, kind)
    weights = _download(hub, repo, file)
    config = None
    if kind == "reference":
        folder = os.path.dirname(file)
        config = _download(hub, repo, f"{folder}/{CONFIG_NAME}" if folder else CONFIG_NAME)
    revision = next((part for part in weights.parts[::-1] if re.fullmatch(r"[0-9a-f]{40}", part)), "")  # snapshot
    return HubFiles(weights, config, f"hf:{repo}/{file}" + (f"@{revision}" if revision else ""))
