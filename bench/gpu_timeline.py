"""Where a profiled window's GPU time goes, from the kernels' own start and end times.

The profiler's operator table cannot say this: it lists a user Triton kernel twice (its launch and the kernel) and
gives CPU-side "Command Buffer Full" waits CUDA time, so its totals exceed the wall time. Here each device
activity counts once, and the union of their intervals gives how long the GPU was busy versus idle.
"""

from dataclasses import dataclass

NOT_KERNELS = ("Command Buffer Full",)  # CUPTI markers of a full launch queue, not work on the GPU

# First match wins: our fused kernels, cuBLAS (nvjet, sm90 gemm) and CUTLASS GEMMs, Inductor's kernels.
CATEGORIES = (("fused SwiGLU (Triton GEMM)", ("swiglu_matmul", "swiglu_tma_kernel")),
              ("fused SwiGLU backward (Triton GEMM)", ("swiglu_backward_kernel",)),
              ("fused token mixer backward (Triton)", ("token_mixer_backward",)),
              ("fused token mixer (Triton)", ("token_mixer_kernel", "token_mixer_tma_kernel")),
              ("GEMM (cuBLAS / CUTLASS)", ("nvjet", "gemm", "cutlass", "sm90_xmma", "ampere_", "splitk")),
              ("SwiGLU backward (Inductor)", ("silu_backward",)),
              ("SwiGLU forward (Inductor)", ("mul_silu",)),
              ("norms and reductions (Inductor)", ("triton_red", "triton_per")),
              ("other elementwise (Inductor)", ("triton_poi",)),
              ("memset / memcpy", ("memset", "memcpy", "Memset", "Memcpy")))


@dataclass(frozen=True)
class DeviceActivity:
    """One kernel (or memset/memcpy) as the GPU ran it, in microseconds."""

    name: str
    start_us: float
    end_us: float


def category(name: str) -> str:
    for label, needles in CATEGORIES:
        if any(needle in name for needle in needles):
            return label
    return "other kernels"


def busy_time(activities: list[DeviceActivity]) -> float:
    """Microseconds in which at least one activity ran (overlapping intervals counted once)."""
    busy, current_start, current_end = 0.0, None, None
    for activity in sorted(activities, key=lambda a: a.start_us):
        if current_end is None or activity.start_us > current_end:
            if current_end is not None:
                busy += current_end - current_start
            current_start, current_end = activity.start_us, activity.end_us
        else:
            current_end = max(current_end, activity.end_us)
    return busy + (current_end - current_start if current_end is not None else 0.0)


def summarize(activities: list[DeviceActivity], steps: int) -> dict:
    """Per-step GPU span, busy and idle time, and device time per kernel category (ms), each activity once."""
    unique = sorted({a for a in activities if a.name not in NOT_KERNELS}, key=lambda a: a.start_us)
    if not unique:
        return {"steps": steps, "kernels": 0}
    span = max(a.end_us for a in unique) - unique[0].start_us
    busy = busy_time(unique)
    by_category: dict[str, float] = {}
    for activity in unique:
        label = category(activity.name)
        by_category[label] = by_category.get(label, 0.0) + activity.end_us - activity.start_us
    def per_step(us):
        return round(us / 1000 / steps, 2)
    return {"steps": steps, "kernels": len(unique), "span_ms_per_step": per_step(span),
            "busy_ms_per_step": per_step(busy), "idle_ms_per_step": per_step(span - busy),
            "kernel_ms_per_step": {label: per_step(us) for label, us in
                                   sorted(by_category.items(), key=lambda item: -item[1])}}


def device_activities(profiler) -> list[DeviceActivity]:
    """The device-side events of a finished torch.profiler.profile (kernels, memsets, memcpys)."""
    from torch.autograd import DeviceType

    return [DeviceActivity(event.name, float(event.time_range.start), float(event.time_range.end))
            for event in profiler.events() if event.device_type == DeviceType.CUDA]
