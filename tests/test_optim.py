"""AdamATan2, sign-SGD, the LR schedule and EMA follow the reference's update rules."""

import math

import pytest
import torch
from torch import nn

from trm.train.optim import EMA, AdamATan2, SignSGD, warmup_constant_lr


def test_first_adam_atan2_step_scales_atan2_of_the_raw_moments_by_lr_over_bias_correction():
    param = nn.Parameter(torch.tensor([1.0, -2.0]))
    param.grad = torch.tensor([0.5, -3.0])
    AdamATan2([param], lr=0.1, betas=(0.9, 0.95), weight_decay=0.0).step()
    # step 1 (as the CUDA kernel): m = 0.1 g, sqrt(v)/sqrt(bc2) = |g|, step = lr/bc1 = 1 -> atan(0.1) each
    assert param.detach().tolist() == pytest.approx([1.0 - math.atan(0.1), -2.0 + math.atan(0.1)])


def test_adam_atan2_decays_weights_by_lr_times_decay():
    param = nn.Parameter(torch.tensor([2.0]))
    param.grad = torch.tensor([0.0])
    AdamATan2([param], lr=0.1, weight_decay=1.0).step()
    assert param.item() == pytest.approx(2.0 * 0.9)  # atan2(0, 0) = 0


def test_sign_sgd_uses_only_the_gradient_sign():
    param = nn.Parameter(torch.tensor([1.0, 1.0]))
    param.grad = torch.tensor([1e-6, -50.0])
    SignSGD([param], lr=0.01, weight_decay=0.0).step()
    assert param.detach().tolist() == pytest.approx([0.99, 1.01])


def test_learning_rate_warms_up_linearly_then_stays_constant():
    assert warmup_constant_lr(1e-4, 1, 2000) == pytest.approx(5e-8)
    assert warmup_constant_lr(1e-4, 1000, 2000) == pytest.approx(5e-5)
    assert warmup_constant_lr(1e-4, 50_000, 2000) == 1e-4


def test_ema_moves_a_thousandth_of_the_way_per_update():
    model = nn.Linear(1, 1, bias=False)
    nn.init.constant_(model.weight, 0.0)
    ema = EMA(model, ["weight"], rate=0.999)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model)
    copy = nn.Linear(1, 1, bias=False)
    ema.copy_to(copy)
    assert copy.weight.item() == pytest.approx(0.001)
