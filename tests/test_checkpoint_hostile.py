"""Hostile checkpoint folders and puzzle text: every bad config field, file kind and weights layout is a
CheckpointError naming the problem, raised before anything large is built or any read can hang."""

import dataclasses
import json
import os

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file

from trm.checkpoint import load_model, save_model
from trm.errors import CheckpointError, ConfigError, PuzzleError
from trm.sudoku import parse_puzzle
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

TINY = ModelConfig(grid_size=4, hidden_size=16, layers=1, answer_cycles=1, latent_steps=1, max_supervision_steps=2,
                   prefix_len=0, swiglu_multiple=16)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "tiny"
    save_model(path, TinyRecursiveModel(TINY, torch.Generator().manual_seed(0)), {})
    return path


def _set_model_field(folder, name, value):
    config = json.loads((folder / "config.json").read_text())
    config["model"][name] = value
    (folder / "config.json").write_text(json.dumps(config))


@pytest.mark.parametrize("name, value, words", [
    ("hidden_size", True, "must be int"), ("hidden_size", 16.5, "must be int"), ("hidden_size", 0, "between"),
    ("hidden_size", -16, "between"), ("hidden_size", 10 ** 9, "between"), ("layers", "2", "must be int"),
    ("attention_heads", 0, "between"), ("expansion", float("nan"), "above"), ("expansion", -1.0, "above"),
    ("max_supervision_steps", 10 ** 9, "between"), ("grid_size", 5, "4, 6 or 9"), ("mixer", 3, "must be str"),
    ("rms_norm_eps", None, "must be float"),
])
def test_every_config_field_is_checked_for_type_and_range(folder, name, value, words):
    _set_model_field(folder, name, value)
    with pytest.raises(CheckpointError, match=words):
        load_model(folder)


def test_a_config_that_would_need_absurd_memory_is_refused_before_building():
    with pytest.raises(ConfigError, match="GiB"):
        ModelConfig(hidden_size=16_384, layers=64)


def test_a_config_nested_200000_deep_is_a_clear_error(folder):
    (folder / "config.json").write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(CheckpointError, match="nested too deeply"):
        load_model(folder)


@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
def test_a_fifo_where_a_file_belongs_is_refused_without_reading_it(folder, name):
    (folder / name).unlink()
    os.mkfifo(folder / name)
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_model(folder)


def test_float_weights_stored_as_integers_are_refused(folder):
    tensors = load_file(str(folder / "model.safetensors"))
    name = next(k for k, v in tensors.items() if v.is_floating_point())
    tensors[name] = tensors[name].to(torch.int32)
    save_file(tensors, str(folder / "model.safetensors"))
    with pytest.raises(CheckpointError, match="stored as torch.int32"):
        load_model(folder)


def test_a_key_held_by_two_shards_is_refused(folder):
    tensors = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    save_file(tensors, str(folder / "model-1-of-2.safetensors"))
    save_file(dict(list(tensors.items())[:1]), str(folder / "model-2-of-2.safetensors"))
    with pytest.raises(CheckpointError, match="more than one"):
        load_model(folder)


def test_a_bad_shard_name_is_a_clear_error(folder):
    (folder / "model.safetensors").rename(folder / "model-1-of-x.safetensors")
    with pytest.raises(CheckpointError, match="not a shard name"):
        load_model(folder)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                      max_size=3), max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(st.sampled_from([f.name for f in dataclasses.fields(ModelConfig)] + ["extra"]),
                               JSON_VALUES, max_size=4))
def test_any_config_dict_builds_a_valid_config_or_raises_config_error(changes):
    data = {**TINY.to_dict(), **changes}
    try:
        config = ModelConfig.from_dict(data)
    except ConfigError:
        return
    assert config.estimated_parameters() <= 2_000_000_000 and config.grid_size in (4, 6, 9)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120))
def test_any_puzzle_text_parses_or_raises_puzzle_error(text):
    try:
        grid = parse_puzzle(text)
    except PuzzleError:
        return
    assert grid.dtype == np.int8 and len(grid) in (16, 36, 81)
