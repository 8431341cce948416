"""The label matrix: n rows × m labeling functions, stored sparse.

Convention (see docs/architecture.md): classes are ``0..k-1`` and abstain is ``-1`` wherever a
dense array meets the user. Inside :class:`LabelMatrix` the CSR stores ``label + 1``,
so an absent entry *is* an abstain and no abstain is ever stored. Memory is
O(non-zeros): ``int8`` data (``int16`` when k > 126), ``int32`` column indices and
``int64`` row pointers.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._validation import is_fingerprint
from ..persistence import read_npz_json, save_npz_json

ABSTAIN = -1

__all__ = ["ABSTAIN", "LFErrors", "LabelMatrix"]


@dataclass(frozen=True)
class LFErrors:
    """What went wrong inside one LF during a fault-tolerant application.

    Attributes
    ----------
    lf : str
        Name of the labeling function.
    n_failed : int
        Number of rows whose vote became an abstain because the LF raised.
    first_row : int
        Position (0-based) of the first failing row in the matrix that holds the
        record (for :func:`~weaklab.apply_lfs`, in the whole data set).
    first_index : object
        The data's index label of that row.
    first_error : str
        ``"ExceptionType: message"`` of the first failure.

    Examples
    --------
    >>> import pandas as pd
    >>> from weaklab import LabelingFunction, apply_lfs
    >>> picky = LabelingFunction("picky", lambda row: 1 if row.n > 0 else 1 // 0)
    >>> L = apply_lfs(pd.DataFrame({"n": [3, 0, 5]}), [picky], cardinality=2, fault_tolerant=True, progress=False)
    >>> L.to_dense().ravel().tolist()  # the failing row abstains; no row is dropped
    [1, -1, 1]
    >>> e = L.errors["picky"]
    >>> e.n_failed, e.first_row, e.first_error.split(":")[0]
    (1, 1, 'ZeroDivisionError')
    """

    lf: str
    n_failed: int
    first_row: int
    first_index: object
    first_error: str

    def __str__(self) -> str:
        return (
            f"LF {self.lf!r} failed on {self.n_failed} row(s); first at row {self.first_row} "
            f"(index {self.first_index!r}): {self.first_error}"
        )


_DUPLICATE_VOTES = (
    "the sparse matrix holds more than one entry for some (row, LF) pair; an LF casts one "
    "vote per row (scipy would add the duplicates into a different label)"
)


def _data_dtype(cardinality: int) -> np.dtype:
    return np.dtype(np.int8) if cardinality < np.iinfo(np.int8).max else np.dtype(np.int16)


def _check_cardinality(cardinality: object) -> int:
    if isinstance(cardinality, (bool, np.bool_)) or not isinstance(cardinality, (int, np.integer)):
        raise TypeError(f"cardinality must be an int >= 2, got {cardinality!r}")
    if cardinality < 2 or cardinality > np.iinfo(np.int16).max - 1:
        raise ValueError(f"cardinality must be between 2 and 32766, got {cardinality}")
    return int(cardinality)


def _refuse_string(names: object, argument: str) -> None:
    """A bare string is a sequence of its characters: "ab" would name LFs 'a' and 'b'."""
    if isinstance(names, str):
        raise TypeError(f"{argument} must be a sequence of LF names, not the string {names!r}")


def _check_names(lf_names: Sequence[str], n_lfs: int) -> tuple[str, ...]:
    _refuse_string(lf_names, "lf_names")
    names = tuple(lf_names)
    if len(names) != n_lfs:
        raise ValueError(f"got {len(names)} LF names for {n_lfs} columns")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"LF names must be strings, got {name!r}")
    seen: set[str] = set()
    dupes = sorted({n for n in names if n in seen or seen.add(n)})
    if dupes:
        raise ValueError(f"duplicate LF names: {dupes}")
    return names


def _check_fingerprints(fps: Sequence[str] | None, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """``fps`` as a tuple of one 64-hex-digit fingerprint per LF, or None."""
    if fps is None:
        return None
    if isinstance(fps, str) or not isinstance(fps, (Sequence, np.ndarray)):
        raise TypeError(f"lf_fingerprints must be a sequence of str, got {type(fps).__name__}")
    fps = tuple(fps)
    if len(fps) != len(names):
        raise ValueError(f"got {len(fps)} LF fingerprints for {len(names)} LFs")
    for name, fp in zip(names, fps):
        if not is_fingerprint(fp):
            raise ValueError(f"the fingerprint of LF {name!r} must be 64 lowercase hex characters, got {fp!r:.80}")
    return fps


def _json_label(label: object) -> object:
    """An index label as JSON can hold it: plain scalars as they are, others as ``repr``."""
    if isinstance(label, np.generic):
        label = label.item()
    if label is None or isinstance(label, (str, int, bool)):
        return label
    if isinstance(label, float) and np.isfinite(label):
        return label
    return repr(label)


def _whole_numbers(votes: pd.DataFrame, column: str, low: int, high: int, what: str, limit: str) -> np.ndarray:
    """Column ``column`` of long-format votes as int64, each value in ``[low, high]``.

    Fractions, NaN, bools and strings are errors naming the vote, and so is a value out of
    range, checked before the cast so that no value wraps around (``what`` and ``limit``
    word that message).
    """
    raw = votes[column].to_numpy()

    def fail(i: int, problem: str, name: str = column) -> ValueError:
        value = raw[i].item() if isinstance(raw[i], np.generic) else raw[i]
        return ValueError(f"votes row {i} (index {votes.index[i]!r}): {name} {value!r} {problem}")

    if raw.dtype == np.bool_:
        raise TypeError(f"votes column {column!r} holds booleans; it must hold integers")
    if raw.dtype == object:
        # astype(float) would read True and "1" as 1
        for i, v in enumerate(raw):
            if isinstance(v, (bool, np.bool_)):
                raise fail(i, "is a boolean, not an integer")
            if not isinstance(v, numbers.Real):
                raise fail(i, "is not a number")
        values = raw.astype(np.float64)
    elif np.issubdtype(raw.dtype, np.integer) or np.issubdtype(raw.dtype, np.floating):
        values = raw
    else:
        raise TypeError(f"votes column {column!r} must hold integers, got dtype {raw.dtype}")
    if np.issubdtype(values.dtype, np.floating):
        whole = np.isfinite(values) & (values == np.round(values))
        if not whole.all():
            raise fail(int(np.flatnonzero(~whole)[0]), "is not a whole number")
    bad = np.flatnonzero((values < low) | (values > high))
    if bad.size:
        raise fail(int(bad[0]), f"is outside [{low}, {high}] {limit}", what)
    return values.astype(np.int64)


def stack_errors(blocks: Sequence[tuple[int, Mapping[str, LFErrors]]]) -> dict[str, LFErrors]:
    """The fault-tolerance records of row blocks stacked in order: ``(n_rows, errors)`` each.

    Failure counts add up; the first error is the one at the lowest row, its position
    shifted by the rows of the blocks before it.

    Examples
    --------
    >>> a = {"lf": LFErrors("lf", 2, 1, "r1", "ValueError: x")}
    >>> b = {"lf": LFErrors("lf", 1, 0, "r5", "KeyError: y")}
    >>> stack_errors([(3, {}), (4, a), (2, b)])["lf"]
    LFErrors(lf='lf', n_failed=3, first_row=4, first_index='r1', first_error='ValueError: x')
    """
    errors: dict[str, LFErrors] = {}
    offset = 0
    for n_rows, block_errors in blocks:
        for name, e in block_errors.items():
            prev = errors.get(name)
            if prev is None:
                errors[name] = LFErrors(name, e.n_failed, e.first_row + offset, e.first_index, e.first_error)
            else:
                errors[name] = LFErrors(name, prev.n_failed + e.n_failed, prev.first_row, prev.first_index,
                                        prev.first_error)
        offset += n_rows
    return errors


class LabelMatrix:
    """Votes of m labeling functions on n rows, held as a sparse CSR matrix.

    Parameters
    ----------
    csr : scipy.sparse.csr_matrix or csr_array, shape (n, m)
        Stored values are ``label + 1`` (1..k); absent entries are abstains.
    lf_names : sequence of str
        One unique name per column.
    cardinality : int
        Number of classes k (>= 2).
    errors : mapping of str to LFErrors, optional
        Failures recorded by :func:`weaklab.apply_lfs` with ``fault_tolerant=True``,
        keyed by LF name. Empty when nothing failed.
    lf_fingerprints : sequence of str, optional
        The fingerprint (64 hex characters) of the LF version behind each column, as
        :func:`weaklab.apply_lfs` records them; ``None`` when unknown. Kept by
        :meth:`save` / :meth:`load`, row slicing, :meth:`select` and :meth:`vstack`,
        so a label model can tell that an LF changed since it was fitted.

    Examples
    --------
    >>> import numpy as np
    >>> L = LabelMatrix.from_dense(np.array([[0, -1], [1, 1], [-1, -1]]), ["a", "b"], 2)
    >>> L.shape, L.nnz
    ((3, 2), 3)
    >>> L.to_dense().tolist()
    [[0, -1], [1, 1], [-1, -1]]
    """

    __slots__ = ("_csr", "_lf_names", "_cardinality", "_errors", "_name_to_col", "_run", "_lf_fingerprints")

    def __init__(
        self,
        csr: sp.spmatrix | sp.sparray,
        lf_names: Sequence[str],
        cardinality: int,
        errors: Mapping[str, LFErrors] | None = None,
        lf_fingerprints: Sequence[str] | None = None,
    ) -> None:
        if not sp.issparse(csr):
            raise TypeError(
                "LabelMatrix needs a scipy sparse matrix; use LabelMatrix.from_dense for arrays"
            )
        k = _check_cardinality(cardinality)
        if csr.format not in ("csr", "csc"):
            # Converting COO adds repeated (row, LF) pairs into one value: find them first.
            coo = csr.tocoo()
            flat = coo.row.astype(np.int64) * coo.shape[1] + coo.col
            if np.unique(flat).size < flat.size:
                raise ValueError(_DUPLICATE_VOTES)
        csr = sp.csr_matrix(csr)  # may share its arrays with the caller's matrix
        try:
            # scipy's default check skips column bounds; the kernels index per-LF tables
            # with them, unchecked.
            csr.check_format(full_check=True)
        except ValueError as exc:
            raise ValueError(f"invalid CSR structure for a label matrix: {exc}") from None
        data = csr.data
        if not (np.issubdtype(data.dtype, np.integer) or data.dtype == np.bool_):
            if not np.issubdtype(data.dtype, np.floating) or not np.all(np.isfinite(data) & (data == np.round(data))):
                raise ValueError(
                    f"stored CSR values must be whole numbers (label + 1), got dtype {data.dtype} "
                    "with non-integer or non-finite values"
                )
        if csr.nnz and (data.min() < 0 or data.max() > k):
            raise ValueError(
                f"stored CSR values must be label + 1 in 1..{k}; found values in "
                f"[{data.min()}, {data.max()}]"
            )
        if not csr.has_sorted_indices or (csr.nnz and not np.all(data != 0)):
            csr = csr.copy()  # never rewrite the caller's matrix
            csr.eliminate_zeros()
            csr.sort_indices()
        if not csr.has_canonical_format:  # sorted, so only repeated (row, LF) entries remain
            raise ValueError(_DUPLICATE_VOTES)
        csr = sp.csr_matrix(
            (
                csr.data.astype(_data_dtype(k), copy=False),
                csr.indices.astype(np.int32, copy=False),
                csr.indptr.astype(np.int64, copy=False),
            ),
            shape=csr.shape,
        )
        self._csr = csr
        self._lf_names = _check_names(lf_names, csr.shape[1])
        self._cardinality = k
        self._errors = dict(errors or {})
        unknown = set(self._errors) - set(self._lf_names)
        if unknown:
            raise ValueError(f"errors recorded for unknown LFs: {sorted(unknown)}")
        for name, e in self._errors.items():
            if not isinstance(e, LFErrors) or e.lf != name:
                raise TypeError(f"errors[{name!r}] must be the LFErrors record of LF {name!r}, got {e!r:.80}")
            n = csr.shape[0]
            # the rule load() applies: a matrix that save() writes must read back
            if not 1 <= e.n_failed <= n or not 0 <= e.first_row < n:
                raise ValueError(
                    f"errors[{name!r}] records {e.n_failed} failure(s) from row {e.first_row}, "
                    f"impossible in {n} rows"
                )
        self._name_to_col = {name: j for j, name in enumerate(self._lf_names)}
        self._run = None
        self._lf_fingerprints = _check_fingerprints(lf_fingerprints, self._lf_names)

    # ------------------------------------------------------------------ basics
    @property
    def csr(self) -> sp.csr_matrix:
        """The CSR storage (values are ``label + 1``). Treat it as read-only."""
        return self._csr

    @property
    def lf_names(self) -> tuple[str, ...]:
        """Names of the labeling functions, one per column."""
        return self._lf_names

    @property
    def cardinality(self) -> int:
        """Number of classes k."""
        return self._cardinality

    @property
    def run(self):
        """The record of the :func:`weaklab.apply_lfs` run that produced this matrix
        (blocks ``computed`` / ``reused``, LFs, partitions), or None for any other matrix."""
        return self._run

    @property
    def lf_fingerprints(self) -> tuple[str, ...] | None:
        """Fingerprint of each column's LF version (column order), or None when unknown."""
        return self._lf_fingerprints

    @property
    def errors(self) -> dict[str, LFErrors]:
        """Per-LF failures recorded during a fault-tolerant application."""
        return dict(self._errors)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_lfs)``."""
        return self._csr.shape

    @property
    def n_rows(self) -> int:
        """Number of rows n."""
        return self._csr.shape[0]

    @property
    def n_lfs(self) -> int:
        """Number of labeling functions m."""
        return self._csr.shape[1]

    @property
    def nnz(self) -> int:
        """Number of (non-abstain) votes stored."""
        return int(self._csr.nnz)

    @property
    def covered(self) -> np.ndarray:
        """Boolean mask of the rows with at least one vote, shape ``(n_rows,)``.

        Examples
        --------
        >>> L = LabelMatrix.from_dense(np.array([[0, -1], [-1, -1], [1, 1]]), ["a", "b"])
        >>> L.covered
        array([ True, False,  True])
        """
        return np.diff(self._csr.indptr) > 0

    @property
    def nbytes(self) -> int:
        """Bytes held by the CSR arrays."""
        c = self._csr
        return int(c.data.nbytes + c.indices.nbytes + c.indptr.nbytes)

    def __len__(self) -> int:
        return self.n_rows

    def __repr__(self) -> str:
        n, m = self.shape
        return (
            f"LabelMatrix(n_rows={n}, n_lfs={m}, cardinality={self._cardinality}, "
            f"votes={self.nnz})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelMatrix):
            return NotImplemented
        return (
            self.shape == other.shape
            and self._lf_names == other._lf_names
            and self._cardinality == other._cardinality
            and np.array_equal(self._csr.indptr, other._csr.indptr)
            and np.array_equal(self._csr.indices, other._csr.indices)
            and np.array_equal(self._csr.data, other._csr.data)
        )

    def col(self, name: str) -> int:
        """Column position of the LF called ``name``."""
        try:
            return self._name_to_col[name]
        except KeyError:
            raise KeyError(f"no LF named {name!r}; known: {list(self._lf_names)}") from None

    # ------------------------------------------------------------ conversion
    @classmethod
    def from_dense(
        cls,
        labels: np.ndarray,
        lf_names: Sequence[str] | None = None,
        cardinality: int | None = None,
    ) -> "LabelMatrix":
        """Build from a dense integer array with ``-1`` for abstain (Snorkel's layout).

        Parameters
        ----------
        labels : array-like of int, shape (n, m)
            Floats holding whole numbers are accepted; a missing value, a fraction, a
            boolean array or a label outside ``[-1, k-1]`` is an error naming its cell.
        lf_names : sequence of str, optional
            Defaults to the columns of a DataFrame whose column names are all strings,
            else ``lf_0 .. lf_{m-1}``.
        cardinality : int, optional
            Defaults to ``max(2, labels.max() + 1)``.

        Examples
        --------
        >>> import pandas as pd
        >>> LabelMatrix.from_dense(pd.DataFrame({"kw": [1, -1], "len": [0, 0]})).lf_names
        ('kw', 'len')
        """
        if lf_names is None and isinstance(labels, pd.DataFrame) and all(isinstance(c, str) for c in labels.columns):
            lf_names = list(labels.columns)
        arr = np.asarray(labels)
        if arr.ndim != 2:
            raise ValueError(f"labels must be 2-D (rows × LFs), got shape {arr.shape}")
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            missing = pd.isna(arr)  # NaN, None, pd.NA (a frame of nullable columns)
            if missing.any():
                i, j = np.argwhere(missing)[0]
                raise TypeError(f"labels must be integers (-1 = abstain): row {i}, column {j} is "
                                f"missing ({arr[i, j]!r}); use -1 to abstain")
            if not np.issubdtype(arr.dtype, np.floating):
                raise TypeError(f"labels must be integers (-1 = abstain), got dtype {arr.dtype}")
            whole = np.isfinite(arr) & (arr == np.round(arr))
            if not whole.all():
                i, j = np.argwhere(~whole)[0]
                raise TypeError(f"labels must be integers (-1 = abstain): row {i}, column {j} holds "
                                f"{arr[i, j].item()!r}")
        if cardinality is None:
            cardinality = max(2, int(arr.max()) + 1) if arr.size else 2
        k = _check_cardinality(cardinality)
        # checked before the cast to int64, where 2**64 - 1 would wrap to -1 (an abstain)
        if arr.size and (arr.min() < -1 or arr.max() >= k):
            i, j = np.argwhere((arr < -1) | (arr >= k))[0]
            raise ValueError(
                f"label {arr[i, j].item()!r} at row {i}, column {j} is outside "
                f"[-1, {k - 1}] for cardinality {k}"
            )
        arr = arr.astype(np.int64, copy=False)
        if lf_names is None:
            lf_names = [f"lf_{j}" for j in range(arr.shape[1])]
        csr = sp.csr_matrix(arr + 1, dtype=_data_dtype(k))
        return cls(csr, lf_names, k)

    def to_dense(self) -> np.ndarray:
        """Dense ``(n, m)`` int array with ``-1`` for abstain. Costs O(n·m) memory."""
        return self._csr.toarray().astype(np.int64) - 1

    def to_long(self) -> pd.DataFrame:
        """Long format: one row per vote with columns ``row``, ``lf``, ``label``.

        Abstains are not listed. ``lf`` is categorical over the LF names.
        """
        c = self._csr
        rows = np.repeat(np.arange(c.shape[0], dtype=np.int64), np.diff(c.indptr))
        return pd.DataFrame(
            {
                "row": rows,
                "lf": pd.Categorical.from_codes(c.indices, categories=list(self._lf_names)),
                "label": c.data.astype(np.int64) - 1,
            }
        )

    @classmethod
    def from_long(
        cls,
        votes: pd.DataFrame,
        n_rows: int,
        lf_names: Sequence[str],
        cardinality: int,
    ) -> "LabelMatrix":
        """Build from long format (columns ``row``, ``lf``, ``label``).

        Rows with ``label == -1`` are dropped (they are abstains). Each (row, lf) pair
        may appear at most once. ``row`` and ``label`` must hold whole numbers (``2.0``
        is accepted; ``0.7``, ``True``, ``"1"`` and a value out of range are errors
        naming the vote); ``lf`` must hold LF names.

        Examples
        --------
        >>> import pandas as pd
        >>> votes = pd.DataFrame({"row": [0, 2], "lf": ["a", "b"], "label": [1, 0]})
        >>> LabelMatrix.from_long(votes, 3, ["a", "b"], 2).to_dense().tolist()
        [[1, -1], [-1, -1], [-1, 0]]
        """
        if not isinstance(votes, pd.DataFrame):
            raise TypeError(f"votes must be a pandas DataFrame, got {type(votes).__name__}")
        if votes.columns.duplicated().any():
            raise ValueError(f"votes has duplicate column names: {list(votes.columns)}")
        missing = {"row", "lf", "label"} - set(votes.columns)
        if missing:
            raise ValueError(f"long-format votes need columns row, lf, label; missing {sorted(missing)}")
        if isinstance(n_rows, (bool, np.bool_)) or not isinstance(n_rows, (int, np.integer)) or n_rows < 0:
            raise ValueError(f"n_rows must be a non-negative int, got {n_rows!r}")
        n_rows = int(n_rows)
        k = _check_cardinality(cardinality)
        names = _check_names(lf_names, len(tuple(lf_names)))
        lookup = {name: j for j, name in enumerate(names)}
        labels = _whole_numbers(votes, "label", ABSTAIN, k - 1, "label", f"for cardinality {k}")
        rows = _whole_numbers(votes, "row", 0, n_rows - 1, "row number", f"for n_rows={n_rows}")
        lf_values = votes["lf"].to_numpy(dtype=object)
        cols = np.empty(len(votes), dtype=np.int64)
        for i, name in enumerate(lf_values):
            j = lookup.get(name) if isinstance(name, str) else None
            if j is None:
                raise ValueError(
                    f"votes row {i} (index {votes.index[i]!r}) names LF {name!r}, which is not in lf_names"
                )
            cols[i] = j
        pair = rows * max(len(names), 1) + cols
        order = np.argsort(pair, kind="stable")
        repeated = np.flatnonzero(pair[order][1:] == pair[order][:-1])
        if repeated.size:  # abstains included: a pair listed as a vote and as an abstain is ambiguous
            i = int(order[repeated[0] + 1])
            raise ValueError(
                f"votes row {i} (index {votes.index[i]!r}) lists (row {rows[i]}, lf {lf_values[i]!r}) again: "
                "long-format votes list the same (row, lf) pair more than once"
            )
        keep = labels != ABSTAIN
        rows, cols, labels = rows[keep], cols[keep], labels[keep]
        csr = sp.coo_matrix((labels + 1, (rows, cols)), shape=(n_rows, len(names))).tocsr()
        return cls(csr, names, k)

    # ------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the matrix (CSR arrays, names, cardinality, error records) to ``.npz``.

        Error records keep their index labels only when JSON can hold them (str, int,
        finite float, bool, None); other labels are stored as their ``repr``.

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> L = LabelMatrix.from_dense(np.array([[0, -1], [1, 1]]), ["a", "b"], 2)
        >>> LabelMatrix.load(L.save(tempfile.mkdtemp() + "/votes")) == L
        True
        """
        errors = [{**asdict(e), "first_index": _json_label(e.first_index)} for e in self._errors.values()]
        meta = {"kind": "LabelMatrix", "lf_names": list(self._lf_names), "cardinality": self._cardinality,
                "n_rows": self.n_rows, "errors": errors,
                "lf_fingerprints": None if self._lf_fingerprints is None else list(self._lf_fingerprints)}
        c = self._csr
        return save_npz_json(path, {"data": c.data, "indices": c.indices, "indptr": c.indptr}, meta)

    @classmethod
    def load(cls, path: str | Path) -> "LabelMatrix":
        """Read a matrix written by :meth:`save` (never unpickles).

        The header and the CSR arrays are checked completely against each other.

        Raises
        ------
        FileNotFoundError
            No file at ``path``.
        weaklab.persistence.CorruptFileError
            (a ``ValueError``) anything wrong with the file, named with its path.
        """
        f = read_npz_json(path, "kind", "LabelMatrix")
        n = f.header_int("n_rows", low=0, high=np.iinfo(np.int64).max - 1)
        names = f.header_names("lf_names")
        m = len(names)
        k = f.check_int(f.header("cardinality"), "header field 'cardinality'", low=2, high=np.iinfo(np.int16).max - 1)
        indptr = f.array("indptr", shape=(n + 1,), kind="int", low=0, high=np.iinfo(np.int64).max)
        indptr = indptr.astype(np.int64)  # uint64 in range included
        nnz = int(indptr[-1])
        if indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise f.fail("array 'indptr' must start at 0 and never decrease")
        if nnz > n * m:
            raise f.fail(f"array 'indptr' ends at {nnz}, more votes than {n} rows x {m} LFs can hold")
        indices = f.array("indices", shape=(nnz,), kind="int", low=0, high=m - 1)
        data = f.array("data", shape=(nnz,), kind="int", low=1, high=k).astype(_data_dtype(k))
        indices = indices.astype(np.int64)
        if nnz:
            row_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            step = np.diff(indices.astype(np.int64))
            same_row = row_of[1:] == row_of[:-1]
            if np.any(same_row & (step <= 0)):
                raise f.fail("array 'indices' is not strictly increasing within a row (repeated or unsorted votes)")
        errors: dict[str, LFErrors] = {}
        for e, raw in enumerate(f.header_list("errors")):
            where = f"header 'errors' entry {e}"
            if not isinstance(raw, dict):
                raise f.fail(f"{where} must be a JSON object, got {raw!r:.80}")
            f.check_keys(raw, LFErrors.__dataclass_fields__, where)
            missing = sorted(set(LFErrors.__dataclass_fields__) - set(raw))
            if missing:
                raise f.fail(f"{where} lacks {missing}")
            lf = f.check_str(raw["lf"], f"{where} field 'lf'", choices=names)
            if lf in errors:
                raise f.fail(f"{where} repeats the record of LF {lf!r}")
            first_index = raw["first_index"]
            if not (first_index is None or isinstance(first_index, (str, int, float, bool))):
                raise f.fail(f"{where} field 'first_index' must be a JSON scalar, got {first_index!r:.80}")
            errors[lf] = LFErrors(
                lf,
                f.check_int(raw["n_failed"], f"{where} field 'n_failed'", low=1, high=max(n, 1)),
                f.check_int(raw["first_row"], f"{where} field 'first_row'", low=0, high=max(n - 1, 0)),
                first_index,
                f.check_str(raw["first_error"], f"{where} field 'first_error'"),
            )
        fps = f.header("lf_fingerprints", default=None)  # absent from files saved before fingerprints were kept
        if fps is not None:
            if not isinstance(fps, list) or len(fps) != m or not all(is_fingerprint(x) for x in fps):
                raise f.fail(f"header field 'lf_fingerprints' must be null or {m} strings of 64 hex digits, "
                             f"got {fps!r:.80}")
        f.finish()
        csr = sp.csr_matrix((data, indices, indptr), shape=(n, m))
        try:
            return cls(csr, names, k, errors, fps)
        except (TypeError, ValueError) as exc:  # anything the checks above did not foresee
            raise f.fail(str(exc)) from None

    # -------------------------------------------------------- column algebra
    def select(self, names: Iterable[str]) -> "LabelMatrix":
        """A new matrix with only the LFs in ``names``, in that order."""
        _refuse_string(names, "names")
        names = list(names)
        cols = [self.col(n) for n in names]
        errors = {n: e for n, e in self._errors.items() if n in names}
        fps = None if self._lf_fingerprints is None else [self._lf_fingerprints[j] for j in cols]
        return LabelMatrix(self._csr[:, cols], names, self._cardinality, errors, fps)

    def drop(self, names: Iterable[str]) -> "LabelMatrix":
        """A new matrix without the LFs in ``names``."""
        _refuse_string(names, "names")
        gone = set(names)
        for n in gone:
            self.col(n)
        return self.select([n for n in self._lf_names if n not in gone])

    def replace(self, other: "LabelMatrix") -> "LabelMatrix":
        """Replace or add the columns of ``other`` (matched by LF name).

        Columns of ``self`` whose names appear in ``other`` are replaced in place;
        the other columns of ``other`` are appended at the end.
        """
        self._check_compatible(other, rows=True)
        names = list(self._lf_names)
        blocks = []
        for j, name in enumerate(names):
            src = other if name in other._name_to_col else self
            blocks.append(src._csr[:, [src.col(name)]])
        new = [n for n in other._lf_names if n not in self._name_to_col]
        for name in new:
            blocks.append(other._csr[:, [other.col(name)]])
        errors = {n: e for n, e in self._errors.items() if n not in other._name_to_col}
        errors.update(other._errors)
        csr = sp.hstack(blocks, format="csr") if blocks else self._csr
        fps = None
        if self._lf_fingerprints is not None and other._lf_fingerprints is not None:
            fps = [(other if n in other._name_to_col else self)._fingerprint_of(n) for n in names + new]
        return LabelMatrix(csr, names + new, self._cardinality, errors, fps)

    def _fingerprint_of(self, name: str) -> str:
        return self._lf_fingerprints[self._name_to_col[name]]

    def __getitem__(self, rows: slice | np.ndarray | Sequence[int]) -> "LabelMatrix":
        """Select rows (slice, integer positions or boolean mask); keeps all LFs.

        Float positions are refused (``IndexError``), as NumPy refuses them.
        """
        if isinstance(rows, (int, np.integer)):
            rows = [int(rows)]
        if isinstance(rows, tuple) and len(rows) == 2 and rows[1] is Ellipsis:
            rows = rows[0]  # L[rows, ...]: how scikit-learn's splitters take rows
        if isinstance(rows, tuple):
            raise TypeError("index LabelMatrix by rows only; use select() for LFs")
        if not isinstance(rows, slice):
            # scipy truncates float positions (1.7 -> row 1); refuse them as NumPy does
            rows = np.asarray(rows)
            if rows.size == 0:  # [] is float64 to NumPy
                rows = rows.astype(np.int64)
            elif rows.dtype != np.bool_ and not np.issubdtype(rows.dtype, np.integer):
                raise IndexError(f"rows must be integer positions or a boolean mask, got dtype {rows.dtype}")
        return LabelMatrix(self._csr[rows], self._lf_names, self._cardinality, lf_fingerprints=self._lf_fingerprints)

    @classmethod
    def vstack(cls, blocks: Sequence["LabelMatrix"]) -> "LabelMatrix":
        """Stack row blocks that have the same LFs and cardinality.

        Fault-tolerance records are merged: failure counts add up and the first
        error is the one at the lowest row (positions shift with the blocks). LF
        fingerprints are kept when every block has them; blocks whose fingerprints
        differ (other LF versions) are refused.
        """
        blocks = list(blocks)
        if not blocks:
            raise ValueError("vstack needs at least one block")
        first = blocks[0]
        for b in blocks[1:]:
            first._check_compatible(b, rows=False)
        csr = sp.vstack([b._csr for b in blocks], format="csr")
        errors = stack_errors([(b.n_rows, b._errors) for b in blocks])
        known = [b._lf_fingerprints for b in blocks if b._lf_fingerprints is not None]
        changed = sorted({n for fps in known for n, a, b in zip(first._lf_names, known[0], fps) if a != b})
        if changed:
            raise ValueError(f"blocks hold votes of different versions of LF(s) {changed} (their fingerprints "
                             "differ); stack votes of one LF version only")
        fps = known[0] if known and len(known) == len(blocks) else None
        return cls(csr, first._lf_names, first._cardinality, errors, fps)

    def _check_compatible(self, other: "LabelMatrix", *, rows: bool) -> None:
        if not isinstance(other, LabelMatrix):
            raise TypeError(f"expected a LabelMatrix, got {type(other).__name__}")
        if other._cardinality != self._cardinality:
            raise ValueError(
                f"cardinality differs: {self._cardinality} vs {other._cardinality}"
            )
        if rows and other.n_rows != self.n_rows:
            raise ValueError(f"row counts differ: {self.n_rows} vs {other.n_rows}")
        if not rows and other._lf_names != self._lf_names:
            raise ValueError(
                f"LF names differ: {list(self._lf_names)} vs {list(other._lf_names)}"
            )
