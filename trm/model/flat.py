"""A flat gated-MLP baseline: the whole puzzle as one vector, no sequence axis.

x is the one-hot puzzle (cells x (size + 1) values: 810 for 9x9) projected to D; y and z are single D-vectors
(stored as (B, 1, D) so the ACT carry, trainer and evaluation treat both models alike). Updates:
z <- z + alpha * R(x + y + z),  y <- y + beta * O(y + z), with learnable scalar gates alpha, beta and SwiGLU
MLPs R and O (pre-norm, so the states stay bounded over many steps). It lets users compare a model that has
no notion of cells against TRM on the same data.
"""

import torch
import torch.nn.functional as F
from torch import nn

from trm.model.config import ModelConfig
from trm.model.init import lecun_linear_, truncated_normal_
from trm.model.layers import SwiGLU, rms_norm
from trm.model.trm import RecursiveModel, init_halting_head

GATE_INIT = 0.1  # small residual steps at the start


class FlatRecursiveModel(RecursiveModel):
    """Flat gated-MLP recursion with TRM's interface; states are (B, 1, hidden_size)."""

    def __init__(self, config: ModelConfig, generator: torch.Generator | None = None):
        super().__init__()
        self.config = config
        d = config.hidden_size
        self.embed = nn.Linear(config.cells * (config.grid_size + 1), d, bias=False)
        self.latent_mlp = SwiGLU(d, config.expansion, config.swiglu_multiple)  # R
        self.answer_mlp = SwiGLU(d, config.expansion, config.swiglu_multiple)  # O
        self.latent_gate = nn.Parameter(torch.tensor(GATE_INIT))  # alpha
        self.answer_gate = nn.Parameter(torch.tensor(GATE_INIT))  # beta
        self.lm_head = nn.Linear(d, config.cells * config.vocab_size, bias=False)
        self.q_head = nn.Linear(d, 2, bias=True)
        self.puzzle_prefix = None
        self.register_buffer("y_init", torch.empty(d))
        self.register_buffer("z_init", torch.empty(d))
        for module in self.modules():
            if isinstance(module, nn.Linear):
                lecun_linear_(module.weight, generator)
        truncated_normal_(self.y_init, std=1.0, generator=generator)
        truncated_normal_(self.z_init, std=1.0, generator=generator)
        init_halting_head(self.q_head)

    def embed_inputs(self, tokens: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """(B, cells) tokens -> x (B, 1, D): one-hot of blank/digit per cell, flattened, projected."""
        values = (tokens - 1).clamp(min=0)  # 0 blank, 1..size digits
        one_hot = F.one_hot(values, self.config.grid_size + 1).flatten(1).float()  # (B, cells * (size + 1))
        return self.embed(one_hot)[:, None].to(dtype)

    def latent_update(self, z: torch.Tensor, y: torch.Tensor, x: torch.Tensor, network=None) -> torch.Tensor:
        """z <- z + alpha * R(x + y + z); two networks, so no single ``network`` replaces them (it is ignored)."""
        return z + self.latent_gate * self.latent_mlp(rms_norm(x + y + z, self.config.rms_norm_eps))

    def answer_update(self, y: torch.Tensor, z: torch.Tensor, network=None) -> torch.Tensor:
        """y <- y + beta * O(y + z)."""
        return y + self.answer_gate * self.answer_mlp(rms_norm(y + z, self.config.rms_norm_eps))

    def decode_latent(self, state: torch.Tensor) -> torch.Tensor:
        """Answer logits (B, cells, vocab) read from any state (y or z) through the output head."""
        return self.lm_head(state[:, 0]).view(state.shape[0], self.config.cells, self.config.vocab_size)

    def readout(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decode_latent(y), self.q_head(y[:, 0]).float()[:, 0]
