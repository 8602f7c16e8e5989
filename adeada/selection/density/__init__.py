"""p_T(z|c) and p_S(z|c) per predicted class, and Eq. 2's scores (paper Sec. 3.2.1).

- :mod:`.estimators`: the estimator registry (``ESTIMATORS``: the authors' scikit-learn recipe,
  the same EM in torch, the fast sampled mixture, PCA and diagonal variants) and one class's fit;
- :mod:`.scores`: every class fitted (in worker processes, through the fit cache) and scored;
- :mod:`.fit_cache`: round 1's fits on disk, claimed so that concurrent workers fit once;
- :mod:`.fast_gmm`, :mod:`.torch_gmm`: the two mixture implementations that are not scikit-learn's.

Loaded on first use by :mod:`adeada.selection` (scikit-learn comes with it).
"""

from .estimators import ESTIMATORS, DensityEstimator, fit_class, make_estimator, n_components_for
from .scores import DensityFitTimeout, DensityResult, density_scores

__all__ = ["ESTIMATORS", "DensityEstimator", "DensityFitTimeout", "DensityResult", "density_scores",
           "fit_class", "make_estimator", "n_components_for"]
