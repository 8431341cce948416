"""One line on the ``weaklab`` logger when a process first compiles a kernel.

Numba compiles a kernel the first time it is called with new argument types and keeps
the machine code in its on-disk cache (``cache=True``), so only a fresh install (or a new
numba, numpy or weaklab version) pays it. The first compilation in a process logs
:data:`MESSAGE` once at ``WARNING`` level: without logging configured, Python prints it
to stderr; silence it with ``logging.getLogger("weaklab").setLevel(logging.ERROR)``.
Loading a kernel from the cache logs nothing.
"""

from __future__ import annotations

import logging
import threading

from numba.core import event

__all__ = ["MESSAGE", "install"]

#: What is logged; the figure is what a cold ``weaklab demo`` spends compiling (benchmarks/README.md).
MESSAGE = "weaklab: compiling numerical kernels once (about 15 s; later runs load them from the cache) ..."

_logger = logging.getLogger("weaklab")
_lock = threading.Lock()
_installed = False


class _FirstCompile(event.Listener):
    """Logs :data:`MESSAGE` when the first weaklab kernel starts compiling."""

    said = False

    def on_start(self, ev: event.Event) -> None:
        if self.said:
            return
        dispatcher = (ev.data or {}).get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if module.startswith("weaklab.kernels"):
            self.said = True
            _logger.warning(MESSAGE)

    def on_end(self, ev: event.Event) -> None:
        pass


def install() -> None:
    """Register the listener with numba (once per process; importing the kernels does it).

    Examples
    --------
    >>> install()  # a second call changes nothing
    """
    global _installed
    with _lock:
        if not _installed:
            event.register("numba:compile", _FirstCompile())
            _installed = True
