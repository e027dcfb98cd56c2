"""The building blocks of TRM's one network: post-norm blocks with SwiGLU MLPs, token mixing or attention.

Every linear layer is bias-free (only the Q head has a bias, see trm.model.trm) and RMSNorm has no scale.
"""

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from trm.kernels import PLAIN, FusedSwiGLU, FusedTokenMixer, swiglu_matmul, token_mixer_forward
from trm.model.config import ModelConfig


def rms_norm(hidden: torch.Tensor, eps: float, dim: int = -1) -> torch.Tensor:
    """RMSNorm without a learned scale over ``dim``, computed in float32 and cast back (as the reference)."""
    dtype = hidden.dtype
    hidden = hidden.float()
    hidden = hidden * torch.rsqrt(hidden.square().mean(dim, keepdim=True) + eps)
    return hidden.to(dtype)


def swiglu_width(features: int, expansion: float, multiple: int = 256) -> int:
    """Inner width of a SwiGLU: round(expansion * features * 2/3) rounded up to ``multiple`` (reference: 256)."""
    return -(round(expansion * features * 2 / 3) // -multiple) * multiple


def gated(gate: torch.Tensor, up: torch.Tensor, normed: bool, eps: float, dim: int = -1) -> torch.Tensor:
    """The SwiGLU's inner activation: silu(gate) * up, or with ``normed`` sigmoid(gate) * RMSNorm(gate * up) over
    ``dim`` (the product's size no longer grows with the weights' scale: "Speed is Confidence", arXiv 2601.19085)."""
    if normed:
        return torch.sigmoid(gate) * rms_norm(gate * up, eps, dim=dim)
    return F.silu(gate) * up


class SwiGLU(nn.Module):
    """down(silu(gate(x)) * up(x)) over the last axis; gate and up share one projection (gate first). With
    ``normed`` the inner activation is ``gated(..., normed=True)``; the Triton kernels serve both forms."""

    def __init__(self, features: int, expansion: float, multiple: int = 256, normed: bool = False,
                 eps: float = 1e-5):
        super().__init__()
        width = swiglu_width(features, expansion, multiple)
        self.gate_up = nn.Linear(features, 2 * width, bias=False)
        self.down = nn.Linear(width, features, bias=False)
        self.normed, self.eps = normed, eps
        self.kernels = PLAIN  # which Triton kernels run (trm.kernels.use_kernels): swiglu, swiglu_grad, tma

    @property
    def is_fused(self) -> bool:
        """Whether some calls run a Triton kernel."""
        return self.kernels.swiglu or self.kernels.swiglu_grad

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        with_grad = torch.is_grad_enabled()
        if self.normed and self.kernels.swiglu and not with_grad:
            activated, rstd = swiglu_matmul(hidden.reshape(-1, hidden.shape[-1]), self.gate_up.weight,
                                            tma=self.kernels.tma, normed_eps=self.eps)
            out = self.down(activated)
            return (out * rstd[:, None]).to(out.dtype).view(*hidden.shape[:-1], -1)
        if self.kernels.swiglu_grad and with_grad:
            rows = hidden.reshape(-1, hidden.shape[-1])
            out = FusedSwiGLU.apply(rows, self.gate_up.weight.to(hidden.dtype), self.down.weight.to(hidden.dtype),
                                    None, self.eps if self.normed else None, self.kernels.tma)
            return out.view_as(hidden)
        if self.normed:
            gate, up = self.gate_up(hidden).chunk(2, dim=-1)
            return self.down(gated(gate, up, True, self.eps))
        if self.kernels.swiglu and not with_grad:
            activated = swiglu_matmul(hidden.reshape(-1, hidden.shape[-1]), self.gate_up.weight,
                                      tma=self.kernels.tma)
            return self.down(activated.view(*hidden.shape[:-1], -1))
        gate, up = self.gate_up(hidden).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class TokenMixer(nn.Module):
    """TRM-MLP's sequence mixer: a SwiGLU along the sequence axis, then RMSNorm over that same axis.

    Works on sequence-major states (S, B, D): mixing tokens is then one plain GEMM, weight (2W, S) @ (S, B*D),
    with no transposes or batched weights (the reference transposes to (B, D, S); this is the same maths).
    """

    def __init__(self, seq_len: int, expansion: float, eps: float, multiple: int = 256, normed: bool = False):
        super().__init__()
        width = swiglu_width(seq_len, expansion, multiple)
        self.gate_up = nn.Linear(seq_len, 2 * width, bias=False)  # weight (2W, S)
        self.down = nn.Linear(width, seq_len, bias=False)  # weight (S, W)
        self.eps, self.normed = eps, normed
        self.kernels = PLAIN  # which Triton kernels run (trm.kernels.use_kernels): token_mixer, token_mixer_grad, tma

    @property
    def is_fused(self) -> bool:
        """Whether some calls run a Triton kernel."""
        return self.kernels.token_mixer or self.kernels.token_mixer_grad

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:  # hidden (S, B, D)
        seq, batch, features = hidden.shape
        tokens = hidden.reshape(seq, batch * features)  # (S, B*D)
        with_grad = torch.is_grad_enabled()
        if self.kernels.token_mixer and not with_grad:  # the whole sub-layer in one kernel
            return token_mixer_forward(tokens, self.gate_up.weight, self.down.weight, self.eps,
                                       tma=self.kernels.tma, normed=self.normed).view_as(hidden)
        gate_up, down = self.gate_up.weight.to(hidden.dtype), self.down.weight.to(hidden.dtype)
        if self.kernels.token_mixer_grad and with_grad:  # saves no activations: its backward recomputes
            return FusedTokenMixer.apply(tokens, gate_up, down, self.eps, self.kernels.tma,
                                         self.normed).view_as(hidden)
        gate, up = (gate_up @ tokens).chunk(2, dim=0)  # (W, B*D) each
        mixed = (down @ gated(gate, up, self.normed, self.eps, dim=0)).view(seq, batch, features)
        return rms_norm(hidden + mixed, self.eps, dim=0)


def rotary_tables(seq_len: int, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables (S, head_dim) for RoPE in the rotate-half layout (frequencies repeated twice)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq_len, dtype=torch.float32), inv_freq)
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos(), angles.sin()


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    first, second = x.chunk(2, dim=-1)
    return torch.cat((-second, first), dim=-1)


class SelfAttention(nn.Module):
    """TRM-Att's mixer: non-causal multi-head attention with RoPE on all positions, then RMSNorm over D."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.heads = config.attention_heads
        self.head_dim = config.hidden_size // config.attention_heads
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size, bias=False)
        self.out = nn.Linear(config.hidden_size, config.hidden_size, bias=False)
        cos, sin = rotary_tables(config.seq_len, self.head_dim, config.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.eps = config.rms_norm_eps

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:  # hidden (B, S, D)
        q, k, v = rearrange(self.qkv(hidden), "b s (three h d) -> three b h s d", three=3, h=self.heads)
        cos, sin = self.rope_cos, self.rope_sin  # (S, head_dim), float32 as the reference
        q = (q.float() * cos + _rotate_half(q.float()) * sin).to(v.dtype)
        k = (k.float() * cos + _rotate_half(k.float()) * sin).to(v.dtype)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=False)  # (B, H, S, d)
        mixed = self.out(rearrange(attended, "b h s d -> b s (h d)"))
        return rms_norm(hidden + mixed, self.eps)


class Block(nn.Module):
    """One post-norm block: sequence mixer (token MLP or attention), then the channel SwiGLU + RMSNorm.

    Works in the network's working layout: (S, B, D) with the token MLP, (B, S, D) with attention; the channel
    SwiGLU and its norm act on the last axis, so they need no layout of their own.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        if config.mixer == "mlp":
            self.mixer: nn.Module = TokenMixer(config.seq_len, config.expansion, config.rms_norm_eps,
                                               config.swiglu_multiple, normed=config.swiglu == "normed")
        else:
            self.mixer = SelfAttention(config)
        self.channel_mlp = SwiGLU(config.hidden_size, config.expansion, config.swiglu_multiple,
                                  normed=config.swiglu == "normed", eps=config.rms_norm_eps)
        self.eps = config.rms_norm_eps

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        hidden = self.mixer(hidden)
        return rms_norm(hidden + self.channel_mlp(hidden), self.eps)


class RecursiveNet(nn.Module):
    """TRM's single network f: adds the injected tensor to the state, then runs the blocks.

    ``forward`` takes and returns (B, S, D) states. Inside a supervision step the model keeps its states in the
    net's working layout instead (``to_working`` once, ``step`` per call, ``from_working`` once), which for the
    token-MLP mixer is sequence-major: its token mixing is then one GEMM per call without transposes.
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.sequence_major = config.mixer == "mlp"

    def to_working(self, state: torch.Tensor) -> torch.Tensor:
        """(B, S, D) -> the working layout."""
        return state.transpose(0, 1).contiguous() if self.sequence_major else state

    def from_working(self, state: torch.Tensor) -> torch.Tensor:
        """The working layout -> (B, S, D)."""
        return self.to_working(state)  # swapping the first two axes is its own inverse

    def step(self, state: torch.Tensor, injection: torch.Tensor) -> torch.Tensor:
        """f(state + injection) on working-layout tensors."""
        hidden = state + injection
        for block in self.blocks:
            hidden = block(hidden)
        return hidden

    def forward(self, state: torch.Tensor, injection: torch.Tensor) -> torch.Tensor:  # (B, S, D) each
        return self.from_working(self.step(self.to_working(state), self.to_working(injection)))
