"""Prior-predictive check: the yearly event counts a prior file implies on the real history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.core.limits import median_interval
from forecast.data.dataset import Dataset
from forecast.data.vocab import COMPONENTS
from forecast.model.features import training_cells
from forecast.model.posterior import log_odds, sample_prior
from forecast.model.priors import Priors
from forecast.model.warnings import warning_hazard


def yearly_counts(ds: Dataset, priors: Priors, n_draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Median and 90% interval of implied event-days per year for each component, beside the
    observed average (1998 to the record's end), computed on the historical days: the background on unwarned
    cells, background and warnings as competing causes on warned days."""
    cells = training_cells(ds, ds.reach.first_unknown, priors)
    prior = sample_prior(priors, n_draws, seed)
    years = cells.n_days / 365.25
    rows = []
    for k, comp in enumerate(COMPONENTS):
        m = cells.component == k
        eta = log_odds(prior, k, cells.X[m])
        expected = (1 / (1 + np.exp(-eta)) * cells.n[m]).sum(axis=1)
        sp = cells.spells
        on = sp.component == k
        q = (prior.lead / (1 + prior.lead))[:, sp.kind[on]]
        hit = prior.hit[:, sp.kind[on], k]

        norm = 1 - q ** sp.length[on]
        before_stop, before_start = (hit * (1 - q ** x[on]) / norm for x in (sp.stop, sp.start))
        # expected firings over the quiet spells, plus the warned event days' chance of an event
        spell_fired = (1 - (1 - before_stop) / (1 - before_start)).sum(axis=1)
        w = cells.warned
        wm = w.component == k
        log_none = -np.logaddexp(0.0, log_odds(prior, k, w.X[wm]))
        strongest = 0.0  # warnings of one type combine by the strongest, as in forecasts
        for i in range(w.offset.shape[1]):
            active = w.offset[wm, i] >= 0
            h = warning_hazard(
                np.maximum(w.offset[wm, i], 0)[None, :],
                np.maximum(w.length[wm, i], 1)[None, :],
                prior.hit[:, i, k][:, None],
                prior.lead[:, i][:, None],
            )
            strongest = np.maximum(strongest, np.where(active[None, :], h, 0.0))
        log_none = log_none + np.log1p(-np.minimum(strongest, 1 - 1e-12))
        expected = expected + spell_fired
        expected = (expected + (1 - np.exp(log_none)).sum(axis=1)) / years
        lo, med, hi = median_interval(expected)
        rows.append(
            {
                "component": comp,
                "prior median / yr": round(med, 2),
                "prior 5%": round(lo, 2),
                "prior 95%": round(hi, 2),
                "observed / yr": round((cells.y[m].sum() + (cells.warned.component == k).sum()) / years, 2),
            }
        )
    return pd.DataFrame(rows)
