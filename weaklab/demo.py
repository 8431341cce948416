"""The demo job: LFs for the built-in comment-spam corpus, run end to end.

``weaklab demo`` (see :mod:`weaklab.cli`) calls :func:`run_demo`. The LFs below are
the kind a user writes in a first hour: keywords, regexes, a length threshold, a
shouting pattern, one preprocessor shared by several row-wise LFs.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import models as label_models
from .analysis import label_stats, lf_summary
from .datasets import make_demo_corpus
from .labeling import apply_lfs
from .labeling.cluster import dask_client
from .labeling.lf import ABSTAIN, keyword_lf, labeling_function, preprocessor, regex_lf

__all__ = ["HAM", "SPAM", "demo_lfs", "run_demo"]

_SUMMARY_COLUMNS = ["polarity", "coverage", "overlaps", "conflicts", "emp_accuracy", "learned_accuracy"]

HAM, SPAM = 0, 1


@preprocessor()
def lowercase_text(row):
    """Adds ``row.low``: the comment in lower case."""
    return {"low": row.text.lower()}


@labeling_function(pre=[lowercase_text])
def mentions_my_channel(row):
    return SPAM if "my channel" in row.low else ABSTAIN


@labeling_function(pre=[lowercase_text])
def asks_to_subscribe(row):
    return SPAM if "subscribe" in row.low else ABSTAIN


@labeling_function()
def short_comment(row):
    return HAM if len(row.text) < 15 else ABSTAIN


@labeling_function(batch=True)
def all_caps(frame: pd.DataFrame) -> np.ndarray:
    text = frame["text"]
    return np.where(text.str.isupper() & (text.str.len() > 10), SPAM, ABSTAIN)


_LINK = re.compile(r"https?://|www\.|\.com\b")


@labeling_function()
def has_link(row):
    return SPAM if _LINK.search(row.text) else ABSTAIN


def demo_lfs() -> list:
    """The demo's labeling functions (10 of them, row-wise and batch)."""
    return [
        mentions_my_channel,
        asks_to_subscribe,
        short_comment,
        all_caps,
        has_link,
        keyword_lf("money_words", ["free", "win", "earn money", "$500", "gift cards"], SPAM),
        keyword_lf("praise_words", ["love", "amazing", "beautiful", "incredible", "best"], HAM),
        keyword_lf("music_words", ["song", "chorus", "lyrics", "guitar", "drummer", "voice"], HAM),
        regex_lf("click_link", r"\bclick (this|the) link\b", SPAM),
        regex_lf("year_mention", r"\b(19|20)\d\d\b", HAM),
    ]


def _print_table(frame: pd.DataFrame) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.precision", 3):
        print(frame.to_string())


def run_demo(rows: int, workers: int, partitions: int, out: Path, seed: int, progress: bool) -> dict:
    """Run the demo job; returns the headline numbers (used by tests)."""
    import dask.dataframe as dd

    out.mkdir(parents=True, exist_ok=True)
    corpus = make_demo_corpus(rows, seed=seed)
    gold = corpus["label"].to_numpy()
    lfs = demo_lfs()
    print(f"weaklab demo: {rows:,} generated comments, {len(lfs)} labeling functions, "
          f"{workers} Dask workers, {partitions} partitions")

    started = time.perf_counter()
    with dask_client(None, workers):
        data = dd.from_pandas(corpus.drop(columns="label"), npartitions=partitions)
        L = apply_lfs(data, lfs, cardinality=2, progress=progress)
    print(f"\nLabel matrix: {L.n_rows:,} rows × {L.n_lfs} LFs, {L.nnz:,} votes "
          f"({time.perf_counter() - started:.1f} s including cluster start-up)")
    L.save(out / "label_matrix.npz")

    # Like most projects, the demo has a small hand-labelled dev set (the first rows):
    # the label model uses it to choose among its estimators.
    n_dev = min(200, rows)
    model = label_models.LabelModel(seed=seed).fit(L, L_dev=L[:n_dev], Y_dev=gold[:n_dev])
    summary = lf_summary(L, y=gold, model=model)
    print("\nLF statistics (gold labels are known for the demo corpus):")
    _print_table(summary[[c for c in _SUMMARY_COLUMNS if c in summary.columns]])
    stats = label_stats(L, y=gold, model=model)
    print(f"\nCoverage {stats.coverage:.1%}, overlap {stats.overlap:.1%}, conflict {stats.conflict:.1%}")
    mv = label_models.MajorityVote().fit(L)
    scores = {
        # Ties broken at random (majority vote ties often), not counted as wrong.
        "label_model_accuracy": model.score(L, gold, tie_break="random"),
        "majority_vote_accuracy": mv.score(L, gold, tie_break="random"),
        "coverage": stats.coverage,
    }
    print(f"Label model ({model.choice_}) accuracy {scores['label_model_accuracy']:.3f} "
          f"(majority vote {scores['majority_vote_accuracy']:.3f}) on all rows, uncovered rows get the prior")
    for message in model.warnings_:
        print(f"warning: {message}")
    model.save(out / "label_model.npz")
    np.save(out / "probabilistic_labels.npy", model.predict_proba(L))
    print(f"\nSaved the label matrix, label model and probabilistic labels in {out}/")
    from .analysis.report import build_report

    report = build_report(L, data=corpus.drop(columns="label"), y=gold, model=model,
                          path=out / "report.html", class_names=["ham", "spam"], seed=seed)
    print(f"LF report (open in a browser): {report.path.resolve()}")

    # The end model learns from the text, so it also labels comments no LF covers.
    from .endmodel import EndModel

    test = make_demo_corpus(max(rows // 5, 100), seed=seed + 1)
    end_model = EndModel(seed=seed, progress=progress)
    end_model.fit(corpus["text"], model.predict_proba(L), covered=L)
    L_test = apply_lfs(test.drop(columns="label"), lfs, cardinality=2, progress=False)
    scores["end_model_test_accuracy"] = end_model.score(test["text"], test["label"].to_numpy())
    scores["label_model_test_accuracy"] = model.score(L_test, test["label"].to_numpy(), tie_break="random")
    print(f"\nEnd model (TF-IDF + logistic regression on the probabilistic labels, {end_model.device_}): "
          f"test accuracy {scores['end_model_test_accuracy']:.3f} on {len(test):,} unseen comments "
          f"(label model {scores['label_model_test_accuracy']:.3f})")
    end_model.save(out / "end_model.npz")
    return scores
