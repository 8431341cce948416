"""Data sets: loaders for public weak-supervision formats and generated data.

Nothing here downloads anything: every loader reads local files.

- :func:`load_wrench` — the WRENCH benchmark layout (``wrench.py``);
- :func:`load_lf_matrix_csv` — binary +1/-1/0 label matrices as CSV (``lf_matrix_csv.py``);
- :func:`load_crowd` — crowd-worker answers, workers as LFs (``crowd.py``);
- :func:`make_synthetic_label_matrix` — LFs with known accuracies (``synthetic.py``);
- :func:`make_demo_corpus` — the demo's comment-spam corpus (``demo_corpus.py``);
- :func:`load_youtube_comments`, :func:`load_sms_messages` — the UCI spam collections as raw
  text (``uci_spam.py``);
- :func:`data_home`, :func:`locate` — the data folder the tutorials read (``locate.py``).
"""

from .crowd import load_crowd
from .demo_corpus import make_demo_corpus
from .labeled_votes import LabeledVotes
from .lf_matrix_csv import load_lf_matrix_csv
from .locate import DataNotFoundError, data_home, locate
from .synthetic import SyntheticLabels, make_synthetic_label_matrix
from .uci_spam import load_sms_messages, load_youtube_comments
from .wrench import WrenchSplit, load_wrench

__all__ = [
    "DataNotFoundError",
    "LabeledVotes",
    "SyntheticLabels",
    "WrenchSplit",
    "data_home",
    "load_crowd",
    "load_lf_matrix_csv",
    "load_sms_messages",
    "load_wrench",
    "load_youtube_comments",
    "locate",
    "make_demo_corpus",
    "make_synthetic_label_matrix",
]
