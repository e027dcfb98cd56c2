"""Which of our Triton kernels a model runs: one ``KernelChoice``, picked for a device and given to the layers.

The kernels are a GPU speed option with the same maths as the plain PyTorch layers, so the choice never changes
what a model computes, only how. The layers that can run a kernel (trm.model.layers' SwiGLU and TokenMixer) hold
the choice in their ``kernels`` attribute and read it on every call.
"""

from dataclasses import dataclass

import torch
from torch import nn

from trm.kernels.triton_support import can_run_kernels


@dataclass(frozen=True)
class KernelChoice:
    """Which kernels run; all off is the plain layers (``PLAIN``). Each field is one path of one layer."""

    swiglu: bool = False  # channel SwiGLUs' no-grad calls: silu(gate) * up in the GEMM's epilogue (swiglu.py)
    swiglu_grad: bool = False  # channel SwiGLUs' calls with gradients: d(gate, up) in a GEMM's epilogue
    token_mixer: bool = False  # token mixers' no-grad calls: the whole sub-layer in one kernel (token_mixer.py)
    token_mixer_grad: bool = False  # token mixers' calls with gradients: that kernel and a backward kernel
    tma: bool = False  # the forward kernels' TMA versions (Hopper and newer); else their pointer versions


PLAIN = KernelChoice()  # no kernel of ours: the plain PyTorch layers (the CPU, older GPUs)


def kernels_supported(device: torch.device) -> bool:
    """Whether training on ``device`` runs the kernels: a CUDA device of compute capability 8.0 or newer (the
    kernels' tiles need more shared memory than older GPUs have, and they run in bf16) with Triton."""
    if device.type != "cuda" or not can_run_kernels(device):
        return False
    return torch.cuda.get_device_capability(device) >= (8, 0)


def tma_supported(device: torch.device) -> bool:
    """TMA (tensor descriptors) exists from Hopper (compute capability 9.0) on."""
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= (9, 0)


def choose_kernels(device: torch.device, fused_swiglu: bool, fused_token_mixer: bool) -> KernelChoice:
    """The kernels training runs on ``device``: the channel SwiGLU's (``fused_swiglu``) and the token mixer's
    (``fused_token_mixer``), each for calls with and without gradients, TMA versions where the GPU has TMA.
    Returns ``PLAIN`` where the kernels are not supported (the CPU, GPUs before compute capability 8.0, no
    Triton), even with Triton's interpreter on."""
    if not kernels_supported(device):
        return PLAIN
    return KernelChoice(swiglu=fused_swiglu, swiglu_grad=fused_swiglu, token_mixer=fused_token_mixer,
                        token_mixer_grad=fused_token_mixer, tma=tma_supported(device))


def use_kernels(model: nn.Module, choice: KernelChoice) -> int:
    """Give ``choice`` to every layer of ``model`` that can run a kernel (those holding a ``KernelChoice`` in
    ``kernels``). Returns how many layers the choice switches to a kernel for some of their calls (a layer's
    ``is_fused``)."""
    layers = [module for module in model.modules() if isinstance(getattr(module, "kernels", None), KernelChoice)]
    for layer in layers:
        layer.kernels = choice
    return sum(layer.is_fused for layer in layers)
