"""One end-model epoch on a 1 M x 2^18 sparse input, on the CPU and on CUDA.

The input is synthetic: ``--rows`` rows of ``--nnz`` random columns each out of 2^18 (a
hashed bag of words), value 1/sqrt(nnz) (unit rows, like TF-IDF), and soft labels over
``--classes`` classes that follow the columns (so the loss falls). For each device the
script times, as ``EndModel`` runs them:

* ``lbfgs``: one L-BFGS epoch of the default linear model (``LBFGS_ITERATIONS``
  quasi-Newton iterations over the whole input, which stays sparse: SciPy products on
  the CPU, cuSPARSE on CUDA, rows copied to the GPU once through pinned memory);
* ``adam``: one minibatch Adam epoch of the MLP (sparse first layer, then autocast to
  bfloat16 on CUDA).

Each figure is the median of ``--repeats`` fits of ``n_epochs=1`` minus nothing: the fit
includes moving the rows to the device. Run::

    PYTHONPATH=. python benchmarks/bench_endmodel_gpu.py                 # CPU and, if present, CUDA
    PYTHONPATH=. python benchmarks/bench_endmodel_gpu.py --rows 100000   # a quicker CPU check
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import scipy.sparse as sp
import torch

from weaklab import EndModel


def synthetic(rows: int, width: int, nnz: int, classes: int, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cols = rng.integers(0, width, (rows, nnz))
    X = sp.csr_matrix((np.full(rows * nnz, 1 / np.sqrt(nnz), np.float32), cols.ravel(), np.arange(0, rows * nnz + 1, nnz)),
                      shape=(rows, width))
    X.sum_duplicates()
    y = cols[:, 0] % classes
    probs = np.full((rows, classes), 0.2 / (classes - 1))
    probs[np.arange(rows), y] = 0.8
    return X, probs, y


def time_epoch(X, probs, solver: str, device: str, repeats: int) -> float:
    params = dict(model="logreg", solver="lbfgs") if solver == "lbfgs" else dict(model="mlp", solver="adam")
    seconds = []
    for _ in range(repeats):
        model = EndModel(**params, n_epochs=1, patience=None, device=device, progress=False)
        start = time.perf_counter()
        model.fit(X, probs)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--width", type=int, default=2**18)
    parser.add_argument("--nnz", type=int, default=32, help="non-zeros per row")
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--solvers", nargs="*", default=["lbfgs", "adam"], choices=["lbfgs", "adam"])
    args = parser.parse_args(argv)
    X, probs, _ = synthetic(args.rows, args.width, args.nnz, args.classes)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"{args.rows:,} x {args.width:,} sparse, {X.nnz:,} non-zeros, k={args.classes}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads; load average {os.getloadavg()[0]:.1f}")
    if "cuda" not in devices:
        print("no CUDA device here: CPU figures only")
    print("| solver | device | s per epoch (median) |\n|---|---|---|")
    for solver in args.solvers:
        for device in devices:
            name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
            print(f"| {solver} | {name} | {time_epoch(X, probs, solver, device, args.repeats):.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
