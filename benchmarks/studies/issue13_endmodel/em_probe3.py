import sys, time, warnings, json
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import numpy as np
from pathlib import Path
from bench_endmodel import DATASETS, label_model, features, metric_of
from weaklab import EndModel
data = Path(__file__).resolve().parents[4] / "shared" / "data"
out = {}
settings = [(cw, wd, pat) for cw in ("balanced", None) for wd in (1e-5, 1e-4, 1e-3, 3e-3, 1e-2) for pat in (5, None)]
for name in sys.argv[1].split(","):
    (train, valid, test), lm, probs, lm_score = label_model(name, data / DATASETS[name], 0)
    texts = [s.data["text"].tolist() for s in (train, valid, test)]
    for kind in sys.argv[2].split(","):
        Xs = features(kind, texts)
        for cw, wd, pat in settings:
            m = EndModel("logreg", class_weight=cw, weight_decay=wd, patience=pat, metric=metric_of(name), seed=0, progress=False)
            t=time.perf_counter(); m.fit(Xs[0], probs, covered=train.L)
            g = 100*(m.score(Xs[2], test.y)-lm_score)
            out[f"{name}|{kind}|{cw}|{wd}|{pat}"] = g
            print(f"{name} {kind} {cw!s:9s} {wd:g} pat={pat}: {g:+.1f} ep={len(m.history_['seconds'])} {time.perf_counter()-t:.1f}s", flush=True)
json.dump(out, open(sys.argv[3], "w"))
