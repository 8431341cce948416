"""End models: noise-aware PyTorch classifiers trained on probabilistic labels.

:class:`EndModel` learns from a label model's ``predict_proba`` output (dense, torch,
scipy.sparse or raw-text features) and generalises past the LFs' coverage;
:class:`TextFeaturizer` is the TF-IDF featurizer it uses for raw text.
"""

from .text import TextFeaturizer
from .model import EndModel

__all__ = ["EndModel", "TextFeaturizer"]
