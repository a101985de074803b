"""Prior files (priors/*.toml): every prior the model uses, in terms an analyst reads.

Base rates are events per year with a 90% interval; effects are odds ratios on the daily odds
with a 90% interval; the spread says how much an effect may differ between event types (the
partial-pooling scale, on the log-odds scale). Direct warnings (notices, plans, imminent and
preparation activity) have a hit rate (the chance a warning is followed by the event while it is
in force) and a mean lead time, each with a 90% interval. Unknown keys, missing entries and
impossible values are errors naming the key and the file.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator

from forecast.core.errors import InputError
from forecast.core.inputs import Strict, read_toml, validation_error
from forecast.core.paths import PRIORS_DIR
from forecast.data.vocab import COMPONENTS, CONTEXT_SIGNALS, WARNING_KINDS
from forecast.model.feature_names import FEATURES

DEFAULT_PRIORS = PRIORS_DIR / "default.toml"
Z90 = 1.6448536269514722


Positive = Annotated[float, Field(gt=0)]


class BaseRate(Strict):
    per_year: Positive
    low: Positive
    high: Positive
    rationale: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> BaseRate:
        if not self.low < self.per_year < self.high:
            raise ValueError(f"need low < per_year < high, got {self.low}, {self.per_year}, {self.high}")
        if self.high >= 365:
            raise ValueError("a rate of 365 or more events a year is impossible for daily event-days")
        return self

    def logit_daily(self) -> tuple[float, float]:
        """Normal(mean, sd) on the logit of the daily probability."""

        def logit(rate: float) -> float:
            p = rate / 365.0
            return math.log(p / (1 - p))

        mean = logit(self.per_year)
        sd = (logit(self.high) - logit(self.low)) / (2 * Z90)
        return mean, sd


class Effect(Strict):
    odds_ratio: Positive
    low: Positive
    high: Positive
    spread: Annotated[float, Field(gt=0, le=5)]
    rationale: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Effect:
        if not self.low < self.odds_ratio < self.high:
            raise ValueError(f"need low < odds_ratio < high, got {self.low}, {self.odds_ratio}, {self.high}")
        return self

    def log_odds(self) -> tuple[float, float]:
        """The effect's mean and standard deviation on the log-odds scale, from its odds ratio and 90% interval."""
        mean = math.log(self.odds_ratio)
        sd = (math.log(self.high) - math.log(self.low)) / (2 * Z90)
        return mean, sd


class Fade(Strict):
    half_life_days: Annotated[float, Field(gt=0)] | None = None
    evidence_lifetime_days: Annotated[int, Field(gt=0, le=3650)] | None = None
    rationale: str = Field(min_length=1)


Probability = Annotated[float, Field(gt=0, lt=1)]


class WarningPrior(Strict):
    """One kind of direct warning. ``hit_rate``: the chance that a warning of this kind is followed
    by the event while it is in force (logit-normal, 90% interval low..high, partially pooled
    across event types with ``spread``). ``lead_days``: the mean number of days from the start of
    its support (a notice: the eve of its window; other kinds: the day it became public) to the
    event, given that it comes (log-normal, 90% interval lead_low..lead_high); the lead time is
    geometric. ``span_days``: how long evidence of this kind set by an analyst stays in force (a
    notice without dates: the length of its window). ``gap_days``: notices only, the days from the
    notice to the first day of its window when neither the analyst nor the record says."""

    hit_rate: Probability
    low: Probability
    high: Probability
    spread: Annotated[float, Field(gt=0, le=5)]
    lead_days: Positive
    lead_low: Positive
    lead_high: Positive
    span_days: Annotated[int, Field(gt=0, le=3650)]
    gap_days: Annotated[int, Field(ge=0, le=365)] = 0
    rationale: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> WarningPrior:
        if not self.low < self.hit_rate < self.high:
            raise ValueError(f"need low < hit_rate < high, got {self.low}, {self.hit_rate}, {self.high}")
        if not self.lead_low < self.lead_days < self.lead_high:
            raise ValueError(
                f"need lead_low < lead_days < lead_high, got {self.lead_low}, {self.lead_days}, {self.lead_high}"
            )
        return self

    def logit_hit(self) -> tuple[float, float]:
        """Normal(mean, sd) on the logit of the hit rate."""

        def logit(p: float) -> float:
            return math.log(p / (1 - p))

        return logit(self.hit_rate), (logit(self.high) - logit(self.low)) / (2 * Z90)

    def log_lead(self) -> tuple[float, float]:
        """Normal(mean, sd) on the log of the mean lead time in days."""
        return math.log(self.lead_days), (math.log(self.lead_high) - math.log(self.lead_low)) / (2 * Z90)


class Meta(Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class Priors(Strict):
    meta: Meta
    base_rate: dict[str, BaseRate]
    effect: dict[str, Effect]
    fade: dict[str, Fade]
    warning: dict[str, WarningPrior]
    path: str = ""
    digest: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Priors:
        for section, wanted in (
            ("base_rate", COMPONENTS),
            ("effect", FEATURES),
            ("fade", CONTEXT_SIGNALS),
            ("warning", WARNING_KINDS),
        ):
            have = getattr(self, section)
            unknown = sorted(set(have) - set(wanted))
            if unknown:
                raise ValueError(f"[{section}] unknown key '{unknown[0]}'; allowed: {', '.join(wanted)}")
            missing = [k for k in wanted if k not in have]
            if missing:
                raise ValueError(f"[{section}] missing entry '{missing[0]}'")
        return self


def load_priors(path: Path | str | None = None) -> Priors:
    """A prior file, checked (default priors/default.toml); raises InputError naming the key and the file."""
    path = Path(path) if path else DEFAULT_PRIORS
    if not path.exists():
        available = ", ".join(sorted(p.name for p in PRIORS_DIR.glob("*.toml")))
        raise InputError(f"prior file not found; shipped files: {available}", file=str(path))
    raw = read_toml(path, "prior file")
    # effect keys are written as [effect."site_activity=preparation"] or [effect.recency.X]
    effects = raw.get("effect", {})
    if isinstance(effects, dict) and isinstance(effects.get("recency"), dict):
        effects = {**{k: v for k, v in effects.items() if k != "recency"}, **effects["recency"]}
        raw["effect"] = effects
    try:
        return Priors(**raw, path=str(path), digest=hashlib.sha256(path.read_bytes()).hexdigest()[:16])
    except ValidationError as exc:
        raise validation_error(exc, path) from None


def available_priors() -> list[Path]:
    """The shipped prior files (priors/*.toml)."""
    return sorted(PRIORS_DIR.glob("*.toml"))
