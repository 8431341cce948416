"""Numba kernels: every pass over the votes of a label matrix.

Each kernel takes the raw CSR arrays of a :class:`~weaklab.LabelMatrix` (``indptr``,
``indices`` = LF column, ``data`` = label + 1) and returns dense per-row or per-LF arrays.
Kernels that sum over rows split the rows into a fixed number of chunks (independent of
the thread count), accumulate each chunk separately in parallel and add the chunks in
order, so results are bit-identical on any machine. ``tests/test_kernels.py`` checks each
kernel against a plain NumPy reference.
"""

from __future__ import annotations

import os

# GNU OpenMP's default wait policy spin-waits at the end of every parallel region; on a
# shared machine the spinning thread steals the time slice of the one still working and
# a 2-thread pass ran 3-4x slower than one thread (benchmarks, finding F1). Passive
# waiting keeps the parallel speed-up on an idle machine and costs nothing on a busy
# one. libgomp reads this once, when it is first loaded (an explicit user setting wins);
# numba's copy loads at the first parallel kernel launch, after this line, while the
# copies bundled with torch and scikit-learn are already loaded by ``import weaklab``.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

# Row sums use at most this many chunks, and at most _CHUNK_BUDGET floats of accumulators
# in all; the count depends only on the data's shape, never on the number of threads.
_MAX_CHUNKS = 16
_CHUNK_BUDGET = 16_000_000


@njit(cache=True)
def n_chunks_for(n, per_chunk):
    """Number of row chunks for an accumulator of ``per_chunk`` floats per chunk."""
    c = _CHUNK_BUDGET // max(per_chunk, 1)
    c = min(c, _MAX_CHUNKS)
    c = min(c, n)
    return max(c, 1)


@njit(cache=True)
def _chunk_bounds(n: int, n_chunks: int) -> np.ndarray:
    bounds = np.empty(n_chunks + 1, dtype=np.int64)
    for c in range(n_chunks + 1):
        bounds[c] = (n * c) // n_chunks
    return bounds


@njit(cache=True, parallel=True)
def weighted_vote_counts(indptr, indices, data, weights, k):
    """Per-row sum of LF weights for each class: ``out[i, c] = sum_{j votes c} weights[j]``."""
    n = indptr.shape[0] - 1
    out = np.zeros((n, k), dtype=np.float64)
    for i in prange(n):
        for p in range(indptr[i], indptr[i + 1]):
            out[i, data[p] - 1] += weights[indices[p]]
    return out


@njit(cache=True, inline="always")
def _row_scores(indptr, indices, data, table, base, i, s):
    """Write the log-linear scores ``base + sum_votes table[j, l, :]`` of row ``i`` into ``s``."""
    k = base.shape[0]
    for y in range(k):
        s[y] = base[y]
    for p in range(indptr[i], indptr[i + 1]):
        j = indices[p]
        l = data[p] - 1
        for y in range(k):
            s[y] += table[j, l, y]


@njit(cache=True, parallel=True)
def loglinear_scores(indptr, indices, data, table, base):
    """Per-row log scores ``base[y] + sum_{votes (j, l)} table[j, l, y]``, shape (n, k)."""
    n = indptr.shape[0] - 1
    k = base.shape[0]
    out = np.empty((n, k), dtype=np.float64)
    for i in prange(n):
        _row_scores(indptr, indices, data, table, base, i, out[i])
    return out


@njit(cache=True, inline="always")
def _row_posterior(indptr, indices, data, table, base, i, s):
    """Write ``softmax(base + sum_votes table[j, l, :])`` of row ``i`` into ``s``.

    Returns the row's log-partition ``logsumexp(scores)``. Shared by every kernel that
    needs a log-linear model's posterior, so they all compute it the same way.
    """
    _row_scores(indptr, indices, data, table, base, i, s)
    return _softmax_in_place(s)


@njit(cache=True, inline="always")
def _softmax_in_place(s):
    """Replace the log scores ``s`` by their softmax; returns ``logsumexp(s)``."""
    k = s.shape[0]
    mx = s[0]
    for y in range(1, k):
        if s[y] > mx:
            mx = s[y]
    tot = 0.0
    for y in range(k):
        s[y] = np.exp(s[y] - mx)
        tot += s[y]
    for y in range(k):
        s[y] /= tot
    return mx + np.log(tot)


@njit(cache=True, parallel=True)
def loglinear_proba(indptr, indices, data, table, base, prior):
    """Normalised probabilities in one pass: ``softmax(base + sum_votes table[j, l, :])``.

    Rows without votes get ``prior`` (already normalised by the caller). This is the
    whole of ``predict_proba`` for the log-linear models: no (n, k) temporaries.
    """
    n = indptr.shape[0] - 1
    k = base.shape[0]
    out = np.empty((n, k), dtype=np.float64)
    for i in prange(n):
        if indptr[i + 1] == indptr[i]:
            for y in range(k):
                out[i, y] = prior[y]
            continue
        _row_posterior(indptr, indices, data, table, base, i, out[i])
    return out


@njit(cache=True, parallel=True)
def loglinear_proba_binary(indptr, indices, data, delta, base_delta, prior):
    """:func:`loglinear_proba` for k = 2, on log-odds: one addition per vote, one exp per row.

    ``delta[j, l] = table[j, l, 1] - table[j, l, 0]`` and ``base_delta = base[1] - base[0]``.
    """
    n = indptr.shape[0] - 1
    out = np.empty((n, 2), dtype=np.float64)
    for i in prange(n):
        if indptr[i + 1] == indptr[i]:
            out[i, 0] = prior[0]
            out[i, 1] = prior[1]
            continue
        z = base_delta
        for p in range(indptr[i], indptr[i + 1]):
            z += delta[indices[p], data[p] - 1]
        # A numerically stable logistic function of the log-odds z.
        if z >= 0:
            e = np.exp(-z)
            out[i, 1] = 1.0 / (1.0 + e)
            out[i, 0] = e / (1.0 + e)
        else:
            e = np.exp(z)
            out[i, 0] = 1.0 / (1.0 + e)
            out[i, 1] = e / (1.0 + e)
    return out


@njit(cache=True, parallel=True)
def vote_share_proba(indptr, indices, data, class_weights, prior):
    """Vote-count probabilities in one pass: ``out[i, c] ∝ votes_c(i) * class_weights[c]``.

    With unit weights these are each row's vote shares (majority vote's probabilities).
    Rows without votes get ``prior`` (already normalised by the caller). Weights must be
    positive (a row voting only for a zero-weight class would divide 0 by 0).
    """
    n = indptr.shape[0] - 1
    k = class_weights.shape[0]
    out = np.empty((n, k), dtype=np.float64)
    for i in prange(n):
        start, stop = indptr[i], indptr[i + 1]
        if stop == start:
            for y in range(k):
                out[i, y] = prior[y]
            continue
        for y in range(k):
            out[i, y] = 0.0
        for p in range(start, stop):
            out[i, data[p] - 1] += 1.0
        total = 0.0
        for y in range(k):
            out[i, y] *= class_weights[y]
            total += out[i, y]
        for y in range(k):
            out[i, y] /= total
    return out


@njit(cache=True, inline="always")
def _majority_of_row(indptr, indices, data, i, votes):
    """Unique majority class of row ``i`` (its vote counts are left in ``votes``), -1 on a tie.

    For k = 2 the votes are counted without touching memory (a sum of labels).
    """
    k = votes.shape[0]
    start = indptr[i]
    stop = indptr[i + 1]
    if k == 2:
        n1 = 0
        for p in range(start, stop):
            n1 += data[p] - 1
        votes[1] = n1
        votes[0] = (stop - start) - n1
    else:
        for y in range(k):
            votes[y] = 0
        for p in range(start, stop):
            votes[data[p] - 1] += 1
    best = -1
    top = 0
    for y in range(k):
        if votes[y] > top:
            top = votes[y]
            best = y
        elif votes[y] == top and top > 0:
            best = -1
    return best


@njit(cache=True, parallel=True)
def argmax_vs_majority(indptr, indices, data, table, base):
    """The model-dependent guardrail statistics of a log-linear model, in one gather pass.

    Per covered row: the model's argmax of ``base + sum_votes table[j, l, :]`` (first
    maximum) and the row's unique majority class (none on ties).

    Returns
    -------
    agree : float
        Rows with a unique majority where the model's argmax equals it.
    pred_counts : (k,) float64
        The model's argmax counts over covered rows.
    """
    n = indptr.shape[0] - 1
    k = base.shape[0]
    n_chunks = n_chunks_for(n, k + 1)
    bounds = _chunk_bounds(n, n_chunks)
    agree = np.zeros(n_chunks, dtype=np.float64)
    pc = np.zeros((n_chunks, k), dtype=np.float64)
    for c in prange(n_chunks):
        s = np.empty(k, dtype=np.float64)
        votes = np.empty(k, dtype=np.int64)
        agree_c = 0.0
        pcc = np.zeros(k, dtype=np.float64)
        for i in range(bounds[c], bounds[c + 1]):
            if indptr[i + 1] == indptr[i]:
                continue
            _row_scores(indptr, indices, data, table, base, i, s)
            pred = 0
            for y in range(1, k):
                if s[y] > s[pred]:
                    pred = y
            pcc[pred] += 1.0
            if _majority_of_row(indptr, indices, data, i, votes) == pred:
                agree_c += 1.0
        agree[c] = agree_c
        pc[c] = pcc
    out_agree = 0.0
    out_pc = np.zeros(k, dtype=np.float64)
    for c in range(n_chunks):
        out_agree += agree[c]
        out_pc += pc[c]
    return out_agree, out_pc


@njit(cache=True, parallel=True)
def argmax_vs_majority_binary(indptr, indices, data, delta, base_delta):
    """:func:`argmax_vs_majority` for k = 2 on log-odds (``delta`` as in
    :func:`loglinear_proba_binary`); a tie in the scores predicts class 0."""
    n = indptr.shape[0] - 1
    n_chunks = n_chunks_for(n, 3)
    bounds = _chunk_bounds(n, n_chunks)
    acc = np.zeros((n_chunks, 3), dtype=np.float64)
    for c in prange(n_chunks):
        agree_c = 0.0
        pred1 = 0.0
        covered = 0.0
        for i in range(bounds[c], bounds[c + 1]):
            start = indptr[i]
            stop = indptr[i + 1]
            if stop == start:
                continue
            z = base_delta
            n1 = 0
            for p in range(start, stop):
                l = data[p] - 1
                z += delta[indices[p], l]
                n1 += l
            pred = 1 if z > 0 else 0
            covered += 1.0
            pred1 += pred
            twice = 2 * n1
            nv = stop - start
            if (twice > nv and pred == 1) or (twice < nv and pred == 0):
                agree_c += 1.0
        acc[c, 0] = agree_c
        acc[c, 1] = covered - pred1
        acc[c, 2] = pred1
    out = np.zeros(3, dtype=np.float64)
    for c in range(n_chunks):
        out += acc[c]
    return out[0], out[1:].copy()


@njit(cache=True)
def _add_chunks(counts, sums, ll):
    """An E-step's per-chunk ``(counts, class_sums, loglik)`` added in chunk order."""
    out_counts = np.zeros_like(counts[0])
    out_sums = np.zeros_like(sums[0])
    out_ll = 0.0
    for c in range(counts.shape[0]):
        out_counts += counts[c]
        out_sums += sums[c]
        out_ll += ll[c]
    return out_counts, out_sums, out_ll


@njit(cache=True, parallel=True)
def em_pass(indptr, indices, data, table, base, m):
    """One E-step plus the row sums the M-step needs, without storing the posteriors.

    For each row the posterior is ``q = softmax(base + sum_votes table[j, l, :])``.

    Returns
    -------
    counts : (m, k, k) float64
        ``counts[j, l, y] = sum_i q[i, y] [LF j votes l on row i]``.
    class_sums : (k,) float64
        ``sum_i q[i, :]``.
    loglik : float
        ``sum_i logsumexp(scores_i)`` (the marginal log-likelihood up to constants).
    """
    n = indptr.shape[0] - 1
    k = base.shape[0]
    n_chunks = n_chunks_for(n, m * k * k + k)
    bounds = _chunk_bounds(n, n_chunks)
    counts = np.zeros((n_chunks, m, k, k), dtype=np.float64)
    sums = np.zeros((n_chunks, k), dtype=np.float64)
    ll = np.zeros(n_chunks, dtype=np.float64)
    for c in prange(n_chunks):
        # Thread-local accumulators: writing the shared arrays per row would make the
        # threads fight over the same cache lines.
        cnt = np.zeros((m, k, k), dtype=np.float64)
        tot_q = np.zeros(k, dtype=np.float64)
        ll_c = 0.0
        s = np.empty(k, dtype=np.float64)
        for i in range(bounds[c], bounds[c + 1]):
            ll_c += _row_posterior(indptr, indices, data, table, base, i, s)
            for y in range(k):
                tot_q[y] += s[y]
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                l = data[p] - 1
                for y in range(k):
                    cnt[j, l, y] += s[y]
        counts[c] = cnt
        sums[c] = tot_q
        ll[c] = ll_c
    return _add_chunks(counts, sums, ll)


@njit(cache=True, parallel=True)
def em_pass_binary(indptr, indices, data, delta, base_delta, m, weights):
    """:func:`em_pass` for k = 2 on log-odds: one table lookup per vote.

    Row i counts ``weights[i]`` times (the number of rows holding a distinct vote
    pattern); an empty ``weights`` counts every row once.

    With ``z_i = base_delta + sum_votes delta[j, l]`` (``delta`` as in
    :func:`loglinear_proba_binary`) the posterior is ``q1 = sigmoid(z_i)``,
    ``q0 = sigmoid(-z_i)``, and the row's log-partition is ``s0_i + softplus(z_i)``. The
    caller adds ``sum_i s0_i = n base[0] + sum_{j,l} table[j, l, 0] V[j, l]`` from the
    per-LF vote counts ``V`` it already has (see ``dawid_skene.em_totals``). Rows must
    hold at most one vote per LF (:class:`~weaklab.LabelMatrix` guarantees it).

    Returns
    -------
    counts : (m, 2, 2) float64
        As :func:`em_pass`: ``counts[j, l, y] = sum_i q_y(i) [LF j votes l on row i]``.
    class_sums : (2,) float64
        ``sum_i (q0_i, q1_i)``.
    softplus_sum : float
        ``sum_i log(1 + exp(z_i))``.
    """
    n = indptr.shape[0] - 1
    weighted = weights.shape[0]
    n_chunks = n_chunks_for(n, 4 * m + 3)
    bounds = _chunk_bounds(n, n_chunks)
    cnt = np.zeros((n_chunks, 2 * m, 2), dtype=np.float64)
    acc = np.zeros((n_chunks, 3), dtype=np.float64)
    flat_delta = delta.ravel()
    for c in prange(n_chunks):
        local = np.zeros((2 * m, 2), dtype=np.float64)
        # The row's flat (LF, label) positions, kept for the update loop.
        pos = np.empty(m, dtype=np.intp)
        q0_sum = 0.0
        q1_sum = 0.0
        sp_sum = 0.0
        for i in range(bounds[c], bounds[c + 1]):
            start = indptr[i]
            n_votes = indptr[i + 1] - start
            z = base_delta
            for t in range(n_votes):
                r = np.intp(indices[start + t]) * 2 + np.intp(data[start + t]) - 1
                pos[t] = r
                z += flat_delta[r]
            # Numerically stable sigmoids and softplus of z, without branches on the
            # sign of z (a coin flip from row to row).
            e = np.exp(-abs(z))
            inv = 1.0 / (1.0 + e)
            w = 1.0 if weighted == 0 else weights[i]
            q1 = w * (inv if z >= 0 else e * inv)
            q0 = w * (e * inv if z >= 0 else inv)
            sp_sum += w * (max(z, 0.0) + np.log1p(e))
            q0_sum += q0
            q1_sum += q1
            for t in range(n_votes):
                local[pos[t], 0] += q0
                local[pos[t], 1] += q1
        cnt[c] = local
        acc[c, 0] = q0_sum
        acc[c, 1] = q1_sum
        acc[c, 2] = sp_sum
    out = np.zeros((2 * m, 2), dtype=np.float64)
    tot = np.zeros(3, dtype=np.float64)
    for c in range(n_chunks):
        out += cnt[c]
        tot += acc[c]
    return out.reshape((m, 2, 2)), tot[:2].copy(), tot[2]


@njit(cache=True, parallel=True)
def em_pass_pairs(indptr, pairs, table, base, weights):
    """:func:`em_pass` on votes given as (LF, label) pair ids: ``pairs[p]`` indexes ``table``.

    ``table[pair, y]`` holds only the pairs the LFs actually vote (a one-sided LF has one),
    so the per-chunk accumulators are (pairs, k) instead of (m, k, k): with 100 one-sided
    LFs and k = 50, 5 000 floats instead of 250 000. Row i counts ``weights[i]`` times (an
    empty ``weights`` counts every row once).

    Returns
    -------
    counts : (pairs, k) float64
        ``counts[pair, y] = sum_i w_i q[i, y] [row i holds the vote pair]``.
    class_sums : (k,) float64
    loglik : float
    """
    n = indptr.shape[0] - 1
    n_pairs, k = table.shape
    weighted = weights.shape[0]
    n_chunks = n_chunks_for(n, n_pairs * k + k)
    bounds = _chunk_bounds(n, n_chunks)
    counts = np.zeros((n_chunks, n_pairs, k), dtype=np.float64)
    sums = np.zeros((n_chunks, k), dtype=np.float64)
    ll = np.zeros(n_chunks, dtype=np.float64)
    for c in prange(n_chunks):
        cnt = np.zeros((n_pairs, k), dtype=np.float64)
        tot_q = np.zeros(k, dtype=np.float64)
        ll_c = 0.0
        s = np.empty(k, dtype=np.float64)
        for i in range(bounds[c], bounds[c + 1]):
            for y in range(k):
                s[y] = base[y]
            for p in range(indptr[i], indptr[i + 1]):
                r = pairs[p]
                for y in range(k):
                    s[y] += table[r, y]
            w = 1.0 if weighted == 0 else weights[i]
            ll_c += w * _softmax_in_place(s)
            for y in range(k):
                s[y] *= w
                tot_q[y] += s[y]
            for p in range(indptr[i], indptr[i + 1]):
                r = pairs[p]
                for y in range(k):
                    cnt[r, y] += s[y]
        counts[c] = cnt
        sums[c] = tot_q
        ll[c] = ll_c
    return _add_chunks(counts, sums, ll)


@njit(cache=True, parallel=True)
def soft_vote_counts(indptr, indices, data, q, m):
    """``counts[j, l, y] = sum_i q[i, y] [LF j votes l on row i]`` for given row weights q (n, k)."""
    n = indptr.shape[0] - 1
    k = q.shape[1]
    n_chunks = n_chunks_for(n, m * k * k + k)
    bounds = _chunk_bounds(n, n_chunks)
    counts = np.zeros((n_chunks, m, k, k), dtype=np.float64)
    for c in prange(n_chunks):
        cnt = np.zeros((m, k, k), dtype=np.float64)
        for i in range(bounds[c], bounds[c + 1]):
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                l = data[p] - 1
                for y in range(k):
                    cnt[j, l, y] += q[i, y]
        counts[c] = cnt
    out = np.zeros((m, k, k), dtype=np.float64)
    for c in range(n_chunks):
        out += counts[c]
    return out


@njit(cache=True, parallel=True)
def majority_vote_stats(indptr, indices, data, m, k):
    """Every majority-vote statistic the models and guardrails need, in one pass.

    Over rows with votes, each row's majority distribution ``q`` splits evenly over its
    tied top classes. Rows with a unique majority class ``w`` (most rows) cost one
    update per vote, into ``hard[w, j, l]``; tied rows spread ``q`` into ``soft``.

    Returns
    -------
    counts : (m, k, k) float64
        ``counts[j, l, y] = sum_i q[i, y] [LF j votes l on row i]``.
    class_sums : (k,) float64
        Sum of the majority distributions (the number of covered rows in total).
    lf_class : (m, k) float64
        Votes of each LF for each class.
    winner_counts : (k,) float64
        Rows whose unique majority is each class (their sum: rows with a unique majority).
    lf_votes, lf_agree : (m,) float64
        Per LF: votes on rows with a unique majority, and how many of them equal it.
    """
    n = indptr.shape[0] - 1
    n_chunks = n_chunks_for(n, 2 * m * k * k + m * k + 2 * k)
    bounds = _chunk_bounds(n, n_chunks)
    hard = np.zeros((n_chunks, k, m, k), dtype=np.float64)
    soft = np.zeros((n_chunks, m, k, k), dtype=np.float64)
    tie_votes = np.zeros((n_chunks, m, k), dtype=np.float64)
    rows = np.zeros((n_chunks, 2, k), dtype=np.float64)
    for c in prange(n_chunks):
        h = np.zeros((k, m, k), dtype=np.float64)
        sf = np.zeros((m, k, k), dtype=np.float64)
        tv = np.zeros((m, k), dtype=np.float64)
        wins = np.zeros(k, dtype=np.float64)
        tie_q = np.zeros(k, dtype=np.float64)
        votes = np.empty(k, dtype=np.int64)
        for i in range(bounds[c], bounds[c + 1]):
            start = indptr[i]
            stop = indptr[i + 1]
            if stop == start:
                continue
            w = _majority_of_row(indptr, indices, data, i, votes)
            if w >= 0:
                wins[w] += 1.0
                for p in range(start, stop):
                    h[w, indices[p], data[p] - 1] += 1.0
                continue
            top = 0
            for y in range(k):
                if votes[y] > top:
                    top = votes[y]
            n_top = 0
            for y in range(k):
                if votes[y] == top:
                    n_top += 1
            share = 1.0 / n_top
            for y in range(k):
                if votes[y] == top:
                    tie_q[y] += share
            for p in range(start, stop):
                j = indices[p]
                l = data[p] - 1
                tv[j, l] += 1.0
                for y in range(k):
                    if votes[y] == top:
                        sf[j, l, y] += share
        hard[c] = h
        soft[c] = sf
        tie_votes[c] = tv
        rows[c, 0] = wins
        rows[c, 1] = tie_q
    h_t = np.zeros((k, m, k), dtype=np.float64)
    counts = np.zeros((m, k, k), dtype=np.float64)
    lf_class = np.zeros((m, k), dtype=np.float64)
    wins_t = np.zeros(k, dtype=np.float64)
    tie_t = np.zeros(k, dtype=np.float64)
    for c in range(n_chunks):
        h_t += hard[c]
        counts += soft[c]
        lf_class += tie_votes[c]
        wins_t += rows[c, 0]
        tie_t += rows[c, 1]
    lf_votes = np.zeros(m, dtype=np.float64)
    lf_agree = np.zeros(m, dtype=np.float64)
    for w in range(k):
        for j in range(m):
            lf_agree[j] += h_t[w, j, w]
            for l in range(k):
                counts[j, l, w] += h_t[w, j, l]
                lf_class[j, l] += h_t[w, j, l]
                lf_votes[j] += h_t[w, j, l]
    return counts, wins_t + tie_t, lf_class, wins_t, lf_votes, lf_agree


@njit(cache=True, parallel=True)
def majority_winner(indptr, indices, data, k):
    """Per row: the unique majority class, or -1 for ties and rows without votes."""
    n = indptr.shape[0] - 1
    out = np.empty(n, dtype=np.int64)
    for i in prange(n):
        votes = np.empty(k, dtype=np.int64)
        out[i] = _majority_of_row(indptr, indices, data, i, votes)
    return out


@njit(cache=True, parallel=True)
def overlap_counts(indptr, indices, data, m, k):
    """Sum over rows of the outer product of the one-hot vote vectors, shape (m*k, m*k).

    Entry ``[j*k + l, j2*k + l2]`` counts rows where LF j votes l and LF j2 votes l2;
    the diagonal blocks hold each LF's own vote counts.
    """
    n = indptr.shape[0] - 1
    d = m * k
    n_chunks = n_chunks_for(n, d * d)
    bounds = _chunk_bounds(n, n_chunks)
    acc = np.zeros((n_chunks, d, d), dtype=np.float64)
    for c in prange(n_chunks):
        local = np.zeros((d, d), dtype=np.float64)
        for i in range(bounds[c], bounds[c + 1]):
            for p in range(indptr[i], indptr[i + 1]):
                a = indices[p] * k + data[p] - 1
                for p2 in range(indptr[i], indptr[i + 1]):
                    local[a, indices[p2] * k + data[p2] - 1] += 1.0
        acc[c] = local
    out = np.zeros((d, d), dtype=np.float64)
    for c in range(n_chunks):
        out += acc[c]
    return out


@njit(cache=True, parallel=True)
def pair_agreement_counts(indptr, indices, data, m):
    """Per LF pair: rows where both vote (``both``) and rows where both vote the same (``agree``)."""
    n = indptr.shape[0] - 1
    n_chunks = n_chunks_for(n, 2 * m * m)
    bounds = _chunk_bounds(n, n_chunks)
    both = np.zeros((n_chunks, m, m), dtype=np.float64)
    agree = np.zeros((n_chunks, m, m), dtype=np.float64)
    for c in prange(n_chunks):
        b = np.zeros((m, m), dtype=np.float64)
        a = np.zeros((m, m), dtype=np.float64)
        for i in range(bounds[c], bounds[c + 1]):
            # Each unordered pair once (the matrices are symmetric): half the updates.
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                b[j, j] += 1.0
                a[j, j] += 1.0
                for p2 in range(p + 1, indptr[i + 1]):
                    j2 = indices[p2]
                    b[j, j2] += 1.0
                    if data[p] == data[p2]:
                        a[j, j2] += 1.0
        both[c] = b
        agree[c] = a
    half_both = np.zeros((m, m), dtype=np.float64)
    half_agree = np.zeros((m, m), dtype=np.float64)
    for c in range(n_chunks):
        half_both += both[c]
        half_agree += agree[c]
    # Counts are integers, so mirroring is exact; the diagonal was counted once.
    out_both = half_both + half_both.T
    out_agree = half_agree + half_agree.T
    for j in range(m):
        out_both[j, j] = half_both[j, j]
        out_agree[j, j] = half_agree[j, j]
    return out_both, out_agree


@njit(cache=True, parallel=True)
def row_hashes(indptr, indices, data, rows):
    """A 64-bit hash of the votes (LF, label) of each row in ``rows`` (FNV-1a over the pairs).

    Equal rows hash equally; different rows collide with probability about 2**-64, so a
    caller that merges rows by hash checks them with :func:`rows_equal`.
    """
    out = np.empty(rows.shape[0], dtype=np.uint64)
    prime = np.uint64(1099511628211)
    for r in prange(rows.shape[0]):
        i = rows[r]
        h = np.uint64(14695981039346656037)
        for p in range(indptr[i], indptr[i + 1]):
            h = (h ^ (np.uint64(indices[p]) * np.uint64(65536) + np.uint64(data[p]))) * prime
        out[r] = (h ^ np.uint64(indptr[i + 1] - indptr[i])) * prime
    return out


@njit(cache=True, parallel=True)
def rows_equal(indptr, indices, data, rep):
    """Whether every row ``i`` holds exactly the votes of row ``rep[i]``."""
    n = indptr.shape[0] - 1
    ok = np.ones(n, dtype=np.bool_)
    for i in prange(n):
        a, b = indptr[i], indptr[rep[i]]
        length = indptr[i + 1] - a
        if length != indptr[rep[i] + 1] - b:
            ok[i] = False
            continue
        for t in range(length):
            if indices[a + t] != indices[b + t] or data[a + t] != data[b + t]:
                ok[i] = False
                break
    return ok.all()
