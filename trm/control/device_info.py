"""The device a new run started from the app will train on, as the Training page describes it."""

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DeviceInfo:
    """Where a new run will train: the trainer picks CUDA when PyTorch sees it."""

    is_cuda: bool
    name: str  # "CPU" or the GPU's name

    def describe(self) -> str:
        """One line for the page: the device, its precision (bf16 autocast on CUDA) and compilation."""
        if self.is_cuda:
            return f"{self.name} (CUDA) · bf16 autocast · torch.compile"
        return "CPU · float32 (no CUDA GPU found)"


def detect_device() -> DeviceInfo:
    """The device ``python -m trm.train`` would choose on this machine (CUDA when available)."""
    if torch.cuda.is_available():
        return DeviceInfo(True, torch.cuda.get_device_name(0))
    return DeviceInfo(False, "CPU")
