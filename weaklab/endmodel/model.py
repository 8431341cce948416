"""``EndModel``: a PyTorch classifier trained on probabilistic labels (noise-aware loss)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._validation import check_bool, check_float, check_int, check_labels
from .inputs import Features, as_features, check_probs, n_rows, subset
from .text import TextFeaturizer, as_texts, is_text
from .networks import BUILTIN_MODELS, DevicePlan, build_network, plan_device
from ..persistence import CorruptFileError, load_npz_json, save_npz_json
from .training import DevSet, Trainer

__all__ = ["EndModel"]

METRICS = ("accuracy", "f1", "f1_macro")
SOLVERS = ("auto", "lbfgs", "adam")
#: The configurations ``EndModel(model="auto")`` chooses among when given a dev set, by
#: name, as the parameters each sets (ties favour the earlier one). Each is fitted on the
#: training rows; the dev set stops each one early and ranks them.
_LBFGS = {"model": "logreg", "solver": "lbfgs", "confidence_weighting": False}
CANDIDATES: dict[str, dict[str, Any]] = {
    "logreg+balanced": {**_LBFGS, "class_weight": "balanced", "weight_decay": 3e-3},
    "logreg+balanced+weak_l2": {**_LBFGS, "class_weight": "balanced", "weight_decay": 1e-4},
    "logreg+balanced+strong_l2": {**_LBFGS, "class_weight": "balanced", "weight_decay": 1e-2},
    "logreg": {**_LBFGS, "class_weight": None, "weight_decay": 3e-3},
    "logreg+balanced+confidence": {**_LBFGS, "class_weight": "balanced", "weight_decay": 3e-3, "confidence_weighting": True},
    # minibatch Adam stopped early on the dev set: a different (implicit) regulariser
    "logreg+balanced+adam": {"model": "logreg", "solver": "adam", "lr": 3e-2, "weight_decay": 0.0,
                             "class_weight": "balanced", "confidence_weighting": False},
}
_WEIGHT_PREFIX = "weight:"


class EndModel(BaseEstimator):
    """A classifier trained on a label model's probabilistic labels.

    The loss is the cross-entropy between the network's softmax and each row's label
    distribution ``p_i`` (the "noise-aware" loss of data programming)::

        loss = sum_i w_i * ( -sum_c p_ic * log softmax(f(x_i))_c ) / sum_i w_i

    with ``w_i = 1`` or, when ``confidence_weighting=True``, ``w_i = 1 - H(p_i) / log k``
    (1 for a one-hot label, 0 for a uniform one). With class weights ``a_c`` (see
    ``class_weight``) each term ``p_ic`` becomes ``a_c * p_ic``::

        loss = sum_i w_i * ( -sum_c a_c * p_ic * log softmax(f(x_i))_c ) / sum_i ( w_i * sum_c a_c * p_ic )

    Training minimises that loss plus ``weight_decay / 2 * ||W||^2`` over the weight
    matrices. The linear model is solved full-batch by L-BFGS, the MLP by minibatch Adam;
    both score the dev set (or a held-out slice) after every epoch and keep the best
    epoch's weights. With a dev set and ``model="auto"`` (the default) the model fits each
    configuration of :data:`CANDIDATES` on the training rows and keeps the one with the
    best dev score (``selected_``, ``dev_scores_``). ``benchmarks/bench_endmodel.py``
    chose these defaults on five WRENCH text sets (the table is in benchmarks/README.md).

    Parameters
    ----------
    model : {"auto", "logreg", "mlp"} or torch.nn.Module, default="auto"
        The network. ``"auto"`` is ``"logreg"`` without a dev set and the dev-set choice
        among :data:`CANDIDATES` (which set ``model``, ``class_weight``, ``weight_decay``
        and ``confidence_weighting``, overriding yours) with one. A user module must map a float32 batch
        ``(b, n_features)`` to logits ``(b, k)``; ``fit`` trains a copy of it (the instance
        you pass is left untouched).
    solver : {"auto", "lbfgs", "adam"}, default="auto"
        ``"lbfgs"``: full-batch L-BFGS with a strong-Wolfe line search (an epoch is
        ``LBFGS_ITERATIONS`` iterations; it stops once converged). ``"adam"``: minibatch
        Adam (an epoch is one pass). ``"auto"``: L-BFGS for ``"logreg"``, Adam otherwise.
    hidden_dims : tuple of int, default=(256,)
        Hidden layer widths of ``"mlp"``.
    dropout : float, default=0.1
        Dropout after each hidden layer of ``"mlp"``.
    lr : float, default=1e-3
        Adam's learning rate (L-BFGS takes unit steps scaled by its line search).
    weight_decay : float, default=3e-3
        L2 penalty on the weight matrices (not the biases), added to the loss.
    n_epochs : int, default=100
        Most epochs to train.
    batch_size : int or None, default=None
        ``None`` picks one for the device (128 on CPU, 1024 on CUDA, smaller when rows are so
        wide that one densified batch would pass 64 MiB).
    patience : int or None, default=5
        Stop after this many epochs without a better dev score and keep the best epoch's
        weights; ``None`` trains all ``n_epochs`` and keeps the last weights.
    dev_fraction : float, default=0.1
        Without ``X_dev``/``y_dev``, the (seeded) share of training rows held out for early
        stopping, which then watches the noise-aware loss on them.
    metric : {"accuracy", "f1", "f1_macro"}, default="accuracy"
        Dev score for early stopping and what :meth:`score` returns. ``"f1"`` is the F1 of
        class 1 (binary tasks only).
    confidence_weighting : bool, default=False
        Weight rows by the label model's confidence (see above).
    class_weight : None, "balanced" or array-like of shape (k,), default="balanced"
        Per-class loss weights ``a_c``. ``"balanced"`` sets ``a_c = m / (k * m_c)``, where
        ``m_c`` is class ``c``'s training target mass ``sum_i w_i * p_ic`` (``m`` the total
        over classes): every class with target mass then carries the same total weight,
        and a class without any gets weight 0 (it has no rows to weigh). This undoes the
        class skew of labels from LFs that fire more often for some classes than others,
        which a label model passes on to its probabilistic labels (it raised the end
        model's score on every WRENCH text set measured, see ``benchmarks/README.md``). An array gives the weights
        directly (non-negative, finite, not all zero); weights that leave every training
        row without loss weight raise a ``ValueError``.
    filter_unlabeled : bool, default=True
        Leave out rows that no LF covered. Which rows those are comes from ``fit``'s
        ``covered`` argument (pass the label matrix); without it, rows whose ``probs`` are
        uniform (``1/k`` each) count as uncovered, as they carry no label information.
    featurizer : TextFeaturizer or None, default=None
        Featurizer for raw-text ``X`` (``None``: a default :class:`TextFeaturizer`). Fitted on
        the training texts; ignored for numeric ``X``.
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default="auto"
        ``"auto"`` uses CUDA when present, else the CPU. Asking for CUDA where there is none
        raises ``ValueError``.
    mixed_precision : bool, default=True
        Autocast to bfloat16 (float16 with loss scaling on older GPUs) on CUDA; the CPU
        always trains in float32.
    seed : int, default=0
        Seeds initialisation, shuffling, dropout and the held-out split; the same seed on the
        same device gives the same predictions.
    progress : bool, default=True
        Show a tqdm bar with the training loss and dev score per epoch.

    Attributes
    ----------
    network_ : torch.nn.Module
        The trained network (on ``device_``).
    device_ : torch.device
    n_features_in_ : int
    n_classes_ : int
    classes_ : numpy.ndarray
        ``0..k-1``.
    featurizer_ : TextFeaturizer or None
        The fitted featurizer when ``X`` was raw text.
    history_ : dict of str to list
        Per epoch: ``"train_loss"``, ``"dev_score"`` and ``"seconds"``.
    dev_metric_ : str
        What ``history_["dev_score"]`` holds: ``metric``, or ``"neg_heldout_loss"`` (minus the
        noise-aware loss on the held-out slice; higher is better) without a dev set.
    best_epoch_ : int
        0-based epoch whose weights were kept.
    stop_reason_ : str
        When and why training stopped (converged, early stop, all epochs) and which epoch
        was kept; the progress bar ends with the same line.
    solver_ : str
        ``"lbfgs"`` or ``"adam"``.
    selected_ : str
        The configuration trained (a key of :data:`CANDIDATES` after a dev-set choice).
    selected_params_ : dict
        The parameters that configuration set.
    dev_scores_ : dict of str to float
        Best dev score of each candidate (empty without a dev set).
    class_weight_ : numpy.ndarray of shape (k,)
        The class weights ``a_c`` used (all ones without ``class_weight``).
    n_train_rows_ : int
        Rows trained on (after filtering and holding out).
    feature_names_in_ : list of str
        Only when ``X`` was a pandas DataFrame with str column names (its columns) or a
        named text Series (its name). :meth:`predict_proba` refuses a DataFrame whose
        columns differ from them; ``weaklab predict-end`` reads these columns by default.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0]] * 20)
    >>> probs = np.array([[0.9, 0.1], [0.2, 0.8]] * 20)
    >>> m = EndModel(lr=0.1, n_epochs=20, progress=False).fit(X, probs)
    >>> m.predict(np.array([[0.0, 1.0], [1.0, 0.0]])).tolist()
    [0, 1]
    """

    def __init__(
        self,
        model: str | nn.Module = "auto",
        *,
        solver: str = "auto",
        hidden_dims: tuple[int, ...] = (256,),
        dropout: float = 0.1,
        lr: float = 1e-3,
        weight_decay: float = 3e-3,
        n_epochs: int = 100,
        batch_size: int | None = None,
        patience: int | None = 5,
        dev_fraction: float = 0.1,
        metric: str = "accuracy",
        confidence_weighting: bool = False,
        class_weight: str | np.ndarray | list[float] | None = "balanced",
        filter_unlabeled: bool = True,
        featurizer: TextFeaturizer | None = None,
        device: str | torch.device = "auto",
        mixed_precision: bool = True,
        seed: int = 0,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.solver = solver
        self.hidden_dims = hidden_dims
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.patience = patience
        self.dev_fraction = dev_fraction
        self.metric = metric
        self.confidence_weighting = confidence_weighting
        self.class_weight = class_weight
        self.filter_unlabeled = filter_unlabeled
        self.featurizer = featurizer
        self.device = device
        self.mixed_precision = mixed_precision
        self.seed = seed
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        X: Any,
        probs: Any,
        X_dev: Any = None,
        y_dev: Any = None,
        *,
        covered: Any = None,
    ) -> "EndModel":
        """Train on features ``X`` and probabilistic labels ``probs``.

        Parameters
        ----------
        X : array-like (n, d), torch.Tensor, scipy.sparse matrix, or sequence of str (n,)
            Training features, or raw text (featurized with ``featurizer``).
        probs : array-like or torch.Tensor of shape (n, k)
            Label distribution per row (non-negative, rows sum to 1), e.g. a label model's
            ``predict_proba(L)``.
        X_dev, y_dev : optional
            Dev features (same kind as ``X``) and gold labels ``0..k-1``. With
            ``model="auto"`` they choose among :data:`CANDIDATES`; they stop training early
            in any case. Give both or neither.
        covered : bool array of shape (n,), or a LabelMatrix, optional
            Which rows at least one LF voted on: the mask, or anything with a
            ``.covered`` mask (a ``LabelMatrix`` of the same rows).
            Used when ``filter_unlabeled=True``. Pass it: weaklab's label models give
            uncovered rows the class prior, which the uniform-row fallback cannot spot.

        Returns
        -------
        EndModel
            ``self``.
        """
        self._check_params()
        plan = plan_device(self.device, self.mixed_precision)
        if (X_dev is None) != (y_dev is None):
            raise ValueError("X_dev and y_dev go together: pass both or neither")
        featurizer = None
        if is_text(X):
            featurizer = copy.deepcopy(self.featurizer) if self.featurizer is not None else TextFeaturizer()
            featurizer.fit(as_texts(X, "X"))
        features = as_features(X, "X", featurizer)
        n = n_rows(features)
        target = check_probs(probs, n)
        k = target.shape[1]
        if self.metric == "f1" and k != 2:
            raise ValueError(f"metric='f1' (F1 of class 1) needs a binary task, but probs has {k} classes")
        keep = self._rows_to_keep(target, covered, n)
        dev = None
        if X_dev is not None:
            dev_x = as_features(X_dev, "X_dev", featurizer)
            if dev_x.shape[1] != features.shape[1]:
                raise ValueError(f"X_dev has {dev_x.shape[1]} features but X has {features.shape[1]}")
            dev = (dev_x, check_labels(y_dev, n_rows(dev_x), k, "y_dev"))

        if self.model == "auto" and dev is not None:
            configs = dict(CANDIDATES)
        else:
            configs = {self._config_name(): {"model": "logreg"} if self.model == "auto" else {}}
        fitted: dict[str, EndModel] = {}
        for name, overrides in configs.items():
            candidate = clone(self).set_params(**overrides)
            candidate._fit_features(plan, features, featurizer, target, keep, dev, name)
            fitted[name] = candidate
        scores = {name: max(c.history_["dev_score"]) for name, c in fitted.items()} if dev is not None else {}
        selected = max(scores, key=scores.get) if len(configs) > 1 else next(iter(configs))  # ties: first
        for key, value in vars(fitted[selected]).items():
            if key.endswith("_") and not key.startswith("_"):
                setattr(self, key, value)
        self.selected_ = selected
        self.selected_params_ = {} if isinstance(self.model, nn.Module) else dict(configs[selected])
        self.dev_scores_ = scores
        names = _column_names(X)
        if names is not None:
            self.feature_names_in_ = names
        else:
            vars(self).pop("feature_names_in_", None)
        return self

    def _config_name(self) -> str:
        """The configuration's name in :data:`CANDIDATES`' style, e.g. ``"logreg+balanced"``."""
        model = "logreg" if self.model == "auto" else self.model
        name = type(model).__name__ if isinstance(model, nn.Module) else model
        if isinstance(self.class_weight, str):
            name += "+balanced"
        elif self.class_weight is not None:
            name += "+class_weight"
        if self.weight_decay != 3e-3:
            name += f"+weight_decay={self.weight_decay:g}"
        if self.confidence_weighting:
            name += "+confidence"
        return name

    def _solver(self) -> str:
        if self.solver != "auto":
            return self.solver
        return "lbfgs" if self.model in ("auto", "logreg") else "adam"

    def _fit_features(
        self,
        plan: DevicePlan,
        features: Features,
        featurizer: TextFeaturizer | None,
        target: torch.Tensor,
        keep: np.ndarray,
        dev: tuple[Features, np.ndarray] | None,
        label: str,
    ) -> None:
        """Train one configuration (this estimator's parameters) on checked features."""
        n, k = n_rows(features), target.shape[1]
        rng = np.random.default_rng(self.seed)
        if dev is None:
            shuffled = rng.permutation(keep)
            n_held = int(round(self.dev_fraction * len(keep)))
            if n_held < 1 or n_held >= len(keep):
                raise ValueError(
                    f"dev_fraction={self.dev_fraction} of {len(keep)} usable rows leaves no held-out or no training "
                    "rows; pass X_dev/y_dev or change dev_fraction"
                )
            train_rows = np.sort(shuffled[n_held:])
            held = np.sort(shuffled[:n_held])
        else:
            train_rows = keep
        self.featurizer_ = featurizer
        self.n_features_in_ = int(features.shape[1])
        self.n_classes_ = k
        self.classes_ = np.arange(k)
        self.device_ = plan.device
        self.dev_metric_ = "neg_heldout_loss" if dev is None else self.metric
        self.solver_ = self._solver()
        self.n_train_rows_ = len(train_rows)
        weights = _confidence(target) if self.confidence_weighting else torch.ones(n)
        self.class_weight_ = self._class_weights(target, weights, train_rows)
        target, weights = _apply_class_weights(target, weights, self.class_weight_)
        if not float(weights[torch.from_numpy(train_rows)].sum()) > 0:
            raise ValueError(
                "every training row has loss weight 0: class_weight gives no weight to the classes "
                f"the labels put their mass on (class_weight_={self.class_weight_.tolist()})"
            )
        if dev is None:
            # The held-out slice is scored with the loss being trained (class and
            # confidence weights included), so early stopping keeps what training aims at.
            watch = DevSet(subset(features, held), "held-out loss", target=target[held], weights=weights[held])
        else:
            watch = DevSet(dev[0], self.metric, labels=dev[1], metric=lambda y, pred: _metric(self.metric, y, pred))
        cuda_rngs = [plan.device.index if plan.device.index is not None else torch.cuda.current_device()] if plan.device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_rngs):
            torch.manual_seed(self.seed)
            self.network_ = self._network_for(self.n_features_in_, k).to(plan.device)
            result = self._trainer(plan, label).run(features, target, weights, train_rows, watch, rng)
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.stop_reason_ = result.stop_reason

    def _trainer(self, plan: DevicePlan, label: str) -> Trainer:
        return Trainer(
            self.network_,
            plan,
            solver=self.solver_,
            lr=self.lr,
            weight_decay=self.weight_decay,
            n_epochs=self.n_epochs,
            batch_size=plan.batch_size(self.batch_size, self.n_features_in_),
            patience=self.patience,
            sparse_input=not isinstance(self.model, nn.Module),
            check_logits=self._check_logits,
            progress=self.progress,
            label=label,
        )

    def _check_params(self) -> None:
        models = ("auto", *BUILTIN_MODELS)
        if isinstance(self.model, str):
            if self.model not in models:
                raise ValueError(f"model must be one of {models} or a torch.nn.Module, got {self.model!r}")
        elif not isinstance(self.model, nn.Module):
            raise TypeError(f"model must be one of {models} or a torch.nn.Module, got {type(self.model).__name__}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        dims = self.hidden_dims
        if not isinstance(dims, (tuple, list)) or not dims:
            raise ValueError(f"hidden_dims must be a non-empty tuple of positive ints, got {dims!r}")
        for i, width in enumerate(dims):
            check_int(width, f"hidden_dims[{i}]", min_val=1)
        check_float(self.dropout, "dropout", min_val=0, max_val=1, include_boundaries="left")
        check_float(self.lr, "lr", min_val=0, include_boundaries="neither")
        check_float(self.weight_decay, "weight_decay", min_val=0)
        check_float(self.dev_fraction, "dev_fraction", min_val=0, max_val=1, include_boundaries="neither")
        check_int(self.n_epochs, "n_epochs", min_val=1)
        for name in ("batch_size", "patience"):
            if getattr(self, name) is not None:
                check_int(getattr(self, name), name, min_val=1)
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")
        for name in ("confidence_weighting", "filter_unlabeled", "mixed_precision", "progress"):
            check_bool(getattr(self, name), name)
        if self.featurizer is not None and not isinstance(self.featurizer, TextFeaturizer):
            raise TypeError(f"featurizer must be a TextFeaturizer or None, got {type(self.featurizer).__name__}")
        check_int(self.seed, "seed", min_val=0)
        cw = self.class_weight
        if isinstance(cw, str) and cw != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or an array of per-class weights, got {cw!r}")
        if not (cw is None or isinstance(cw, str) or isinstance(cw, (list, tuple, np.ndarray, torch.Tensor))):
            raise TypeError(f"class_weight must be None, 'balanced' or an array of per-class weights, got {type(cw).__name__}")

    def _class_weights(self, target: torch.Tensor, weights: torch.Tensor, train_rows: np.ndarray) -> np.ndarray:
        """The per-class loss weights ``a_c`` that ``class_weight`` asks for, shape ``(k,)``."""
        k = target.shape[1]
        cw = self.class_weight
        if cw is None:
            return np.ones(k)
        if isinstance(cw, str):
            rows = torch.from_numpy(train_rows)
            mass = (weights[rows, None] * target[rows]).sum(dim=0).double().numpy()
            if not mass.sum() > 0:
                raise ValueError("class_weight='balanced' needs training rows with positive weight; every row has weight 0")
            present = mass > 0
            out = np.zeros(k)
            out[present] = mass.sum() / (k * mass[present])
            return out
        out = np.asarray(cw, dtype=np.float64)
        if out.shape != (k,):
            raise ValueError(f"class_weight must have one weight per class ({k}), got shape {out.shape}")
        bad = np.flatnonzero(~np.isfinite(out) | (out < 0))
        if len(bad):
            raise ValueError(f"class_weight must be finite and non-negative; class {bad[0]} has {out[bad[0]]!r}")
        if not out.sum() > 0:
            raise ValueError("class_weight must not be all zero")
        return out

    def _rows_to_keep(self, target: torch.Tensor, covered: Any, n: int) -> np.ndarray:
        """Indices of the rows to learn from (all rows, or the covered ones)."""
        if covered is not None:
            # A label matrix (anything with ``.covered``) or the mask itself.
            mask = np.asarray(getattr(covered, "covered", covered))
            if mask.dtype != bool or mask.shape != (n,):
                raise ValueError(
                    f"covered must be a bool array of shape ({n},) or have a .covered mask of that shape "
                    f"(a LabelMatrix of the same rows), got {mask.dtype} {mask.shape}"
                )
        else:
            k = target.shape[1]
            mask = ~torch.isclose(target, torch.full_like(target, 1.0 / k), atol=1e-6, rtol=0).all(dim=1).numpy()
        if not self.filter_unlabeled:
            return np.arange(n)
        keep = np.flatnonzero(mask)
        if len(keep) < 2:
            raise ValueError(
                f"only {len(keep)} of {n} rows are covered by an LF; nothing to train on "
                "(check `covered`, or set filter_unlabeled=False)"
            )
        return keep

    def _network_for(self, n_features: int, n_classes: int) -> nn.Module:
        if isinstance(self.model, nn.Module):
            return copy.deepcopy(self.model)
        return build_network(self.model, n_features, n_classes, tuple(self.hidden_dims), self.dropout)

    def _check_logits(self, logits: torch.Tensor, rows: int) -> None:
        if logits.shape != (rows, self.n_classes_):
            raise ValueError(
                f"model returned logits of shape {tuple(logits.shape)} for a batch of {rows} rows; "
                f"expected ({rows}, {self.n_classes_}) (one logit per class of probs)"
            )

    # -------------------------------------------------------------- predict
    def _plan(self) -> DevicePlan:
        check_is_fitted(self, "network_", msg="EndModel is not fitted; call fit(X, probs) first")
        return plan_device(self.device_, self.mixed_precision)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape ``(n, k)`` (float64, rows sum to 1)."""
        plan = self._plan()
        expected = getattr(self, "feature_names_in_", None)
        if expected is not None and isinstance(X, pd.DataFrame) and _column_names(X) != expected:
            raise ValueError(f"X has columns {list(X.columns)} but the model was fitted on {expected} (in that order)")
        features = as_features(X, "X", self.featurizer_)
        if features.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {features.shape[1]} features but the model was fitted on {self.n_features_in_}")
        if features.shape[0] == 0:
            return np.empty((0, self.n_classes_))
        return torch.softmax(self._trainer(plan, "").logits(features).double(), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Most likely class per row, shape ``(n,)``."""
        return self.predict_proba(X).argmax(axis=1)

    def score(self, X: Any, y: Any) -> float:
        """``metric`` (accuracy by default) of :meth:`predict` against gold labels ``y``."""
        self._plan()
        pred = self.predict(X)
        return _metric(self.metric, check_labels(y, len(pred), self.n_classes_, "y"), pred)

    # ---------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Save to one ``.npz`` file (see :mod:`weaklab.persistence`): weights and JSON metadata.

        The network's ``state_dict`` tensors, the text featurizer's IDF weights, and a JSON
        header (hyper-parameters, fitted attributes, vocabularies). Nothing is pickled. A
        user-supplied ``model`` is saved as weights only; pass the same kind of module to
        :meth:`load`.

        Returns
        -------
        pathlib.Path
            The file written (``.npz`` appended when missing).
        """
        check_is_fitted(self, "network_", msg="EndModel is not fitted; nothing to save")
        params = self.get_params(deep=False)
        custom = isinstance(self.model, nn.Module)
        params["model"] = type(self.model).__name__ if custom else self.model
        params["hidden_dims"] = [int(h) for h in self.hidden_dims]
        params["device"] = str(self.device)
        if params["class_weight"] is not None and not isinstance(params["class_weight"], str):
            params["class_weight"] = [float(w) for w in np.asarray(params["class_weight"], dtype=np.float64)]
        given = params.pop("featurizer")
        params["featurizer"] = None if given is None else given.json_params()
        state = {key: value.detach().cpu() for key, value in self.network_.state_dict().items()}
        arrays = {_WEIGHT_PREFIX + key: value.float().numpy() for key, value in state.items()}
        meta: dict[str, Any] = {
            "estimator": "EndModel",
            "custom_module": custom,
            "params": params,
            "fitted": {
                "n_features_in_": self.n_features_in_,
                "n_classes_": self.n_classes_,
                "dev_metric_": self.dev_metric_,
                "best_epoch_": self.best_epoch_,
                "class_weight_": [float(w) for w in self.class_weight_],
                "n_train_rows_": self.n_train_rows_,
                "history_": self.history_,
                "selected_": self.selected_,
                "selected_params_": self.selected_params_ if not custom else {},
                "dev_scores_": self.dev_scores_,
                "solver_": self.solver_,
                "stop_reason_": self.stop_reason_,
                "feature_names_in_": getattr(self, "feature_names_in_", None),
            },
            "weights": {key: [str(value.dtype).removeprefix("torch."), list(value.shape)] for key, value in state.items()},
            "featurizer": None,
        }
        if self.featurizer_ is not None:
            meta["featurizer"], arrays["featurizer_idf"] = self.featurizer_.to_state()
        return save_npz_json(path, arrays, meta)

    @classmethod
    def load(cls, path: str | Path, module: nn.Module | None = None, device: str | torch.device = "auto") -> "EndModel":
        """Load a model saved with :meth:`save` (never unpickles).

        Parameters
        ----------
        path : str or Path
            The ``.npz`` file :meth:`save` wrote.
        module : torch.nn.Module, optional
            Required when the model was trained with a user module: an instance of the same
            architecture, into which the saved weights are loaded. Must be omitted otherwise.
        device : str or torch.device, default="auto"
            Where to put the network for prediction.

        Returns
        -------
        EndModel

        Raises
        ------
        weaklab.persistence.CorruptFileError
            (a ``ValueError``) the file is not a saved EndModel or any part of it is
            malformed or inconsistent; the message names the file and the part.
        ValueError
            ``module`` is missing for a user-module model, or given for a built-in one.
        """
        arrays, meta = load_npz_json(path)
        if meta.get("estimator") != "EndModel":
            raise CorruptFileError(path, f"is not a saved EndModel (estimator={meta.get('estimator')!r})")
        try:
            params = dict(meta["params"])
            fitted = dict(meta["fitted"])
            params["hidden_dims"] = tuple(params["hidden_dims"])
            params["device"] = device
            featurizer = params["featurizer"]
            custom = meta["custom_module"]
        except (KeyError, TypeError) as exc:
            raise CorruptFileError(path, f"has an incomplete EndModel header: {exc!r}") from None
        if featurizer is not None:
            try:
                params["featurizer"] = TextFeaturizer.from_params(featurizer)
            except ValueError as exc:
                raise CorruptFileError(path, f"header field 'params.featurizer': {exc}") from None
        if custom:
            if module is None:
                raise ValueError(
                    f"{path} was trained with a user module ({params['model']}); pass an instance of it: "
                    "EndModel.load(path, module=YourModule(...))"
                )
            if not isinstance(module, nn.Module):
                raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
            params["model"] = module
        elif module is not None:
            raise ValueError(f"{path} holds a built-in {params['model']!r} model; do not pass module")
        self = cls(**params)
        try:
            self._check_params()
        except (TypeError, ValueError) as exc:
            raise CorruptFileError(path, f"header field 'params': {exc}") from None
        plan = plan_device(device, self.mixed_precision)
        try:
            self.n_features_in_ = int(fitted["n_features_in_"])
            self.n_classes_ = int(fitted["n_classes_"])
            self.classes_ = np.arange(self.n_classes_)
            self.dev_metric_ = str(fitted["dev_metric_"])
            self.best_epoch_ = int(fitted["best_epoch_"])
            self.class_weight_ = np.asarray(fitted["class_weight_"], dtype=np.float64)
            self.n_train_rows_ = int(fitted["n_train_rows_"])
            self.history_ = {str(key): [float(v) for v in values] for key, values in fitted["history_"].items()}
            self.selected_ = str(fitted["selected_"])
            self.selected_params_ = dict(fitted["selected_params_"])
            self.dev_scores_ = {str(key): float(v) for key, v in fitted["dev_scores_"].items()}
            self.solver_ = str(fitted["solver_"])
            self.stop_reason_ = str(fitted["stop_reason_"])
            names = fitted.get("feature_names_in_")  # absent in files saved before it existed
            if names is not None:
                if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                    raise TypeError(f"feature_names_in_ must be a list of str, got {names!r}")
                self.feature_names_in_ = names
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CorruptFileError(path, f"has invalid EndModel fitted metadata: {exc!r}") from None
        if self.n_features_in_ < 1 or self.n_classes_ < 2 or self.class_weight_.shape != (self.n_classes_,):
            raise CorruptFileError(path, "has inconsistent EndModel metadata (n_features_in_, n_classes_, class_weight_)")
        names = getattr(self, "feature_names_in_", None)
        if names is not None and len(names) != (1 if meta["featurizer"] is not None else self.n_features_in_):
            raise CorruptFileError(path, f"feature_names_in_ has {len(names)} names for {self.n_features_in_} features")
        self.featurizer_ = None
        if meta["featurizer"] is not None:
            if "featurizer_idf" not in arrays:
                raise CorruptFileError(path, "has a featurizer header but no featurizer_idf array")
            try:
                self.featurizer_ = TextFeaturizer.from_state(meta["featurizer"], arrays["featurizer_idf"])
            except ValueError as exc:
                raise CorruptFileError(path, f"featurizer state (header field 'featurizer', array 'featurizer_idf'): {exc}") from None
            if self.featurizer_.n_features_ != self.n_features_in_:
                raise CorruptFileError(path, f"the featurizer makes {self.featurizer_.n_features_} features, the model expects {self.n_features_in_}")
        network = clone(self).set_params(**self.selected_params_)._network_for(self.n_features_in_, self.n_classes_)
        state = {key[len(_WEIGHT_PREFIX):]: torch.from_numpy(value) for key, value in arrays.items() if key.startswith(_WEIGHT_PREFIX)}
        for key, value in state.items():
            if value.dtype != torch.float32 or not bool(torch.isfinite(value).all()):
                raise CorruptFileError(path, f"weight {key!r} must be finite float32, got {value.dtype}")
        try:
            network.load_state_dict(state)
        except RuntimeError as exc:
            raise CorruptFileError(path, f"the saved weights do not fit the model's architecture: {exc}") from None
        self.network_ = network.to(plan.device).eval()
        self.device_ = plan.device
        return self


# ------------------------------------------------------------------ helpers
def _column_names(X: Any) -> list[str] | None:
    """The input's column names: a DataFrame's (all str), a named text Series' name, else None."""
    if isinstance(X, pd.DataFrame):
        names = list(X.columns)
        return [str(n) for n in names] if all(isinstance(n, str) for n in names) else None
    if isinstance(X, pd.Series) and isinstance(X.name, str):
        return [X.name]
    return None


def _confidence(target: torch.Tensor) -> torch.Tensor:
    """``1 - H(p) / log k`` per row: 1 for one-hot rows, 0 for uniform rows."""
    entropy = -(target * torch.log(target.clamp_min(1e-12))).sum(dim=1)
    return (1.0 - entropy / np.log(target.shape[1])).clamp(0.0, 1.0)


def _apply_class_weights(
    target: torch.Tensor, weights: torch.Tensor, class_weight: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fold class weights into (renormalised targets, row weights); the loss is unchanged up to scale.

    ``sum_c a_c p_ic (-log q_ic)`` equals ``r_i * sum_c t_ic (-log q_ic)`` with
    ``r_i = sum_c a_c p_ic`` and ``t_ic = a_c p_ic / r_i``; rows with ``r_i = 0`` keep
    their target and get weight 0.
    """
    if np.all(class_weight == 1.0):
        return target, weights
    scaled = target * torch.as_tensor(class_weight, dtype=target.dtype)
    row = scaled.sum(dim=1)
    zero = row <= 0
    new_target = torch.where(zero[:, None], target, scaled / row.clamp_min(1e-30)[:, None])
    return new_target, weights * torch.where(zero, torch.zeros_like(row), row)


def _metric(name: str, y: np.ndarray, pred: np.ndarray) -> float:
    if name == "accuracy":
        return float(accuracy_score(y, pred))
    if name == "f1":
        return float(f1_score(y, pred, pos_label=1, average="binary", zero_division=0))
    return float(f1_score(y, pred, average="macro", zero_division=0))
