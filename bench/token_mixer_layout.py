"""Does the token mixer lose time to its odd depth (97 tokens)? Times its GEMMs with the sequence padded to 104.

    python bench/token_mixer_layout.py                          # GPU: check, then time the paper config
    PYTHONPATH=. python bench/token_mixer_layout.py --check-only --device cpu   # CPU check, small sizes

Session 3's profile found a slow `align1` cuBLAS kernel (5 ms/step): the token mixer's weight (2W, 97) has a row
length of 97 bf16 values (194 bytes, not a multiple of 16), and the weight gradient is written in that shape.
Three forms of the same sub-layer (silu(W_g H) * (W_u H), then W_d, residual, RMSNorm over the sequence), each
timed forward + backward (the cycle with gradients) and forward only (the no-grad cycles):

- model: trm/model/layers.py's TokenMixer as it is;
- padded weight: W stored (2W, 104) with zero columns, used through a (2W, 97) view (aligned row stride; the
  weight's gradient GEMM still writes (2W, 97));
- padded state: the hidden state itself has 104 rows, the last 7 zero (every GEMM aligned; what keeping 7 padding
  tokens in the whole model would cost here, without the channel MLP's extra 7% work).
"""

import argparse
import json

import torch
import torch.nn.functional as F
import triton

from trm.model.layers import TokenMixer, rms_norm, swiglu_width

PADDED_SEQ = 104  # next multiple of 8 above 97: 208-byte bf16 rows


def _mix(hidden: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor, eps: float) -> torch.Tensor:
    seq, batch, features = hidden.shape
    gate, up = (gate_up @ hidden.reshape(seq, batch * features)).chunk(2, dim=0)
    mixed = (down @ (F.silu(gate) * up)).view(seq, batch, features)
    return rms_norm(hidden + mixed, eps, dim=0)


def forms(mixer: TokenMixer, seq: int, padded_seq: int):
    """({name: fn(hidden) -> output}, weight tensors). All forms compute the same first ``seq`` output rows."""
    gate_up, down = mixer.gate_up.weight, mixer.down.weight
    wide = torch.zeros(gate_up.shape[0], padded_seq, dtype=gate_up.dtype, device=gate_up.device)
    wide[:, :seq] = gate_up.detach()
    wide.requires_grad_(True)
    tall_down = torch.zeros(padded_seq, down.shape[1], dtype=down.dtype, device=down.device)
    tall_down[:seq] = down.detach()
    tall_down.requires_grad_(True)

    def padded_weight(hidden):
        return _mix(hidden, wide.to(hidden.dtype)[:, :seq], down.to(hidden.dtype), mixer.eps)

    def padded_state(hidden):  # rows seq.. are zero in and are ignored out; the norm must not see them
        seq_all, batch, features = hidden.shape
        gate, up = (wide.to(hidden.dtype) @ hidden.reshape(seq_all, batch * features)).chunk(2, dim=0)
        mixed = (tall_down.to(hidden.dtype) @ (F.silu(gate) * up)).view(seq_all, batch, features)
        summed = (hidden + mixed)[:seq].float()
        normed = summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + mixer.eps)
        return torch.cat((normed.to(hidden.dtype), hidden[seq:]), dim=0)

    leaves = [*mixer.parameters(), wide, tall_down]  # whose gradients the timed runs clear
    return {"model": mixer, "padded weight": padded_weight, "padded state": padded_state}, leaves


def inputs_for(name: str, hidden: torch.Tensor, padded_seq: int) -> torch.Tensor:
    if name != "padded state":
        return hidden
    seq, batch, features = hidden.shape
    return torch.cat((hidden, hidden.new_zeros(padded_seq - seq, batch, features)), dim=0)


def check(device: str, batch: int, features: int, seq: int, padded_seq: int, tolerance: float) -> None:
    """Outputs and input gradients of every form against the model's, in float32."""
    mixer = TokenMixer(seq, 4.0, 1e-5).to(device)
    hidden = torch.randn(seq, batch, features, device=device)
    weights = torch.randn(seq, batch, features, device=device)
    results = {}
    for name, fn in forms(mixer, seq, padded_seq)[0].items():
        x = inputs_for(name, hidden, padded_seq).detach().requires_grad_(True)
        out = fn(x)[:seq]
        (out * weights).sum().backward()
        results[name] = (out.detach(), x.grad[:seq])
    for name, (out, grad) in results.items():
        errors = [float((a - b).norm() / b.norm()) for a, b in zip((out, grad), results["model"])]
        print(f"check {name}: relative error output {errors[0]:.2e}, input gradient {errors[1]:.2e}")
        assert max(errors) < tolerance, f"{name}: relative errors {errors} >= {tolerance}"


def time_forms(batch: int, features: int, seq: int, padded_seq: int) -> list[dict]:
    mixer = TokenMixer(seq, 4.0, 1e-5).cuda()
    hidden = torch.randn(seq, batch, features, device="cuda", dtype=torch.bfloat16)
    rows = []
    variants, leaves = forms(mixer, seq, padded_seq)
    for name, fn in variants.items():
        x = inputs_for(name, hidden, padded_seq).detach().requires_grad_(True)
        grad = torch.randn_like(x)

        def train_pass():
            with torch.autocast("cuda", dtype=torch.bfloat16):
                out = fn(x)
            out.backward(grad)

        def no_grad_pass():
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
                fn(x)

        row = {"form": name, "forward+backward ms": triton.testing.do_bench(train_pass, grad_to_none=[x, *leaves]),
               "forward ms": triton.testing.do_bench(no_grad_pass)}
        rows.append(row)
    base = rows[0]
    for row in rows:
        row["vs model (fwd+bwd)"] = base["forward+backward ms"] / row["forward+backward ms"]
        row["vs model (fwd)"] = base["forward ms"] / row["forward ms"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--batch", type=int, default=768)
    parser.add_argument("--out", help="also write the rows as JSON lines here")
    args = parser.parse_args()
    check(args.device, 3, 40, 13, 16, 1e-5)
    if args.check_only:
        return
    width = swiglu_width(97, 4.0)
    print(f"token mixer: {97} tokens (padded {PADDED_SEQ}), inner width {width}, batch {args.batch}, hidden 512, bf16")
    rows = time_forms(args.batch, 512, 97, PADDED_SEQ)
    for row in rows:
        print(f"{row['form']:>14}: fwd+bwd {row['forward+backward ms']:.3f} ms ({row['vs model (fwd+bwd)']:.2f}x), "
              f"fwd {row['forward ms']:.3f} ms ({row['vs model (fwd)']:.2f}x)")
    if args.out:
        with open(args.out, "a") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
