"""The trace's observer of the inference core: per-call statistics and the states the PCA views need.

It keeps the states after every call and turns them into CallStats once per step: batching the deltas and the
two decodings per step (not per call) keeps the tracing overhead small and avoids a device sync per call on CUDA;
it records the same numbers as doing them call by call.
"""

import torch

from trm.inference import CallEvent, Observer
from trm.model.trm import RecursiveModel
from trm.trace.records import CallStats


def rms_norms(states: torch.Tensor) -> torch.Tensor:
    """RMS over positions of the per-position L2 norm: (N, S, D) -> (N,)."""
    return states.float().norm(dim=-1).pow(2).mean(-1).sqrt()


class CallRecorder(Observer):
    """Collects one step's states after every call (batch row 0); ``take`` returns that step's CallStats and,
    with ``keep_states``, the float16 (calls, S*D) y and z the state PCA fits on."""

    wants_calls = True

    def __init__(self, model: RecursiveModel, labels: torch.Tensor | None, keep_states: bool):
        self.model, self.labels, self.keep_states = model, labels, keep_states
        self.kinds: list[str] = []
        self.ys: list[torch.Tensor] = []
        self.zs: list[torch.Tensor] = []

    def on_call(self, event: CallEvent) -> None:
        if event.index == 0:  # the step's starting state, as the core ran it (after any edit between steps)
            self.kinds, self.ys, self.zs = [], [event.y_before[:1]], [event.z_before[:1]]
        self.kinds.append(event.kind)
        self.ys.append(event.y[:1])
        self.zs.append(event.z[:1])

    def _decoded_correct(self, states: torch.Tensor) -> list[int | None]:
        if self.labels is None:
            return [None] * len(states)
        weights = self.model.lm_head.weight.dtype  # states are bf16 when the core ran under autocast
        return (self.model.decode_latent(states.to(weights)).argmax(-1) == self.labels).sum(-1).tolist()

    def take(self) -> tuple[CallStats, object, object]:
        """The last step's CallStats and kept states."""
        ys, zs = torch.cat(self.ys), torch.cat(self.zs)  # (calls + 1, S, D)
        y_states = z_states = None
        if self.keep_states:
            y_states = ys[1:].flatten(1).half().cpu().numpy()  # (calls, S*D)
            z_states = zs[1:].flatten(1).half().cpu().numpy()
        stats = CallStats(self.kinds, rms_norms(ys[1:] - ys[:-1]).tolist(), rms_norms(zs[1:] - zs[:-1]).tolist(),
                          self._decoded_correct(ys[1:]), self._decoded_correct(zs[1:]),
                          rms_norms(ys[1:]).tolist(), rms_norms(zs[1:]).tolist())
        return stats, y_states, z_states
