"""A generated corpus of short video comments (spam vs. ham) for the demo and the docs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_int

__all__ = ["make_demo_corpus"]

# Each fragment kind appears independently of the others given the class, with these
# probabilities (in spam, in ham): LFs keyed on different kinds then err independently,
# as data programming assumes, while no single kind is a perfect signal.
_FRAGMENTS: dict[str, tuple[float, float, list[str]]] = {
    "channel": (0.30, 0.02, ["check out my channel", "visit my channel", "my channel has new videos"]),
    "subscribe": (0.30, 0.04, ["please subscribe", "subscribe to me", "i will subscribe back"]),
    "link": (0.35, 0.04, ["http://bit.ly/{code}", "www.{code}.com", "https://goo.gl/{code}"]),
    "money": (0.20, 0.03, ["free gift cards", "earn money from home", "win a free iphone", "make $500 a day"]),
    "click": (0.12, 0.01, ["click this link", "click the link below"]),
    "praise": (0.10, 0.45, ["i love this", "this is amazing", "her voice is beautiful", "best video ever",
                            "the dance moves are incredible"]),
    "music": (0.08, 0.40, ["the chorus is so catchy", "that guitar solo", "the lyrics are deep",
                           "the drummer is on fire", "this song never gets old"]),
    "year": (0.02, 0.10, ["who is watching in 2026", "still here in 2025", "back in 2012 this was everywhere"]),
}
_FILLERS = (["hey guys", "hello everyone", "guys look"], ["wow", "first", "lol", "so good", "memories"])
# Neutral chatter of either class, so a comment's length says little about its class.
_CHATTER = ["my brother showed me this yesterday", "watching this at 3am", "lol", "ok", "anyone else here",
            "i came here from the radio", "greetings from brazil", "same", "this popped up in my feed"]


def make_demo_corpus(n_rows: int = 20_000, spam_rate: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """Generate a labelled corpus of short video comments (spam vs. ham).

    It imitates the YouTube spam task: comments are built from fragments (links,
    "subscribe", praise of the song, …) that each occur with a class-dependent
    probability, independently of each other, so simple keyword LFs are useful but
    imperfect. About a fifth of spam and a twentieth of ham is written in capitals.

    Parameters
    ----------
    n_rows : int
        Number of comments.
    spam_rate : float
        Fraction of spam comments (class 1).
    seed : int
        Seed of the generator; the same seed gives the same corpus.

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` (str), ``author`` (str) and ``label`` (int, 0 = ham, 1 = spam).

    Examples
    --------
    >>> corpus = make_demo_corpus(1000, spam_rate=0.3, seed=0)
    >>> list(corpus.columns), len(corpus)
    (['text', 'author', 'label'], 1000)
    >>> bool(abs(corpus.label.mean() - 0.3) < 0.05)
    True
    >>> corpus.equals(make_demo_corpus(1000, spam_rate=0.3, seed=0))  # same seed, same corpus
    True
    """
    n_rows = check_int(n_rows, "n_rows", min_val=0)
    if not 0.0 <= spam_rate <= 1.0:
        raise ValueError(f"spam_rate must lie in [0, 1], got {spam_rate!r}")
    rng = np.random.default_rng(seed)
    is_spam = rng.random(n_rows) < spam_rate
    parts: list[list[str]] = [[] for _ in range(n_rows)]
    for p_spam, p_ham, phrases in _FRAGMENTS.values():
        present = rng.random(n_rows) < np.where(is_spam, p_spam, p_ham)
        choice = rng.integers(0, len(phrases), n_rows)
        for i in np.flatnonzero(present):
            parts[i].append(phrases[choice[i]])
    chatter = rng.integers(0, len(_CHATTER), n_rows)
    for i in np.flatnonzero(rng.random(n_rows) < 0.5):
        parts[i].append(_CHATTER[chatter[i]])
    codes = rng.integers(0, 36**5, n_rows)
    filler = rng.integers(0, 3, n_rows)
    shout = rng.random(n_rows) < np.where(is_spam, 0.20, 0.05)
    order = rng.random((n_rows, 2))
    texts = np.empty(n_rows, dtype=object)
    for i in range(n_rows):
        words = parts[i] or [_FILLERS[0 if is_spam[i] else 1][filler[i] % len(_FILLERS[0 if is_spam[i] else 1])]]
        if len(words) > 1 and order[i, 0] < 0.5:
            words = words[::-1]
        text = (" " if order[i, 1] < 0.5 else ", ").join(words).format(code=np.base_repr(codes[i], 36).lower())
        texts[i] = text.upper() if shout[i] else text
    authors = np.char.add("user", rng.integers(0, max(1, n_rows // 3), n_rows).astype(str))
    return pd.DataFrame(
        {"text": pd.array(texts, dtype="str"), "author": pd.array(authors, dtype="str"), "label": is_spam.astype(np.int64)}
    )
