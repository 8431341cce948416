import sys, json; sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from harness import *
from weaklab.models.fit_source import FitSource
def single_lf(thr, s=0.25):
    def rule(cs, prior, self):
        few = self._lfs_per_class < thr
        pseudo = 1.0 / len(cs) + np.where(few, s * cs.sum() / len(cs), 0.0)
        return (cs + pseudo) / (cs.sum() + pseudo.sum())
    return rule
orig = DSVar._fit
def _fit(self, source, cb, dev):
    self._lfs_per_class = (source.majority().lf_class > 0).sum(0)
    return orig(self, source, cb, dev)
DSVar._fit = _fit
out = {}
out["c-lt2"] = run("(c) shrink classes with 1 LF", make_lm(single_lf(2), 0.25))
out["c-lt3"] = run("(c) shrink classes with <3 LFs", make_lm(single_lf(3), 0.25))
json.dump(out, open("./exp2.json", "w"))
