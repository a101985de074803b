"""Prior-predictive check: the yearly event counts a prior file implies on the real history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .data import Dataset
from .features import training_cells
from .model import log_odds, sample_prior
from .priors import Priors
from .vocab import COMPONENTS


def yearly_counts(ds: Dataset, priors: Priors, n_draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Median and 90% interval of implied event-days per year for each component, beside the
    observed average (1998-2024), computed on the historical feature cells."""
    cells = training_cells(ds, pd.Timestamp("2025-01-01"), priors)
    prior = sample_prior(priors, n_draws, seed)
    years = cells.n_days / 365.25
    rows = []
    for k, comp in enumerate(COMPONENTS):
        m = cells.component == k
        eta = log_odds(prior, k, cells.X[m])
        expected = (1 / (1 + np.exp(-eta)) * cells.n[m]).sum(axis=1) / years
        lo, med, hi = np.quantile(expected, [0.05, 0.5, 0.95])
        rows.append(
            {
                "component": comp,
                "prior median / yr": round(med, 2),
                "prior 5%": round(lo, 2),
                "prior 95%": round(hi, 2),
                "observed / yr": round(cells.y[m].sum() / years, 2),
            }
        )
    return pd.DataFrame(rows)
