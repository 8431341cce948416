"""Dawid–Skene with the evidence of abstains tempered at prediction time (not adopted).

LabelModel's fitted Dawid–Skene candidate predicts each test row with its abstain terms
scaled by alpha (1 = the full likelihood, 0 = only the votes, each through
P(vote | y) = coverage × confusion). Hypothesis: one-sided keyword LFs fire together, so
the silence of the other LFs is over-counted (on tubespam, DS labels ham 6 test rows whose
only vote is a spam vote, all spam).

Run: PYTHONPATH=.:benchmarks python benchmarks/studies/issue12_abstain/temper.py
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
from scipy.special import softmax

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as bq  # noqa: E402
from weaklab import kernels as K  # noqa: E402
from weaklab import models as wm  # noqa: E402
from weaklab.models.fit_source import csr_arrays  # noqa: E402

ALPHAS = (1.0, 0.75, 0.5, 0.25, 0.0)


def tempered_tables(prior, confusion, coverage, alpha):
    table = np.log(np.transpose(confusion, (0, 2, 1)))
    base = np.log(prior).copy()
    cov = np.clip(coverage, 1e-6, 1 - 1e-6)
    table = table + (np.log(cov) - alpha * np.log1p(-cov))[:, None, :]
    base += alpha * np.log1p(-cov).sum(axis=0)
    return np.ascontiguousarray(table), base


def main() -> None:
    warnings.simplefilter("ignore")
    res = {}
    for t in bq.load_tasks(Path("../shared/data"), None):
        ds = wm.LabelModel()._candidates()["DawidSkene"].fit(t.train)
        row = []
        for a in ALPHAS:
            table, base = tempered_tables(ds.class_balance_, ds.confusion_, ds.coverage_, a)
            P = softmax(K.loglinear_scores(*csr_arrays(t.test), table, base), axis=1)
            row.append(100 * bq.evaluate(t, P, ds.class_balance_))
        res[t.name] = row
        print(f"{t.name:18s}", " ".join(f"{v:5.1f}" for v in row), flush=True)
    for label, names in (("public", [n for n in res if n in bq.PUBLIC]), ("all", list(res))):
        print(label, "mean", " ".join(f"{np.mean([res[n][i] for n in names]):.2f}" for i in range(len(ALPHAS))))


if __name__ == "__main__":
    main()
