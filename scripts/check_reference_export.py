#!/usr/bin/env python
"""Check that a checkpoint written by ``python -m trm.convert --to reference`` runs in the reference code itself and
answers as TRM Studio does: the reference's ``TinyRecursiveReasoningModel_ACTV1`` is built from the written
``all_config.yaml`` (its ``arch`` section, as pretrain.py passes it), the written ``step_N`` is loaded into it
strictly, and both run the same puzzles for every supervision step in float32 on the CPU.

    python scripts/check_reference_export.py --reference /tmp/trm_ref --checkpoint checkpoints/sudoku9-mlp \
        [--puzzles assets/puzzles/heldout_forum_hardest_2k.csv --limit 8]

Needs a checkout of SamsungSAILMontreal/TinyRecursiveModels (its models/ imports pydantic and einops); never run
in CI. Prints the largest differences and the answers' agreement, and exits 1 if they disagree.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import torch
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trm.checkpoint import load_model  # noqa: E402
from trm.convert import write_reference  # noqa: E402
from trm.model.tokens import encode_grids  # noqa: E402
from trm.sudoku import read_puzzle_csv  # noqa: E402


def reference_model(trm, arch: dict, grid: int, batch: int, weights: dict):
    config = {key: value for key, value in arch.items() if key not in ("name", "loss")}
    config.update(batch_size=batch, seq_len=grid * grid, vocab_size=grid + 2, num_puzzle_identifiers=1,
                  causal=False, forward_dtype="float32")
    model = trm.TinyRecursiveReasoningModel_ACTV1(config)
    state = {name.removeprefix("_orig_mod.model."): tensor.float() for name, tensor in weights.items()}
    model.load_state_dict(state, strict=True)
    return model.eval()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", required=True, type=Path)
    parser.add_argument("--checkpoint", default=str(REPO / "checkpoints" / "sudoku9-mlp"))
    parser.add_argument("--puzzles", default=str(REPO / "assets" / "puzzles" / "heldout_forum_hardest_2k.csv"))
    parser.add_argument("--limit", type=int, default=8)
    args = parser.parse_args()
    sys.path.insert(0, str(args.reference.resolve()))
    from models.recursive_reasoning import trm  # the reference module

    ours = load_model(args.checkpoint)
    with tempfile.TemporaryDirectory() as folder:
        written, _ = write_reference(Path(args.checkpoint), Path(folder), step=1)
        arch = yaml.safe_load((Path(folder) / "all_config.yaml").read_text())["arch"]
        weights = torch.load(written, weights_only=True)
    puzzles = read_puzzle_csv(args.puzzles, limit=args.limit).puzzles
    tokens = encode_grids(puzzles)
    theirs = reference_model(trm, arch, ours.config.grid_size, len(puzzles), weights)
    batch = {"inputs": tokens.int(), "labels": tokens.int(),
             "puzzle_identifiers": torch.zeros(len(puzzles), dtype=torch.int32)}
    carry = theirs.initial_carry(batch)
    y, z = (s.expand(len(puzzles), ours.config.seq_len, -1).clone() for s in (ours.model.y_init, ours.model.z_init))
    worst_logit = worst_q = 0.0
    same = True
    with torch.no_grad():
        for step in range(1, ours.config.max_supervision_steps + 1):
            carry, out = theirs(carry, batch)
            y, z, logits, q_halt = ours.model(tokens, y, z)
            worst_logit = max(worst_logit, float((out["logits"].float() - logits).abs().max()))
            worst_q = max(worst_q, float((out["q_halt_logits"].float() - q_halt).abs().max()))
            same &= bool((out["logits"].argmax(-1) == logits.argmax(-1)).all())
    print(f"{len(puzzles)} puzzles x {ours.config.max_supervision_steps} steps: max |logit difference| "
          f"{worst_logit:.2e}, max |Q-halt difference| {worst_q:.2e}, answers identical: {same}")
    return 0 if same and worst_q < 1e-3 and worst_logit < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
