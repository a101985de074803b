"""Fits cached on disk, keyed by everything that determines them.

The key hashes the data, the prior file, the model version, the sampler settings, the seed, the
as-of cut and the variant (`full`, or `no_signals` for the back-test baseline fitted without
signal features). A file whose stored key does not match, or that cannot be read, is refitted and
replaced, never served. Files are written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import write_atomic
from .data import Dataset
from .features import training_cells
from .model import MODEL_VERSION, Diagnostics, Posterior, SamplerSettings, sample
from .priors import Priors

DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "fits"


def cache_dir() -> Path:
    return Path(os.environ.get("FORECAST_CACHE_DIR", DEFAULT_CACHE))


@dataclass(frozen=True)
class Fit:
    posterior: Posterior
    diagnostics: Diagnostics
    key: dict
    from_cache: bool

    @property
    def as_of(self) -> str:
        return self.key["as_of"]


def fit_key(
    ds: Dataset, priors: Priors, as_of: pd.Timestamp, settings: SamplerSettings, seed: int, variant: str = "full"
) -> dict:
    return {
        "variant": variant,
        "data_hash": ds.data_hash,
        "priors_file": Path(priors.path).name,
        "priors_hash": priors.digest,
        "model_version": MODEL_VERSION,
        "sampler": asdict(settings) | {"cores": None},  # cores do not change the draws
        "seed": int(seed),
        "as_of": pd.Timestamp(as_of).date().isoformat(),
    }


def key_digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]


def _path(key: dict, directory: Path) -> Path:
    return directory / f"fit-{key['as_of']}-{key.get('variant', 'full')}-{key_digest(key)}.npz"


def load_cached(key: dict, directory: Path | None = None) -> Fit | None:
    """The cached fit for this key, or None if absent, damaged or made for another key."""
    path = _path(key, directory or cache_dir())
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta["key"] != key:
                return None
            post = Posterior(**{k: z[k] for k in Posterior.__dataclass_fields__})
        diag = Diagnostics(**meta["diagnostics"])
    except Exception:  # any damage means: refit
        return None
    return Fit(post, diag, key, from_cache=True)


def save(fit: Fit, directory: Path | None = None) -> Path:
    path = _path(fit.key, directory or cache_dir())
    meta = json.dumps({"key": fit.key, "diagnostics": asdict(fit.diagnostics)})

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, meta=np.array(meta), **fit.posterior.arrays())

    write_atomic(path, write)
    return path


def get_fit(
    ds: Dataset,
    priors: Priors,
    as_of,
    settings: SamplerSettings | None = None,
    seed: int = 20260101,
    directory: Path | None = None,
    refit: bool = False,
    variant: str = "full",
    progress=None,
) -> Fit:
    """A fit on the data known before ``as_of``: from the cache if it matches, else sampled and cached.
    ``progress(done, total)`` follows the sampler when a fit is needed."""
    settings = settings or SamplerSettings()
    key = fit_key(ds, priors, as_of, settings, seed, variant)
    if not refit:
        cached = load_cached(key, directory)
        if cached is not None:
            return cached
    cells = training_cells(ds, pd.Timestamp(as_of), priors, signals=variant == "full")
    posterior, diag = sample(priors, cells, settings, seed, progress)
    fit = Fit(posterior, diag, key, from_cache=False)
    save(fit, directory)
    return fit
