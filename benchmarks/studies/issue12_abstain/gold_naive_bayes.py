"""How far can any Dawid–Skene fit go? Its model with parameters counted from gold train labels.

The class prior, each LF's coverage per class and its confusion on its votes are counted
from the train split's gold labels (+0.5 smoothing) and put into LabelModel's Dawid–Skene
candidate, which then labels the test split as in the benchmark. If this "oracle" naive
Bayes scores no better than the EM fit, the gap to a vote rule (ClassBalancedVote) is the
model's independence assumption, not its estimation.

Run: PYTHONPATH=.:benchmarks python benchmarks/studies/issue12_abstain/gold_naive_bayes.py
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bench_label_quality as bq  # noqa: E402
from weaklab import models as wm  # noqa: E402
from weaklab.datasets import load_lf_matrix_csv, load_wrench  # noqa: E402

DATA = Path("../shared/data")
WRENCH = {"youtube": "nhbess_weak_supervision_tutorial/youtube", "sms": "dygen_wrench/sms", "trec": "dygen_wrench/trec",
          "hausa": "nhbess_weak_supervision_tutorial/hausa", "yoruba": "nhbess_weak_supervision_tutorial/yoruba"}
CSV = {"tubespam": "TubeSpam/TubeSpam", "rna": "RNA/rna"}


def gold_train_labels(name: str) -> np.ndarray:
    if name in WRENCH:
        return load_wrench(DATA / WRENCH[name], "train").y
    return load_lf_matrix_csv(DATA / "regularized_data_programming" / f"{CSV[name]}_lf_matrix_train.csv").y


def main() -> None:
    warnings.simplefilter("ignore")
    for t in bq.load_tasks(DATA, set(WRENCH) | set(CSV)):
        y = gold_train_labels(t.name)
        k, D, ok = t.train.cardinality, t.train.to_dense(), y >= 0
        conf, cov = np.zeros((D.shape[1], k, k)), np.zeros((D.shape[1], k))
        for j in range(D.shape[1]):
            for c in range(k):
                votes = D[ok & (y == c), j]
                cov[j, c] = (np.sum(votes >= 0) + 0.5) / (votes.size + 1)
                conf[j, c] = (np.bincount(votes[votes >= 0], minlength=k) + 0.5) / (np.sum(votes >= 0) + 0.5 * k)
        em = wm.LabelModel()._candidates()["DawidSkene"].fit(t.train)
        em_score = 100 * bq.evaluate(t, em.predict_proba(t.test), em.class_balance_)
        prior = np.bincount(y[ok], minlength=k) / ok.sum()
        em.class_balance_, em.confusion_, em.coverage_ = prior, conf, cov
        oracle = 100 * bq.evaluate(t, em.predict_proba(t.test), prior)
        print(f"{t.name:10s} EM fit {em_score:5.1f}   gold-parameter naive Bayes {oracle:5.1f}", flush=True)


if __name__ == "__main__":
    main()
