"""The Tiny Recursive Model: input embedding, one recursive network, answer and halting heads.

One supervision step (paper Fig. 3, reference ``TinyRecursiveReasoningModel_ACTV1_Inner.forward``):
T cycles, each doing n latent updates z <- f(z + y + x) and one answer update y <- f(y + z); the first T-1
cycles run without gradients. Answer logits are read from y (prefix positions dropped), the halting logit
from y at position 0.
"""

import math
from collections.abc import Callable

import torch
from torch import nn

from trm.model.config import ModelConfig
from trm.model.init import lecun_linear_, truncated_normal_
from trm.model.layers import RecursiveNet

Network = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # f(state, injection) -> state, working layout
CallHook = Callable[[str, torch.Tensor, torch.Tensor], None]  # (kind "z" or "y", y, z) after a network call
Q_HALT_BIAS_INIT = -5.0  # sigmoid(-5) ~ 0.007: the model starts out never halting (reference)


class RecursiveModel(nn.Module):
    """What every recursive model here shares: states y, z of shape (B, S, D), T cycles of n latent updates
    and one answer update per supervision step, a readout of answer logits and the halting logit from y.

    Subclasses define embed_inputs, latent_update, answer_update, readout, decode_latent and, when one network
    does every update, network_function (what a compiled copy replaces).
    """

    config: ModelConfig
    puzzle_prefix: nn.Parameter | None  # set by subclasses (None when the model has no prefix)
    # (n, T) replacing the config's for training steps of a depth curriculum (trm.train.curriculum); None: the
    # config's. Only the trainer sets it, around its own forward: inference always runs the full depth.
    training_depth: tuple[int, int] | None = None
    # The loss its answer logits were trained with ("stablemax" or "softmax"), so confidences read them the same
    # way; load_model sets it from the checkpoint's record of its training.
    answer_loss: str = "stablemax"

    def initial_state(self, batch_size: int, dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        """y and z at the start of a puzzle: the fixed init vectors broadcast over positions, (B, S, D) each."""
        shape = (batch_size, self.config.seq_len, self.config.hidden_size)
        return self.y_init.to(dtype).expand(shape).clone(), self.z_init.to(dtype).expand(shape).clone()

    def to_working(self, state: torch.Tensor) -> torch.Tensor:
        """(B, S, D) -> the layout latent_update and answer_update work in (the same unless a subclass says)."""
        return state

    def from_working(self, state: torch.Tensor) -> torch.Tensor:
        """The working layout -> (B, S, D)."""
        return state

    def network_function(self) -> Network | None:
        """The one network every update calls, f(state, injection) on working-layout tensors, which a compiled
        copy may replace; None when the updates are separate networks (the flat baseline)."""
        return None

    def _depth(self) -> tuple[int, int]:
        """(n latent updates per cycle, T cycles) of the next supervision step."""
        return self.training_depth or (self.config.latent_steps, self.config.answer_cycles)

    def _cycle(self, x, y, z, network: Network | None, on_call: CallHook | None) -> tuple[torch.Tensor, torch.Tensor]:
        for _ in range(self._depth()[0]):
            z = self.latent_update(z, y, x, network)
            if on_call is not None:
                on_call("z", y, z)
        y = self.answer_update(y, z, network)
        if on_call is not None:
            on_call("y", y, z)
        return y, z

    def recurse(self, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, network: Network | None = None,
                on_call: CallHook | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One supervision step's T cycles; gradients flow through the last cycle only. Returns (y, z).

        Takes and returns (B, S, D); the cycles run in the working layout (one conversion each way per step).
        ``network`` replaces the model's own network function (a compiled copy, same maths); ``on_call`` is
        called after every network call with the kind ("z" or "y") and the working-layout y and z, for observers
        of the recursion (trm.inference). Training passes neither.
        """
        x, y, z = self.to_working(x), self.to_working(y), self.to_working(z)
        with torch.no_grad():
            for _ in range(self._depth()[1] - 1):
                y, z = self._cycle(x, y, z, network, on_call)
        y, z = self._cycle(x, y, z, network, on_call)
        return self.from_working(y), self.from_working(z)

    def supervision_step(self, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor, network: Network | None = None,
                         on_call: CallHook | None = None):
        """One supervision step from an embedded x: returns (y, z, logits, q_halt_logit), y and z detached."""
        y, z = self.recurse(x, y, z, network, on_call)
        logits, q_halt = self.readout(y)
        return y.detach(), z.detach(), logits, q_halt

    def forward(self, tokens: torch.Tensor, y: torch.Tensor, z: torch.Tensor):
        """One supervision step: returns (y, z, logits, q_halt_logit); y and z are detached for the carry."""
        return self.supervision_step(self.embed_inputs(tokens, y.dtype), y, z)

    def adam_parameters(self) -> list[nn.Parameter]:
        """Parameters trained by Adam (and averaged by EMA): everything but the puzzle prefix."""
        return [p for name, p in self.named_parameters() if name != "puzzle_prefix"]


def init_halting_head(q_head: nn.Linear) -> None:
    """Q head weight 0 and bias -5: the model starts out never halting (reference)."""
    with torch.no_grad():
        q_head.weight.zero_()
        q_head.bias.fill_(Q_HALT_BIAS_INIT)


class TinyRecursiveModel(RecursiveModel):
    """TRM for one grid size. States y and z are (B, seq_len, hidden_size) tensors.

    ``puzzle_prefix`` is the one learned vector of the 16-token prefix (reference ``puzzle_emb``, all Sudoku
    puzzles share identifier 0); it is trained by sign-SGD, not Adam, and is not averaged by EMA.
    """

    def __init__(self, config: ModelConfig, generator: torch.Generator | None = None):
        super().__init__()
        self.config = config
        d = config.hidden_size
        self.embed_scale = math.sqrt(d)
        self.embed_tokens = nn.Embedding(config.vocab_size, d)
        self.net = RecursiveNet(config)
        self.lm_head = nn.Linear(d, config.vocab_size, bias=False)
        # Two outputs as the reference (halt, continue) so weights map 1:1; only column 0 is trained or read.
        self.q_head = nn.Linear(d, 2, bias=True)
        self.puzzle_prefix = nn.Parameter(torch.zeros(d)) if config.prefix_len else None
        # Fixed random initial states, saved with the weights but never trained (reference H_init / L_init).
        self.register_buffer("y_init", torch.empty(d))
        self.register_buffer("z_init", torch.empty(d))
        self.reset_parameters(generator)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Reference init: LeCun truncated normal for linears, std 1/sqrt(D) embedding, zero Q weight."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                lecun_linear_(module.weight, generator)
        truncated_normal_(self.embed_tokens.weight, std=1 / self.embed_scale, generator=generator)
        truncated_normal_(self.y_init, std=1.0, generator=generator)
        truncated_normal_(self.z_init, std=1.0, generator=generator)
        init_halting_head(self.q_head)
        if self.puzzle_prefix is not None:
            with torch.no_grad():
                self.puzzle_prefix.zero_()

    def embed_inputs(self, tokens: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Embed (B, cells) tokens into x (B, seq_len, D) in ``dtype``, prefix first, scaled by sqrt(D)."""
        x = self.embed_tokens(tokens)  # (B, cells, D)
        if self.puzzle_prefix is not None:
            prefix = x.new_zeros(x.shape[0], self.config.prefix_len, x.shape[-1])
            prefix[:, 0] = self.puzzle_prefix  # token 0 holds the vector, tokens 1.. stay zero
            x = torch.cat((prefix, x), dim=1)
        return (self.embed_scale * x).to(dtype)

    def to_working(self, state: torch.Tensor) -> torch.Tensor:
        return self.net.to_working(state)

    def from_working(self, state: torch.Tensor) -> torch.Tensor:
        return self.net.from_working(state)

    def latent_update(self, z: torch.Tensor, y: torch.Tensor, x: torch.Tensor,
                      network: Network | None = None) -> torch.Tensor:
        """z <- f(z + y + x), on working-layout states (see ``to_working``)."""
        return (network or self.net.step)(z, y + x)

    def answer_update(self, y: torch.Tensor, z: torch.Tensor, network: Network | None = None) -> torch.Tensor:
        """y <- f(y + z), on working-layout states; the question x is not injected here."""
        return (network or self.net.step)(y, z)

    def network_function(self) -> Network:
        return self.net.step

    def readout(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Answer logits (B, cells, vocab) from y without the prefix, and the halting logit (B,) in float32."""
        logits = self.lm_head(y[:, self.config.prefix_len:])
        q_halt = self.q_head(y[:, 0]).float()[:, 0]
        return logits, q_halt

    def decode_latent(self, state: torch.Tensor) -> torch.Tensor:
        """Apply the output head to any state (y or z), for the trace's 'what does z hold' view."""
        return self.lm_head(state[:, self.config.prefix_len:])


def count_parameters(model: RecursiveModel) -> int:
    """Trainable parameters excluding the puzzle prefix (the reference keeps it as a buffer)."""
    return sum(p.numel() for p in model.adam_parameters())

