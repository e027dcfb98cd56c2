"""Where a training process runs: its device, its dtype and the torchrun process group it joins; chosen once."""

import contextlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from trm.cli_types import default_device


@dataclass
class Runtime:
    """Device, state dtype and distributed rank of this process."""

    device: torch.device
    dtype: torch.dtype  # bfloat16 on CUDA (reference forward dtype), float32 on the CPU
    rank: int = 0
    world_size: int = 1

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        return self.world_size > 1

    def autocast(self):
        """One bf16 autocast context on CUDA; nothing on the CPU (float32)."""
        if self.is_cuda:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def device_name(self) -> str:
        return torch.cuda.get_device_name(self.device) if self.is_cuda else "CPU"


def setup_runtime(device: str | None = None) -> Runtime:
    """Pick ``device``, else trm.cli_types.default_device (CUDA when present); join the torchrun process group
    when launched by torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    use_cuda = (device or default_device()).startswith("cuda")
    if use_cuda:
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local_rank)
        chosen = torch.device("cuda", local_rank)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        chosen = torch.device("cpu")
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return Runtime(chosen, torch.bfloat16 if use_cuda else torch.float32, rank, world_size)
