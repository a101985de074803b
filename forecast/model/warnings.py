"""Direct warnings as causes of their own: a hit rate and a lead time per kind of warning.

A direct warning (a notice with its window, a declared plan, imminent or preparation activity at
a site) is followed by the event it warns of with probability ``hit`` (the kind's hit rate for
that event type); if it is, the event falls on a day of the warning's *support*, geometric from
its first day with mean ``lead`` days, truncated to the support:

- a notice's support runs from the eve of its window (launches have come hours before a window
  opened, which is the eve in Korea) to the window's last day, so the event is very likely inside
  the window and, from this cause, impossible after it;
- the other kinds' support runs from the day the record became public for as long as it is in
  force (its end date or lifetime, or the kind's ``span_days`` when it has neither).

Each warning is a cause competing with the background hazard (recency, regimes, context):
P(no event on a day) = (1 - h_background) x (1 - h_warning), where h_warning is the warning's
hazard given that it has not fired yet. Warnings of one type are read as evidence of the same
event, so a forecast takes the strongest warning in force, not their product (forecast/model.py).

A warning stops when a later record of the same kind (a moved or extended window, a newer
report) or a neutral record of its signal replaces it, when its support ends, or once an event of
its type has happened (the warned event came). Everything here is arithmetic on day numbers: no PyMC.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from forecast.data.signal_state import day_number
from forecast.data.vocab import KIND_OF_LEVEL, SCOPE_COMPONENTS, SIGNALS, WARNING_KINDS, WARNING_SIGNALS
from forecast.model.priors import Priors

KIND_INDEX = {k: i for i, k in enumerate(WARNING_KINDS)}
SIGNAL_OF_KIND = {kind: signal for (signal, _), kind in KIND_OF_LEVEL.items()}
LEVEL_OF_KIND = {kind: level for (_, level), kind in KIND_OF_LEVEL.items()}
N_KINDS = len(WARNING_KINDS)
_FAR = np.iinfo(np.int64).max // 4


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


@dataclass(frozen=True)
class WarningRecords:
    """The warning records that bear on one component, as day numbers (support inclusive)."""

    kind: np.ndarray  # index into WARNING_KINDS
    published: np.ndarray
    first: np.ndarray  # first day of the support
    last: np.ndarray  # last day of the support
    stop: np.ndarray  # first day it is no longer in force because a later record replaced it
    id: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    def published_by(self, day: int) -> WarningRecords:
        """The records published on or before ``day`` (a day number)."""
        keep = self.published <= day
        return WarningRecords(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})


def warning_records_of(ds, component: str, priors: Priors) -> WarningRecords:
    """All the dataset's warning records bearing on ``component`` (kept with the dataset, per prior file)."""
    key = ("warning_records", component, priors.digest)
    if key not in ds.derived:
        ds.derived[key] = warning_records(ds.signals, component, priors)
    return ds.derived[key]


def warning_records(signals: pd.DataFrame, component: str, priors: Priors, cut=None) -> WarningRecords:
    """Warning records for ``component`` published on or before ``cut`` (all when ``cut`` is None),
    with their support and the day a later record of the same kind, or a neutral record of the same
    signal, replaces them (among the records visible at the cut)."""
    applies = signals["scope"].map(lambda sc: any(component in SCOPE_COMPONENTS[s] for s in sc))
    recs = signals[applies & signals["signal"].isin(WARNING_SIGNALS)]
    if cut is not None:
        recs = recs[recs["published"] <= pd.Timestamp(cut)]
    published = _days(recs["published"])
    occurred = _days(recs["occurred"])
    pairs = list(zip(recs["signal"], recs["level"], strict=True))
    neutral = np.array([lv == SIGNALS[s].neutral for s, lv in pairs], dtype=bool)
    kinds = np.array([KIND_INDEX.get(KIND_OF_LEVEL.get(pair, ""), -1) for pair in pairs], dtype=np.int64)
    signal = recs["signal"].to_numpy(dtype=object)
    has_window = recs["window_start"].notna().to_numpy()
    win_start = np.where(has_window, _days(recs["window_start"].fillna(pd.Timestamp("1970-01-01"))), 0)
    win_end = np.where(has_window, _days(recs["window_end"].fillna(pd.Timestamp("1970-01-01"))), 0)
    has_end = recs["end"].notna().to_numpy()
    end = np.where(has_end, _days(recs["end"].fillna(pd.Timestamp("1970-01-01"))), 0)
    life = recs["lifetime_days"].fillna(0).to_numpy(dtype=np.int64)
    span = np.array([priors.warning[WARNING_KINDS[k]].span_days if k >= 0 else 0 for k in kinds], dtype=np.int64)
    first = np.where(has_window, win_start - 1, published)
    last = np.where(
        has_window, win_end, np.where(has_end, end, np.where(life > 0, occurred + life - 1, published + span - 1))
    )
    # a later record of the same kind, or a neutral record of the same signal, replaces a warning
    stop = np.full(len(recs), _FAR, dtype=np.int64)
    rank = np.empty(len(recs), dtype=np.int64)
    rank[np.argsort(published, kind="stable")] = np.arange(len(recs))
    for i in np.flatnonzero(kinds >= 0):
        later = (rank > rank[i]) & ((kinds == kinds[i]) | (neutral & (signal == signal[i])))
        if later.any():
            stop[i] = published[later].min()
    keep = (kinds >= 0) & (last >= np.maximum(first, published))
    return WarningRecords(
        kind=kinds[keep],
        published=published[keep],
        first=first[keep],
        last=last[keep],
        stop=stop[keep],
        id=recs["id"].to_numpy(dtype=object)[keep],
    )


def _consumed_from(records: WarningRecords, event_days: np.ndarray) -> np.ndarray:
    """The day after the first event (of the component) on or after each record's publication:
    the warned event has come, so the warning no longer holds from then."""
    if not len(event_days):
        return np.full(len(records), _FAR, dtype=np.int64)
    idx = np.searchsorted(event_days, records.published, side="left")
    return np.where(idx < len(event_days), event_days[np.minimum(idx, len(event_days) - 1)] + 1, _FAR)


@dataclass(frozen=True)
class WarnedDays:
    """For each day of a span, the warning of each kind in force (offset into its support and the
    support's length; offset -1 where no warning of that kind bears on the day)."""

    offset: np.ndarray  # (days, kinds)
    length: np.ndarray  # (days, kinds)
    record: np.ndarray  # (days, kinds) record ids ("" where none)

    @property
    def any(self) -> np.ndarray:
        """For each day, whether a warning of any kind bears on it."""
        return (self.offset >= 0).any(axis=1)


def realtime_warnings(
    signals: pd.DataFrame, component: str, days: np.ndarray, event_days: np.ndarray, priors: Priors
) -> WarnedDays:
    """The real-time view used for training: each day sees the warnings public by that day."""
    recs = warning_records(signals, component, priors)
    until = np.minimum(recs.stop, _consumed_from(recs, event_days.astype("datetime64[D]").astype(np.int64)))
    n = len(days)
    offset = np.full((n, N_KINDS), -1, dtype=np.int64)
    length = np.zeros((n, N_KINDS), dtype=np.int64)
    record = np.full((n, N_KINDS), "", dtype=object)
    for i in np.argsort(recs.published, kind="stable"):  # later records paint over earlier ones
        lo = max(recs.first[i], recs.published[i])
        hi = min(recs.last[i] + 1, until[i])
        if hi <= lo:
            continue
        i0, i1 = np.searchsorted(days, lo), np.searchsorted(days, hi)
        k = recs.kind[i]
        offset[i0:i1, k] = days[i0:i1] - recs.first[i]
        length[i0:i1, k] = recs.last[i] - recs.first[i] + 1
        record[i0:i1, k] = recs.id[i]
    return WarnedDays(offset, length, record)


@dataclass(frozen=True)
class Warning:
    """A warning in force for a forecast, in days relative to the as-of day: support from
    ``first`` to ``last`` (inclusive), known (and not yet fired) from day ``known`` on; it stops
    bearing on the window from day ``until`` (an analyst's evidence replacing it later)."""

    kind: str
    first: int
    last: int
    known: int = 0
    until: int = _FAR
    record: str = ""

    @property
    def length(self) -> int:
        """The number of days in the warning's support."""
        return self.last - self.first + 1


def warnings_in_force(
    signals: pd.DataFrame | WarningRecords, component: str, as_of, event_days: np.ndarray, priors: Priors
) -> list[Warning]:
    """The data's warnings bearing on ``component`` as known on ``as_of``: published by then, not
    replaced, not past their support, and not yet followed by an event of the component. ``signals``
    may be the component's records already made (`warning_records_of`): the records published by ``as_of``
    among them decide alike (a replacing record published later replaces from after ``as_of``)."""
    d = day_number(as_of)
    if isinstance(signals, WarningRecords):
        recs = signals.published_by(d)
    else:
        recs = warning_records(signals, component, priors, cut=as_of)
    seen = event_days.astype("datetime64[D]").astype(np.int64)
    until = np.minimum(recs.stop, _consumed_from(recs, seen[seen < d]))
    out = []
    for i in range(len(recs)):
        if until[i] <= d or recs.last[i] < d:
            continue
        out.append(
            Warning(WARNING_KINDS[recs.kind[i]], int(recs.first[i] - d), int(recs.last[i] - d), record=str(recs.id[i]))
        )
    return out


def default_notice_window(signals: pd.DataFrame, as_of, priors: Priors) -> tuple[int, int]:
    """(days from the notice to its window's first day, window length in days) for a notice given
    without dates: the medians of the record's notices published by ``as_of``, else the prior file's."""
    notices = signals[(signals["level"] == "notice") & (signals["published"] <= pd.Timestamp(as_of))]
    notices = notices[notices["window_start"].notna()]
    if notices.empty:
        spec = priors.warning["notice"]
        return spec.gap_days, spec.span_days
    gap = (notices["window_start"] - notices["published"]).dt.days.clip(lower=0)
    length = (notices["window_end"] - notices["window_start"]).dt.days + 1
    return int(round(float(gap.median()))), int(round(float(length.median())))


def notice_share(signals: pd.DataFrame, as_of, components: tuple[str, ...]) -> float:
    """How often an announcement bearing on these components was a notice rather than a plan, in
    the record published by ``as_of`` (Laplace-smoothed): the weight of 'notice' when an analyst
    says only 'issued'."""
    recs = signals[(signals["signal"] == "announcement") & (signals["published"] <= pd.Timestamp(as_of))]
    applies = recs["scope"].map(lambda sc: any(c in SCOPE_COMPONENTS[s] for s in sc for c in components))
    levels = recs.loc[applies, "level"]
    notices, plans = int((levels == "notice").sum()), int((levels == "plan").sum())
    return (notices + 1) / (notices + plans + 2)


def analyst_warning(
    kind: str, start: int, priors: Priors, window: tuple[int, int] | None, default_window: tuple[int, int]
) -> Warning:
    """The warning an analyst's evidence stands for, taking effect on day ``start`` of the forecast
    window. ``window``: a notice's window as day offsets from the as-of day (first, last)."""
    if kind == "notice":
        if window is not None:
            first, last = window[0] - 1, window[1]
        else:
            gap, length = default_window
            first = start + gap - 1
            last = first + length
        return Warning(kind, first, last, known=start)
    span = priors.warning[kind].span_days
    return Warning(kind, start, start + span - 1, known=start)


def cumulative_fired(
    warning: Warning, hit: np.ndarray, lead: np.ndarray, window: int, at: tuple[int, ...] | None = None
) -> np.ndarray:
    """(draws, window): P(the warning has fired by the end of each day of the window), given it had
    not by the day it became known; with ``at``, (draws, len(at)): those days only (0-based; the
    window's last day is what a probability over the whole window needs). ``hit``, ``lead``: (draws,)
    hit rate and mean lead time."""
    q = (lead / (1.0 + lead))[:, None]  # geometric: P(lead > t + 1 | lead > t)
    length = warning.length
    norm = 1.0 - q**length

    def mass_before(x):  # P(event on a support offset < x | it comes), x an integer array
        x = np.clip(x, 0, length)
        return (1.0 - q**x) / norm

    days = np.arange(window) if at is None else np.asarray(at)
    through = np.minimum(days, warning.until - 1)  # no firing from `until` on
    known = max(warning.known, 0)
    base = mass_before(np.array([known - warning.first]))
    upto = mass_before(through + 1 - warning.first)
    fired = hit[:, None] * np.maximum(upto - base, 0.0) / (1.0 - hit[:, None] * base)
    fired[:, days < known] = 0.0
    return fired


def warning_hazard(offset, length, hit, lead):
    """Daily hazard of a warning cause given it has not fired: hit * f(offset) / (1 - hit * F(offset)),
    f and F of the truncated geometric lead time (q = lead / (1 + lead) = P(lead > t + 1 | lead > t)).
    Written in log space (q**x as exp(x log q), 1 - q**x as -expm1(x log q)), as the likelihood
    kernel writes it with its derivatives (forecast.model.likelihood._hazard)."""
    log_q = -np.log1p(1.0 / lead)
    norm = -np.expm1(length * log_q)
    f = -np.expm1(log_q) * np.exp(offset * log_q) / norm
    before = -np.expm1(offset * log_q) / norm
    return hit * f / (1.0 - hit * before)
