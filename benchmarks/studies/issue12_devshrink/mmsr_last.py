"""M-MSR as a last dev-set candidate, on top of ``DawidSkene+unshrunk`` (not adopted).

Run from the repository root::

    PYTHONPATH=. python benchmarks/studies/issue12_devshrink/mmsr_last.py --data ../shared/data
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))
import bench_label_quality as blq  # noqa: E402
import variants  # noqa: E402
from weaklab import models as wm  # noqa: E402


class WithMMSRLast(wm.LabelModel):
    """Today's candidates, then M-MSR (a dev-set tie keeps the others)."""

    def _candidate_runs(self, k, class_balance, with_dev):
        runs = super()._candidate_runs(k, class_balance, with_dev)
        return runs + [("MMSR", wm.MMSR(seed=self.seed), class_balance)] if with_dev else runs


variants.METHODS["MMSR-last+valid"] = lambda task: blq._label_model_on_valid(task, WithMMSRLast)

if __name__ == "__main__":
    raise SystemExit(variants.main(sys.argv[1:]))
