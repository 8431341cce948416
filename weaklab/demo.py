"""The demo job: LFs for the built-in comment-spam corpus, run end to end.

``weaklab demo`` (see :mod:`weaklab.cli`) calls :func:`run_demo`. The LFs below are
the kind a user writes in a first hour: keywords, regexes, a length threshold, a
shouting pattern, one preprocessor shared by several row-wise LFs.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .lf import ABSTAIN, keyword_lf, labeling_function, preprocessor, regex_lf

__all__ = ["HAM", "SPAM", "demo_lfs"]

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
