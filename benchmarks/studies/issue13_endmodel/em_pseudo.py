import sys, warnings, time, json
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import numpy as np
from pathlib import Path
from bench_endmodel import DATASETS, label_model, features, metric_of
from weaklab import EndModel
from weaklab.endmodel.inputs import subset
warnings.simplefilter("ignore")
data = Path(__file__).resolve().parents[4] / "shared" / "data"
res = {}
for name in sys.argv[1].split(","):
    (train, valid, test), lm, probs, lm_score = label_model(name, data / DATASETS[name], 0)
    texts = [s.data["text"].tolist() for s in (train, valid, test)]
    cov = np.flatnonzero(train.L.covered)
    rng = np.random.default_rng(0); sh = rng.permutation(cov); held = np.sort(sh[:round(0.1*len(cov))]); rest = np.sort(sh[round(0.1*len(cov)):])
    for kind in sys.argv[2].split(","):
        Xs = features(kind, texts)
        def take(X, rows):
            return [X[i] for i in rows] if kind == "text" else X[rows]
        t = time.perf_counter()
        m = EndModel(seed=0, metric=metric_of(name), progress=False).fit(take(Xs[0], rest), probs[rest], take(Xs[0], held), probs[held].argmax(1))
        # what each candidate would have scored on test
        gap = 100*(m.score(Xs[2], test.y)-lm_score)
        base = EndModel(seed=0, metric=metric_of(name), progress=False).fit(Xs[0], probs, covered=train.L)
        bgap = 100*(base.score(Xs[2], test.y)-lm_score)
        res[f"{name}|{kind}"] = (gap, bgap, m.selected_)
        print(f"{name} {kind}: pseudo-dev {gap:+.1f} ({m.selected_}, {time.perf_counter()-t:.1f}s) vs default {bgap:+.1f}", {k: round(v,3) for k,v in m.dev_scores_.items()}, flush=True)
json.dump(res, open(sys.argv[3], "w"))
