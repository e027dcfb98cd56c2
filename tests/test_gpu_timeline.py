"""The profile summary of bench/train_step.py counts each GPU activity once and splits busy from idle time."""

from bench.gpu_timeline import DeviceActivity, busy_time, category, summarize


def test_overlapping_and_repeated_activities_count_once_and_gaps_are_idle():
    gemm = DeviceActivity("nvjet_sm90_tst_256x128_64x4", 0.0, 4000.0)
    activities = [gemm, gemm,  # the same kernel listed twice (launch row and kernel row)
                  DeviceActivity("swiglu_matmul_kernel", 3000.0, 5000.0),  # overlaps the GEMM by 1 ms
                  DeviceActivity("Command Buffer Full", 5000.0, 9000.0),  # a CPU-side wait, not GPU work
                  DeviceActivity("triton_poi_fused_cat_mul_silu_silu_backward_split_12", 7000.0, 8000.0)]
    assert busy_time([gemm, DeviceActivity("x", 3000.0, 5000.0)]) == 5000.0
    summary = summarize(activities, steps=2)
    assert summary["kernels"] == 3
    assert summary["span_ms_per_step"] == 4.0 and summary["busy_ms_per_step"] == 3.0
    assert summary["idle_ms_per_step"] == 1.0
    assert summary["kernel_ms_per_step"] == {"GEMM (cuBLAS / CUTLASS)": 2.0, "fused SwiGLU (Triton GEMM)": 1.0,
                                             "SwiGLU backward (Inductor)": 0.5}


def test_span_ends_with_the_activity_that_ends_last_not_the_one_that_starts_last():
    activities = [DeviceActivity("nccl_all_reduce", 0.0, 10000.0), DeviceActivity("nvjet_gemm", 2000.0, 3000.0)]
    summary = summarize(activities, steps=1)
    assert summary["span_ms_per_step"] == 10.0 and summary["idle_ms_per_step"] == 0.0


def test_kernel_names_fall_into_the_benchs_categories():
    assert category("triton_poi_fused_mul_silu_split_4") == "SwiGLU forward (Inductor)"
    assert category("token_mixer_kernel_0") == "fused token mixer (Triton)"
    assert category("token_mixer_backward_kernel_0") == "fused token mixer backward (Triton)"
    assert category("swiglu_backward_kernel") == "fused SwiGLU backward (Triton GEMM)"
    assert category("triton_red_fused__to_copy_add_mean_mul_pow_rsqrt_view_5") == "norms and reductions (Inductor)"
    assert category("triton_poi_fused__unsafe_view_clone_11") == "other elementwise (Inductor)"
    assert category("Memset (Device)") == "memset / memcpy"
    assert category("token_mixer_kernel") == "fused token mixer (Triton)"
    assert category("token_mixer_tma_kernel_0") == "fused token mixer (Triton)"  # the TMA versions (Hopper)
    assert category("swiglu_tma_kernel") == "fused SwiGLU (Triton GEMM)"
    assert category("some_new_kernel") == "other kernels"
    assert summarize([], steps=3) == {"steps": 3, "kernels": 0}
