"""Model checkpoints round-trip exactly, shard under the size cap, and every bad file raises CheckpointError."""

import json
import shutil

import pytest
import torch

from trm import checkpoint
from trm.checkpoint import load_model, save_model
from trm.errors import CheckpointError
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel

CONFIG = ModelConfig(grid_size=4, hidden_size=16, latent_steps=1, answer_cycles=2, max_supervision_steps=3,
                     prefix_len=2)


def _outputs(model):
    tokens = torch.arange(16).remainder(6).view(1, 16)
    y, z = model.initial_state(1)
    return model(tokens, y, z)[2]


@pytest.fixture
def saved(tmp_path):
    model = TinyRecursiveModel(CONFIG, torch.Generator().manual_seed(3))
    with torch.no_grad():  # seeded: the bf16 test's tolerance must not depend on the tests run before it
        model.puzzle_prefix.normal_(generator=torch.Generator().manual_seed(4))
        model.q_head.weight.normal_(generator=torch.Generator().manual_seed(5))
    save_model(tmp_path / "ckpt", model, {"note": "test"})
    return model, tmp_path / "ckpt"


def test_checkpoint_round_trip_reproduces_outputs(saved):
    model, path = saved
    loaded = load_model(path)
    assert loaded.metadata == {"note": "test"} and loaded.config == CONFIG
    torch.testing.assert_close(_outputs(loaded.model), _outputs(model.eval()), rtol=0, atol=0)


def test_weight_files_get_the_same_permissions_as_the_config(saved):
    # A checkpoint is shared (committed, copied to other users): its weights must not be private to the writer
    _, path = saved
    assert (path / "model.safetensors").stat().st_mode & 0o777 == (path / "config.json").stat().st_mode & 0o777


def test_bf16_export_loads_back_close_to_float32(tmp_path, saved):
    model, _ = saved
    save_model(tmp_path / "half", model, {}, dtype=torch.bfloat16)
    loaded = load_model(tmp_path / "half")
    torch.testing.assert_close(_outputs(loaded.model), _outputs(model.eval()), rtol=0.1, atol=0.1)


def test_large_state_is_sharded_under_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "MAX_SHARD_BYTES", 4096)
    model = TinyRecursiveModel(CONFIG)
    save_model(tmp_path / "ckpt", model, {})
    shards = sorted((tmp_path / "ckpt").glob("model-*-of-*.safetensors"))
    assert len(shards) > 1
    torch.testing.assert_close(_outputs(load_model(tmp_path / "ckpt").model), _outputs(model.eval()))
    shards[-1].unlink()
    with pytest.raises(CheckpointError, match="incomplete"):
        load_model(tmp_path / "ckpt")


def test_truncated_weights_are_reported_as_corrupt(saved):
    _, path = saved
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_model(path)


def test_missing_folder_and_missing_config_are_named(saved, tmp_path):
    _, path = saved
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "nowhere")
    (path / "config.json").unlink()
    with pytest.raises(CheckpointError, match="config not found"):
        load_model(path)


def test_a_file_or_a_run_folder_in_place_of_a_checkpoint_says_what_to_give(saved, tmp_path):
    _, path = saved
    with pytest.raises(CheckpointError, match=r"is a file: give the checkpoint folder that holds it \(config.json"):
        load_model(path / "model.safetensors")
    (tmp_path / "weights.pt").write_bytes(b"x")
    with pytest.raises(CheckpointError, match="weights from other code go through trm.convert"):
        load_model(tmp_path / "weights.pt")
    run = tmp_path / "run"
    shutil.copytree(path, run / "best")
    with pytest.raises(CheckpointError, match=f"training run's folder: its best model is {run / 'best'}"):
        load_model(run)


def test_foreign_and_garbled_configs_are_refused(saved):
    _, path = saved
    config = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**config, "format": "someone-else"}))
    with pytest.raises(CheckpointError, match="not a TRM Studio model"):
        load_model(path)
    (path / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_model(path)
    (path / "config.json").write_text(json.dumps({**config, "model": {**config["model"], "depth": 3}}))
    with pytest.raises(CheckpointError, match="bad model config"):
        load_model(path)


def test_weights_that_do_not_match_the_config_are_refused(saved):
    _, path = saved
    config = json.loads((path / "config.json").read_text())
    config["model"]["hidden_size"] = 32
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="shape"):
        load_model(path)


def test_non_finite_weights_are_refused(tmp_path):
    model = TinyRecursiveModel(CONFIG)
    with torch.no_grad():
        model.lm_head.weight[0, 0] = float("nan")
    save_model(tmp_path / "nan", model, {})
    with pytest.raises(CheckpointError, match="NaN"):
        load_model(tmp_path / "nan")


def test_interrupted_swap_falls_back_to_the_previous_copy(saved):
    model, path = saved
    path.rename(path.with_name("ckpt.old"))  # a kill between the two renames leaves only the old copy
    torch.testing.assert_close(_outputs(load_model(path).model), _outputs(model.eval()))
