"""A fit's identity and life cycle: the session's small fit, the digest, the netCDF store (hit,
mismatch, damage, atomic writes) and synthetic fits from the prior file."""

import dataclasses
import shutil

import numpy as np
import pytest

from forecast.core.limits import DEFAULT_SEED
from forecast.model.fitted import FILE_FORMAT, Fit, FitStore, Identity, identity, prior_fit
from forecast.model.posterior import MODEL_VERSION, Diagnostics, SamplerSettings, sampler_settings

# ------------------------------------------------------------------ the session's small fit


def test_the_small_fit_is_a_real_fit_with_its_diagnostics(small_fit, tiny):
    d = small_fit.diagnostics
    assert small_fit.identity.as_of == "2012-03-17" and small_fit.identity.variant == "full"
    assert small_fit.identity.sampler == tiny and small_fit.identity.seed == DEFAULT_SEED
    assert small_fit.posterior.n_draws == tiny.draws * tiny.chains
    assert d.seconds > 0  # sampled (now or by an earlier session), not made up
    # the chains roughly agree, but 100 draws x 2 chains cannot reach the ESS threshold of 400,
    # and the diagnostics say so in words
    assert 0.99 < d.rhat_max < 1.5
    assert 0 < d.ess_bulk_min < 400 and 0 < d.ess_tail_min < 400
    assert any("bulk ESS" in w for w in d.warnings) and "WARNING" in d.line()
    # target acceptance 0.98 leaves (almost) no divergent transition
    assert d.divergences <= 0.02 * small_fit.posterior.n_draws
    assert f"divergences {d.divergences}" in d.line()
    # draws are finite and the hit rates are probabilities
    post = small_fit.posterior
    assert all(np.isfinite(a).all() for a in post.arrays().values())
    assert ((post.hit > 0) & (post.hit < 1)).all() and (post.lead > 0).all()


def test_the_command_line_and_the_workbench_settings_name_the_same_fit(ds, priors, tiny, tiny_flags, monkeypatch):
    """The CLI spells the small settings --draws/--tune, the app reads them from the environment;
    both must name the session's fits, or the tests would sample again."""
    flags = dict(zip(tiny_flags[::2], tiny_flags[1::2], strict=True))
    cli = SamplerSettings(draws=int(flags["--draws"]), tune=int(flags["--tune"]))
    monkeypatch.setenv("FORECAST_DRAWS", str(tiny.draws))
    monkeypatch.setenv("FORECAST_TUNE", str(tiny.tune))
    monkeypatch.setenv("FORECAST_CHAINS", str(tiny.chains))
    app = sampler_settings()
    assert app.cores != tiny.cores  # cores differ ...
    digests = {identity(ds, priors, s, DEFAULT_SEED, "2012-03-17").digest() for s in (tiny, cli, app)}
    assert len(digests) == 1  # ... and do not change the draws, so not the identity


# ------------------------------------------------------------------ identity


def test_the_digest_changes_with_every_field_but_cores(ds, priors, tiny):
    base = identity(ds, priors, tiny, 1, "2012-03-17")
    assert base == Identity(ds.data_hash, "default.toml", priors.digest, MODEL_VERSION, tiny, 1, "2012-03-17", "full")
    changes = {
        "data_hash": "other",
        "priors_file": "sceptical.toml",
        "priors_hash": "0" * 16,
        "model_version": "0.0.0",
        "sampler": dataclasses.replace(tiny, draws=101),
        "seed": 2,
        "as_of": "2012-03-18",
        "variant": "no_signals",
    }
    assert set(changes) == {f.name for f in dataclasses.fields(Identity)}
    digests = {name: dataclasses.replace(base, **{name: value}).digest() for name, value in changes.items()}
    assert base.digest() not in digests.values() and len(set(digests.values())) == len(changes)
    for sampler_field, value in (("tune", 151), ("chains", 3), ("target_accept", 0.9)):
        assert dataclasses.replace(base, sampler=dataclasses.replace(tiny, **{sampler_field: value})).digest() != (
            base.digest()
        )
    assert dataclasses.replace(base, sampler=dataclasses.replace(tiny, cores=4)).digest() == base.digest()
    # extra fields of a run (an episode's window) are part of its digest
    assert base.digest(window=30) != base.digest() != base.digest(window=90)
    # the as-of date is normalised: a Timestamp, a date or its text name the same fit
    import datetime as dt

    import pandas as pd

    days = ("2012-03-17", dt.date(2012, 3, 17), pd.Timestamp(2012, 3, 17))
    same = {identity(ds, priors, tiny, 1, d).digest() for d in days}
    assert same == {base.digest()}


def test_provenance_names_where_the_numbers_come_from(ds, priors, tiny):
    prov = identity(ds, priors, tiny, 7, "2012-03-17").provenance()
    assert prov == {
        "data_hash": ds.data_hash,
        "priors_file": "default.toml",
        "priors_hash": priors.digest,
        "model_version": MODEL_VERSION,
        "seed": 7,
        "fit_as_of": "2012-03-17",
    }
    assert "fit_as_of" not in identity(ds, priors, tiny, 7).provenance()  # a run over many cuts


# ------------------------------------------------------------------ the store


def test_save_and_load_round_trip_every_array(tmp_path, priors, ds):
    fit = prior_fit(priors, "2015-06-01", n=60, seed=3, ds=ds)
    store = FitStore(tmp_path)
    path = store.save(fit)
    assert path.name == f"fit-2015-06-01-prior-{fit.identity.digest()}.nc" and path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    back = FitStore(tmp_path).load(fit.identity)  # a new store: from disk, not memory
    assert back is not None and back.from_cache and back.identity == fit.identity
    assert back.diagnostics == fit.diagnostics
    for name, array in fit.posterior.arrays().items():
        np.testing.assert_array_equal(getattr(back.posterior, name), array, err_msg=name)


def test_the_file_is_a_netcdf_posterior_group_arviz_reads(tmp_path, priors):
    import xarray as xr

    fit = prior_fit(priors, "2015-06-01", n=40, seed=3)
    path = FitStore(tmp_path).save(fit)
    with xr.open_dataset(path, engine="h5netcdf") as data:
        assert data.attrs["format"] == FILE_FORMAT
        assert data["beta"].dims == ("chain", "draw", "component", "feature")
        assert data.sizes["chain"] == 1 and data.sizes["draw"] == 40
        assert list(data["hit"].coords["kind"].values) == ["notice", "plan", "imminent", "preparation"]


def test_cache_hit_mismatch_and_damage(ds, priors, small_fit, fit_cache, tmp_path, tiny, fake_sampler):
    """In a private copy of the session's cache: a hit, another identity, a renamed file, a damaged
    file (refitted, never served, replaced by a good one)."""
    cache = tmp_path / "fits"
    cache.mkdir()
    source = FitStore(fit_cache).path(small_fit.identity)
    shutil.copy(source, cache / source.name)
    hit = FitStore(cache).get(ds, priors, "2012-03-17", tiny, seed=DEFAULT_SEED)
    assert hit.from_cache and not fake_sampler
    np.testing.assert_array_equal(hit.posterior.alpha, small_fit.posterior.alpha)
    # another seed is another identity: not served from this entry
    assert FitStore(cache).load(identity(ds, priors, tiny, DEFAULT_SEED + 1, "2012-03-17")) is None
    # a file whose stored identity differs (e.g. renamed by hand) is refused
    path = cache / source.name
    other = dataclasses.replace(small_fit.identity, data_hash="something-else")
    FitStore(cache).path(other).write_bytes(path.read_bytes())
    assert FitStore(cache).load(other) is None
    # a damaged file is refitted, never served, and replaced by a good one
    path.write_bytes(b"not a fit")
    assert FitStore(cache).load(small_fit.identity) is None
    refit = FitStore(cache).get(ds, priors, "2012-03-17", tiny, seed=DEFAULT_SEED)
    assert not refit.from_cache and fake_sampler == [("2012-03-17", "full", "default.toml")]
    assert FitStore(cache).load(small_fit.identity) is not None
    assert not list(cache.glob("*.tmp")) and not list(cache.glob(".*"))


@pytest.mark.parametrize("damage", ["empty", "truncated", "foreign netcdf", "other format"])
def test_a_damaged_or_foreign_file_is_none(tmp_path, priors, damage):
    import xarray as xr

    fit = prior_fit(priors, "2015-06-01", n=40, seed=3)
    store = FitStore(tmp_path)
    path = store.save(fit)
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif damage == "foreign netcdf":
        path.unlink()
        xr.Dataset({"x": ("a", np.arange(3))}).to_netcdf(path, engine="h5netcdf")
    else:
        with xr.open_dataset(path, engine="h5netcdf") as data:
            changed = data.load()
        changed.attrs["format"] = "nk-forecast fit 0"
        path.unlink()
        changed.to_netcdf(path, engine="h5netcdf")
    assert FitStore(tmp_path).load(fit.identity) is None


def test_a_failed_save_leaves_neither_a_file_nor_a_temporary(tmp_path, priors, monkeypatch):
    fit = prior_fit(priors, "2015-06-01", n=40, seed=3)

    def refuse(tmp, fit):
        raise AssertionError("read-back check failed")

    monkeypatch.setattr(FitStore, "_check", staticmethod(refuse))
    with pytest.raises(AssertionError, match="read-back"):
        FitStore(tmp_path).save(fit)
    assert list(tmp_path.iterdir()) == []


def test_the_store_keeps_the_most_recent_fits_in_memory(tmp_path, priors):
    store = FitStore(tmp_path, memory=2)
    fits = [prior_fit(priors, f"2015-06-0{i}", n=20, seed=i) for i in (1, 2, 3)]
    loaded = []
    for f in fits:
        store.save(f)
        loaded.append(store.load(f.identity))  # read back from disk, and remembered
    assert all(f.from_cache for f in loaded)
    for f in fits:
        store.path(f.identity).unlink()  # from now on only memory can answer
    assert store.load(fits[0].identity) is None  # the oldest was let go
    assert store.load(fits[1].identity) is loaded[1] and store.load(fits[2].identity) is loaded[2]


def test_a_prior_fit_is_marked_as_such(priors, ds):
    fit = prior_fit(priors, "2015-06-01", n=50, seed=4, ds=ds)
    assert isinstance(fit, Fit) and not fit.from_cache
    assert fit.identity.variant == "prior" and fit.identity.data_hash == ds.data_hash
    assert fit.identity.sampler.tune == 0 and fit.posterior.n_draws == 50
    assert prior_fit(priors, "2015-06-01", n=50, seed=4).identity.data_hash == "none"
    assert isinstance(fit.diagnostics, Diagnostics)
    assert (fit.diagnostics.rhat_max, fit.diagnostics.divergences) == (1.0, 0)


def test_refit_samples_again_and_replaces_the_stored_fit(
    ds, priors, small_fit, fit_cache, tmp_path, tiny, fake_sampler
):
    cache = tmp_path / "fits"
    cache.mkdir()
    source = FitStore(fit_cache).path(small_fit.identity)
    shutil.copy(source, cache / source.name)
    store = FitStore(cache)
    again = store.get(ds, priors, "2012-03-17", tiny, DEFAULT_SEED, refit=True)
    assert not again.from_cache and fake_sampler == [("2012-03-17", "full", "default.toml")]
    assert store.load(small_fit.identity) is again  # remembered
    no_signals = store.get(ds, priors, "2012-03-17", tiny, DEFAULT_SEED, variant="no_signals")
    assert no_signals.identity.variant == "no_signals" and len(fake_sampler) == 2
    assert sorted(p.name.split("-")[4] for p in cache.glob("fit-*.nc")) == ["full", "no_signals"]
