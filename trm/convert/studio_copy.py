"""Open a TRM Studio checkpoint from elsewhere (a colleague's folder, a download, another clone's run): it needs no
conversion, only checking and copying into the checkpoints folder, unchanged, model card included (a training
run's folder is exported from its best/ instead, so that its card comes from the run's logs)."""

import shutil
from pathlib import Path

import torch

from trm.checkpoint import atomic_directory, check_folder_name, is_model_folder, load_model, read_json
from trm.errors import CheckpointError
from trm.export.checkpoint_export import export_checkpoint, refuse_to_overwrite, rerender_card

COPIED_FILES = ("config.json", "model*.safetensors", "MODEL_CARD.md")  # what a checkpoint is; nothing else travels


def studio_folder(source: Path) -> Path | None:
    """The TRM Studio checkpoint folder ``source`` names, or None: the folder itself, a run folder (its best/), or
    one of the folder's weights files. A folder counts by its config.json's format, or, where that file cannot be
    read, by its files (config.json beside model*.safetensors), so that a damaged one is reported as what it is
    when loaded, not as some other format; a readable config.json of another format (a Hugging Face model's) is
    not ours."""
    source = Path(source)
    candidates = [source, source / "best"] if source.is_dir() else \
        [source.parent] if source.name.startswith("model") and source.suffix == ".safetensors" else []
    return next((folder for folder in candidates if _looks_like_ours(folder)), None)


def _looks_like_ours(folder: Path) -> bool:
    if is_model_folder(folder):
        return True
    if not ((folder / "config.json").is_file() and any(folder.glob("model*.safetensors"))):
        return False
    try:
        read_json(folder / "config.json", "Checkpoint config")
    except CheckpointError:
        return True  # damaged: load_model names the fault
    return False  # a readable config that is not ours


CARD_OWN, CARD_FROM_RUN, CARD_FROM_CONFIG = "its own", "written from its run's logs", "written from its config.json"


def copy_studio_checkpoint(folder: Path, destination: Path) -> tuple[Path, int, str]:
    """Check that ``folder`` loads (weights-only safetensors, every shape matching its config), then copy its files
    into ``destination``; returns (destination, grid size, where its model card came from: CARD_*). A run's best/
    is exported as Export does (same weights, a card from the run's logs); another folder without a card gets one
    written from its config.json. CheckpointError where it does not load."""
    loaded = load_model(folder)
    destination = Path(destination)
    check_folder_name(destination.name, "Checkpoint name")
    refuse_to_overwrite(destination, replace=False)
    run = loaded.path.parent
    if loaded.path.name == "best" and (run / "run.json").is_file():
        export_checkpoint(run, destination.name, destination.parent, source="best", dtype=torch.float32)
        return destination, loaded.config.grid_size, CARD_FROM_RUN
    with atomic_directory(destination) as temporary:
        for pattern in COPIED_FILES:
            for path in sorted(loaded.path.glob(pattern)):
                if path.is_file() and not path.is_symlink():
                    shutil.copyfile(path, temporary / path.name)
        had_card = (temporary / "MODEL_CARD.md").is_file()
        if not had_card:
            rerender_card(temporary, name=destination.name)
    return destination, loaded.config.grid_size, CARD_OWN if had_card else CARD_FROM_CONFIG
