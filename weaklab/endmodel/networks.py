"""The built-in networks and the choice of device, batch size and precision.

Everything device-specific is decided here, once, as plain values (a ``torch.device``, a
batch size, whether to pin memory, an autocast dtype); the training loop uses those values
and has no CPU/GPU branches of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

__all__ = ["BUILTIN_MODELS", "DevicePlan", "SparseBatch", "build_network", "forward", "plan_device", "resolve_device"]

BUILTIN_MODELS = ("logreg", "mlp")

# Dense bytes one batch may take once a sparse batch is densified.
_BATCH_BYTES = 64 * 2**20
_BASE_BATCH = {"cuda": 1024, "cpu": 128}


def build_network(model: str, n_features: int, n_classes: int, hidden_dims: tuple[int, ...], dropout: float) -> nn.Module:
    """A built-in network mapping ``(batch, n_features)`` to ``(batch, n_classes)`` logits.

    ``"logreg"`` is one linear layer. ``"mlp"`` stacks ``Linear -> ReLU -> Dropout`` for each
    width in ``hidden_dims`` and ends in a linear layer.
    """
    if model == "logreg":
        return nn.Linear(n_features, n_classes)
    layers: list[nn.Module] = []
    width = n_features
    for hidden in hidden_dims:
        layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
        width = hidden
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


class SparseBatch:
    """Sparse rows for a built-in network's first layer, never densified.

    On the CPU the rows stay a SciPy CSR matrix (its products are much faster than
    torch's CPU sparse kernels); on CUDA they become a torch sparse CSR tensor, with its
    transpose for the weight gradient (cuSPARSE).
    """

    def __init__(self, csr: sp.csr_matrix, device: torch.device | None = None, pin: bool = False) -> None:
        self.csr = csr
        self.shape = csr.shape
        self.device = device or torch.device("cpu")
        self.rows, self.rows_t = None, None
        if self.device.type != "cpu":
            self.rows = _torch_csr(csr, self.device, pin)
            self.rows_t = _torch_csr(csr.T.tocsr(), self.device, pin)


def _torch_csr(csr: sp.csr_matrix, device: torch.device, pin: bool) -> torch.Tensor:
    parts = [torch.from_numpy(np.ascontiguousarray(a)) for a in (csr.indptr.astype(np.int64), csr.indices.astype(np.int64), csr.data)]
    if pin:
        parts = [part.pin_memory() for part in parts]
    parts = [part.to(device, non_blocking=pin) for part in parts]
    return torch.sparse_csr_tensor(*parts, size=csr.shape, check_invariants=False)


class _SparseLinear(torch.autograd.Function):
    """``x @ weight.T + bias`` for a :class:`SparseBatch` ``x`` (float32)."""

    @staticmethod
    def forward(ctx, weight: torch.Tensor, bias: torch.Tensor | None, x: SparseBatch) -> torch.Tensor:
        ctx.x = x
        w = weight.detach().float()
        if x.rows is None:
            out = torch.from_numpy(np.asarray(x.csr @ w.numpy().T, dtype=np.float32))
        else:
            out = torch.mm(x.rows, w.t())
        return out if bias is None else out + bias.detach().float()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x = ctx.x
        g = grad.float().contiguous()
        if x.rows is None:
            grad_w = torch.from_numpy(np.asarray(x.csr.T @ g.numpy(), dtype=np.float32)).t()
        else:
            grad_w = torch.mm(x.rows_t, g).t()
        return grad_w.contiguous(), (g.sum(dim=0) if ctx.needs_input_grad[1] else None), None


def forward(network: nn.Module, x: "torch.Tensor | SparseBatch") -> torch.Tensor:
    """``network(x)``; a :class:`SparseBatch` goes through the first layer's sparse product.

    Only the built-in networks (a ``Linear``, or a ``Sequential`` that starts with one)
    take sparse batches.
    """
    if not isinstance(x, SparseBatch):
        return network(x)
    first, rest = (network, None) if isinstance(network, nn.Linear) else (network[0], network[1:])
    out = _SparseLinear.apply(first.weight, first.bias, x)
    return out if rest is None else rest(out)


@dataclass(frozen=True)
class DevicePlan:
    """How training runs on one device.

    Attributes
    ----------
    device : torch.device
    pin_memory : bool
        Pin host batches and copy them with ``non_blocking=True`` (CUDA only).
    amp_dtype : torch.dtype or None
        Autocast dtype for mixed precision, or ``None`` for full float32.
    """

    device: torch.device
    pin_memory: bool
    amp_dtype: torch.dtype | None

    @property
    def use_grad_scaler(self) -> bool:
        """float16 autocast needs loss scaling; bfloat16 and float32 do not."""
        return self.amp_dtype == torch.float16

    def batch_size(self, requested: int | None, n_features: int) -> int:
        """``requested``, or a device-sized default that keeps one dense batch under 64 MiB."""
        if requested is not None:
            return requested
        base = _BASE_BATCH.get(self.device.type, _BASE_BATCH["cpu"])
        return max(1, min(base, _BATCH_BYTES // (4 * max(1, n_features))))

    def to_device(self, tensor: "torch.Tensor | SparseBatch") -> "torch.Tensor | SparseBatch":
        """Move a CPU tensor or :class:`SparseBatch` to the device (pinned + non-blocking where that helps)."""
        if isinstance(tensor, SparseBatch):
            return tensor if self.device.type == "cpu" else SparseBatch(tensor.csr, self.device, self.pin_memory)
        if self.pin_memory:
            tensor = tensor.pin_memory()
        return tensor.to(self.device, non_blocking=self.pin_memory)


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` -> CUDA if available else CPU; anything else is checked to exist."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} but CUDA is not available (torch {torch.__version__} sees no GPU); "
                "use device='auto' to fall back to the CPU"
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) exist")
    elif resolved.type != "cpu":
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    return resolved


def plan_device(device: str | torch.device, mixed_precision: bool) -> DevicePlan:
    """Resolve ``device`` and decide pinning and autocast for it."""
    resolved = resolve_device(device)
    on_gpu = resolved.type == "cuda"
    amp_dtype = None
    if mixed_precision and on_gpu:
        amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return DevicePlan(device=resolved, pin_memory=on_gpu, amp_dtype=amp_dtype)
