"""One conformance test that every label model passes (the shared API contract)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from weaklab import LabelMatrix
from weaklab.datasets import make_synthetic_label_matrix
from weaklab.models import BaseLabelModel, NotFittedError, load_model
from weaklab.models.persistence import _REGISTRY

MODELS = sorted(
    (cls for name, cls in _REGISTRY.items() if cls.__module__.startswith("weaklab.models")),
    key=lambda cls: cls.__name__,
)


def _matrix_with_gaps(k: int, seed: int) -> tuple[LabelMatrix, np.ndarray]:
    """Synthetic votes plus an LF that never votes and rows where every LF abstains."""
    syn = make_synthetic_label_matrix(400, 5, k, coverage=(0.3, 0.7), seed=seed)
    dense = syn.L.to_dense()
    dense[:20] = -1
    dense = np.hstack([dense, np.full((dense.shape[0], 1), -1)])
    names = [*syn.L.lf_names, "silent"]
    return LabelMatrix.from_dense(dense, names, k), syn.y


@pytest.mark.parametrize("k", [2, 6])
@pytest.mark.parametrize("model_cls", MODELS, ids=lambda c: c.__name__)
def test_model_conforms_to_label_model_contract(model_cls, k, tmp_path):
    L, y = _matrix_with_gaps(k, seed=k)
    with pytest.raises(NotFittedError):
        model_cls().predict_proba(L)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = model_cls(seed=3).fit(L)
        again = model_cls(seed=3).fit(L)
    assert model.fit(L) is model

    proba = model.predict_proba(L)
    assert proba.shape == (L.n_rows, k) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:20], np.tile(model.class_balance_, (20, 1)))
    np.testing.assert_array_equal(proba, again.predict_proba(L))

    assert model.cardinality_ == k and model.lf_names_ == L.lf_names
    assert model.class_balance_.shape == (k,)
    assert model.accuracies_.shape == (L.n_lfs,)
    assert isinstance(model.warnings_, list) and 0 <= model.agreement_with_majority_ <= 1
    assert model.predict(L, tie_break="random").shape == (L.n_rows,)
    assert model.score(L, y)["accuracy"] > 1.0 / k

    path = model.save(tmp_path / "model")
    loaded = load_model(path)
    assert type(loaded) is model_cls and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(L), proba)
    assert isinstance(BaseLabelModel.load(path), model_cls)
