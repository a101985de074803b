"""A fitted model with a life cycle and one identity: build, fit, save, load, answer.

`identity()` names what a fit (or a run over many fits) came from: the data's hash, the prior
file and its hash, the model version, the sampler settings, the seed, the training cut and the
variant (`full`, or `no_signals` for the back-test baseline fitted without signal features). Its
digest is the fit's file name and its fields are every output's provenance.

`FitStore` holds fits by identity: in memory (a few, most recent first), then on disk as
ArviZ-compatible netCDF (the posterior group, dims chain x draw, the identity and diagnostics in
its attributes), else sampled and saved. A file whose stored identity does not match, or that
cannot be read, is refitted and replaced, never served; files are written atomically. Sampling
imports PyMC only when a fit is needed: loading and answering do not.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecast.core.atomic import write_atomic
from forecast.core.limits import DEFAULT_SEED
from forecast.core.paths import cache_dir
from forecast.data.dataset import Dataset
from forecast.model.posterior import MODEL_VERSION, Diagnostics, Posterior, SamplerSettings
from forecast.model.priors import Priors

FILE_FORMAT = "nk-forecast fit 1"
#: The fields of an identity every output carries to say where its numbers came from (with the
#: training cut, ``fit_as_of``, when there is one).
PROVENANCE_FIELDS = ("data_hash", "priors_file", "priors_hash", "model_version", "seed")


@dataclass(frozen=True)
class Identity:
    """What a result came from. ``as_of`` is the training cut (None for a run over many cuts)."""

    data_hash: str
    priors_file: str
    priors_hash: str
    model_version: str
    sampler: SamplerSettings
    seed: int
    as_of: str | None = None
    variant: str = "full"

    def key(self, **extra) -> dict:
        """The identity as plain JSON-able data (``cores`` left out: it does not change the draws),
        with ``extra`` fields of a run (e.g. an episode's window)."""
        out = asdict(self)
        out["sampler"] = out["sampler"] | {"cores": None}
        return out | extra

    def digest(self, **extra) -> str:
        """A short hash of the identity (and ``extra`` fields): the key and file name of the fit."""
        return hashlib.sha256(json.dumps(self.key(**extra), sort_keys=True, default=str).encode()).hexdigest()[:20]

    def provenance(self) -> dict:
        """The columns every output carries to say where its numbers came from."""
        out = {name: getattr(self, name) for name in PROVENANCE_FIELDS}
        if self.as_of is not None:
            out["fit_as_of"] = self.as_of
        return out


def identity(
    ds: Dataset,
    priors: Priors,
    settings: SamplerSettings,
    seed: int = DEFAULT_SEED,
    as_of=None,
    variant: str = "full",
) -> Identity:
    """The identity of a fit of these data and prior file with these sampler settings, seed, cut and variant."""
    return Identity(
        data_hash=ds.data_hash,
        priors_file=Path(priors.path).name,
        priors_hash=priors.digest,
        model_version=MODEL_VERSION,
        sampler=settings,
        seed=int(seed),
        as_of=None if as_of is None else pd.Timestamp(as_of).date().isoformat(),
        variant=variant,
    )


@dataclass(frozen=True)
class Fit:
    identity: Identity
    posterior: Posterior
    diagnostics: Diagnostics
    from_cache: bool

    @property
    def as_of(self) -> str:
        """The training cut: the fit learnt from the record before this date."""
        return self.identity.as_of


def _to_dataset(fit: Fit):
    """The posterior as an xarray Dataset ArviZ reads as a posterior group (dims chain, draw)."""
    import xarray as xr

    from forecast.data.vocab import COMPONENTS, WARNING_KINDS
    from forecast.model.feature_names import FEATURES

    chains = fit.identity.sampler.chains
    dims = {
        "alpha": ("component",),
        "beta": ("component", "feature"),
        "mu": ("feature",),
        "tau": ("feature",),
        "hit": ("kind", "component"),
        "hit_pooled": ("kind",),
        "lead": ("kind",),
    }
    data = {}
    for name, array in fit.posterior.arrays().items():
        shaped = array.reshape(chains, -1, *array.shape[1:])
        data[name] = (("chain", "draw", *dims[name]), shaped)
    attrs = {
        "format": FILE_FORMAT,
        "identity": json.dumps(fit.identity.key(), sort_keys=True),
        "diagnostics": json.dumps(asdict(fit.diagnostics)),
    }
    coords = {"component": list(COMPONENTS), "feature": list(FEATURES), "kind": list(WARNING_KINDS)}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _read(path: Path, ident: Identity) -> Fit | None:
    """The fit stored at ``path`` if it was made for ``ident``, else None. Read with h5netcdf
    directly (the netCDF file xarray wrote): loading a fit imports neither xarray nor ArviZ."""
    import h5netcdf

    with h5netcdf.File(path, "r") as f:
        attrs = dict(f.attrs)
        if attrs.get("format") != FILE_FORMAT:
            return None
        if json.loads(attrs["identity"]) != json.loads(json.dumps(ident.key(), sort_keys=True)):
            return None
        arrays = {}
        for name in Posterior.__dataclass_fields__:
            v = np.asarray(f.variables[name][...])
            arrays[name] = v.reshape(-1, *v.shape[2:])
    diagnostics = Diagnostics(**json.loads(attrs["diagnostics"]))
    return Fit(ident, Posterior(**arrays), diagnostics, from_cache=True)


class FitStore:
    """Fits by identity: memory, then disk, else sampled (with the models compiled once per store)."""

    def __init__(self, directory: Path | str | None = None, memory: int = 8) -> None:
        self.directory = Path(directory) if directory else cache_dir()
        self._memory: OrderedDict[str, Fit] = OrderedDict()
        self._size = memory
        self._models = None  # CompiledModels, made on the first fit (imports PyMC)

    def path(self, ident: Identity) -> Path:
        """Where the fit with this identity is stored on disk."""
        return self.directory / f"fit-{ident.as_of}-{ident.variant}-{ident.digest()}.nc"

    def load(self, ident: Identity) -> Fit | None:
        """The stored fit for this identity, or None if absent, damaged or made for another."""
        key = ident.digest()
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        path = self.path(ident)
        if not path.exists():
            return None
        try:
            fit = _read(path, ident)
        except Exception:  # any damage means: refit
            return None
        if fit is not None:
            self._remember(fit)
        return fit

    def save(self, fit: Fit) -> Path:
        """Write the fit to disk atomically, checked by reading it back; returns its path."""
        path = self.path(fit.identity)
        data = _to_dataset(fit)
        write_atomic(path, lambda tmp: data.to_netcdf(tmp, engine="h5netcdf"), lambda tmp: self._check(tmp, fit))
        return path

    @staticmethod
    def _check(tmp: Path, fit: Fit) -> None:
        back = _read(tmp, fit.identity)
        assert back is not None and np.array_equal(back.posterior.alpha, fit.posterior.alpha)

    def _remember(self, fit: Fit) -> None:
        self._memory[fit.identity.digest()] = fit
        self._memory.move_to_end(fit.identity.digest())
        while len(self._memory) > self._size:
            self._memory.popitem(last=False)

    def get(
        self,
        ds: Dataset,
        priors: Priors,
        as_of,
        settings: SamplerSettings | None = None,
        seed: int = DEFAULT_SEED,
        refit: bool = False,
        variant: str = "full",
        progress=None,
    ) -> Fit:
        """The fit on the data known before ``as_of``: stored if it matches, else sampled and saved.
        ``progress(done, total)`` follows the sampler when a fit is needed."""
        ident = identity(ds, priors, settings or SamplerSettings(), seed, as_of, variant)
        if not refit:
            stored = self.load(ident)
            if stored is not None:
                return stored
        from forecast.model.features import training_cells
        from forecast.model.sampling import sample

        if self._models is None:
            from forecast.model.graph import CompiledModels

            self._models = CompiledModels()
        cells = training_cells(ds, pd.Timestamp(as_of), priors, signals=variant == "full")
        posterior, diag = sample(self._models, priors, cells, ident.sampler, ident.seed, progress)
        fit = Fit(ident, posterior, diag, from_cache=False)
        self.save(fit)
        self._remember(fit)
        return fit


def prior_fit(priors: Priors, as_of, n: int = 400, seed: int = DEFAULT_SEED, ds: Dataset | None = None) -> Fit:
    """A fit whose draws come from the prior file (no sampler): the answers' arithmetic on a
    synthetic posterior, for prior-predictive checks and tests."""
    from forecast.model.posterior import sample_prior

    ident = Identity(
        data_hash=ds.data_hash if ds is not None else "none",
        priors_file=Path(priors.path).name,
        priors_hash=priors.digest,
        model_version=MODEL_VERSION,
        sampler=SamplerSettings(draws=n, tune=0, chains=1),
        seed=int(seed),
        as_of=pd.Timestamp(as_of).date().isoformat(),
        variant="prior",
    )
    return Fit(ident, sample_prior(priors, n, seed), Diagnostics(1.0, float(n), float(n), 0, 0.0), from_cache=False)
