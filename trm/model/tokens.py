"""The model's token encoding of a grid, in one place: 0 pad, 1 blank, 2..size+1 the digits 1..size (reference).

Grids everywhere else in trm are digits (0 blank, 1..size); only the model's input and output are tokens.
"""

import numpy as np
import torch

PAD_TOKEN = 0  # never in a puzzle; a class the output head can still predict
BLANK_TOKEN = 1
DIGIT_TOKEN_OFFSET = 1  # token = digit + 1, so a blank (0) becomes BLANK_TOKEN


def encode_grids(grids: np.ndarray | torch.Tensor, device: str | torch.device | None = None) -> torch.Tensor:
    """Digits (any shape, 0 = blank) -> int64 tokens on ``device`` (the input's device when None)."""
    return torch.as_tensor(np.asarray(grids) if not torch.is_tensor(grids) else grids, device=device).long() \
        + DIGIT_TOKEN_OFFSET


def decode_tokens(tokens: torch.Tensor) -> torch.Tensor:
    """Tokens -> digits, same shape, int8; pad and blank both become 0 (no digit)."""
    return (tokens - DIGIT_TOKEN_OFFSET).clamp(min=0).to(torch.int8)


def digit_logits(logits: torch.Tensor) -> torch.Tensor:
    """The logits of the digit classes only, (..., vocab) -> (..., size): index i is digit i + 1."""
    return logits[..., DIGIT_TOKEN_OFFSET + 1:]
