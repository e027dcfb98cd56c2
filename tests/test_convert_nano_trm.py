"""A nano-trm checkpoint (olivkoch/nano-trm's Lightning .ckpt) opens through python -m trm.convert --from nano-trm
and reproduces nano-trm's own outputs step by step (fixture made with its code: tests/fixtures/nano_trm), with its
EMA or raw weights; what ours does not compute is refused with the reason."""

import csv
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from trm.checkpoint import load_model
from trm.convert.__main__ import main as convert_main
from trm.evaluate.cli import main as evaluate_main
from trm.evaluate.predictions import digits_only
from trm.model.act import empty_carry, refill

FIXTURES = Path(__file__).parent / "fixtures" / "nano_trm"
TOLERANCE = dict(atol=1e-4, rtol=1e-4)  # the fixture's float32-vs-float64 drift is <= 3e-5
OUR_ROWS = [0, *range(2, 12)]  # nano-trm's tokens pad, EOS, blank, digits: ours drop the EOS


def _checkpoint(tmp_path: Path, variant: str, **hparam_changes) -> Path:
    """A Lightning-style checkpoint of a fixture variant: its state dict and the hyper-parameters Lightning saves."""
    hparams = {**json.loads((FIXTURES / f"{variant}_config.json").read_text())["hparams"], **hparam_changes}
    path = tmp_path / f"{variant}.ckpt"
    torch.save({"state_dict": load_file(str(FIXTURES / f"{variant}.safetensors")), "hyper_parameters": hparams,
                "epoch": 0, "global_step": 0}, path)
    return path


def _run(model, nano_tokens: torch.Tensor, steps: int = 3):
    tokens = nano_tokens.long() - 1  # nano-trm's blank 2 and digits 3.. are our 1 and 2..
    carry = refill(model, empty_carry(model, tokens.shape[0], torch.device("cpu"), torch.float32), tokens, tokens)
    y, z = carry.y, carry.z
    with torch.no_grad():
        for _ in range(steps):
            y, z, logits, q_halt = model(tokens, y, z)
            yield y, z, logits, q_halt


@pytest.mark.parametrize("variant", ["mlp", "att", "att_prefix"])
def test_a_converted_nano_trm_model_reproduces_its_outputs(variant, tmp_path, capsys):
    assert convert_main(["--from", "nano-trm", str(_checkpoint(tmp_path, variant)), "--out",
                         str(tmp_path / "ours")]) == 0
    loaded = load_model(tmp_path / "ours")
    assert loaded.config.prefix_len == (16 if variant == "att_prefix" else 0)
    expected = load_file(str(FIXTURES / f"{variant}_outputs.safetensors"))
    for step, (y, z, logits, q_halt) in enumerate(_run(loaded.model, expected["inputs"]), start=1):
        torch.testing.assert_close(logits, expected[f"step{step}.logits"][..., OUR_ROWS], **TOLERANCE)
        torch.testing.assert_close(q_halt, expected[f"step{step}.q_halt_logits"], **TOLERANCE)
    torch.testing.assert_close(y, expected["step3.z_H"], **TOLERANCE)
    torch.testing.assert_close(z, expected["step3.z_L"], **TOLERANCE)
    card = (tmp_path / "ours" / "MODEL_CARD.md").read_text()
    assert "nano-trm" in card and json.loads(capsys.readouterr().out)["source_sha256"] in card


@pytest.mark.parametrize("choice, prefix", [([], "ema"), (["--ema"], "ema"), (["--raw"], "raw")])
def test_a_real_lightning_checkpoint_opens_with_its_ema_or_raw_weights(choice, prefix, tmp_path):
    source = FIXTURES / "lightning_tiny.ckpt"  # made by nano-trm's train wiring: bf16 init states, a pickled path
    assert convert_main(["--from", "nano-trm", str(source), "--out", str(tmp_path / "ours"), *choice]) == 0
    loaded = load_model(tmp_path / "ours")
    expected = load_file(str(FIXTURES / "lightning_tiny_outputs.safetensors"))
    for step, (_, _, logits, q_halt) in enumerate(_run(loaded.model, expected["inputs"]), start=1):
        torch.testing.assert_close(logits, expected[f"{prefix}.step{step}.logits"][..., OUR_ROWS], **TOLERANCE)
        torch.testing.assert_close(q_halt, expected[f"{prefix}.step{step}.q_halt_logits"], **TOLERANCE)
    assert ("EMA" if prefix == "ema" else "raw") in (tmp_path / "ours" / "MODEL_CARD.md").read_text()


def test_predictions_of_a_converted_nano_trm_model_are_its_own_rows(tmp_path):
    assert convert_main(["--from", "nano-trm", str(_checkpoint(tmp_path, "mlp")), "--out",
                         str(tmp_path / "ours")]) == 0
    expected = load_file(str(FIXTURES / "mlp_outputs.safetensors"))
    puzzles = ["".join(str(int(t) - 2) for t in row) for row in expected["inputs"]]
    (tmp_path / "p.csv").write_text("puzzle\n" + "\n".join(puzzles) + "\n")
    assert evaluate_main(["--checkpoint", str(tmp_path / "ours"), "--data", str(tmp_path / "p.csv"), "--steps", "3",
                          "--predictions", str(tmp_path / "rows.csv"), "--json"]) == 0
    rows = list(csv.DictReader((tmp_path / "rows.csv").open()))
    digits = digits_only(expected["step3.logits"][..., OUR_ROWS], 9)
    assert [row["prediction"] for row in rows] == ["".join(map(str, d.tolist())) for d in digits]
    for row, q in zip(rows, expected["step3.q_halt_logits"]):
        assert float(row["q_halt_logit"]) == pytest.approx(float(q), abs=1e-3)


@pytest.mark.parametrize("changes, arguments, message", [
    ({"use_conv_swiglu": True}, [], "convolution inside the SwiGLU"),
    ({"use_mlp_t": False, "pos_emb_type": "2d"}, [], "1-D RoPE only"),
    ({"max_grid_size": 11, "seq_len": 121}, [], "a padded grid"),
    ({"vocab_size": 13}, [], "not a Sudoku"),
    ({"puzzle_emb_dim": 64}, [], "both be set or both be 0"),
    ({}, ["--ema"], "no EMACallback state"),
    ({"num_layers": 3}, [], "lacks tensors"),
])
def test_what_ours_does_not_compute_is_refused_with_the_reason(changes, arguments, message, tmp_path, capsys):
    source = _checkpoint(tmp_path, "mlp", **changes)
    assert convert_main(["--from", "nano-trm", str(source), "--out", str(tmp_path / "x"), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_bare_state_dict_says_where_the_architecture_should_be(tmp_path, capsys):
    torch.save(load_file(str(FIXTURES / "mlp.safetensors")), tmp_path / "bare.pt")
    assert convert_main(["--from", "nano-trm", str(tmp_path / "bare.pt"), "--out", str(tmp_path / "x")]) == 2
    assert "no hyper_parameters" in capsys.readouterr().err


def test_a_device_or_a_missing_path_is_named_for_what_it_is(tmp_path, capsys):
    assert convert_main(["--from", "nano-trm", "/dev/zero", "--out", str(tmp_path / "x")]) == 2
    assert "/dev/zero is not a regular file" in capsys.readouterr().err  # never read: it has no end
    assert convert_main(["--from", "nano-trm", str(tmp_path / "gone.ckpt"), "--out", str(tmp_path / "x")]) == 2
    assert "gone.ckpt: no such file" in capsys.readouterr().err and not (tmp_path / "x").exists()
