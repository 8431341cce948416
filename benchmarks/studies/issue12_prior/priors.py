import sys, warnings, numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from harness import tasks
from weaklab import models as wm
warnings.simplefilter("ignore")
np.set_printoptions(precision=3, suppress=True)
M = {"EM": lambda: wm.DawidSkene(model_abstain="auto"), "1coin": lambda: wm.DawidSkene(one_coin=True, model_abstain="auto"),
     "noabst": lambda: wm.DawidSkene(model_abstain=False), "MC": lambda: wm.MatrixCompletion(model_abstain=True),
     "Triplet": lambda: wm.TripletModel(), "CBV": lambda: wm.ClassBalancedVote(), "WMV": lambda: wm.WeightedMajorityVote()}
for t in tasks():
    k = t.train.cardinality
    yt = t.y_test[t.y_test >= 0]; gold = np.bincount(yt, minlength=k) / len(yt)
    def l1(p): return np.abs(np.asarray(p) - gold).sum()
    row = {}
    for n, f in M.items():
        try:
            m = f().fit(t.train); cb = m.class_balance_
            # predicted share over all train rows
            ps = m.predict_proba(t.train).mean(0)
            row[n] = (l1(cb), l1(ps), cb)
        except Exception as e:
            row[n] = (np.nan, np.nan, None)
    s = " ".join(f"{n}={a:.2f}/{b:.2f}" for n, (a, b, _) in row.items())
    print(f"{t.name:18s} L1(prior,gold)/L1(pred share,gold): {s}")
    if k == 2: print("     gold", gold, " ", " ".join(f"{n}:{c[1]:.3f}" for n,(a,b,c) in row.items() if c is not None))
