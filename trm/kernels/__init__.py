"""Our Triton kernels for TRM-MLP's two sub-layers, and the one switch that picks which of them a model runs.

The channel SwiGLU fused into its GEMMs (``swiglu_matmul`` without gradients, ``FusedSwiGLU`` with them, its
backward kernel ``swiglu_gate_up_grad``) and the token-mixer sub-layer in one kernel each way
(``token_mixer_forward``, ``token_mixer_backward``, ``FusedTokenMixer``), with TMA versions of the forward kernels
for Hopper and newer. Same maths as the plain layers, faster on a GPU. ``choose_kernels`` picks a ``KernelChoice``
for a device and ``use_kernels`` gives it to a model's layers; ``PLAIN`` runs none. Imports without Triton (CPU
wheels of PyTorch have none): then only ``PLAIN`` can be used. This package imports nothing from the rest of
``trm``.
"""

from trm.kernels.choice import PLAIN, KernelChoice, choose_kernels, use_kernels
from trm.kernels.swiglu import swiglu_matmul
from trm.kernels.swiglu_grad import FusedSwiGLU, swiglu_gate_up_grad
from trm.kernels.token_mixer import token_mixer_forward
from trm.kernels.token_mixer_grad import FusedTokenMixer, token_mixer_backward
from trm.kernels.triton_support import tma_compatible

__all__ = ["PLAIN", "FusedSwiGLU", "FusedTokenMixer", "KernelChoice", "choose_kernels", "swiglu_gate_up_grad",
           "swiglu_matmul", "tma_compatible", "token_mixer_backward", "token_mixer_forward", "use_kernels"]
