"""The device a new run started from the app will train on, as the Training page describes it."""

from dataclasses import dataclass

import torch

from trm.cli_types import default_device


@dataclass(frozen=True)
class DeviceInfo:
    """Where a new run will train: the trainer picks CUDA when PyTorch sees it."""

    is_cuda: bool
    name: str  # "CPU" or the GPU's name

    def describe(self) -> str:
        """One line for the page: the device, its precision (bf16 autocast on CUDA) and compilation."""
        if self.is_cuda:
            return f"{self.name} (CUDA) · bf16 autocast · torch.compile"
        return f"{self.name} · float32" + (" (no CUDA GPU found)" if self.name == "CPU" else "")


def detect_device() -> DeviceInfo:
    """The device ``python -m trm.train`` would choose on this machine (trm.cli_types.default_device)."""
    if default_device() == "cuda":
        return DeviceInfo(True, torch.cuda.get_device_name(0))
    return DeviceInfo(False, "CPU (TRM_DEVICE=cpu)" if torch.cuda.is_available() else "CPU")
