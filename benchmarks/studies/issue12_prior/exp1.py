import sys; sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from harness import *
out = {}
out["base0.25"] = run("uniform shrink 0.25", make_lm(None, 0.25))
out["base0"] = run("uniform shrink 0", make_lm(None, 0.0))
# (a) shrink toward MV share with weight s (in units of rows, like prior_shrink)
def toward_mv(s):
    def rule(cs, prior, self):
        pr = 1.0 + s * cs.sum()
        return (cs + pr * self._mv_share) / (cs.sum() + pr)
    return rule
for s in (0.1, 0.25, 0.5, 1.0, 4.0):
    out[f"a{s}"] = run(f"(a) toward MV, s={s}", make_lm(toward_mv(s), 0.25))
# (b) ML prior clipped to [MV/c, MV*c]
def clip_mv(c):
    def rule(cs, prior, self):
        ml = (cs + 1.0 / len(cs)) / (cs.sum() + 1.0)
        return np.clip(ml, self._mv_share / c, self._mv_share * c)
    return rule
for c in (1.25, 1.5, 2.0, 3.0):
    out[f"b{c}"] = run(f"(b) ML clipped to MV x/÷{c}", make_lm(clip_mv(c), 0.25))
# (b') uniform-shrunk prior clipped to [min(ML,MV)/c, max(ML,MV)*c]
def clip_shrunk(c):
    def rule(cs, prior, self):
        ml = (cs + 1.0 / len(cs)) / (cs.sum() + 1.0)
        lo = np.minimum(ml, self._mv_share) / c; hi = np.maximum(ml, self._mv_share) * c
        return np.clip(prior, lo, hi)
    return rule
for c in (1.0, 1.25, 1.5, 2.0):
    out[f"bp{c}"] = run(f"(b') shrunk clipped, c={c}", make_lm(clip_shrunk(c), 0.25))
json.dump(out, open("./exp1.json", "w"))
