import json, sys, itertools
import numpy as np
d = json.load(open(sys.argv[1]))
sets = ["youtube","sms","trec","hausa","yoruba"]; inputs = ["tfidf","dense","text"]
CUR = ["logreg+balanced","logreg+balanced+weak_l2","logreg+balanced+strong_l2","logreg","logreg+balanced+confidence","logreg+balanced+adam"]
lists = {
 "current": CUR,
 "+l2=1e-5": CUR + ["logreg+balanced+l2=1e-5"],
 "+l2=1e-3": CUR + ["logreg+balanced+l2=1e-3"],
 "+weak_l2 nobal": CUR + ["logreg+weak_l2"],
 "+mlp(dense)": CUR + ["mlp+balanced"],
 "+1e-5+1e-3": CUR + ["logreg+balanced+l2=1e-5", "logreg+balanced+l2=1e-3"],
 "weak->1e-5": [c if c != "logreg+balanced+weak_l2" else "logreg+balanced+l2=1e-5" for c in CUR],
 "-adam": [c for c in CUR if c != "logreg+balanced+adam"],
 "-logreg": [c for c in CUR if c != "logreg"],
 "-confidence": [c for c in CUR if c != "logreg+balanced+confidence"],
}
def gap(s, i, cands):
    cands = [c for c in cands if f"{s}|{i}|{c}" in d]
    if not cands or any(f"{s}|{i}|{c}" not in d for c in cands if c != "mlp+balanced"): return None
    best = max(cands, key=lambda c: (d[f"{s}|{i}|{c}"]["valid"], -cands.index(c)))
    r = d[f"{s}|{i}|{best}"]; return 100*(r["test"]-r["lm"]), best
avail = [s for s in sets if all(f"{s}|{i}|logreg" in d for i in inputs)]
print("sets:", avail)
table = {}
for name, cands in lists.items():
    g = {(s,i): gap(s,i,cands)[0] for s in avail for i in inputs}
    table[name] = g
    row = " ".join(f"{g[(s,i)]:+5.1f}" for i in inputs for s in avail)
    per = {i: (np.mean([g[(s,i)] for s in avail]), min(g[(s,i)] for s in avail), sum(g[(s,i)]>0 for s in avail)) for i in inputs}
    print(f"{name:16s} mean {np.mean(list(g.values())):+.2f} | " + " | ".join(f"{i}: mean {m:+.1f} worst {w:+.1f} beats {b}" for i,(m,w,b) in per.items()))
print("cols:", " ".join(f"{i[:2]}-{s[:3]}" for i in inputs for s in avail))
for name, g in table.items():
    print(f"{name:16s}", " ".join(f"{g[(s,i)]:+5.1f}" for i in inputs for s in avail))
print("LODO:")
tot = []
for held in avail:
    others = [s for s in avail if s != held]
    choice = max(lists, key=lambda n: (np.mean([table[n][(s,i)] for s in others for i in inputs]), -list(lists).index(n)))
    val = np.mean([table[choice][(held,i)] for i in inputs]); tot.append(val)
    print(f"  {held}: chose {choice}, held-out mean gap {val:+.2f} (current {np.mean([table['current'][(held,i)] for i in inputs]):+.2f})")
print("LODO mean", np.mean(tot), "current", np.mean([table['current'][(s,i)] for s in avail for i in inputs]))
