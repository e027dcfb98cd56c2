"""A reference-format checkpoint (step_N + all_config.yaml) opens through python -m trm.convert and reproduces the
reference code's outputs step by step; ours goes back to the reference's format and round-trips; bad files are
refused with a reason and never unpickled."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from trm.checkpoint import load_model
from trm.convert.__main__ import main as convert_main

from tests.reference_steps import FIXTURES, assert_matches_recorded_steps, write_reference_run


@pytest.mark.parametrize("variant", ["mlp", "att", "mlp_noprefix", "att_noprefix"])
def test_a_converted_reference_checkpoint_reproduces_the_reference_outputs(variant, tmp_path, capsys):
    source = write_reference_run(tmp_path / "run", variant)
    assert convert_main(["--from", "reference", str(source), "--out", str(tmp_path / "theirs")]) == 0
    printed = json.loads(capsys.readouterr().out)
    loaded = load_model(tmp_path / "theirs")
    assert loaded.config.prefix_len == (0 if "noprefix" in variant else 16)
    assert loaded.config.mixer == ("mlp" if variant.startswith("mlp") else "attention")
    assert_matches_recorded_steps(loaded.model, load_file(str(FIXTURES / f"{variant}_outputs.safetensors")))
    card = (tmp_path / "theirs" / "MODEL_CARD.md").read_text()
    assert printed["source_sha256"] in card and "## Where it came from" in card and "all_config.yaml" in card
    assert "`_orig_mod.model.inner.L_level.layers.1.mlp.down_proj.weight` | `net.blocks.1.channel_mlp.down.weight`" \
        in card


def test_ours_written_for_the_reference_loads_there_and_round_trips_exactly(tmp_path, capsys):
    source = write_reference_run(tmp_path / "run", "att")
    assert convert_main(["--from", "reference", str(source), "--out", str(tmp_path / "ours")]) == 0
    assert convert_main(["--to", "reference", str(tmp_path / "ours"), "--out", str(tmp_path / "back")]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["forward_dtype"] == "float32"  # fp32 init states
    written = torch.load(tmp_path / "back" / "step_1000", weights_only=True)  # the source's step number
    original = torch.load(source, weights_only=True)
    assert set(written) == set(original)  # the reference's own names, as its load_checkpoint expects
    for name, tensor in original.items():
        assert torch.equal(written[name], tensor.float()), name
    arch = yaml.safe_load((tmp_path / "back" / "all_config.yaml").read_text())["arch"]
    assert arch["num_heads"] == 4 and arch["mlp_t"] is False and arch["pos_encodings"] == "rope"
    assert arch["forward_dtype"] == "float32"
    assert convert_main(["--from", "reference", str(tmp_path / "back" / "step_1000"), "--out",
                         str(tmp_path / "again")]) == 0
    again, ours = load_model(tmp_path / "again").model.state_dict(), load_model(tmp_path / "ours").model.state_dict()
    assert all(torch.equal(again[name], tensor) for name, tensor in ours.items())
    assert convert_main(["--to", "reference", str(tmp_path / "ours"), "--out", str(tmp_path / "back")]) == 2
    run = tmp_path / "a-run"
    shutil.copytree(tmp_path / "ours", run / "best")  # a training run's folder, its saved model in best/
    capsys.readouterr()
    assert convert_main(["--to", "reference", str(run), "--out", str(tmp_path / "from-run")]) == 2
    assert f"pass its saved model, {run / 'best'}" in capsys.readouterr().err


def test_a_bf16_checkpoint_goes_to_the_reference_in_its_training_precision(tmp_path, capsys):
    assert convert_main(["--to", "reference", "checkpoints/sudoku9-mlp", "--out", str(tmp_path / "back")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["forward_dtype"] == "bfloat16"
    written = torch.load(printed["written"][0], weights_only=True)
    assert written["_orig_mod.model.inner.H_init"].dtype == torch.bfloat16  # a buffer in its forward dtype
    arch = yaml.safe_load((tmp_path / "back" / "all_config.yaml").read_text())["arch"]
    assert arch["forward_dtype"] == "bfloat16" and arch["loss"]["loss_type"] == "stablemax_cross_entropy"


def test_a_model_trained_with_softmax_goes_to_the_reference_with_its_softmax_loss(tmp_path, train_data_9x9, capsys):
    from tests.test_train import TINY
    from trm.export.__main__ import main as export_main
    from trm.train.__main__ import main as train_main
    run = tmp_path / "run"
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(run), "--steps", "4", "--data", str(train_data_9x9),
                       "--device", "cpu", *TINY, "--set", "train.answer_loss=softmax"]) == 0
    assert export_main(["--run", str(run), "--name", "soft", "--dest", str(tmp_path / "checkpoints")]) == 0
    assert load_model(tmp_path / "checkpoints" / "soft").metadata["training"]["answer_loss"] == "softmax"
    assert convert_main(["--to", "reference", str(tmp_path / "checkpoints" / "soft"), "--out",
                         str(tmp_path / "back")]) == 0
    arch = yaml.safe_load((tmp_path / "back" / "all_config.yaml").read_text())["arch"]
    assert arch["loss"] == {"name": "losses@ACTLossHead", "loss_type": "softmax_cross_entropy"}
    written = next((tmp_path / "back").glob("step_*"))  # there and back again keeps the loss
    assert convert_main(["--from", "reference", str(written), "--out", str(tmp_path / "again")]) == 0
    assert "answer loss `softmax_cross_entropy`" in (tmp_path / "again" / "MODEL_CARD.md").read_text()
    assert convert_main(["--to", "reference", str(tmp_path / "again"), "--out", str(tmp_path / "back2")]) == 0
    arch = yaml.safe_load((tmp_path / "back2" / "all_config.yaml").read_text())["arch"]
    assert arch["loss"]["loss_type"] == "softmax_cross_entropy"


def test_a_card_from_before_the_loss_record_is_read_from_its_recipe_line():
    from trm.convert.to_reference import reference_loss_type
    assert reference_loss_type({"training": {"recipe": "Muon ...; softmax cross-entropy (not stable-max)"}}) == \
        "softmax_cross_entropy"
    assert reference_loss_type({"training": {"recipe": "AdamATan2 (lr 0.0001, weight decay 1)"}}) == \
        "stablemax_cross_entropy"
    assert reference_loss_type({}) == "stablemax_cross_entropy"


class _Explodes:
    def __reduce__(self):
        return (Path.touch, (Path(__file__).parent / "never-created",))


class _CallsTheShell:
    def __reduce__(self):  # unpickling would call os.system
        return os.system, (f"touch {Path(__file__).parent / 'never-created'}",)


def test_a_pickle_that_calls_a_function_is_refused_as_such_without_running_it(tmp_path, capsys):
    folder = tmp_path / "run"
    write_reference_run(folder, "mlp")
    torch.save({"model": _CallsTheShell()}, folder / "step_13")
    assert convert_main(["--from", "reference", str(folder / "step_13"), "--out", str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err
    assert "holds more than weights" in error and "system" in error
    assert not (Path(__file__).parent / "never-created").exists() and not (tmp_path / "x").exists()


def test_a_file_that_needs_unpickling_is_refused_without_running_it(tmp_path, capsys):
    folder = tmp_path / "run"
    write_reference_run(folder, "mlp")
    torch.save({"model": _Explodes()}, folder / "step_666")
    assert convert_main(["--from", "reference", str(folder / "step_666"), "--out", str(tmp_path / "x")]) == 2
    assert "holds more than weights" in capsys.readouterr().err
    assert not (Path(__file__).parent / "never-created").exists()
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("change, message", [
    ({"arch_name": "recursive_reasoning.hrm@HierarchicalReasoningModel_ACTV1"}, "only the reference TRM"),
    ({"pos_encodings": "learned"}, "learned position embeddings"),
    ({"puzzle_emb_ndim": 128}, "spans several prefix tokens"),
    ({"L_layers": 3}, "lacks tensors this architecture needs"),
    ({"expansion": 2}, "has shape"),
    ({"no_config": True}, "pass it with --config"),
    ({"data": "data/arc1concept-aug-1000"}, "an ARC-AGI model"),
    ({"identifiers": 900}, "900 identifiers"),
    ({"extra_key": True}, "no mapping for reference key"),
    ({"hidden_size": "512"}, "arch.hidden_size is '512'; it must be a whole number"),  # compared before it is used
    ({"hidden_size": [512]}, "arch.hidden_size is [512]"),
    ({"hidden_size": None}, "arch.hidden_size is null; it must be a whole number"),  # YAML's word, not Python's
    ({"mlp_t": "yes"}, "arch.mlp_t is 'yes'; it must be true or false"),
    ({"pos_encodings": [1]}, "arch.pos_encodings is [1]; it must be text"),
])
def test_unsupported_or_broken_checkpoints_say_why(tmp_path, capsys, change, message):
    source = write_reference_run(tmp_path / "run", "mlp")
    config_path = source.parent / "all_config.yaml"
    config = yaml.safe_load(config_path.read_text())
    weights = torch.load(source, weights_only=True)
    if "arch_name" in change:
        config["arch"]["name"] = change["arch_name"]
    elif "data" in change:
        config["data_paths"] = [change["data"]]
    elif "identifiers" in change:
        name = "_orig_mod.model.inner.puzzle_emb.weights"
        weights[name] = weights[name].expand(change["identifiers"], -1).clone()
    elif "extra_key" in change:
        weights["_orig_mod.model.inner.brand_new.weight"] = torch.zeros(2)
    elif "no_config" in change:
        config_path.unlink()
    else:
        config["arch"].update(change)
    if config_path.exists():
        config_path.write_text(yaml.safe_dump(config))
    torch.save(weights, source)
    assert convert_main(["--from", "reference", str(source), "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("variant", ["mlp", "att_noprefix"])
def test_predictions_of_a_converted_checkpoint_are_the_reference_codes_rows(variant, tmp_path):
    """The end-to-end check a user runs: trm.evaluate --predictions gives, row by row, the digits, halting step
    and final Q-halt logit that the reference's own outputs imply."""
    from trm.evaluate.cli import main as evaluate_main
    from trm.evaluate.predictions import digits_only

    source = write_reference_run(tmp_path / "run", variant)
    assert convert_main(["--from", "reference", str(source), "--out", str(tmp_path / "theirs")]) == 0
    expected = load_file(str(FIXTURES / f"{variant}_outputs.safetensors"))
    puzzles = ["".join(str(int(t) - 1) for t in row) for row in expected["inputs"]]
    (tmp_path / "p.csv").write_text("puzzle\n" + "\n".join(puzzles) + "\n")
    assert evaluate_main(["--checkpoint", str(tmp_path / "theirs"), "--data", str(tmp_path / "p.csv"), "--steps", "3",
                          "--threshold", "0.3", "--predictions", str(tmp_path / "rows.csv"), "--json"]) == 0
    rows = list(csv.DictReader((tmp_path / "rows.csv").open()))
    digits = digits_only(expected["step3.logits"], 9)
    q = torch.stack([expected[f"step{s}.q_halt_logits"] for s in (1, 2, 3)], dim=1)  # (4, 3)
    assert len(rows) == 4
    for index, row in enumerate(rows):
        assert row["prediction"] == "".join(map(str, digits[index].tolist()))
        crossed = (torch.sigmoid(q[index]) >= 0.3).nonzero()
        assert row["halt_step"] == (str(int(crossed[0]) + 1) if len(crossed) else "")
        assert float(row["q_halt_logit"]) == pytest.approx(float(q[index, 2]), abs=1e-3)
        assert row["solution"] == "" and row["right"] == ""


def _hub_cache(root: Path, repo: str, files: dict[str, Path]) -> str:
    """A Hugging Face Hub cache folder as huggingface_hub lays it out (refs/main -> snapshots/<commit>/FILE)."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    base = root / ("models--" + repo.replace("/", "--"))
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    for name, source in files.items():
        target = base / "snapshots" / commit / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    return commit


def test_a_hub_checkpoint_opens_from_the_hub_cache_offline(tmp_path, monkeypatch, capsys):
    pytest.importorskip("huggingface_hub")
    source = write_reference_run(tmp_path / "run", "mlp")
    commit = _hub_cache(tmp_path / "hub", "alice/trm-sudoku", {"run/step_1000": source,
                                                              "run/all_config.yaml": source.parent / "all_config.yaml"})
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert convert_main(["--from", "reference", "hf:alice/trm-sudoku/run/step_1000", "--out",
                         str(tmp_path / "theirs")]) == 0
    assert_matches_recorded_steps(load_model(tmp_path / "theirs").model,
                                  load_file(str(FIXTURES / "mlp_outputs.safetensors")))
    assert f"hf:alice/trm-sudoku/run/step_1000@{commit}" in (tmp_path / "theirs" / "MODEL_CARD.md").read_text()
    assert convert_main(["--from", "reference", "hf:alice/trm-sudoku", "--out", str(tmp_path / "again")]) == 0
    assert convert_main(["--from", "reference", "hf:alice/trm-sudoku/run/step_9", "--out", str(tmp_path / "x")]) == 2
    assert "could not get run/step_9 from the hub repository alice/trm-sudoku" in capsys.readouterr().err
    assert convert_main(["--from", "reference", "hf:../etc", "--out", str(tmp_path / "x")]) == 2
    assert "is not hf:OWNER/REPO" in capsys.readouterr().err


def test_a_hub_address_without_a_network_says_so_and_how_to_do_without(tmp_path):
    pytest.importorskip("huggingface_hub")
    # huggingface_hub reads its settings when imported: a process of its own. Nothing listens on port 9.
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_CACHE": str(tmp_path / "hub"),
           "HF_HUB_OFFLINE": "0"}
    done = subprocess.run([sys.executable, "-m", "trm.convert", "--from", "nano-trm", "hf:nobody/nothing", "--out",
                           str(tmp_path / "x")], env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 2  # no bare "Got: ConnectError: [Errno 111]"
    assert "the Hugging Face Hub cannot be reached from this machine" in done.stderr
    assert "HF_HUB_OFFLINE=1" in done.stderr and not (tmp_path / "x").exists()


def test_a_bad_row_anywhere_in_an_eval_file_stops_the_conversion_before_it_writes(tmp_path, capsys):
    source = write_reference_run(tmp_path / "run", "mlp")
    rows = (Path(__file__).parents[1] / "assets/puzzles/heldout_forum_hardest_2k.csv").read_text().splitlines()[:40]
    (tmp_path / "late.csv").write_text("\n".join([*rows, rows[1][:80] + "x" + rows[1][81:]]) + "\n")
    assert convert_main(["--from", "reference", str(source), "--out", str(tmp_path / "theirs"),
                         "--eval", f"late={tmp_path / 'late.csv'}"]) == 2
    assert "line 41" in capsys.readouterr().err and not (tmp_path / "theirs").exists()


def test_folders_are_refused_with_what_to_give_instead(tmp_path, capsys):
    assert convert_main(["--from", "reference", "checkpoints/sudoku4", "--out", str(tmp_path / "c")]) == 2
    assert "already a TRM Studio checkpoint" in capsys.readouterr().err
    for kind in ("reference", "nano-trm"):  # its weights file alone: the same answer, not a missing config
        assert convert_main(["--from", kind, "checkpoints/sudoku4/model.safetensors", "--out",
                             str(tmp_path / "c")]) == 2
        assert "is the weights file of the TRM Studio checkpoint checkpoints/sudoku4" in capsys.readouterr().err
    (tmp_path / "run").mkdir()
    assert convert_main(["--from", "reference", str(tmp_path / "run"), "--out", str(tmp_path / "c")]) == 2
    error = capsys.readouterr().err
    assert "is a folder: give the weights file inside it" in error and "TRM Studio checkpoint" not in error
    assert not (tmp_path / "c").exists()


def test_a_plain_pickle_and_a_cut_short_save_are_told_apart_without_warnings(tmp_path, capsys, recwarn):
    import pickle
    folder = tmp_path / "run"
    write_reference_run(folder, "mlp")
    (folder / "step_7").write_bytes(pickle.dumps({"weights": [1.0, 2.0]}, protocol=4))
    assert convert_main(["--from", "reference", str(folder / "step_7"), "--out", str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err
    assert "is not a PyTorch or safetensors file" in error and not [w for w in recwarn if "pickle" in str(w.message)]
    whole = folder / "step_8"
    torch.save({"w": torch.ones(4096)}, whole)
    whole.write_bytes(whole.read_bytes()[:2000])
    assert convert_main(["--from", "reference", str(whole), "--out", str(tmp_path / "x")]) == 2
    assert "starts as a PyTorch file but cannot be read: it is damaged or cut short" in capsys.readouterr().err
    legacy = folder / "step_9"  # torch.save's older, non-zip format, cut short too
    torch.save({"w": torch.ones(4096)}, legacy, _use_new_zipfile_serialization=False)
    legacy.write_bytes(legacy.read_bytes()[:2000])
    assert convert_main(["--from", "reference", str(legacy), "--out", str(tmp_path / "x")]) == 2
    assert "it is damaged or cut short" in capsys.readouterr().err
    (folder / "step_10").write_bytes(b"")
    assert convert_main(["--from", "reference", str(folder / "step_10"), "--out", str(tmp_path / "x")]) == 2
    assert "is empty (an interrupted copy or save?)" in capsys.readouterr().err
