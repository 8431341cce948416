import sys, warnings
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import numpy as np
from pathlib import Path
from sklearn.linear_model import LogisticRegression
from bench_endmodel import DATASETS, label_model, features
warnings.simplefilter("ignore")
data = Path(__file__).resolve().parents[4] / "shared" / "data"
for name in sys.argv[1].split(","):
    (train, valid, test), lm, probs, lm_score = label_model(name, data / DATASETS[name], 0)
    texts = [s.data["text"].tolist() for s in (train, valid, test)]
    cov = train.L.covered
    hard = probs.argmax(1)
    print(name, "lm", round(100*lm_score,1), "lm train acc(covered)", round(100*(hard[cov]==train.y[cov]).mean(),1), "class shares gold", np.bincount(train.y)/len(train.y), "lm", np.bincount(hard[cov], minlength=probs.shape[1])/cov.sum())
    for kind in sys.argv[2].split(","):
        Xs = features(kind, texts)
        for C in (0.3, 1, 3, 10, 100):
            g = LogisticRegression(C=C, max_iter=2000).fit(Xs[0], train.y).score(Xs[2], test.y)
            h = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(Xs[0][cov], hard[cov]).score(Xs[2], test.y)
            print(f"  {kind} C={C}: gold {100*g:.1f}  lm-hard-balanced {100*h:.1f}", flush=True)
