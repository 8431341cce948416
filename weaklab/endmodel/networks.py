"""The built-in networks and the choice of device, batch size and precision.

Everything device-specific is decided here, once, as plain values (a ``torch.device``, a
batch size, whether to pin memory, an autocast dtype); the training loop uses those values
and has no CPU/GPU branches of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["BUILTIN_MODELS", "DevicePlan", "build_network", "plan_device", "resolve_device"]

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

    def to_device(self, tensor: torch.Tensor) -> torch.Tensor:
        """Move a CPU tensor to the device (pinned + non-blocking where that helps)."""
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
