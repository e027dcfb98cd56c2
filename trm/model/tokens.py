"""The model's token encoding of a grid, in one place: 0 pad, 1 blank, 2..size+1 the digits 1..size (reference).

Grids everywhere else in trm are digits (0 blank, 1..size); only the model's input and output are tokens.
"""

import numpy as np
import torch

DIGIT_TOKEN_OFFSET = 1  # token = digit + 1, so a blank (0) becomes 1; token 0 (pad) never occurs in a puzzle


def encode_grids(grids: np.ndarray | torch.Tensor, device: str | torch.device | None = None) -> torch.Tensor:
    """Digits (any shape, 0 = blank) -> int64 tokens on ``device`` (the input's device when None)."""
    return torch.as_tensor(np.asarray(grids) if not torch.is_tensor(grids) else grids, device=device).long() \
        + DIGIT_TOKEN_OFFSET


def decode_tokens(tokens: torch.Tensor) -> torch.Tensor:
    """Tokens -> digits, same shape, int8; pad and blank both become 0 (no digit)."""
    return (tokens - DIGIT_TOKEN_OFFSET).clamp(min=0).to(torch.int8)

