"""Issue 13 study: break ties of the dev score among EndModel's candidates by the dev log-loss.

Per set x input, with dev: every configuration of ``CANDIDATES`` fitted on the training rows
(as ``EndModel`` does), its best dev score, its dev log-loss of the gold labels and its test
score; then today's rule (best dev score, ties to the earlier candidate) against the same
rule with ties broken by the lower dev log-loss. One-off design study; writes em_ties.json.
Run from the repository root: PYTHONPATH=. python benchmarks/studies/issue13_endmodel/em_ties.py
"""
import json, sys, time, warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench_endmodel import DATASETS, INPUTS, features, label_model, metric_of  # noqa: E402
from weaklab import EndModel  # noqa: E402
from weaklab.endmodel.model import CANDIDATES  # noqa: E402

warnings.simplefilter("ignore")
data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
out = {}
for name in DATASETS:
    (train, valid, test), lm, probs, lm_score = label_model(name, data / DATASETS[name], 0)
    texts = [s.data["text"].tolist() for s in (train, valid, test)]
    for kind in INPUTS:
        Xs = features(kind, texts)
        for cname, params in CANDIDATES.items():
            t = time.perf_counter()
            m = EndModel(seed=0, metric=metric_of(name), progress=False).set_params(**params)
            m.fit(Xs[0], probs, Xs[1], valid.y, covered=train.L)
            p = np.clip(m.predict_proba(Xs[1]), 1e-12, 1.0)
            out[f"{name}|{kind}|{cname}"] = {
                "valid": max(m.history_["dev_score"]), "logloss": float(-np.mean(np.log(p[np.arange(len(valid.y)), valid.y]))),
                "test": m.score(Xs[2], test.y), "lm": lm_score}
            print(name, kind, f"{cname:28s}", {k: round(v, 4) for k, v in out[f"{name}|{kind}|{cname}"].items()},
                  f"{time.perf_counter() - t:.1f}s", flush=True)
(Path(__file__).resolve().parent / "em_ties.json").write_text(json.dumps(out, indent=1))

names = list(CANDIDATES)
print("\n| set | input | today (first max) | test | with log-loss tie-break | test | label model |")
print("|---|---|---|---|---|---|---|")
gaps = {"today": [], "ties": []}
for name in DATASETS:
    for kind in INPUTS:
        rows = {c: out[f"{name}|{kind}|{c}"] for c in names}
        best = max(r["valid"] for r in rows.values())
        tied = [c for c in names if rows[c]["valid"] == best]
        today = tied[0]
        broken = min(tied, key=lambda c: rows[c]["logloss"])  # first min wins
        lm = rows[today]["lm"]
        gaps["today"].append(100 * (rows[today]["test"] - lm)); gaps["ties"].append(100 * (rows[broken]["test"] - lm))
        print(f"| {name} | {kind} | {today} | {100 * rows[today]['test']:.1f} | {broken} | {100 * rows[broken]['test']:.1f} "
              f"| {100 * lm:.1f} |")
print(f"\nmean gap to the label model: today {np.mean(gaps['today']):+.2f}, with the tie-break {np.mean(gaps['ties']):+.2f}")
