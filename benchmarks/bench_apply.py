"""Benchmark: applying ~10 typical LFs with weaklab vs Snorkel, side by side.

Measures, in one run and on the same synthetic short-text rows (weaklab's demo corpus):

* weaklab row-wise LFs (``apply_lfs`` on a pandas DataFrame),
* weaklab batch LFs (the same heuristics vectorised with ``keyword_lf``/``regex_lf``/``batch=True``),
* weaklab on Dask with 2 process workers (``distributed.LocalCluster``), the data read from
  Parquet on the workers,
* Snorkel 0.10 ``PandasLFApplier`` and ``DaskLFApplier`` on the same row-wise functions.

Snorkel's ``DaskLFApplier`` fails on current dask + pandas 3: it calls ``map_partitions``
without ``meta``, so dask runs the LFs on fake rows whose text is ``<NA>``. This script
works around that at run time by calling the same partition function with
``meta=(None, "object")`` (see ``SnorkelDaskApplierWithMeta``); everything else is Snorkel's.

Every matrix is checked to be identical to weaklab's row-wise one before any figure is
printed. Times are medians over ``--repeats`` runs (Snorkel's slow runs at 1 M rows: see
``--snorkel-repeats``).

Run: ``python benchmarks/bench_apply.py`` (about 6 minutes on 2 cores), or
``python benchmarks/bench_apply.py --sizes 20000 --repeats 1`` for a smoke run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

import dask.dataframe as dd
from distributed import Client, LocalCluster
from weaklab import ABSTAIN, LabelingFunction, apply_lfs, keyword_lf, labeling_function, make_demo_corpus, regex_lf

HAM, SPAM = 0, 1

# ------------------------------------------------------------------ the LFs, row-wise
_SUBSCRIBE = re.compile(r"\bsubscribe\b", re.I)
_MONEY = re.compile(r"\b(?:free|win|earn money|gift cards)\b", re.I)
_MUSIC = re.compile(r"\b(?:song|chorus|lyrics|guitar)\b", re.I)
_LINK = re.compile(r"https?://|www\.", re.I)
_PRICE = re.compile(r"\$\d+")
_CHANNEL = re.compile(r"\bmy (?:channel|website)\b", re.I)


def kw_subscribe(x):
    return SPAM if _SUBSCRIBE.search(x.text) else ABSTAIN


def kw_money(x):
    return SPAM if _MONEY.search(x.text) else ABSTAIN


def kw_music(x):
    return HAM if _MUSIC.search(x.text) else ABSTAIN


def rx_link(x):
    return SPAM if _LINK.search(x.text) else ABSTAIN


def rx_price(x):
    return SPAM if _PRICE.search(x.text) else ABSTAIN


def rx_channel(x):
    return SPAM if _CHANNEL.search(x.text) else ABSTAIN


def short_text(x):
    return HAM if len(x.text) < 30 else ABSTAIN


def long_text(x):
    return SPAM if len(x.text) > 45 else ABSTAIN


def lower_check_out(x):
    return SPAM if "check out" in x.text.lower() else ABSTAIN


def all_caps(x):
    return SPAM if x.text.isupper() else ABSTAIN


ROW_FUNCS = [kw_subscribe, kw_money, kw_music, rx_link, rx_price, rx_channel, short_text, long_text,
             lower_check_out, all_caps]


# ------------------------------------------------------------ the same LFs, vectorised
def _lengths(frame):
    return frame["text"].str.len().to_numpy()


@labeling_function(name="short_text", batch=True)
def short_text_batch(frame):
    return np.where(_lengths(frame) < 30, HAM, ABSTAIN)


@labeling_function(name="long_text", batch=True)
def long_text_batch(frame):
    return np.where(_lengths(frame) > 45, SPAM, ABSTAIN)


@labeling_function(name="lower_check_out", batch=True)
def lower_check_out_batch(frame):
    return np.where(frame["text"].str.lower().str.contains("check out", regex=False), SPAM, ABSTAIN)


@labeling_function(name="all_caps", batch=True)
def all_caps_batch(frame):
    return np.where(frame["text"].str.isupper(), SPAM, ABSTAIN)


def batch_lfs():
    return [
        keyword_lf("kw_subscribe", ["subscribe"], SPAM),
        keyword_lf("kw_money", ["free", "win", "earn money", "gift cards"], SPAM),
        keyword_lf("kw_music", ["song", "chorus", "lyrics", "guitar"], HAM),
        regex_lf("rx_link", r"https?://|www\.", SPAM),
        regex_lf("rx_price", r"\$\d+", SPAM, flags=0),
        regex_lf("rx_channel", r"\bmy (?:channel|website)\b", SPAM),
        short_text_batch,
        long_text_batch,
        lower_check_out_batch,
        all_caps_batch,
    ]


def row_lfs():
    return [LabelingFunction(f.__name__, f) for f in ROW_FUNCS]


# ----------------------------------------------------------------------- Snorkel
def snorkel_lfs():
    from snorkel.labeling import LabelingFunction as SnorkelLF

    return [SnorkelLF(f.__name__, f) for f in ROW_FUNCS]


def make_snorkel_dask_applier(lfs):
    """Snorkel's DaskLFApplier with the one change needed on current dask: pass ``meta``."""
    from snorkel.labeling.apply.core import _FunctionCaller
    from snorkel.labeling.apply.dask import DaskLFApplier
    from snorkel.labeling.apply.pandas import apply_lfs_to_data_point, rows_to_triplets

    class SnorkelDaskApplierWithMeta(DaskLFApplier):
        def apply(self, df, scheduler="processes", fault_tolerant=False):
            apply_fn = partial(apply_lfs_to_data_point, lfs=self._lfs, f_caller=_FunctionCaller(fault_tolerant))
            labels = df.map_partitions(lambda p: p.apply(apply_fn, axis=1), meta=(None, "object"))
            return self._numpy_from_row_data(rows_to_triplets(labels.compute(scheduler=scheduler)))

    return SnorkelDaskApplierWithMeta(lfs)


# ----------------------------------------------------------------------- harness
def timed(fn, repeats):
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run_size(n, args, client, workdir):
    df = make_demo_corpus(n, seed=42)[["text", "author"]]
    parquet = Path(workdir) / f"corpus_{n}"
    dd.from_pandas(df, npartitions=args.partitions).to_parquet(parquet, write_index=True, compute_kwargs={"scheduler": "sync"})
    # Read back through Dask: pandas orders "part.10" before "part.2", Dask by partition number.
    df = dd.read_parquet(parquet).compute(scheduler="sync")
    rows, batch = row_lfs(), batch_lfs()
    results = {}

    t, ref = timed(lambda: apply_lfs(df, rows, cardinality=2, progress=False), args.repeats)
    results["weaklab row-wise (pandas)"] = t
    expected = ref.to_dense()

    t, got = timed(lambda: apply_lfs(df, batch, cardinality=2, progress=False), args.repeats)
    assert np.array_equal(got.to_dense(), expected), "batch LFs disagree with row-wise LFs"
    results["weaklab batch (pandas)"] = t

    t, got = timed(
        lambda: apply_lfs(dd.read_parquet(parquet), rows, cardinality=2, progress=False), args.repeats
    )
    assert np.array_equal(got.to_dense(), expected), "weaklab Dask disagrees with pandas"
    results["weaklab row-wise (Dask, 2 workers)"] = t

    if not args.skip_snorkel:
        from snorkel.labeling import PandasLFApplier

        reps = args.repeats if n <= 200_000 else args.snorkel_repeats
        t, got = timed(lambda: PandasLFApplier(snorkel_lfs()).apply(df, progress_bar=False), reps)
        assert np.array_equal(got, expected), "Snorkel PandasLFApplier disagrees with weaklab"
        results["Snorkel PandasLFApplier"] = t
        applier = make_snorkel_dask_applier(snorkel_lfs())
        t, got = timed(lambda: applier.apply(dd.read_parquet(parquet), scheduler=client), reps)
        assert np.array_equal(got, expected), "Snorkel DaskLFApplier disagrees with weaklab"
        results["Snorkel DaskLFApplier* (2 workers)"] = t
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--snorkel-repeats", type=int, default=1, help="repeats of Snorkel above 200k rows")
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--skip-snorkel", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as workdir, LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        client.run(lambda: None)  # workers up before any timing
        table = []
        for n in args.sizes:
            print(f"\n{n:,} rows, {len(ROW_FUNCS)} LFs (medians of {args.repeats}):", flush=True)
            results = run_size(n, args, client, workdir)
            base = results.get("Snorkel PandasLFApplier")
            inproc = results["weaklab row-wise (pandas)"]
            for name, t in results.items():
                ratio_snorkel = f"{base / t:6.1f}x" if base else "   n/a"
                print(f"  {name:38s} {t:8.2f} s {n / t:12,.0f} rows/s  vs Snorkel pandas {ratio_snorkel}"
                      f"  vs weaklab row-wise {inproc / t:5.2f}x")
                table.append((n, name, t, n / t, base / t if base else None, inproc / t))
    print("\nAll matrices identical to weaklab's row-wise result.")
    print("* Snorkel's DaskLFApplier given meta at run time (it fails on current dask without it).")
    print("\n| rows | method | seconds | rows/s | × Snorkel PandasLFApplier | × weaklab row-wise |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, name, t, rate, rs, ri in table:
        rs_text = f"{rs:.1f}" if rs else "n/a"
        print(f"| {n:,} | {name} | {t:.2f} | {rate:,.0f} | {rs_text} | {ri:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
