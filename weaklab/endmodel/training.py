"""The training loops behind ``EndModel.fit``: full-batch L-BFGS and minibatch Adam.

Both minimise the same objective, the weighted noise-aware cross-entropy plus an L2
penalty on the weight matrices (biases are not penalised)::

    J(theta) = sum_i w_i * CE(p_i, softmax(f(x_i))) / sum_i w_i + weight_decay / 2 * ||W||^2

and both score the dev set (or the held-out slice) after every epoch, keep the best
epoch's weights and stop early after ``patience`` epochs without improvement. An
"epoch" is one pass over the training rows for Adam and ``LBFGS_ITERATIONS`` quasi-Newton
iterations (each one or more full-batch passes) for L-BFGS, which also stops once its
line search makes no more progress (converged). :class:`Trainer` holds what one fit
needs and returns a :class:`TrainResult`; it knows nothing about the estimator API.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .inputs import Features, n_rows, take_rows
from .networks import DevicePlan, SparseBatch, forward

__all__ = ["LBFGS_ITERATIONS", "DevSet", "TrainResult", "Trainer", "noise_aware_loss"]

#: Quasi-Newton iterations per L-BFGS "epoch" (between two dev-set checks).
LBFGS_ITERATIONS = 10
# Rows per chunk of a full-batch pass (bounded so a chunk's activations stay small).
_FULL_BATCH_CHUNK = 8192
# A fit whose kept weights have a training loss this many times the untrained network's
# (or log k, whichever is larger) diverged: the step size was far too large.
_DIVERGED_FACTOR = 10.0
# L-BFGS has converged when an epoch lowers the objective by no more than this.
_CONVERGED_CHANGE = 1e-7


def noise_aware_loss(logits: torch.Tensor, target: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted sum over rows of the cross-entropy against soft labels (float32 maths).

    Examples
    --------
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> target = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    >>> round(float(noise_aware_loss(logits, target, torch.ones(2))), 4)
    1.2539
    """
    per_row = F.cross_entropy(logits.float(), target, reduction="none")
    return (weights * per_row).sum()


@dataclass
class DevSet:
    """What early stopping scores: gold labels and a metric, or the held-out noise-aware loss."""

    features: Features
    name: str
    labels: np.ndarray | None = None
    metric: Callable[[np.ndarray, np.ndarray], float] | None = None
    target: torch.Tensor | None = None
    weights: torch.Tensor | None = None

    @property
    def watches_loss(self) -> bool:
        return self.labels is None


@dataclass
class TrainResult:
    """Per-epoch history, the kept epoch and why training ended."""

    history: dict[str, list[float]] = field(default_factory=lambda: {"train_loss": [], "dev_score": [], "seconds": []})
    best_epoch: int = 0
    stop_reason: str = ""


class Trainer:
    """One training run of ``network`` on rows ``train_rows`` of ``features``.

    Parameters
    ----------
    network : torch.nn.Module
        Already on ``plan.device``; trained in place.
    plan : DevicePlan
    solver : {"lbfgs", "adam"}
    sparse_input : bool
        Whether the network accepts torch sparse batches (the built-in networks do);
        otherwise CSR rows are densified one batch at a time.
    """

    def __init__(
        self,
        network: nn.Module,
        plan: DevicePlan,
        *,
        solver: str,
        lr: float,
        weight_decay: float,
        n_epochs: int,
        batch_size: int,
        patience: int | None,
        sparse_input: bool,
        check_logits: Callable[[torch.Tensor, int], None],
        progress: bool,
        label: str,
    ) -> None:
        self.network = network
        self.plan = plan
        self.solver = solver
        self.lr = lr
        self.weight_decay = weight_decay
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.patience = patience
        self.sparse_input = sparse_input
        self.check_logits = check_logits
        self.progress = progress
        self.label = label

    # ------------------------------------------------------------- batches
    def batch(self, features: Features, rows: np.ndarray | slice) -> "torch.Tensor | SparseBatch":
        """Rows of ``features`` on the device (sparse when the network takes sparse input)."""
        return self.plan.to_device(take_rows(features, rows, sparse=self.sparse_input))

    def forward(self, xb: torch.Tensor) -> torch.Tensor:
        # Sparse products run in float32 (autocast has no sparse kernels to gain from).
        amp = self.plan.amp_dtype is not None and not isinstance(xb, SparseBatch)
        with torch.autocast(self.plan.device.type, dtype=self.plan.amp_dtype, enabled=amp):
            logits = forward(self.network, xb)
        self.check_logits(logits, xb.shape[0])
        return logits

    def penalty(self) -> torch.Tensor:
        if self.weight_decay == 0:
            return torch.zeros((), device=self.plan.device)
        return 0.5 * self.weight_decay * sum((p.float() ** 2).sum() for p in self.network.parameters() if p.ndim > 1)

    @torch.no_grad()
    def logits(self, features: Features) -> torch.Tensor:
        """Float32 CPU logits for every row, batch by batch."""
        self.network.eval()
        with self.threads():
            out = [self.forward(self.batch(features, slice(lo, lo + self.batch_size))).float().cpu()
                   for lo in range(0, n_rows(features), self.batch_size)]
        return torch.cat(out) if out else torch.empty(0, 0)

    def dev_score(self, dev: DevSet) -> float:
        logits = self.logits(dev.features)
        if dev.watches_loss:
            return -float(noise_aware_loss(logits, dev.target, dev.weights) / dev.weights.sum().clamp_min(1e-12))
        return dev.metric(dev.labels, logits.argmax(dim=1).numpy())

    # ---------------------------------------------------------------- run
    @contextlib.contextmanager
    def threads(self) -> Iterator[None]:
        """One torch thread while a linear network computes on the CPU (restored afterwards).

        Its torch work is arithmetic on the weight vectors and, for sparse rows, none of
        the products (SciPy's, single-threaded): far too little per operation to pay for
        waking a second thread. On a loaded machine each such operation took 40x longer
        with two threads than with one (see benchmarks/README.md).
        """
        if self.plan.device.type != "cpu" or not isinstance(self.network, nn.Linear):
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def run(self, features: Features, target: torch.Tensor, weights: torch.Tensor, train_rows: np.ndarray,
            dev: DevSet, rng: np.random.Generator) -> TrainResult:
        """Train, keep the best epoch's weights, and return the history."""
        with self.threads():
            return self._run(features, target, weights, train_rows, dev, rng)

    def _run(self, features, target, weights, train_rows, dev, rng) -> TrainResult:
        result = TrainResult()
        step = self._lbfgs_epochs(features, target, weights, train_rows) if self.solver == "lbfgs" else \
            self._adam_epochs(features, target, weights, train_rows, rng)
        what = "held-out loss" if dev.watches_loss else f"dev {dev.name}"
        bar = tqdm(total=self.n_epochs, desc=f"EndModel {self.label}", unit="epoch", disable=not self.progress)
        best_score, best_state, initial_loss = -np.inf, None, None
        for epoch in range(self.n_epochs):
            start = time.perf_counter()
            train_loss, converged, first_loss = next(step)
            if initial_loss is None:
                initial_loss = first_loss
            score = self.dev_score(dev)
            _check_finite(train_loss, score, epoch, self.lr)
            result.history["train_loss"].append(train_loss)
            result.history["dev_score"].append(score)
            result.history["seconds"].append(time.perf_counter() - start)
            shown = -score if dev.watches_loss else score
            bar.set_postfix_str(f"loss {train_loss:.4f}, {what} {shown:.4f}", refresh=False)
            bar.update(1)
            if score > best_score or self.patience is None:  # without patience the last epoch is kept
                best_score, result.best_epoch = score, epoch
                best_state = {key: value.detach().clone() for key, value in self.network.state_dict().items()}
            if converged:
                result.stop_reason = f"converged at epoch {epoch + 1} (L-BFGS made no further progress)"
                break
            if self.patience is not None and epoch - result.best_epoch >= self.patience:
                result.stop_reason = (f"stopped early at epoch {epoch + 1}: no better {what} for {self.patience} epochs")
                break
        else:
            result.stop_reason = f"ran all {self.n_epochs} epochs"
        if best_state is not None:
            self.network.load_state_dict(best_state)
        result.stop_reason += f"; kept epoch {result.best_epoch + 1} ({what} {(-best_score if dev.watches_loss else best_score):.4f})"
        bar.set_postfix_str(f"{what} {(-best_score if dev.watches_loss else best_score):.4f}; {result.stop_reason}")
        bar.close()
        kept_loss = result.history["train_loss"][result.best_epoch]
        limit = _DIVERGED_FACTOR * max(initial_loss, float(np.log(target.shape[1])))
        if not kept_loss <= limit:
            raise ValueError(
                f"training diverged: the kept weights have a training loss of {kept_loss:.4g} against "
                f"{initial_loss:.4g} before training; lower lr (got {self.lr!r}) or weight_decay (got {self.weight_decay!r})"
            )
        self.network.eval()
        return result

    # ------------------------------------------------------------- solvers
    def _adam_epochs(self, features, target, weights, train_rows, rng):
        net = self.network
        optimizer = torch.optim.Adam(net.parameters(), lr=self.lr)
        scaler = torch.amp.GradScaler(self.plan.device.type, enabled=self.plan.use_grad_scaler)
        seen = float(weights[torch.from_numpy(train_rows)].sum())
        first = None
        while True:
            net.train()
            order = rng.permutation(train_rows)
            total = torch.zeros((), device=self.plan.device)  # summed on the device: no sync per batch
            for lo in range(0, len(order), self.batch_size):
                rows = np.sort(order[lo : lo + self.batch_size])  # sorted rows slice a CSR faster
                xb = self.batch(features, rows)
                pb = self.plan.to_device(target[rows])
                wb = self.plan.to_device(weights[rows])
                data = noise_aware_loss(self.forward(xb), pb, wb)
                loss = data / wb.sum().clamp_min(1e-12) + self.penalty()
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                total += data.detach()
                if first is None:
                    first = float(loss.detach())
            yield float(total) / max(seen, 1e-12) + float(self.penalty().detach()), False, first

    def _lbfgs_epochs(self, features, target, weights, train_rows):
        net = self.network
        chunks = []  # the training rows once, on the device, in chunks
        for lo in range(0, len(train_rows), _FULL_BATCH_CHUNK):
            rows = train_rows[lo : lo + _FULL_BATCH_CHUNK]
            chunks.append((self.batch(features, rows), self.plan.to_device(target[rows]), self.plan.to_device(weights[rows])))
        total_weight = float(weights[torch.from_numpy(train_rows)].sum())
        optimizer = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=LBFGS_ITERATIONS, history_size=10,
                                      line_search_fn="strong_wolfe", tolerance_grad=1e-7, tolerance_change=1e-9)

        def closure() -> torch.Tensor:
            optimizer.zero_grad(set_to_none=True)
            net.train()
            total = torch.zeros((), device=self.plan.device)
            for xb, pb, wb in chunks:  # gradients accumulate over the chunks
                data = noise_aware_loss(self.forward(xb), pb, wb) / total_weight
                data.backward()
                total += data.detach()
            penalty = self.penalty()
            if penalty.requires_grad:
                penalty.backward()
            return total + penalty.detach()

        first = previous = float(closure())
        while True:
            optimizer.step(closure)
            loss = float(closure())  # the loss at the new weights (the step returns the old one)
            yield loss, abs(previous - loss) <= _CONVERGED_CHANGE, first
            previous = loss


def _check_finite(train_loss: float, score: float, epoch: int, lr: float) -> None:
    if not (np.isfinite(train_loss) and np.isfinite(score)):
        raise ValueError(
            f"training diverged at epoch {epoch + 1}: training loss {train_loss!r}, dev score {score!r}; "
            f"lower lr (got {lr!r}) or weight_decay"
        )
