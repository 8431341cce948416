import sys, json, io, contextlib, numpy as np
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
import bench_label_quality as B
base = json.load(open("./base.json"))["results"]
ex = {**json.load(open("./exp1.json")), **json.load(open("./exp2.json"))}
pick = {"a0.25": "LM-mvanchor0.25", "b2.0": "LM-mvclip2", "bp1.25": "LM-shrunkclip1.25", "c-lt2": "LM-1LFshrink"}
res = {t: dict(r) for t, r in base.items()}
for key, name in pick.items():
    for t in res:
        res[t][name] = ex[key][t]["nodev"]
cands = list(B.LOO_CANDIDATES)
pub = [t for t in res if t in B.PUBLIC]
for name in pick.values():
    for label, pool in (("public", pub), ("all 20", list(res))):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            B.loo_table(res, cands + [name], pool)
        lines = buf.getvalue().strip().splitlines()
        chosen = [l.split("|")[2].strip() for l in lines[2:-1]]
        print(f"{name:18s} {label:7s} LOO mean {lines[-1].split('|')[3].strip()} vs LabelModel {lines[-1].split('|')[4].strip()}; chosen: " +
              ", ".join(f"{c}x{chosen.count(c)}" for c in dict.fromkeys(chosen)))
        if name == "LM-mvclip2" or name == "LM-1LFshrink": print(buf.getvalue())
