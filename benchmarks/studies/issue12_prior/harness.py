import sys, warnings, json, numpy as np
_here = __import__("pathlib").Path(__file__).resolve().parent; sys.path.insert(0, str(_here.parents[1])); sys.path.insert(0, str(_here.parents[2]))
from pathlib import Path
import bench_label_quality as B
from weaklab import models as wm
from weaklab.models.dawid_skene import DawidSkene
warnings.simplefilter("ignore")

class DSVar(DawidSkene):
    rule = None  # callable(class_sums, shrunk_prior, self) -> prior
    def _fit(self, source, class_balance, dev):
        mv = source.majority()
        s = mv.class_sums
        self._mv_share = (s + 1.0) / (s.sum() + len(s))
        self._n_rows = source.n_rows
        return super()._fit(source, class_balance, dev)
    def _m_step(self, counts, class_sums, votes_per_lf, n_rows, class_balance, tied=None):
        prior, conf, cov = super()._m_step(counts, class_sums, votes_per_lf, n_rows, class_balance, tied)
        if class_balance is None and type(self).rule is not None:
            prior = type(self).rule(class_sums, prior, self)
            prior = np.asarray(prior, float); prior = prior / prior.sum()
        return prior, conf, cov

def make_lm(rule, shrink):
    V = type("DSV", (DSVar,), {"rule": staticmethod(rule)})
    class LM(wm.LabelModel):
        def _candidates(self):
            c = super()._candidates()
            p = c["DawidSkene"].get_params()
            c["DawidSkene"] = V(**p)
            return c
        def _guard_prior(self, model, source, class_balance):
            # same as LabelModel's, refit with the plain DS
            self.prior_fallback_ = False
            from weaklab.models.guardrails import agreement_totals
            if class_balance is not None or self.prior_shrink == 0:
                return model
            agree, n_unique = agreement_totals(model, source)[:2]
            if not n_unique or agree / n_unique >= 0.5:
                return model
            params = model.get_params(); params["prior_shrink"] = 0.0
            plain = DawidSkene(**params); plain._bind(self); plain._fit(source, None, None)
            if agreement_totals(plain, source)[0] > agree:
                self.prior_fallback_ = True
                return plain
            return model
    return lambda: LM(prior_shrink=shrink)

_TASKS = None
def tasks():
    global _TASKS
    if _TASKS is None:
        _TASKS = B.load_tasks(Path("/work/shared/data"), None)
    return _TASKS

def run(name, factory, verbose=True):
    res = {}
    for t in tasks():
        metric = "f1" if t.metric == "f1" else "accuracy"
        r = {}
        p, cb = B._weaklab(factory)(t); r["nodev"] = B.evaluate(t, p, cb)
        def fv(): 
            m = factory(); m.dev_metric = metric; return m
        p, cb = B._weaklab(fv, use_valid=True)(t); r["valid"] = B.evaluate(t, p, cb)
        res[t.name] = r
    pub = [t for t in res if t in B.PUBLIC]; new = [t for t in res if t not in B.PUBLIC]
    m = lambda ts, c: 100 * np.mean([res[t][c] for t in ts])
    line = f"{name:28s} public {m(pub,'nodev'):5.1f} / +valid {m(pub,'valid'):5.1f} | new {m(new,'nodev'):5.1f} / +valid {m(new,'valid'):5.1f}"
    print(line, flush=True)
    if verbose:
        print("   " + " ".join(f"{t[:8]}={100*res[t]['nodev']:.1f}/{100*res[t]['valid']:.1f}" for t in res), flush=True)
    return res
