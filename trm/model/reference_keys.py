"""Map the reference code's state-dict names (SamsungSAILMontreal/TinyRecursiveModels) onto ours.

Lets users load weights trained with the reference and proves our maths matches it (tests/test_faithfulness.py).
"""

import re

import torch

_REFERENCE_PREFIXES = ("_orig_mod.", "model.", "inner.")  # torch.compile, loss-head wrapper, ACT wrapper
_RENAMES = [
    (r"^embed_tokens\.embedding_weight$", "embed_tokens.weight"),
    (r"^H_init$", "y_init"),  # z_H is the paper's y
    (r"^L_init$", "z_init"),  # z_L is the paper's z
    (r"^L_level\.layers\.(\d+)\.mlp_t\.gate_up_proj\.", r"net.blocks.\1.mixer.gate_up."),
    (r"^L_level\.layers\.(\d+)\.mlp_t\.down_proj\.", r"net.blocks.\1.mixer.down."),
    (r"^L_level\.layers\.(\d+)\.self_attn\.qkv_proj\.", r"net.blocks.\1.mixer.qkv."),
    (r"^L_level\.layers\.(\d+)\.self_attn\.o_proj\.", r"net.blocks.\1.mixer.out."),
    (r"^L_level\.layers\.(\d+)\.mlp\.gate_up_proj\.", r"net.blocks.\1.channel_mlp.gate_up."),
    (r"^L_level\.layers\.(\d+)\.mlp\.down_proj\.", r"net.blocks.\1.channel_mlp.down."),
]


SAME_NAME_KEYS = ("lm_head.weight", "q_head.weight", "q_head.bias")  # named alike in every TRM code base


def renamed(name: str, table: list[tuple[str, str]]) -> str | None:
    """``name`` renamed by the first matching (pattern, replacement) of ``table``; the same-name keys unchanged;
    None when nothing matches."""
    for pattern, replacement in table:
        if re.match(pattern, name):
            return re.sub(pattern, replacement, name)
    return name if name in SAME_NAME_KEYS else None


def strip_wrappers(name: str) -> str:
    """A reference key without the torch.compile, loss-head and ACT wrappers' prefixes."""
    changed = True
    while changed:
        changed = False
        for prefix in _REFERENCE_PREFIXES:
            if name.startswith(prefix):
                name, changed = name[len(prefix):], True
    return name


def from_reference_state_dict(reference: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a reference TRM state dict to this project's keys (float32). Unknown keys raise KeyError."""
    ours = {}
    for name, tensor in reference.items():
        short = strip_wrappers(name)
        if short == "puzzle_emb.weights":  # (1, D): every Sudoku puzzle uses identifier 0
            ours["puzzle_prefix"] = tensor[0].float()
            continue
        short = renamed(short, _RENAMES)
        if short is None:
            raise KeyError(f"no mapping for reference key {name!r}")
        ours[short] = tensor.float()
    return ours


_OURS_TO_REFERENCE = [
    (r"^embed_tokens\.weight$", "embed_tokens.embedding_weight"),
    (r"^y_init$", "H_init"),
    (r"^z_init$", "L_init"),
    (r"^net\.blocks\.(\d+)\.mixer\.gate_up\.", r"L_level.layers.\1.mlp_t.gate_up_proj."),
    (r"^net\.blocks\.(\d+)\.mixer\.down\.", r"L_level.layers.\1.mlp_t.down_proj."),
    (r"^net\.blocks\.(\d+)\.mixer\.qkv\.", r"L_level.layers.\1.self_attn.qkv_proj."),
    (r"^net\.blocks\.(\d+)\.mixer\.out\.", r"L_level.layers.\1.self_attn.o_proj."),
    (r"^net\.blocks\.(\d+)\.channel_mlp\.gate_up\.", r"L_level.layers.\1.mlp.gate_up_proj."),
    (r"^net\.blocks\.(\d+)\.channel_mlp\.down\.", r"L_level.layers.\1.mlp.down_proj."),
]
REFERENCE_PREFIX = "_orig_mod.model.inner."  # what pretrain.py's compiled ACTLossHead(ACT model) saves


def to_reference_state_dict(ours: dict[str, torch.Tensor],
                            init_dtype: torch.dtype = torch.bfloat16) -> dict[str, torch.Tensor]:
    """Our state dict under the reference's names, as its pretrain.py saves and loads them: float32 weights, the
    initial states in the forward dtype (they are buffers created in it), the prefix as a 1-row puzzle table."""
    reference = {}
    for name, tensor in ours.items():
        if name == "puzzle_prefix":
            reference[REFERENCE_PREFIX + "puzzle_emb.weights"] = tensor.float()[None].clone()
            continue
        target = renamed(name, _OURS_TO_REFERENCE)
        if target is None:
            raise KeyError(f"no reference name for {name!r}")
        name = target
        dtype = init_dtype if name in ("H_init", "L_init") else torch.float32
        reference[REFERENCE_PREFIX + name] = tensor.to(dtype).clone()
    return reference
