"""Raw text to features: the TF-IDF featurizer behind ``EndModel``'s text input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

__all__ = ["TextFeaturizer", "as_texts", "is_text"]


ANALYZERS = ("word", "char_wb", "word+char")


class TextFeaturizer(BaseEstimator):
    """TF-IDF features for raw text (scikit-learn's ``TfidfVectorizer`` underneath).

    An :class:`~weaklab.endmodel.EndModel` builds one with default settings when it is
    given text; pass your own as ``EndModel(featurizer=...)`` to change them. Unlike the
    scikit-learn object, this one saves and loads without pickling (vocabularies as JSON,
    IDF weights as an array).

    The default joins word n-grams and character n-grams (within word boundaries), each
    block L2-normalised and scaled by ``1/sqrt(2)``: character n-grams carry morphology,
    spelling variants and diacritics that word tokens split or miss (on the WRENCH text
    sets they helped most on Hausa and Yoruba; see ``benchmarks/bench_endmodel.py``).

    Parameters
    ----------
    analyzer : {"word+char", "word", "char_wb"}, default="word+char"
        Which n-grams to use.
    max_features : int or None, default=50_000
        Keep the most frequent terms of each block only (``None``: keep all).
    ngram_range : tuple of (int, int), default=(1, 2)
        Word n-gram lengths.
    char_ngram_range : tuple of (int, int), default=(2, 5)
        Character n-gram lengths.
    min_df : int, default=1
        Drop terms that appear in fewer documents.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of raw term counts.
    lowercase : bool, default=True
        Lower-case text before tokenising.

    Attributes
    ----------
    union_ : sklearn.pipeline.FeatureUnion
        The fitted blocks (one ``TfidfVectorizer`` each, weighted ``1/sqrt(blocks)``).
    vectorizers_ : list of sklearn.feature_extraction.text.TfidfVectorizer
        The fitted vectorizer of each block; a block that found no terms in the fit
        texts (e.g. words when every word is one character long) is left out.
    n_features_ : int
        Columns of :meth:`transform`'s output.

    Examples
    --------
    >>> f = TextFeaturizer(analyzer="word").fit(["free money now", "see you at lunch"])
    >>> f.transform(["free lunch"]).shape
    (1, 12)
    """

    def __init__(
        self,
        analyzer: str = "word+char",
        max_features: int | None = 50_000,
        ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 1,
        sublinear_tf: bool = True,
        lowercase: bool = True,
    ) -> None:
        self.analyzer = analyzer
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "TextFeaturizer":
        """Build from :meth:`json_params` output (JSON lists become tuples).

        Raises
        ------
        ValueError
            Naming the entry of ``params`` that is unknown or not a valid value.
        """
        if not isinstance(params, dict):
            raise ValueError(f"params must be a JSON object, got {params!r:.80}")
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise ValueError(f"params has unknown entries {unknown}")
        params = dict(params)
        for key in ("ngram_range", "char_ngram_range"):
            if key in params:
                value = params[key]
                if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(map(_is_int, value)) and 1 <= value[0] <= value[1]):
                    raise ValueError(f"params {key!r} must be [lo, hi] with integers 1 <= lo <= hi, got {value!r:.80}")
                params[key] = tuple(value)
        for key in ("sublinear_tf", "lowercase"):
            if key in params and not isinstance(params[key], bool):
                raise ValueError(f"params {key!r} must be true or false, got {params[key]!r:.80}")
        if "analyzer" in params and params["analyzer"] not in ANALYZERS:
            raise ValueError(f"params 'analyzer' must be one of {ANALYZERS}, got {params['analyzer']!r:.80}")
        if "max_features" in params and not (params["max_features"] is None or (_is_int(params["max_features"]) and params["max_features"] >= 1)):
            raise ValueError(f"params 'max_features' must be null or an integer >= 1, got {params['max_features']!r:.80}")
        if "min_df" in params:
            value = params["min_df"]
            if not ((_is_int(value) and value >= 1) or (isinstance(value, float) and 0.0 <= value <= 1.0)):
                raise ValueError(f"params 'min_df' must be an integer >= 1 or a fraction in [0, 1], got {value!r:.80}")
        return cls(**params)

    def json_params(self) -> dict[str, Any]:
        """Constructor arguments as JSON-ready values."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in self.get_params().items()}

    def _kinds(self) -> list[str]:
        """The analyzer of each block this featurizer's ``analyzer`` asks for."""
        if self.analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {ANALYZERS}, got {self.analyzer!r}")
        return ["word", "char_wb"] if self.analyzer == "word+char" else [self.analyzer]

    def _vectorizer(self, kind: str, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        lo, hi = self.ngram_range if kind == "word" else self.char_ngram_range
        return TfidfVectorizer(
            analyzer=kind,
            max_features=self.max_features,
            ngram_range=(int(lo), int(hi)),
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            lowercase=self.lowercase,
            dtype=np.float32,
            vocabulary=vocabulary,
        )

    def fit(self, texts: Sequence[str] | pd.Series | np.ndarray) -> "TextFeaturizer":
        """Learn the vocabularies and IDF weights from ``texts``; returns ``self``.

        A block that finds no terms in ``texts`` (e.g. the word block when every word
        is one character long) is left out; ``ValueError`` when every block is empty.
        """
        self._kinds()  # an unknown analyzer, named as such
        type(self).from_params(self.json_params())  # the other arguments, by the rules a saved file is held to
        docs = as_texts(texts, "texts")
        if not docs:
            raise ValueError("texts is empty; TextFeaturizer needs at least one document to fit")
        kept = []
        for kind in self._kinds():
            vectorizer = self._vectorizer(kind)
            analyze = vectorizer.build_analyzer()
            if not any(analyze(doc) for doc in docs):
                continue
            try:
                vectorizer.fit(docs)
            except ValueError as exc:  # e.g. "After pruning, no terms remain"
                raise ValueError(f"TextFeaturizer could not fit texts ({kind} block): {exc}") from exc
            kept.append(vectorizer)
        if not kept:
            raise ValueError(
                f"TextFeaturizer(analyzer={self.analyzer!r}) found no terms in texts: the vocabulary of every "
                f"block ({', '.join(self._kinds())}) is empty"
            )
        self._set_union(_union(kept))
        return self

    def _set_union(self, union: FeatureUnion) -> None:
        self.union_ = union
        self.vectorizers_ = [vectorizer for _, vectorizer in union.transformer_list]
        self.n_features_ = sum(len(v.vocabulary_) for v in self.vectorizers_)

    def transform(self, texts: Sequence[str] | pd.Series | np.ndarray) -> sp.csr_matrix:
        """TF-IDF matrix (CSR, float32, one row per text, rows of unit L2 norm)."""
        check_is_fitted(self, "vectorizers_", msg="TextFeaturizer is not fitted; call fit(texts) first")
        docs = as_texts(texts, "texts")
        if not docs:  # scikit-learn's TfidfTransformer refuses zero rows
            return sp.csr_matrix((0, self.n_features_), dtype=np.float32)
        return sp.csr_matrix(self.union_.transform(docs), dtype=np.float32)

    def fit_transform(self, texts: Sequence[str] | pd.Series | np.ndarray) -> sp.csr_matrix:
        """:meth:`fit` then :meth:`transform` on the same texts."""
        return self.fit(texts).transform(texts)

    def to_state(self) -> tuple[dict[str, Any], np.ndarray]:
        """JSON-ready metadata (parameters, vocabularies) and the IDF weights, concatenated.

        There is one vocabulary per block of ``analyzer``; a block left out by :meth:`fit`
        has an empty one.
        """
        check_is_fitted(self, "vectorizers_", msg="TextFeaturizer is not fitted; nothing to save")
        kept = {v.analyzer: v for v in self.vectorizers_}
        vocabularies = [{term: int(i) for term, i in kept[k].vocabulary_.items()} if k in kept else {} for k in self._kinds()]
        idf = np.concatenate([np.asarray(v.idf_, dtype=np.float64) for v in self.vectorizers_])
        return {"params": self.json_params(), "vocabularies": vocabularies}, idf

    @classmethod
    def from_state(cls, meta: dict[str, Any], idf: np.ndarray) -> "TextFeaturizer":
        """Rebuild a fitted featurizer from :meth:`to_state`'s output.

        Raises
        ------
        ValueError
            Naming the part of the state that is invalid: parameters (see
            :meth:`from_params`), a vocabulary that is not a mapping of str to the indices
            ``0..len-1`` each once, or IDF weights that are not finite and > 0 with one
            weight per term.
        """
        if not isinstance(meta, dict) or set(meta) != {"params", "vocabularies"}:
            raise ValueError(f"the featurizer state must hold exactly 'params' and 'vocabularies', got {meta!r:.80}")
        self = cls.from_params(meta["params"])
        kinds = self._kinds()
        vocabularies = meta["vocabularies"]
        if not isinstance(vocabularies, list) or len(vocabularies) != len(kinds):
            raise ValueError(
                f"'vocabularies' must be a list of {len(kinds)} (one per block of analyzer {self.analyzer!r}), "
                f"got a {type(vocabularies).__name__}{f' of {len(vocabularies)}' if isinstance(vocabularies, list) else ''}"
            )
        for kind, vocab in zip(kinds, vocabularies):
            label = f"'vocabularies' entry for the {kind} block"
            if not isinstance(vocab, dict):
                raise ValueError(f"{label} must map terms to indices, got a {type(vocab).__name__}")
            for term, i in vocab.items():
                if not isinstance(term, str) or not _is_int(i):
                    raise ValueError(f"{label} maps {term!r:.80} to {i!r:.80}; terms are str and indices integers")
            if sorted(vocab.values()) != list(range(len(vocab))):
                indices = set(vocab.values())
                raise ValueError(
                    f"{label} must use the indices 0..{len(vocab) - 1} once each; its {len(vocab)} terms have "
                    f"{len(indices)} distinct indices from {min(indices)} to {max(indices)}"
                )
        if not any(vocabularies):
            raise ValueError("every vocabulary is empty")
        sizes = [len(vocab) for vocab in vocabularies if vocab]
        idf = np.asarray(idf)
        if idf.dtype.kind != "f" or idf.shape != (sum(sizes),):
            raise ValueError(f"idf must be {sum(sizes)} floats (one per term), got shape {idf.shape} of {idf.dtype}")
        bad = ~(np.isfinite(idf) & (idf > 0))
        if bad.any():
            raise ValueError(f"idf must be finite and > 0, got {float(idf[bad][0])} (weight {int(np.flatnonzero(bad)[0])})")
        vectorizers = [self._vectorizer(kind, vocab) for kind, vocab in zip(kinds, vocabularies) if vocab]
        for vectorizer, weights in zip(vectorizers, np.split(idf.astype(np.float64), np.cumsum(sizes)[:-1])):
            vectorizer.idf_ = weights
        self._set_union(_union(vectorizers))
        return self


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _union(vectorizers: list[TfidfVectorizer]) -> FeatureUnion:
    """The blocks side by side, each scaled by ``1/sqrt(blocks)`` so rows keep unit L2 norm."""
    names = [v.analyzer for v in vectorizers]
    scale = 1.0 / np.sqrt(len(vectorizers))
    return FeatureUnion(list(zip(names, vectorizers)), transformer_weights={name: scale for name in names})


def is_text(X: object) -> bool:
    """Whether ``X`` is a one-dimensional collection of strings (raw text)."""
    if isinstance(X, pd.DataFrame):
        return False
    if isinstance(X, pd.Series):
        return X.dtype == object or pd.api.types.is_string_dtype(X.dtype)
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and (X.dtype.kind in "UST" or (X.dtype == object and any(isinstance(x, str) for x in X)))
    if isinstance(X, (list, tuple)):
        # Any str, not only the first: text with a missing first row (None) must reach
        # as_texts, which names that row, rather than fail as "not a number".
        return any(isinstance(x, str) for x in X)
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
