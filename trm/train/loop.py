"""Drive one training run end to end: data, trainer, logging, evaluation, checkpoints, stop and resume."""

import math
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from trm.checkpoint import save_model
from trm.data import load_split
from trm.errors import ConfigError, TrainingDiverged
from trm.evaluate import EvalResult, evaluate_model
from trm.model.config import ModelConfig
from trm.model.flops import peak_flops
from trm.model.tokens import encode_grids
from trm.runs.history import source_lineage
from trm.runs.layout import BEST
from trm.runs.lock import acquire_lock, release_lock
from trm.runs.metrics import append_metrics, truncate_metrics
from trm.runs.tensorboard_log import TensorBoardLog
from trm.runs.state import RunState, load_run_state, save_run_state, saved_step
from trm.runs.status import write_crash_status, write_status
from trm.train.config import TrainConfig
from trm.train.curriculum import mean_flops_per_sample, recursion_depth
from trm.train.device import Runtime
from trm.train.progress import say, training_progress
from trm.train.run_data import STARTED_IN, open_training_data, seen_from_start
from trm.train.trainer import Trainer


@dataclass
class RunSpec:
    """What to train and where; saved as run.json so --resume needs nothing else."""

    preset: str
    model: ModelConfig
    train: TrainConfig
    command: str = ""
    save_optimizer: bool = True  # False: no optimiser moments in the state (a resume warms up again)
    extra: dict = field(default_factory=dict)


class _StopFlag:
    """Set by SIGTERM/SIGINT; the loop saves a checkpoint at the next step boundary and exits."""

    def __init__(self):
        self.is_set = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)
            # Restart system calls the signal interrupts: under torchrun a gloo socket call that failed with EINTR
            # would tear the group down and abort the other ranks instead of stopping them at the next log line.
            signal.siginterrupt(sig, False)

    def _handle(self, signum, frame):
        self.is_set = True


def _eval_tokens(table, limit: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    count = len(table) if limit == 0 else min(limit, len(table))
    inputs, labels = encode_grids(table.puzzles[:count], device), encode_grids(table.solutions[:count], device)
    return inputs, labels


class Run:
    """One training process (rank 0 writes the run folder)."""

    def __init__(self, spec: RunSpec, run_dir: Path, runtime: Runtime, resume: bool):
        self.spec, self.runtime = spec, runtime
        self.run_dir = Path(run_dir)
        data_dir, train = open_training_data(spec.train.data_dir, spec.model.grid_size, spec.extra, runtime, resume)
        self.trainer = Trainer(spec.model, spec.train, train, runtime)
        self.eval_inputs, self.eval_labels = _eval_tokens(load_split(data_dir, "test"), spec.train.eval_puzzles,
                                                          runtime.device)
        self.best_accuracy, self.wall_seconds = -1.0, 0.0
        started = {"kind": "event", "step": 0, "event": "started"}
        if not resume and spec.extra.get("init_from"):  # fine-tuning: before the folder is taken, so a bad one
            source = self.trainer.init_weights(spec.extra["init_from"])  # leaves nothing behind
            trained = source.get("training", {})  # a shipped checkpoint keeps its run's facts here
            started["init_from"] = {"path": spec.extra["init_from"], "step": source.get("step", trained.get("step")),
                                    "preset": source.get("preset", trained.get("preset")),
                                    "dtype": source.get("dtype", "float32")}  # shipped files are bf16
            earlier = source_lineage(spec.extra["init_from"], source)  # for the card of what this run trains
            if earlier:
                started["init_from"]["earlier"] = earlier
        self.tensorboard = None
        if runtime.is_main:
            acquire_lock(self.run_dir)  # before a resume trims metrics.jsonl: a live writer must be refused first
        if resume:
            try:
                self._resume()
            except BaseException:
                if runtime.is_main:
                    release_lock(self.run_dir)  # refused before training: the folder stays free
                raise
        elif runtime.is_main:
            self._open_tensorboard(None)
            truncate_metrics(self.run_dir, -1)  # an attempt that died before its first checkpoint starts over
            self._log({**started, **self._hardware()})

    def _hardware(self) -> dict:
        """What this process trains on, recorded at every start so a card can say which steps ran where."""
        return {"device": self.runtime.device_name(), "world_size": self.runtime.world_size}

    def _resume(self) -> None:
        state = load_run_state(self.run_dir)
        notes = self.trainer.load_state(state.step, state.info, state.weights, state.optimizer, state.extra)
        self.best_accuracy = float(state.info.get("best_exact_accuracy", -1.0))
        self.wall_seconds = float(state.info.get("wall_seconds", 0.0))
        if self.runtime.is_main:
            self._open_tensorboard(state.step)  # first: a refusal must leave the metrics log as it was
            truncate_metrics(self.run_dir, state.step)
            self._log({"kind": "event", "step": state.step, "event": "resumed", "notes": notes, **self._hardware()})
            say(f"resuming {self.run_dir} at step {state.step:,} of {self.spec.train.total_steps:,}")
            for note in notes:
                say(f"resume: {note}")

    def _open_tensorboard(self, resume_step: int | None) -> None:
        folder = self.spec.extra.get("tensorboard")
        if folder:
            try:
                folder = seen_from_start(folder, self.spec.extra.get(STARTED_IN)) if resume_step is not None else folder
                self.tensorboard = TensorBoardLog(folder, self.run_dir, resume_step)
            except ConfigError:
                release_lock(self.run_dir)  # refused before training: the folder is free for a corrected command
                raise

    def _log(self, record: dict) -> None:
        """One metrics record: metrics.jsonl, and the TensorBoard events when asked for (rank 0 only)."""
        append_metrics(self.run_dir, record)
        if self.tensorboard is not None:
            self.tensorboard.write(record)

    def save_state(self) -> None:
        if not self.runtime.is_main:
            return
        weights, optimizer, extra = self.trainer.state_tensors()
        if not all(bool(torch.isfinite(tensor).all()) for tensor in weights.values()):  # keep the last good state
            raise TrainingDiverged(self._diverged_message("the weights hold NaN or infinite values"))
        info = {**self.trainer.state_info(), "best_exact_accuracy": self.best_accuracy,
                "wall_seconds": self.wall_seconds, "preset": self.spec.preset}
        save_run_state(self.run_dir, RunState(self.trainer.step, info, weights, optimizer, extra),
                       save_optimizer=self.spec.save_optimizer)

    def _diverged_message(self, what: str) -> str:
        saved = saved_step(self.run_dir)
        kept = f"The last saved state (step {saved:,}) is from before; " if saved else "Nothing was saved; "
        return (f"{what} at step {self.trainer.step:,}: training diverged (a learning rate too high is the usual "
                f"cause). {kept}start a new run with a lower learning rate.")

    def evaluate(self) -> EvalResult:
        model = self.trainer.ema_model()
        result = evaluate_model(model, self.eval_inputs, self.eval_labels,
                                batch_size=self.spec.train.eval_batch_size)
        if self.runtime.is_main:
            self._log({"kind": "eval", "step": self.trainer.step, **result.to_dict()})
            if result.exact_accuracy > self.best_accuracy:
                self.best_accuracy = result.exact_accuracy
                save_model(self.run_dir / BEST, model, {"step": self.trainer.step, "preset": self.spec.preset,
                                                              "answer_loss": self.spec.train.answer_loss,
                                                              "eval": result.to_dict()})
        return result

    def run(self) -> str:
        """Train to total_steps or until stopped; returns the final state ("finished" or "stopped")."""
        config, trainer = self.spec.train, self.trainer
        stop = _StopFlag()
        self._status("running")
        totals, window_start, window_steps, window_pauses = {}, time.perf_counter(), 0, 0.0
        bar = training_progress(config.total_steps, trainer.step, show=self.runtime.is_main)
        # Under torchrun every rank must leave the loop at the same step (or the others hang in an all-reduce):
        # the stop request travels with the metrics of each log line, so all ranks stop at that line together.
        agreed_stop = False
        try:
            while trainer.step < config.total_steps and not agreed_stop:
                metrics = trainer.train_step()
                totals = {k: totals.get(k, 0) + v for k, v in metrics.items()}
                window_steps += 1
                bar.update(1)
                if trainer.step % config.log_every == 0 or trainer.step == config.total_steps:
                    if self.runtime.is_cuda:  # the CPU runs steps ahead of the GPU: time the work, not the queue
                        torch.cuda.synchronize(self.runtime.device)
                    elapsed = time.perf_counter() - window_start
                    self.wall_seconds += elapsed  # the run's wall time counts its evaluations; its speed does not
                    record, agreed_stop = self._log_train(totals, window_steps, elapsed - window_pauses,
                                                          stop.is_set)
                    bar.set_postfix(loss=f"{record['lm_loss']:.3f}", exact=f"{record['exact_accuracy']:.3f}")
                    totals, window_start, window_steps, window_pauses = {}, time.perf_counter(), 0, 0.0
                elif not self.runtime.is_distributed:
                    agreed_stop = stop.is_set
                if trainer.step >= config.total_steps:
                    bar.close()  # before the last evaluation's line, which would draw the finished bar again
                window_pauses += self._evaluate_and_save_when_due()
            bar.close()  # its last line before the run's closing words
            return self._finish(totals, window_steps, window_start, window_pauses)
        except BaseException as error:
            self._crashed(error)
            raise
        finally:
            bar.close()
            self._close()

    def _finish(self, totals: dict, window_steps: int, window_start: float, window_pauses: float) -> str:
        """After the loop: a line for the steps since the last log line, the state saved, and how the run ended."""
        if self.runtime.is_cuda:  # the CPU runs ahead of the GPU: time the work, not the queue
            torch.cuda.synchronize(self.runtime.device)
        elapsed = time.perf_counter() - window_start
        self.wall_seconds += elapsed  # steps since the last log line, the last eval
        if window_steps:  # stopped between log lines: its last steps get a line too, at the saved step
            self._log_train(totals, window_steps, elapsed - window_pauses, False)
        self.save_state()
        self._check_ranks_in_sync()
        final = "finished" if self.trainer.step >= self.spec.train.total_steps else "stopped"
        self._status(final)
        if final == "stopped" and self.runtime.is_main:
            say(f"stopped at step {self.trainer.step:,} of {self.spec.train.total_steps:,}, its state saved; "
                f"continue with: python -m trm.train --resume {self.run_dir}")
        return final

    def _close(self) -> None:
        """Flush the TensorBoard events and free the run folder for the next process."""
        if self.tensorboard is not None:
            self.tensorboard.close()
        if self.runtime.is_main:
            release_lock(self.run_dir)

    def _evaluate_and_save_when_due(self) -> float:
        """Evaluate and save the state when their steps come; returns the seconds that took (0 when neither did)."""
        config, step = self.spec.train, self.trainer.step
        evaluating = step % config.eval_every == 0 or step == config.total_steps
        saving = step % config.checkpoint_every == 0
        if not (evaluating or saving):
            return 0.0
        if self.runtime.is_cuda:  # the training steps still queued are training time, not this pause
            torch.cuda.synchronize(self.runtime.device)
        start = time.perf_counter()
        if evaluating:
            result = self.evaluate()
            say(f"step {step:,}: held-out exact {result.exact_accuracy:.4f} "
                f"cell {result.cell_accuracy:.4f} (best {self.best_accuracy:.4f})")
        if saving:
            self.save_state()
        self._status("running")  # after an evaluation too: best/ may hold newer weights than the last saved state
        return time.perf_counter() - start

    def _check_ranks_in_sync(self) -> None:
        """Under torchrun, confirm every rank ends with identical weights (DDP averaged the gradients)."""
        if not self.runtime.is_distributed:
            return
        checksum = torch.stack([p.detach().double().sum() for p in self.trainer.model.parameters()]).sum()
        gathered = [torch.zeros_like(checksum) for _ in range(self.runtime.world_size)]
        torch.distributed.all_gather(gathered, checksum)
        in_sync = all(torch.equal(g, gathered[0]) for g in gathered)
        if self.runtime.is_main:
            self._log({"kind": "event", "step": self.trainer.step, "event": "ranks_checked",
                       "world_size": self.runtime.world_size, "in_sync": in_sync})
        assert in_sync, "ranks diverged: DDP gradient averaging failed"

    def _crashed(self, error: BaseException) -> None:
        if self.runtime.is_main:
            write_crash_status(self.run_dir, self.trainer.step, self.spec.train.total_steps,
                               device=self.runtime.device_name(), best_exact_accuracy=self.best_accuracy,
                               message=f"{type(error).__name__}: {error}",
                               diverged=isinstance(error, TrainingDiverged))

    def _status(self, state: str, **fields) -> None:
        if self.runtime.is_main:
            write_status(self.run_dir, state, self.trainer.step, self.spec.train.total_steps,
                         device=self.runtime.device_name(), best_exact_accuracy=self.best_accuracy, **fields)

    def _sum_over_ranks(self, totals: dict, stop_requested: bool) -> dict[str, float]:
        """The window's metric sums over all ranks plus the number of ranks asked to stop: one collective."""
        names = sorted(totals)
        packed = torch.stack([torch.as_tensor(totals[name], device=self.runtime.device).double() for name in names]
                             + [torch.tensor(float(stop_requested), dtype=torch.float64, device=self.runtime.device)])
        if self.runtime.is_distributed:
            torch.distributed.all_reduce(packed)
        values = dict(zip([*names, "stop"], packed.tolist()))  # one device sync per log line
        for name in ("lm_loss", "q_halt_loss", "grad_norm"):  # per-rank means (the norm: equal on every rank)
            values[name] /= self.runtime.world_size
        return values

    def _recipe_fields(self) -> dict:
        """What the recipe options set at this step: Muon's learning rate, the curriculum's recursion depth."""
        config, fields = self.spec.train, {}
        if config.optimizer == "muon":
            fields["muon_lr"] = self.trainer.learning_rate(config.muon_lr)
        if config.depth_curriculum != "none":
            depth = recursion_depth(config.depth_curriculum, self.spec.model, self.trainer.step, config.total_steps)
            fields["latent_steps"], fields["answer_cycles"] = depth or (self.spec.model.latent_steps,
                                                                         self.spec.model.answer_cycles)
        return fields

    def _log_train(self, totals: dict, window_steps: int, elapsed: float, stop_requested: bool) -> tuple[dict, bool]:
        """Log one line of metrics over the whole global batch; returns it and whether any rank asked to stop."""
        values = self._sum_over_ranks(totals, stop_requested)
        stop = values.pop("stop") > 0
        halted = max(values.pop("halted"), 1.0)
        samples_per_second = window_steps * self.spec.train.batch_size / max(elapsed, 1e-9)
        record = {"kind": "train", "step": self.trainer.step, "lm_loss": values["lm_loss"] / window_steps,
                  "q_halt_loss": values["q_halt_loss"] / window_steps, "grad_norm": values["grad_norm"] / window_steps,
                  **{k: values[k] / halted for k in ("cell_accuracy", "exact_accuracy", "q_halt_accuracy", "steps")},
                  "lr": self.trainer.learning_rate(self.spec.train.lr), "samples_per_second": samples_per_second,
                  "wall_seconds": self.wall_seconds}
        record.update(self._recipe_fields())
        if self.runtime.is_cuda:
            peak = peak_flops(self.runtime.device_name())
            config, last = self.spec.train, self.trainer.step  # a depth curriculum's shallow steps do less work
            flops = samples_per_second * mean_flops_per_sample(config.depth_curriculum, self.spec.model,
                                                               last - window_steps + 1, last, config.total_steps)
            record["mfu"] = flops / (peak * self.runtime.world_size) if peak else math.nan
            record["gpu_memory_gb"] = torch.cuda.max_memory_allocated(self.runtime.device) / 2**30
        if self.runtime.is_main:
            self._log(record)
        if not math.isfinite(record["lm_loss"]):  # every rank has the same sum: all stop here together
            raise TrainingDiverged(self._diverged_message(f"the training loss became {record['lm_loss']}"))
        return record, stop
