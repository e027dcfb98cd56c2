"""The inference core: the one place outside training that runs supervision steps.

It takes a batch of puzzles (several puzzles, or several views of one, stacked on the batch axis), runs up to a
step budget of the model's own ``supervision_step`` (the code training runs), and hands what it computes to
observers, which may also edit the state between steps. The core knows nothing of traces, charts or metrics;
it chooses the network (a compiled copy when one is ready for these shapes) and the precision.
"""

import contextlib
import numbers
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import torch

from trm.inference.compiled import network_for
from trm.model.config import ModelConfig
from trm.model.stablemax import answer_probabilities
from trm.model.tokens import decode_tokens
from trm.model.trm import RecursiveModel


@dataclass
class RecursionState:
    """The state carried from one supervision step to the next. Observers may replace ``y``, ``z`` (same shape
    and dtype) or ``tokens`` (the inputs are then embedded again) in ``on_step``; the next step starts there.
    They may also set ``keep`` (B,) bool: later steps run only those rows, so finished rows stop costing compute
    (later outputs then hold only the kept rows, in order; the run ends when none is kept)."""

    tokens: torch.Tensor  # (B, cells) int64 model tokens of the puzzles
    x: torch.Tensor  # (B, S, D) embedded inputs
    y: torch.Tensor  # (B, S, D) answer state
    z: torch.Tensor  # (B, S, D) latent state
    steps_done: int = 0
    keep: torch.Tensor | None = None

    def narrow(self) -> None:
        """Drop the rows ``keep`` leaves out."""
        keep, self.keep = self.keep, None
        self.tokens, self.x, self.y, self.z = (t[keep] for t in (self.tokens, self.x, self.y, self.z))


@dataclass
class CallEvent:
    """One network call inside a supervision step: the states after it and before it, (B, S, D) each."""

    step: int  # 1-based supervision step
    index: int  # 0-based call within the step: T cycles x (n z-updates, then one y-update)
    kind: str  # "z" or "y": the state the call updated
    y: torch.Tensor
    z: torch.Tensor
    y_before: torch.Tensor
    z_before: torch.Tensor

    @property
    def change(self) -> torch.Tensor:
        """What the call added to the state it updated, (B, S, D)."""
        return self.z - self.z_before if self.kind == "z" else self.y - self.y_before


@dataclass
class StepOutput:
    """What one supervision step produced, for every row of the batch. Derived views are computed on first use."""

    step: int  # 1-based
    y: torch.Tensor  # (B, S, D) after the step
    z: torch.Tensor  # (B, S, D)
    logits: torch.Tensor  # (B, cells, vocab) answer logits read from y
    q_halt_logit: torch.Tensor  # (B,) float32; the Q-head says halt where it is > 0
    seconds: float  # wall time of the step's computation (synchronised on CUDA)
    answer_loss: str = "stablemax"  # how the logits read as probabilities: the model's answer loss

    @cached_property
    def tokens(self) -> torch.Tensor:
        """(B, cells) int64: the predicted token of every cell (argmax over the whole vocabulary, as the reference)."""
        return self.logits.argmax(-1)

    @cached_property
    def answers(self) -> torch.Tensor:
        """(B, cells) int8 digits of the predicted grids, 0 where the model predicts pad or blank."""
        return decode_tokens(self.tokens)

    @cached_property
    def probabilities(self) -> torch.Tensor:
        """(B, cells, vocab) float64 probabilities of every class (stable-max, or softmax for a softmax-trained
        model)."""
        return answer_probabilities(self.logits, self.answer_loss)

    @cached_property
    def halt_probability(self) -> torch.Tensor:
        """(B,) float32 sigmoid of the Q-halt logit."""
        return torch.sigmoid(self.q_halt_logit.float())


class Observer:
    """Receives what the core computes. Override what you need; ``wants_calls`` asks for per-call events (they
    cost a layout conversion per call, so the core skips them when no observer wants them)."""

    wants_calls: bool = False

    def on_start(self, state: RecursionState) -> None:
        """Before the first step."""

    def on_call(self, event: CallEvent) -> None:
        """After every network call (only when ``wants_calls``)."""

    def on_step(self, state: RecursionState, output: StepOutput) -> None:
        """After every step; may edit ``state`` to change where the next step starts."""


StopRule = Callable[[StepOutput], bool]  # True: stop after this step


def halt_when_all_confident(threshold: float) -> StopRule:
    """Stop once every row's P(halt) has reached ``threshold`` at the same step."""
    return lambda output: bool((output.halt_probability >= threshold).all())


def _precision_context(device: torch.device, bf16: bool):
    return torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _CallDispatch:
    """Turns the model's per-call hook (working layout) into CallEvents ((B, S, D)) for the observers."""

    def __init__(self, model: RecursiveModel, observers: Sequence[Observer]):
        self.model, self.observers = model, [o for o in observers if o.wants_calls]
        self.step, self.index, self.y, self.z = 0, 0, None, None

    def begin(self, step: int, y: torch.Tensor, z: torch.Tensor) -> None:
        self.step, self.index, self.y, self.z = step, 0, y, z

    def __call__(self, kind: str, y: torch.Tensor, z: torch.Tensor) -> None:
        y, z = self.model.from_working(y), self.model.from_working(z)
        event = CallEvent(self.step, self.index, kind, y, z, self.y, self.z)
        for observer in self.observers:
            observer.on_call(event)
        self.index, self.y, self.z = self.index + 1, y, z


def _step_count(config: ModelConfig, tokens: torch.Tensor, steps: int | None) -> int:
    """How many steps to run (None: the trained count); ValueError, in words, for tokens this model cannot read."""
    size, cells = config.grid_size, config.cells
    if tokens.dim() != 2 or tokens.shape[1] != cells:
        raise ValueError(f"tokens of shape {tuple(tokens.shape)}, but this model plays {size}x{size} puzzles: it "
                         f"reads (batch, {cells}) tokens (trm.model.tokens.encode_grids of {cells}-cell grids).")
    if tokens.numel() and not 0 <= int(tokens.min()) <= int(tokens.max()) < config.vocab_size:
        raise ValueError(f"tokens must lie in 0..{config.vocab_size - 1} for a {size}x{size} model: "
                         f"encode_grids of digits 0-{size} (0 a blank).")
    count = config.max_supervision_steps if steps is None else steps
    if isinstance(count, bool) or not isinstance(count, numbers.Integral):  # True would run one step
        raise ValueError(f"steps must be a whole number (or None for the trained count), got {count!r}.")
    if count < 0:
        raise ValueError(f"steps must be 0 or more, got {count}.")
    return int(count)


@torch.inference_mode()
def iter_steps(model: RecursiveModel, tokens: torch.Tensor, steps: int | None = None, *,
               stop: StopRule | None = None, observers: Sequence[Observer] = (), bf16: bool = False,
               compiled: bool = True, start: tuple[torch.Tensor, torch.Tensor] | None = None) -> Iterator[StepOutput]:
    """Run up to ``steps`` supervision steps (default: the model's trained count) on ``tokens``, yielding each
    step's StepOutput as soon as it is computed.

    ``tokens``: (B, cells) int64 model tokens (trm.model.tokens.encode_grids) on the model's device. ``stop``
    ends the run after the first step it accepts. ``bf16``: bf16 autocast with y and z held in bf16, as
    training runs (else float32). ``compiled``: use the compiled network when one is ready for this batch size
    and precision (trm.inference.compiled), else the model's own. ``start``: (y, z) to begin from instead of the
    model's initial state, (B, S, D) each. Every step runs in full, also past where the Q-head would halt: the
    caller (or ``stop``) decides, as the reference evaluates.
    """
    count = _step_count(model.config, tokens, steps)
    device, batch = tokens.device, tokens.shape[0]
    dtype = torch.bfloat16 if bf16 else torch.float32
    with _precision_context(device, bf16):
        x = model.embed_inputs(tokens, dtype)
    y, z = start if start is not None else (t.to(device) for t in model.initial_state(batch, dtype))
    state = RecursionState(tokens, x, y, z)
    dispatch = _CallDispatch(model, observers)
    for observer in observers:
        observer.on_start(state)
    for step in range(1, count + 1):
        embedded, started = state.tokens, time.perf_counter()
        network = network_for(model, state.tokens.shape[0], dtype) if compiled and not bf16 else None
        dispatch.begin(step, state.y, state.z)
        with _precision_context(device, bf16):
            y, z, logits, q_halt = model.supervision_step(state.x, state.y, state.z, network,
                                                          dispatch if dispatch.observers else None)
        _sync(device)
        output = StepOutput(step, y, z, logits, q_halt.float(), time.perf_counter() - started, model.answer_loss)
        state.y, state.z, state.steps_done = y, z, step
        for observer in observers:
            observer.on_step(state, output)
        if state.tokens is not embedded:
            with _precision_context(device, bf16):
                state.x = model.embed_inputs(state.tokens, dtype)
        if state.keep is not None:
            state.narrow()
        yield output
        if (stop is not None and stop(output)) or state.tokens.shape[0] == 0:
            return


def run_steps(model: RecursiveModel, tokens: torch.Tensor, steps: int | None = None, **options) -> StepOutput | None:
    """Run :func:`iter_steps` to the end for its observers; returns the last StepOutput (None for zero steps)."""
    last = None
    for last in iter_steps(model, tokens, steps, **options):
        pass
    return last
