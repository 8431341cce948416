"""The UCI spam collections as raw text, for writing your own LFs.

- :func:`load_youtube_comments` — the UCI YouTube Spam Collection (Alberto et al. 2015):
  five CSV files ``Youtube0{1..5}-<video>.csv`` with columns ``COMMENT_ID, AUTHOR, DATE,
  CONTENT, CLASS`` (1 = spam);
- :func:`load_sms_messages` — the UCI SMS Spam Collection (Almeida et al. 2011): one
  tab-separated file ``SMSSpamCollection`` of ``label<TAB>text`` lines.

Both read local files only and check every row; a bad row is an error naming the file
and the line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["load_sms_messages", "load_youtube_comments"]

_YOUTUBE_COLUMNS = ["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"]


def load_youtube_comments(directory: str | Path) -> pd.DataFrame:
    """Read the UCI YouTube Spam Collection from ``directory``.

    Parameters
    ----------
    directory : str or Path
        The folder holding ``Youtube0*.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per comment, in file order: ``comment_id``, ``author``, ``date``,
        ``text``, ``video`` (the name in the file name, e.g. ``"Shakira"``) and ``gold``
        (0 = ham, 1 = spam).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "Youtube01-Psy.csv").write_text(
    ...     "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\\n"
    ...     "a1,Ann,2013-11-07T06:20:48,check out my channel,1\\n"
    ...     "a2,Bob,2013-11-08T10:00:00,love this song,0\\n")
    >>> load_youtube_comments(folder)[["text", "video", "gold"]]
                       text video  gold
    0  check out my channel   Psy     1
    1        love this song   Psy     0
    """
    directory = Path(directory)
    files = sorted(directory.glob("Youtube0*.csv"))
    if not files:
        raise FileNotFoundError(f"no Youtube0*.csv files in {directory}")
    frames = []
    for path in files:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if list(frame.columns) != _YOUTUBE_COLUMNS:
            raise ValueError(f"{path}: expected the columns {_YOUTUBE_COLUMNS}, got {list(frame.columns)}")
        bad = ~frame["CLASS"].isin(["0", "1"])
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # header is line 1
            raise ValueError(f"{path}, row at line {line}: CLASS must be 0 or 1, got {frame['CLASS'][bad].iloc[0]!r}")
        video = path.stem.split("-", 1)[1] if "-" in path.stem else path.stem
        frames.append(
            pd.DataFrame(
                {
                    "comment_id": frame["COMMENT_ID"],
                    "author": frame["AUTHOR"],
                    "date": frame["DATE"],
                    "text": frame["CONTENT"],
                    "video": video,
                    "gold": frame["CLASS"].astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def load_sms_messages(path: str | Path) -> pd.DataFrame:
    """Read the UCI SMS Spam Collection (``label<TAB>text`` per line).

    Parameters
    ----------
    path : str or Path
        The ``SMSSpamCollection`` file, or the folder holding it.

    Returns
    -------
    pandas.DataFrame
        Columns ``text`` and ``gold`` (0 = ham, 1 = spam), in file order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "SMSSpamCollection").write_text("ham\\tsee you at 5\\nspam\\tWIN a prize now\\n")
    >>> load_sms_messages(folder)
                  text  gold
    0     see you at 5     0
    1  WIN a prize now     1
    """
    path = Path(path)
    if path.is_dir():
        path = path / "SMSSpamCollection"
    if not path.is_file():
        raise FileNotFoundError(f"no SMS Spam Collection file at {path}")
    texts, gold = [], []
    with open(path, encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            label, tab, text = line.rstrip("\r\n").partition("\t")
            if not tab or label not in ("ham", "spam"):
                raise ValueError(f"{path}, line {number}: expected 'ham' or 'spam', a tab, then the text; got {line[:60]!r}")
            texts.append(text)
            gold.append(1 if label == "spam" else 0)
    return pd.DataFrame({"text": pd.array(texts, dtype="str"), "gold": np.asarray(gold, dtype=np.int64)})
