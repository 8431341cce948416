#!/usr/bin/env bash
# Install the incumbent label-model libraries into a separate virtualenv for the
# side-by-side benchmarks, following ../shared/INCUMBENTS.md. Idempotent: re-running
# on an existing venv only checks/installs what is missing.
#
# Usage: benchmarks/setup_incumbents.sh /path/to/venv
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 VENV_PATH" >&2
    exit 2
fi
VENV="$1"

if [ ! -x "$VENV/bin/python" ]; then
    # --system-site-packages: reuse the system numpy/pandas/numba/torch (CPU) build.
    python3 -m venv --system-site-packages "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install)
# torch is pinned on every line so no incumbent's requirements pull a CUDA build.
TORCH="torch==2.13.0"

"${PIP[@]}" "$TORCH"
"${PIP[@]}" "$TORCH" snorkel==0.10.0
# flyingsquid imports pgmpy.models.MarkovModel (removed in pgmpy 1.0); 0.1.26 imports
# an unrelated cloud SDK at start-up, so pin 0.1.25 without its dependency tree.
"${PIP[@]}" "$TORCH" flyingsquid
"${PIP[@]}" "$TORCH" --no-deps pgmpy==0.1.25
"${PIP[@]}" "$TORCH" pyparsing statsmodels opt-einsum
"${PIP[@]}" "$TORCH" crowd-kit==1.4.2
"${PIP[@]}" "$TORCH" hyperlm==0.0.5

# HyperLM's checkpoint holds numpy scalars; torch >= 2.6 refuses them by default.
TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 "$VENV/bin/python" - <<'PY'
import numpy as np

import torch
from snorkel.labeling.model import LabelModel, MajorityLabelVoter
from flyingsquid.label_model import LabelModel as FSLabelModel
from crowdkit.aggregation import DawidSkene
from hyperlm import HyperLabelModel

print("torch", torch.__version__, "cuda", torch.version.cuda)
rng = np.random.default_rng(0)
y = rng.integers(0, 2, 300)
L = np.where(rng.random((300, 5)) < 0.7,
             np.where(rng.random((300, 5)) < 0.8, y[:, None], 1 - y[:, None]), -1)
lm = LabelModel(cardinality=2, verbose=False)
lm.fit(L, n_epochs=50, seed=0)
print("snorkel", (lm.predict(L) == y).mean())
fs = FSLabelModel(5)
fs.fit(np.where(L == -1, 0, 2 * L - 1))
print("flyingsquid", ((fs.predict(np.where(L == -1, 0, 2 * L - 1)).ravel() > 0) == y).mean())
import pandas as pd
r, c = np.nonzero(L >= 0)
df = pd.DataFrame({"task": r, "worker": c, "label": L[r, c]})
ds = DawidSkene(n_iter=50).fit_predict(df)
print("crowdkit", (ds.sort_index().to_numpy() == y[np.sort(np.unique(r))]).mean())
hl = HyperLabelModel()
print("hyperlm", (np.asarray(hl.infer(L)) == y).mean())
PY
