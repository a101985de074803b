"""The background hazard's feature vocabulary, shared by the prior files, the features and the graph."""

from __future__ import annotations

from forecast.data.vocab import CONTEXT_SIGNALS, SIGNALS

#: Background-hazard features: one per non-neutral level of each context signal, then recency
#: terms. Direct warnings are not features: they are causes of their own (forecast/warnings.py).
SIGNAL_FEATURES: tuple[str, ...] = tuple(
    f"{name}={level}" for name in CONTEXT_SIGNALS for level in SIGNALS[name].levels if level != SIGNALS[name].neutral
)
RECENCY_FEATURES: tuple[str, ...] = ("same_type_30d", "same_type_rate_365d", "other_type_30d")
FEATURES: tuple[str, ...] = SIGNAL_FEATURES + RECENCY_FEATURES
