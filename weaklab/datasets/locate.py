"""Where public data sets live on this machine: one data folder, one layout.

weaklab downloads nothing. The tutorials and benchmarks read public data sets from a
data folder, ``$WEAKLAB_DATA`` (default ``~/weaklab_data``), laid out by source, e.g.
``nhbess_weak_supervision_tutorial/youtube_raw/`` for the UCI YouTube Spam Collection.
:func:`locate` returns the folder of one data set, or raises
:class:`DataNotFoundError`, whose message says where the files were expected and where
to get them; in a notebook it shows that message alone, without a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DataNotFoundError", "data_home", "locate"]


class DataNotFoundError(FileNotFoundError):
    """A data set is not in the data folder; the message says where to get it.

    Examples
    --------
    >>> import os, tempfile
    >>> from weaklab.datasets import locate
    >>> os.environ["WEAKLAB_DATA"] = tempfile.mkdtemp()
    >>> try:
    ...     locate("youtube_raw", source="the UCI YouTube Spam Collection")
    ... except DataNotFoundError as error:
    ...     print("youtube_raw" in str(error), "UCI YouTube" in str(error))
    True True
    >>> del os.environ["WEAKLAB_DATA"]
    """

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback: a notebook whose data is
        # missing stops at its first cell with a message, not a wall of frames.
        return [f"{type(self).__name__}: {self}"]


def data_home() -> Path:
    """The data folder: ``$WEAKLAB_DATA``, else ``~/weaklab_data``.

    Examples
    --------
    >>> import os
    >>> from weaklab.datasets import data_home
    >>> os.environ["WEAKLAB_DATA"] = "/tmp/my-data"
    >>> str(data_home())
    '/tmp/my-data'
    >>> del os.environ["WEAKLAB_DATA"]
    """
    configured = os.environ.get("WEAKLAB_DATA")
    return Path(configured).expanduser() if configured else Path.home() / "weaklab_data"


def locate(relative: str | os.PathLike, *, source: str) -> Path:
    """The folder of one data set inside :func:`data_home`.

    Parameters
    ----------
    relative : str or path-like
        The data set's folder relative to the data folder, e.g.
        ``"nhbess_weak_supervision_tutorial/youtube_raw"``.
    source : str
        Where to get it (a name and an address), quoted in the error when it is missing.

    Returns
    -------
    pathlib.Path
        An existing, non-empty folder.

    Raises
    ------
    DataNotFoundError
        When the folder is missing or empty.

    Examples
    --------
    >>> import os, tempfile
    >>> from weaklab.datasets import locate, DataNotFoundError
    >>> home = tempfile.mkdtemp()
    >>> os.environ["WEAKLAB_DATA"] = home
    >>> try:
    ...     locate("spam/raw", source="the UCI SMS Spam Collection")
    ... except DataNotFoundError as error:
    ...     print("missing:", "spam/raw" in str(error))
    missing: True
    >>> os.makedirs(os.path.join(home, "spam", "raw"))
    >>> open(os.path.join(home, "spam", "raw", "SMSSpamCollection"), "w").close()
    >>> locate("spam/raw", source="the UCI SMS Spam Collection").name
    'raw'
    >>> del os.environ["WEAKLAB_DATA"]
    """
    relative = Path(relative)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"relative must be a path inside the data folder, got {str(relative)!r}")
    folder = data_home() / relative
    if not folder.is_dir() or not any(folder.iterdir()):
        raise DataNotFoundError(
            f"the data set is not at {folder}. Get {source} and put its files there, or set "
            "WEAKLAB_DATA to the folder that holds it. This notebook or script stops here."
        )
    return folder
