"""Convert another project's TRM checkpoint into ours: read it safely, map its configuration and tensor names,
load the tensors into our model strictly (every tensor used, every shape checked), and write a checkpoint folder
whose model card says where it came from."""

import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from trm.checkpoint import check_folder_name, save_model
from trm.errors import CheckpointError, ConfigError
from trm.export.card import render_model_card
from trm.export.checkpoint_export import refuse_to_overwrite
from trm.model.build import build_model
from trm.model.config import ModelConfig
from trm.model.trm import RecursiveModel, count_parameters
from trm.convert import hub
from trm.convert import nano_trm_format as nano
from trm.convert import reference_format as reference
from trm.convert.source_file import read_weights_file, sha256_of, tensor_dict

FORMATS = ("reference", "nano-trm")


@dataclass
class Converted:
    """A model built from another project's file, and what the card records about it."""

    model: RecursiveModel
    origin: dict  # file, format, sha256, settings, mapped tensors

    @property
    def grid_size(self) -> int:
        return self.model.config.grid_size


def _load_strictly(config: ModelConfig, weights: dict[str, torch.Tensor], names: dict[str, str]) -> RecursiveModel:
    """Our model with ``weights`` (our names; ``names`` maps them back to the source's for messages)."""
    model = build_model(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    if missing:
        raise CheckpointError(f"the file lacks tensors this architecture needs: {', '.join(missing)}.")
    for name, tensor in weights.items():
        if name not in expected:
            raise CheckpointError(f"{names.get(name, name)} has no place in a {config.display_name} of this "
                                  f"configuration.")
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise CheckpointError(f"{names.get(name, name)} has shape {tuple(tensor.shape)}; the configuration "
                                  f"needs {tuple(expected[name].shape)} for {name}.")
    model.load_state_dict({name: tensor.float() for name, tensor in weights.items()})
    return model.eval()


def _source_names(source: dict[str, torch.Tensor], ours: dict[str, torch.Tensor]) -> dict[str, str]:
    """Our name -> the source's, for messages and the card (the mapping is one to one, in order)."""
    return dict(zip(ours, source))


def from_reference(path: Path, config_path: Path | None = None) -> Converted:
    """A reference-format checkpoint (``step_N`` or ``.pth``/``.safetensors``) with its ``all_config.yaml``."""
    path = Path(path)
    stored = read_weights_file(path)
    weights, wrapper = tensor_dict(stored, path)
    config_file = reference.find_config(path, config_path)
    full_config = reference.read_config(config_file)
    arch = reference.reference_arch(full_config, config_file)
    config = reference.model_config(arch, weights)
    try:
        ours = reference.our_weights(arch, weights)
    except KeyError as error:
        raise CheckpointError(f"{path}: {error.args[0]}; it is not a reference TRM of a known variant.") from None
    names = _source_names(weights, ours)
    model = _load_strictly(config, ours, names)
    settings = {key: getattr(arch, key) for key in arch.__dataclass_fields__}
    origin = {"file": str(path), "format": "reference (SamsungSAILMontreal/TinyRecursiveModels)",
              "sha256": sha256_of(path), "wrapper": wrapper, "weights": "as saved (the reference saves its EMA "
              "copy when it trains with ema=True)", "config_file": str(config_file),
              "config_sha256": sha256_of(config_file), "settings": settings,
              "loss_type": reference.loss_type(full_config),
              "mapped": [[names[name], name, list(tensor.shape)] for name, tensor in ours.items()]}
    return Converted(model, origin)


def from_nano_trm(path: Path, ema: bool | None = None) -> Converted:
    """A nano-trm Lightning checkpoint; ``ema`` True takes the EMA callback's weights, False the raw ones, None the
    EMA ones when the file has them (what nano-trm's validation accuracy measures)."""
    path = Path(path)
    stored = read_weights_file(path)
    state, wrapper = tensor_dict(stored, path)
    hparams = nano.hyper_parameters(stored)
    config = nano.model_config(hparams)
    chosen, which = nano.pick_weights(stored, state, ema)
    ours = nano.our_weights(chosen, config)
    names = _source_names(chosen, ours)
    model = _load_strictly(config, ours, names)
    settings = {key: value for key, value in hparams.items() if isinstance(value, (int, float, str, bool))}
    origin = {"file": str(path), "format": "nano-trm (olivkoch/nano-trm, Lightning checkpoint)",
              "sha256": sha256_of(path), "wrapper": wrapper, "weights": which, "settings": settings,
              "mapped": [[names[name], name, list(tensor.shape)] for name, tensor in ours.items()]}
    return Converted(model, origin)


def open_source(kind: str, source: str, config: Path | None = None, ema: bool | None = None) -> Converted:
    """Convert ``source`` of format ``kind`` (FORMATS): a local file, or ``hf:OWNER/REPO[/FILE]`` on the hub."""
    if kind not in FORMATS:
        raise ConfigError(f"unknown format {kind!r}: TRM Studio opens {', '.join(FORMATS)}.")
    where = None
    if hub.is_hub_source(source):
        fetched = hub.fetch(source, kind)
        source, config, where = fetched.weights, config or fetched.config, fetched.source
    converted = from_nano_trm(Path(source), ema) if kind == "nano-trm" else from_reference(Path(source), config)
    if where:
        converted.origin["file"] = where
    return converted


def write_converted(converted: Converted, destination: Path, replace: bool = False,
                    command: str | None = None) -> Path:
    """Save ``converted`` as our checkpoint folder (float32 weights, config.json, MODEL_CARD.md)."""
    destination = Path(destination)
    check_folder_name(destination.name, "Checkpoint name")
    refuse_to_overwrite(destination, replace)
    origin = {**converted.origin, "command": command or "python -m trm.convert " + " ".join(sys.argv[1:])}
    metadata = {"summary": f"Converted from {Path(origin['file']).name} ({origin['format']}).",
                "converted_from": origin, "parameters": count_parameters(converted.model), "dtype": "float32",
                "status": "converted"}
    save_model(destination, converted.model, metadata)
    config = converted.model.config
    (destination / "MODEL_CARD.md").write_text(render_model_card(destination.name, config, metadata, []))
    return destination


