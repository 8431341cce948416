"""Issue 13 study: the pipeline with no labels at all — LabelModel and EndModel both without
a dev set — against the benchmark's protocol (LabelModel chooses on the valid split).

Per set x input: the no-dev LabelModel's test score and selection, and EndModel() at its
defaults trained on its probabilistic labels of the covered train rows, no dev set.
One-off; writes em_nolabels.json. Run from the repository root:
PYTHONPATH=. python benchmarks/studies/issue13_endmodel/em_nolabels.py
"""
import json, sys, warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench_endmodel import DATASETS, INPUTS, features, metric_of, score  # noqa: E402
from weaklab import EndModel, load_wrench  # noqa: E402
from weaklab.models import LabelModel  # noqa: E402

warnings.simplefilter("ignore")
data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
out = {}
print("| set | input | label model (no dev) | EndModel() no dev | − label |")
print("|---|---|---|---|---|")
for name in DATASETS:
    train, valid, test = (load_wrench(data / DATASETS[name], s) for s in ("train", "valid", "test"))
    lm = LabelModel(seed=0).fit(train.L)
    lm_score = score(metric_of(name), test.y, lm.predict(test.L, tie_break="random"))
    probs = lm.predict_proba(train.L)
    texts = [s.data["text"].tolist() for s in (train, valid, test)]
    for kind in INPUTS:
        Xs = features(kind, texts)
        em = EndModel(metric=metric_of(name), seed=0, progress=False).fit(Xs[0], probs, covered=train.L)
        em_score = em.score(Xs[2], test.y)
        out[f"{name}|{kind}"] = {"lm": lm_score, "lm_selected": lm.selected_, "em": em_score}
        print(f"| {name} | {kind} | {100 * lm_score:.1f} ({lm.selected_}) | {100 * em_score:.1f} | "
              f"{100 * (em_score - lm_score):+.1f} |", flush=True)
(Path(__file__).resolve().parent / "em_nolabels.json").write_text(json.dumps(out, indent=1))
gaps = {k: [100 * (v["em"] - v["lm"]) for key, v in out.items() if key.endswith("|" + k)] for k in INPUTS}
for kind, g in gaps.items():
    print(f"{kind}: worst {min(g):+.1f}, beats its label model on {sum(x > 0 for x in g)} of {len(g)}")
