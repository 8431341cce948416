"""Raw text to features: the TF-IDF featurizer behind ``EndModel``'s text input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

__all__ = ["TextFeaturizer", "as_texts", "is_text"]


class TextFeaturizer(BaseEstimator):
    """TF-IDF features for raw text (a thin wrapper over scikit-learn's ``TfidfVectorizer``).

    An :class:`~weaklab.endmodel.EndModel` builds one with default settings when it is
    given text; pass your own as ``EndModel(featurizer=...)`` to change them. Unlike the
    scikit-learn object, this one saves and loads without pickling (vocabulary as JSON,
    IDF weights as an array).

    Parameters
    ----------
    max_features : int or None, default=50_000
        Keep the most frequent terms only (``None``: keep all).
    ngram_range : tuple of (int, int), default=(1, 2)
        Word n-gram lengths to use.
    min_df : int, default=1
        Drop terms that appear in fewer documents.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of raw term counts.
    lowercase : bool, default=True
        Lower-case text before tokenising.

    Attributes
    ----------
    vectorizer_ : sklearn.feature_extraction.text.TfidfVectorizer
        The fitted vectorizer.
    n_features_ : int
        Size of the vocabulary (columns of :meth:`transform`'s output).

    Examples
    --------
    >>> f = TextFeaturizer().fit(["free money now", "see you at lunch"])
    >>> f.transform(["free lunch"]).shape
    (1, 12)
    """

    def __init__(
        self,
        max_features: int | None = 50_000,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        sublinear_tf: bool = True,
        lowercase: bool = True,
    ) -> None:
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase

    def _vectorizer(self, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        lo, hi = self.ngram_range
        return TfidfVectorizer(
            max_features=self.max_features,
            ngram_range=(int(lo), int(hi)),
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            lowercase=self.lowercase,
            dtype=np.float32,
            vocabulary=vocabulary,
        )

    def fit(self, texts: Sequence[str] | pd.Series | np.ndarray) -> "TextFeaturizer":
        """Learn the vocabulary and IDF weights from ``texts``; returns ``self``."""
        docs = as_texts(texts, "texts")
        if not docs:
            raise ValueError("texts is empty; TextFeaturizer needs at least one document to fit")
        try:
            self.vectorizer_ = self._vectorizer().fit(docs)
        except ValueError as exc:  # e.g. "empty vocabulary"
            raise ValueError(f"TextFeaturizer could not fit texts: {exc}") from exc
        self.n_features_ = len(self.vectorizer_.vocabulary_)
        return self

    def transform(self, texts: Sequence[str] | pd.Series | np.ndarray) -> sp.csr_matrix:
        """TF-IDF matrix (CSR, float32, one row per text, L2-normalised rows)."""
        check_is_fitted(self, "vectorizer_", msg="TextFeaturizer is not fitted; call fit(texts) first")
        return sp.csr_matrix(self.vectorizer_.transform(as_texts(texts, "texts")), dtype=np.float32)

    def fit_transform(self, texts: Sequence[str] | pd.Series | np.ndarray) -> sp.csr_matrix:
        """:meth:`fit` then :meth:`transform` on the same texts."""
        return self.fit(texts).transform(texts)

    def to_state(self) -> tuple[dict[str, Any], np.ndarray]:
        """JSON-ready metadata (parameters and vocabulary) and the IDF weights."""
        check_is_fitted(self, "vectorizer_", msg="TextFeaturizer is not fitted; nothing to save")
        vocab = {term: int(i) for term, i in self.vectorizer_.vocabulary_.items()}
        params = self.get_params()
        params["ngram_range"] = [int(params["ngram_range"][0]), int(params["ngram_range"][1])]
        return {"params": params, "vocabulary": vocab}, np.asarray(self.vectorizer_.idf_)

    @classmethod
    def from_state(cls, meta: dict[str, Any], idf: np.ndarray) -> "TextFeaturizer":
        """Rebuild a fitted featurizer from :meth:`to_state`'s output."""
        params = dict(meta["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        self = cls(**params)
        vocab = {str(term): int(i) for term, i in meta["vocabulary"].items()}
        if len(vocab) != len(idf):
            raise ValueError(f"featurizer state is inconsistent: {len(vocab)} terms but {len(idf)} IDF weights")
        self.vectorizer_ = self._vectorizer(vocabulary=vocab)
        self.vectorizer_.idf_ = np.asarray(idf, dtype=np.float64)
        self.n_features_ = len(vocab)
        return self


def is_text(X: object) -> bool:
    """Whether ``X`` is a one-dimensional collection of strings (raw text)."""
    if isinstance(X, pd.DataFrame):
        return False
    if isinstance(X, pd.Series):
        return X.dtype == object or pd.api.types.is_string_dtype(X.dtype)
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and (X.dtype.kind in "UST" or (X.dtype == object and X.size > 0 and isinstance(X.flat[0], str)))
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and isinstance(X[0], str)
    return False


def as_texts(texts: object, name: str) -> list[str]:
    """``texts`` as a list of str; a ``TypeError`` names the first non-string row."""
    if isinstance(texts, str) or not isinstance(texts, (Sequence, pd.Series, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of str (list, numpy array or pandas Series), got {type(texts).__name__}")
    docs = list(texts.tolist() if isinstance(texts, (pd.Series, np.ndarray)) else texts)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise TypeError(f"{name}[{i}] is {doc!r} ({type(doc).__name__}); every row of text must be a str")
    return docs
