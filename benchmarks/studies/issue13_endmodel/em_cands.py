"""Per set x input, with dev: each configuration's best valid score and its test score."""
import sys, warnings, time, json
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import numpy as np, torch
from pathlib import Path
from bench_endmodel import DATASETS, label_model, features, metric_of
from weaklab import EndModel
from weaklab.endmodel.model import CANDIDATES, _LBFGS
warnings.simplefilter("ignore")
EXTRA = {
    "logreg+balanced+l2=1e-5": {**_LBFGS, "class_weight": "balanced", "weight_decay": 1e-5},
    "logreg+balanced+l2=1e-3": {**_LBFGS, "class_weight": "balanced", "weight_decay": 1e-3},
    "logreg+weak_l2": {**_LBFGS, "class_weight": None, "weight_decay": 1e-4},
    "mlp+balanced": {"model": "mlp", "solver": "adam", "lr": 1e-3, "weight_decay": 1e-4, "class_weight": "balanced", "confidence_weighting": False},
}
data = Path(__file__).resolve().parents[4] / "shared" / "data"
out = {}
for name in sys.argv[1].split(","):
    (train, valid, test), lm, probs, lm_score = label_model(name, data / DATASETS[name], 0)
    texts = [s.data["text"].tolist() for s in (train, valid, test)]
    for kind in sys.argv[2].split(","):
        Xs = features(kind, texts)
        for cname, params in {**CANDIDATES, **EXTRA}.items():
            if params["model"] == "mlp" and kind != "dense":
                continue
            t = time.perf_counter()
            torch.set_num_threads(1)
            m = EndModel(seed=0, metric=metric_of(name), progress=False).set_params(**params).fit(Xs[0], probs, Xs[1], valid.y, covered=train.L)
            v = max(m.history_["dev_score"]); s = m.score(Xs[2], test.y)
            out[f"{name}|{kind}|{cname}"] = {"valid": v, "test": s, "lm": lm_score, "seconds": time.perf_counter() - t}
            print(f"{name} {kind} {cname:28s} valid {100*v:.1f} test {100*s:.1f} (lm {100*lm_score:.1f}) {time.perf_counter()-t:.1f}s", flush=True)
        json.dump(out, open(sys.argv[3], "w"))
