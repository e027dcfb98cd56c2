"""The training loop: deep supervision with the ACT carry, AdamATan2 + sign-SGD, EMA, periodic held-out eval,
atomic resumable checkpoints and a JSONL metrics log. One code path for CPU (float32) and CUDA (bf16, compile).
"""

import copy
from pathlib import Path

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from trm.checkpoint import LoadedModel, load_model
from trm.errors import ConfigError
from trm.kernels import choose_kernels, use_kernels
from trm.model.act import Q_HALT_LOSS_WEIGHT, Carry, act_loss, decide_halt, empty_carry, refill
from trm.model.config import ModelConfig
from trm.model.build import build_model
from trm.model.trm import RecursiveModel
from trm.sudoku.csv_io import PuzzleTable
from trm.train.config import TrainConfig
from trm.train.curriculum import recursion_depth
from trm.train.device import Runtime
from trm.train.muon import Muon, muon_parameter_names
from trm.train.optim import EMA, AdamATan2, SignSGD, scheduled_lr
from trm.train.sampler import VariantSampler


class LossForward(nn.Module):
    """One supervision step plus its loss, as one module so DDP and torch.compile see the whole step."""

    def __init__(self, model: RecursiveModel, label_smoothing: float = 0.0,
                 q_halt_weight: float = Q_HALT_LOSS_WEIGHT, answer_loss: str = "stablemax"):
        super().__init__()
        self.model = model
        self.label_smoothing, self.q_halt_weight, self.answer_loss = label_smoothing, q_halt_weight, answer_loss

    def forward(self, inputs, y, z, labels):
        y, z, logits, q_halt = self.model(inputs, y, z)
        loss = act_loss(logits, q_halt, labels, self.label_smoothing, self.q_halt_weight, self.answer_loss)
        return y, z, q_halt.detach(), loss.total, loss.lm.detach(), loss.q_halt.detach(), \
            loss.cell_correct.float().mean(-1), loss.puzzle_correct


def load_initial_model(model_dir: str | Path, config: ModelConfig) -> LoadedModel:
    """The saved model a new run starts from (--init-from); ConfigError naming each model field that differs from
    the run's ``config``, CheckpointError for a bad folder."""
    loaded = load_model(model_dir)
    if loaded.config != config:
        theirs, ours = loaded.config.to_dict(), config.to_dict()
        fields = "; ".join(f"{name}: {theirs[name]!r} there, {ours[name]!r} here" for name in ours
                           if theirs.get(name) != ours[name])
        raise ConfigError(f"{model_dir} holds a different model ({fields}); a run can only start from weights of "
                          f"its own model config: change the preset or give --set model.FIELD=VALUE.")
    return loaded


class Trainer:
    """Owns the model, optimisers, EMA, sampler and carry of one run. ``train_step`` is one optimiser step."""

    def __init__(self, model_config: ModelConfig, config: TrainConfig, train: PuzzleTable, runtime: Runtime):
        self.model_config, self.config, self.runtime = model_config, config, runtime
        if not runtime.is_cuda and config.cpu_threads:
            torch.set_num_threads(config.cpu_threads)
        init_generator = torch.Generator().manual_seed(config.seed)  # same init on every rank
        self.model = build_model(model_config, init_generator).to(runtime.device)
        # PLAIN on the CPU and on GPUs without what the kernels need: the plain layers, the same maths
        self.kernels = choose_kernels(runtime.device, config.fused_swiglu, config.fused_token_mixer)
        use_kernels(self.model, self.kernels)
        self.local_batch = config.batch_size // runtime.world_size
        self.sampler = VariantSampler(train, config.augmentations, config.seed + runtime.rank, runtime.device,
                                      config.fresh_augmentations)
        self.halt_generator = torch.Generator(device=runtime.device).manual_seed(config.seed + 1000 + runtime.rank)
        params = dict(self.model.named_parameters())
        self.muon_names = muon_parameter_names(self.model) if config.optimizer == "muon" else []
        self.adam_names = [n for n in params if n != "puzzle_prefix" and n not in self.muon_names]
        self.adam = AdamATan2([params[n] for n in self.adam_names], lr=0.0, betas=(config.beta1, config.beta2),
                              weight_decay=config.weight_decay)
        self.muon = Muon([params[n] for n in self.muon_names], momentum=config.muon_momentum,
                         ns_steps=config.muon_ns_steps, weight_decay=config.muon_weight_decay) \
            if self.muon_names else None
        prefix = [self.model.puzzle_prefix] if self.model.puzzle_prefix is not None else []
        self.sign_sgd = SignSGD(prefix, lr=0.0, weight_decay=config.prefix_weight_decay) if prefix else None
        self.ema = EMA(self.model, [n for n in params if n != "puzzle_prefix"], config.ema_rate)
        self.carry = empty_carry(self.model, self.local_batch, runtime.device, runtime.dtype)
        self.step = 0
        self.lr_restart_step = 0  # re-warmup from here when resumed without Adam moments
        self.uses_cuda_graphs = (runtime.is_cuda and config.compile
                                 and config.compile_mode in ("reduce-overhead", "max-autotune"))
        self.forward = self._build_forward()

    def _build_forward(self) -> nn.Module:
        forward: nn.Module = LossForward(self.model, self.config.label_smoothing, self.config.q_halt_loss_weight,
                                         self.config.answer_loss)
        if self.runtime.is_distributed:
            device_ids = [self.runtime.device.index] if self.runtime.is_cuda else None
            forward = DistributedDataParallel(forward, device_ids=device_ids)
        if self.runtime.is_cuda and self.config.compile:
            forward = torch.compile(forward, mode=self.config.compile_mode)
        return forward

    def learning_rate(self, base_lr: float) -> float:
        config = self.config
        lr = scheduled_lr(base_lr, self.step, config.warmup_steps, config.total_steps, config.lr_schedule)
        if self.lr_restart_step:
            lr *= min(1.0, (self.step - self.lr_restart_step) / max(1, self.config.rewarmup_steps))
        return lr

    def train_step(self) -> dict[str, torch.Tensor]:
        """One optimiser step (one supervision step on every slot); returns device-tensor metrics."""
        self.step += 1
        self.model.train()
        inputs, labels = self.sampler.next_batch(self.local_batch)
        carry = refill(self.model, self.carry, inputs, labels)
        if self.uses_cuda_graphs:
            torch.compiler.cudagraph_mark_step_begin()
        self.model.training_depth = recursion_depth(self.config.depth_curriculum, self.model_config, self.step,
                                                    self.config.total_steps)
        try:
            with self.runtime.autocast():
                outputs = self.forward(carry.inputs, carry.y, carry.z, carry.labels)
        finally:
            self.model.training_depth = None  # the EMA copy and evaluation run the full depth
        if self.uses_cuda_graphs:  # a graph replay reuses its output memory: keep what outlives this step
            outputs = [t.clone() for t in outputs]
        y, z, q_halt, total, lm, q_loss, cell_acc, puzzle_ok = outputs
        (total / self.local_batch).backward()
        grad_norm = self._optimiser_step()
        steps = carry.steps + 1
        halted = decide_halt(steps, q_halt, self.model_config.max_supervision_steps,
                             self.config.halt_exploration_prob, self.halt_generator, is_training=True)
        self.carry = Carry(y, z, steps, halted, carry.inputs, carry.labels)
        return {"lm_loss": lm / self.local_batch, "q_halt_loss": q_loss / self.local_batch,
                "halted": halted.sum(), "cell_accuracy": (cell_acc * halted).sum(),
                "exact_accuracy": (puzzle_ok & halted).sum(),
                "q_halt_accuracy": (((q_halt >= 0) == puzzle_ok) & halted).sum(),
                "steps": (steps * halted).sum(), "grad_norm": grad_norm}

    def _optimiser_step(self) -> torch.Tensor:
        """Clip (if asked), step every optimiser and the EMA; returns the gradients' global norm before clipping."""
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        grad_norm = torch.nn.utils.get_total_norm(grads)  # stays on the device: no sync per step
        if self.config.grad_clip:
            torch.nn.utils.clip_grads_with_norm_(self.model.parameters(), self.config.grad_clip, grad_norm)
        for optimiser, base_lr in ((self.adam, self.config.lr), (self.muon, self.config.muon_lr),
                                   (self.sign_sgd, self.config.prefix_lr)):
            if optimiser is None:
                continue
            for group in optimiser.param_groups:
                group["lr"] = self.learning_rate(base_lr)
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)
        self.ema.update(self.model, follow=self.step < self.config.ema_start_step)
        return grad_norm

    def ema_model(self) -> RecursiveModel:
        """A copy of the model holding the EMA weights (the weights used for evaluation and export)."""
        averaged = copy.deepcopy(self.model)
        self.ema.copy_to(averaged)
        return averaged.eval()

    def init_weights(self, model_dir: str | Path) -> dict:
        """Start from a saved model's weights (fine-tuning); the EMA starts equal to them. Returns its metadata.

        Raises CheckpointError for a bad folder and ConfigError when its model config differs from this run's.
        """
        loaded = load_initial_model(model_dir, self.model_config)
        self.model.load_state_dict(loaded.model.state_dict())
        params = dict(self.model.named_parameters())
        self.ema.shadow = {name: params[name].detach().clone() for name in self.ema.shadow}
        return loaded.metadata

    # --- state for resume -------------------------------------------------------------------------------
    def state_tensors(self) -> tuple[dict, dict, dict]:
        """(weights, optimizer, extra) tensors of the resumable state, on the CPU."""
        weights = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        weights.update({f"ema.{k}": v for k, v in self.ema.shadow.items()})
        params = dict(self.model.named_parameters())
        optimizer = {}
        for name in self.adam_names:
            state = self.adam.state.get(params[name], {})
            if state:
                optimizer[f"exp_avg.{name}"] = state["exp_avg"]
                optimizer[f"exp_avg_sq.{name}"] = state["exp_avg_sq"]
        for name in self.muon_names:
            state = self.muon.state.get(params[name], {})
            if state:
                optimizer[f"muon_momentum.{name}"] = state["momentum_buffer"]
        sampler = self.sampler.state_dict()
        extra = {"sampler.order": sampler["order"], "rng.sampler": sampler["generator"],
                 "rng.halt": self.halt_generator.get_state()}
        extra.update({f"carry.{k}": v for k, v in self.carry.__dict__.items()})
        return ({k: v.detach().to("cpu", copy=True) for k, v in weights.items()},
                {k: v.to("cpu", copy=True) for k, v in optimizer.items()},
                {k: v.to("cpu", copy=True) for k, v in extra.items()})

    def state_info(self) -> dict:
        sampler = self.sampler.state_dict()
        adam_steps = [s["step"] for s in self.adam.state.values() if s]
        return {"sampler_cursor": sampler["cursor"], "sampler_epoch": sampler["epoch"],
                "adam_step": adam_steps[0] if adam_steps else 0, "lr_restart_step": self.lr_restart_step}

    def load_state(self, step: int, info: dict, weights: dict, optimizer: dict | None, extra: dict) -> list[str]:
        """Restore a saved state; returns notes on what could not be restored exactly (for the log)."""
        notes = []
        device = self.runtime.device
        self.model.load_state_dict({k[6:]: v for k, v in weights.items() if k.startswith("model.")})
        for name in self.ema.shadow:
            self.ema.shadow[name] = weights[f"ema.{name}"].to(device)
        self.step = step
        self.lr_restart_step = int(info.get("lr_restart_step", 0))
        notes += self._load_optimiser_state(step, info, optimizer)
        if self.runtime.is_distributed:
            notes.append("distributed run: sampler and carry restart fresh on every rank")
            return notes
        try:
            self.sampler.load_state_dict({"generator": extra["rng.sampler"], "order": extra["sampler.order"],
                                          "cursor": info["sampler_cursor"], "epoch": info["sampler_epoch"]})
            self.halt_generator.set_state(extra["rng.halt"].cpu())
        except RuntimeError:  # RNG states are device-specific: a GPU run resumed on the CPU (or back) re-seeds
            self.sampler.generator.manual_seed(self.config.seed + step)
            self.halt_generator.manual_seed(self.config.seed + 1000 + step)
            notes.append("the run moved between CPU and GPU: data order and exploration re-seeded")
        saved_batch = extra["carry.y"].shape[0] if "carry.y" in extra else None
        if saved_batch == self.config.batch_size:
            self.carry = Carry(**{k: extra[f"carry.{k}"].to(device) for k in Carry.__dataclass_fields__})
        elif saved_batch is not None:  # a resume may change --batch-size; the carry's slots cannot follow
            notes.append(f"the batch size changed from {saved_batch} to {self.config.batch_size}: every slot starts "
                         f"a new puzzle")
        else:
            notes.append("the ACT carry was too large to save: every slot starts a new puzzle")
        return notes

    def _load_optimiser_state(self, step: int, info: dict, optimizer: dict | None) -> list[str]:
        """Adam's moments and Muon's momentum as saved; or a gentle re-warm-up when they were not, or were saved
        for another optimiser setting. Returns notes for the log."""
        params = dict(self.model.named_parameters())
        if optimizer and all(f"exp_avg.{name}" in optimizer for name in self.adam_names) and \
                all(f"muon_momentum.{name}" in optimizer for name in self.muon_names):
            device = self.runtime.device
            for name in self.adam_names:
                self.adam.state[params[name]] = {"step": int(info["adam_step"]),
                                                 "exp_avg": optimizer[f"exp_avg.{name}"].to(device),
                                                 "exp_avg_sq": optimizer[f"exp_avg_sq.{name}"].to(device)}
            for name in self.muon_names:
                self.muon.state[params[name]] = {"momentum_buffer": optimizer[f"muon_momentum.{name}"].to(device)}
            return []
        self.lr_restart_step = step
        why = "is for another optimiser" if optimizer else "was not saved"
        return [f"the optimiser state {why}: learning rate re-warms up over {self.config.rewarmup_steps} steps"]
