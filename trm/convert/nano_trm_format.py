"""olivkoch/nano-trm's checkpoints: a Lightning ``.ckpt`` whose ``state_dict`` holds the raw weights under the
module's own names (``input_embedding``, ``lenet.layers.i``, ``lm_head``, a one-output ``q_head``, ``z_H_init``),
whose ``hyper_parameters`` hold the architecture, and whose EMA copy lives in the EMA callback's saved state
(``callbacks.EMACallback.shadow``, parameters only). tests/fixtures/nano_trm/README.md has the maths and table.

nano-trm's tokens are 0 pad, 1 EOS, 2 blank, 3.. digits; ours drop the EOS (never present in a Sudoku of its
grid's full size), so its embedding and output rows [0, 2, 3, ...] are ours.
"""

import torch

from trm.convert.source_file import is_tensor_dict
from trm.errors import CheckpointError, ConfigError
from trm.model.config import ModelConfig
from trm.model.reference_keys import renamed

EMA_CALLBACK = "EMACallback"
Q_CONTINUE_BIAS = -5.0  # our second Q output, never read; the reference's initial value
_RENAMES = [
    (r"^input_embedding\.embedding_weight$", "embed_tokens.weight"),
    (r"^z_H_init$", "y_init"),
    (r"^z_L_init$", "z_init"),
    (r"^lenet\.layers\.(\d+)\.mlp_t\.gate_up_proj\.", r"net.blocks.\1.mixer.gate_up."),
    (r"^lenet\.layers\.(\d+)\.mlp_t\.down_proj\.", r"net.blocks.\1.mixer.down."),
    (r"^lenet\.layers\.(\d+)\.self_attn\.qkv_proj\.", r"net.blocks.\1.mixer.qkv."),
    (r"^lenet\.layers\.(\d+)\.self_attn\.o_proj\.", r"net.blocks.\1.mixer.out."),
    (r"^lenet\.layers\.(\d+)\.mlp\.gate_up_proj\.", r"net.blocks.\1.channel_mlp.gate_up."),
    (r"^lenet\.layers\.(\d+)\.mlp\.down_proj\.", r"net.blocks.\1.channel_mlp.down."),
]


def hyper_parameters(stored: object) -> dict:
    """The checkpoint's ``hyper_parameters`` (the model's kwargs); ConfigError when the file has none."""
    found = stored.get("hyper_parameters") if isinstance(stored, dict) else None
    if not isinstance(found, dict):
        raise ConfigError("the file has no hyper_parameters: nano-trm's Lightning checkpoints keep the "
                          "architecture there (a bare state dict cannot say its cycles and sizes).")
    return found


def _require(flag: bool, reason: str) -> None:
    if not flag:
        raise ConfigError(reason)


def model_config(hparams: dict) -> ModelConfig:
    """Our ModelConfig for nano-trm's kwargs; ConfigError, with the reason, for what ours does not compute."""
    try:
        grid, mlp_t = int(hparams["vocab_size"]) - 3, bool(hparams.get("use_mlp_t", False))
        emb_dim, emb_len = int(hparams.get("puzzle_emb_dim", 0)), int(hparams.get("puzzle_emb_len", 0))
        hidden = int(hparams["hidden_size"])
        _require(grid in (4, 6, 9), f"vocab_size {hparams['vocab_size']} is not a Sudoku of 4, 6 or 9 digits "
                                    f"(nano-trm's tokens: pad, EOS, blank and the digits).")
        _require(int(hparams.get("seq_len", grid * grid)) == grid * grid and
                 int(hparams.get("max_grid_size", grid)) == grid,
                 f"seq_len {hparams.get('seq_len')} / max_grid_size {hparams.get('max_grid_size')}: a padded "
                 f"grid (nano-trm's own 4x4, 6x6 and mixed-size data put an EOS row inside it), not the "
                 f"{grid}x{grid} cells alone that TRM Studio feeds.")
        _require(not hparams.get("use_conv_swiglu") and not hparams.get("use_board_swiglu"),
                 "use_conv_swiglu / use_board_swiglu add a convolution inside the SwiGLU that TRM Studio lacks.")
        _require(mlp_t or hparams.get("pos_emb_type") == "1d",
                 f"attention with pos_emb_type={hparams.get('pos_emb_type')!r}: TRM Studio's attention uses 1-D "
                 f"RoPE only.")
        _require((emb_dim > 0) == (emb_len > 0), "puzzle_emb_dim and puzzle_emb_len must both be set or both "
                                                 "be 0 (nano-trm itself fails otherwise).")
        _require(emb_dim <= hidden, f"the puzzle embedding (puzzle_emb_dim={emb_dim}) spans several prefix "
                                    f"tokens; TRM Studio's prefix holds one vector of hidden_size={hidden}.")
        return ModelConfig(grid_size=grid, hidden_size=hidden, layers=int(hparams["num_layers"]),
                           expansion=float(hparams.get("ffn_expansion", 2)), mixer="mlp" if mlp_t else "attention",
                           attention_heads=int(hparams.get("num_heads", 8)),
                           rope_theta=float(hparams.get("rope_theta", 10000)), prefix_len=emb_len if emb_dim else 0,
                           answer_cycles=int(hparams["H_cycles"]), latent_steps=int(hparams["L_cycles"]),
                           max_supervision_steps=int(hparams.get("N_supervision", 16)))
    except KeyError as error:
        raise ConfigError(f"hyper_parameters lack {error.args[0]!r}.") from None
    except (TypeError, ValueError) as error:
        raise ConfigError(f"hyper_parameters do not describe a TRM Studio model: {error}") from None


def pick_weights(stored: dict, state: dict[str, torch.Tensor], ema: bool | None) -> tuple[dict, str]:
    """The raw state dict, or (``ema`` True, or None with an EMA copy present) the EMA shadow over it."""
    shadow = (stored.get("callbacks") or {}).get(EMA_CALLBACK, {}).get("shadow") if isinstance(
        stored.get("callbacks"), dict) else None
    has_ema = is_tensor_dict(shadow)
    if ema and not has_ema:
        raise ConfigError(f"--ema: the checkpoint has no {EMA_CALLBACK} state (saved weights-only, or trained "
                          f"without EMA); use --raw.")
    if ema is False or not has_ema:
        return state, "raw (the checkpoint's state_dict, as nano-trm's evaluate.py loads it)"
    return {**state, **shadow}, (f"EMA (the {EMA_CALLBACK}'s shadow over the state_dict, as nano-trm's validation "
                                 f"measures)")


def our_weights(state: dict[str, torch.Tensor], config: ModelConfig) -> dict[str, torch.Tensor]:
    """nano-trm's tensors renamed and reshaped to ours (the EOS row dropped, the Q head widened)."""
    keep_rows = torch.tensor([0, *range(2, config.grid_size + 3)])  # pad, blank, digits
    ours = {}
    for name, tensor in state.items():
        if name == "puzzle_emb.weights":
            if tensor.shape[0] != 1:
                raise ConfigError(f"the puzzle embedding has {tensor.shape[0]} rows: one learned vector per "
                                  f"training puzzle, which a new Sudoku has not got; TRM Studio runs models with "
                                  f"one.")
            ours["puzzle_prefix"] = torch.nn.functional.pad(tensor[0].float(),
                                                            (0, config.hidden_size - tensor.shape[1]))
            continue
        target = renamed(name, _RENAMES)
        if target is None:
            raise CheckpointError(f"no mapping for nano-trm key {name!r}: not a nano-trm TRM of a known variant.")
        tensor = tensor.float()
        if target in ("embed_tokens.weight", "lm_head.weight"):
            if tensor.shape[0] != config.grid_size + 3:
                raise CheckpointError(f"{name} has {tensor.shape[0]} rows; vocab_size says {config.grid_size + 3}.")
            tensor = tensor[keep_rows]
        elif target == "q_head.weight":
            tensor = torch.cat((tensor, torch.zeros_like(tensor)))
        elif target == "q_head.bias":
            tensor = torch.cat((tensor, torch.full_like(tensor, Q_CONTINUE_BIAS)))
        ours[target] = tensor
    return ours
