"""Fit time with a dev set: today's candidates against those without ``DawidSkene+unshrunk``.

Run from the repository root (about 30 s)::

    PYTHONPATH=. python benchmarks/studies/issue12_devshrink/fit_cost.py
"""

import sys, time, warnings; warnings.simplefilter("ignore")
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent)); sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import numpy as np
from variants import Before
from weaklab.models import LabelModel
from weaklab.datasets import make_synthetic_label_matrix
syn = make_synthetic_label_matrix(1_000_000, 50, 2, seed=0)
L, y = syn.L, syn.y
tr, dv, ydv = L[:990_000], L[990_000:], y[990_000:]
for cls in (Before, LabelModel, Before, LabelModel): cls().fit(tr[:20000], L_dev=dv, Y_dev=ydv)
res = {"Before": [], "LabelModel": []}
for _ in range(3):
    for cls in (Before, LabelModel):
        t = time.perf_counter(); cls().fit(tr, L_dev=dv, Y_dev=ydv); res[cls.__name__].append(time.perf_counter() - t)
print({k: round(float(np.median(v)), 3) for k, v in res.items()})
