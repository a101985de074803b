"""The likelihood kernel: its value is the documented law, its gradient is the law's derivative
(in the kernel and through the Op into the model's log density), PyTensor's numba backend (which
nutpie samples) computes the same as its Python path, and extreme points give -inf, not an error."""

import numpy as np
import pandas as pd
import pytensor
import pytensor.tensor as pt
import pytest

from forecast.data.vocab import COMPONENTS, WARNING_KINDS
from forecast.model.feature_names import FEATURES
from forecast.model.features import training_cells
from forecast.model.graph import build_model, model_data
from forecast.model.likelihood import DATA, check_data, likelihood, log_likelihood_and_gradient


def law(cells, alpha, beta, hit, lead):
    """The three terms in numpy, with the lead time in its power form (q = lead / (1 + lead)):
    Binomial cells, quiet spells telescoped to stop over start, event days beside their warnings."""
    eta = alpha[cells.component] + (cells.X * beta[cells.component]).sum(-1)
    events = (cells.y * eta - cells.n * np.logaddexp(0.0, eta)).sum()
    sp = cells.spells
    q = (lead / (1 + lead))[sp.kind]
    s_hit = hit[sp.kind, sp.component]

    def fired_before(x):
        return s_hit * (1 - q**x) / (1 - q**sp.length)

    quiet = (np.log1p(-fired_before(sp.stop)) - np.log1p(-fired_before(sp.start))).sum()
    w = cells.warned
    w_eta = alpha[w.component] + (w.X * beta[w.component]).sum(-1)
    wq = (lead / (1 + lead))[None, :]
    off, length = np.maximum(w.offset, 0), np.maximum(w.length, 1)
    w_hit = hit.T[w.component]
    before = (1 - wq**off) / (1 - wq**length)
    h = w_hit * ((1 - wq) * wq**off / (1 - wq**length)) / (1 - w_hit * before)
    none = np.exp(-np.logaddexp(0.0, w_eta))[:, None] * (1 - h)
    warned = np.where(w.offset >= 0, np.log(1 - none), 0.0).sum()
    return events + quiet + warned


@pytest.fixture(scope="module")
def cut(ds, priors):
    cells = training_cells(ds, pd.Timestamp("2019-03-01"), priors)
    assert len(cells.spells.kind) > 0 and (cells.warned.offset >= 0).any()  # both warning terms present
    return cells


def _point(seed, n_features):
    rng = np.random.default_rng(seed)
    k, w = len(COMPONENTS), len(WARNING_KINDS)
    return (
        rng.normal(-7, 1, k),
        rng.normal(0, 0.3, (k, n_features)),
        rng.uniform(0.05, 0.95, (w, k)),
        np.exp(rng.normal(2, 1.5, w)),
    )


def _kernel(cells, alpha, beta, hit, lead):
    data = model_data(cells)
    return log_likelihood_and_gradient(alpha, beta, hit, -np.log1p(1 / lead), *(data[n] for n in DATA))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_kernel_is_the_documented_law(cut, seed):
    alpha, beta, hit, lead = _point(seed, cut.X.shape[1])
    total, *_ = _kernel(cut, alpha, beta, hit, lead)
    assert total == pytest.approx(law(cut, alpha, beta, hit, lead), rel=1e-10)


def test_the_kernels_gradient_is_the_laws_derivative(cut):
    """Every partial derivative against central differences of the numpy law (in log q, the
    kernel's parameter: lead = 1 / expm1(-log q))."""
    alpha, beta, hit, lead = _point(7, cut.X.shape[1])
    _, *grads = _kernel(cut, alpha, beta, hit, lead)
    params = [alpha, beta, hit, -np.log1p(1 / lead)]

    def at(values):
        a, b, h, log_q = values
        return law(cut, a, b, h, 1 / np.expm1(-log_q))

    for which, (param, grad) in enumerate(zip(params, grads, strict=True)):
        for idx in np.ndindex(param.shape):
            step = 1e-6 * max(1.0, abs(param[idx]))
            up, down = [p.copy() for p in params], [p.copy() for p in params]
            up[which][idx] += step
            down[which][idx] -= step
            numeric = (at(up) - at(down)) / (2 * step)
            assert grad[idx] == pytest.approx(numeric, rel=1e-4, abs=1e-4), (which, idx)


def test_a_broken_term_is_caught_by_the_law(cut):
    """The law test can fail: dropping the quiet spells changes the value well beyond its tolerance."""
    alpha, beta, hit, lead = _point(3, cut.X.shape[1])
    data = model_data(cut)
    data["s_kind"] = data["s_kind"][:0]
    for name in ("s_component", "s_start", "s_stop", "s_length"):
        data[name] = data[name][:0]
    total, *_ = log_likelihood_and_gradient(alpha, beta, hit, -np.log1p(1 / lead), *(data[n] for n in DATA))
    assert total != pytest.approx(law(cut, alpha, beta, hit, lead), rel=1e-6)


def test_the_models_potential_is_the_kernel(cut, priors):
    model = build_model(priors, cut)
    point = model.initial_point()
    rng = np.random.default_rng(3)
    point = {k: v + rng.normal(0, 0.3, size=np.shape(v)) for k, v in point.items()}
    names = ["alpha", "beta", "hit", "lead", "likelihood"]
    outs = model.replace_rvs_by_values([model[n] for n in names])
    fn = pytensor.function(model.value_vars, outs, mode="FAST_COMPILE", on_unused_input="ignore")
    alpha, beta, hit, lead, value = fn(*(point[v.name] for v in model.value_vars))
    assert float(value) == pytest.approx(law(cut, alpha, beta, hit, lead), rel=1e-10)


def test_the_models_log_density_has_the_kernels_gradient(cut, priors):
    """Through the Op's pullback and PyTensor's chain rule to the sampler's parameters: the model's
    gradient against central differences of its log density along random directions."""
    model = build_model(priors, cut)
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    start = model.initial_point()
    rng = np.random.default_rng(11)
    x = {k: v + rng.normal(0, 0.3, size=np.shape(v)) for k, v in start.items()}
    grad = dlogp(x)
    names = [v.name for v in model.value_vars]
    for _ in range(4):
        direction = {k: rng.normal(size=np.shape(x[k])) for k in names}
        flat = np.concatenate([np.ravel(direction[k]) for k in names])
        h = 1e-5

        def along(t, direction=direction):
            return logp({k: x[k] + t * direction[k] for k in names})

        numeric = (along(h) - along(-h)) / (2 * h)
        assert grad @ flat == pytest.approx(numeric, rel=1e-5)


def test_the_pullback_scales_by_its_cotangent_and_refuses_second_derivatives(cut):
    data = {k: pt.as_tensor_variable(v) for k, v in model_data(cut).items()}
    alpha, beta, hit, lead = _point(4, cut.X.shape[1])
    a = pt.dvector("alpha")
    outs = likelihood(a, beta, hit, -np.log1p(1 / lead), *(data[n] for n in DATA))
    scaled = pytensor.function([a], pytensor.grad(3.0 * outs[0], a), mode="FAST_COMPILE")(alpha)
    np.testing.assert_allclose(scaled, 3.0 * _kernel(cut, alpha, beta, hit, lead)[1], rtol=1e-12)
    with pytest.raises(Exception, match="second derivatives"):
        pytensor.grad(outs[0] + outs[1].sum(), a)


def test_an_extreme_point_gives_minus_infinity_not_an_error(cut, priors):
    """A hit rate that rounds to 1 on a quiet spell that ran to its end: the spell is impossible."""
    alpha, beta, hit, lead = _point(6, cut.X.shape[1])
    sp = cut.spells
    ended = np.flatnonzero(sp.stop == sp.length)[0]
    hit[sp.kind[ended], sp.component[ended]] = 1.0
    total, *_ = _kernel(cut, alpha, beta, hit, lead)
    assert not np.isfinite(total)  # (nan here: the warned event days divide by 1 - hit too)
    model = build_model(priors, cut)
    point = model.initial_point()
    point["hit_m"] = np.full_like(point["hit_m"], 40.0)
    assert model.compile_logp()(point) == -np.inf  # PyMC's own path: no ZeroDivisionError
    assert not np.isfinite(model.compile_dlogp()(point)).all()


def test_the_numba_backend_computes_what_the_python_path_does(cut):
    """The Op as nutpie's numba-compiled log density calls it (integer data as PyMC stores them,
    int32), against its Python `perform`."""
    data = {k: (v.astype(np.int32) if v.dtype.kind == "i" else v) for k, v in model_data(cut).items()}
    alpha, beta, hit, lead = _point(5, cut.X.shape[1])
    log_q = -np.log1p(1 / lead)
    ins = [pt.dvector("alpha"), pt.dmatrix("beta"), pt.dmatrix("hit"), pt.dvector("log_q")]
    datas = [pt.tensor(name, dtype=data[name].dtype, shape=(None,) * data[name].ndim) for name in DATA]
    outs = likelihood(*ins, *datas)
    values = [alpha, beta, hit, log_q, *(data[n] for n in DATA)]
    by_numba = pytensor.function(ins + datas, outs, mode="NUMBA")(*values)
    by_python = pytensor.function(ins + datas, outs, mode="FAST_COMPILE")(*values)
    for a, b in zip(by_numba, by_python, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("s_kind", lambda v: np.where(np.arange(len(v)) == 0, len(WARNING_KINDS), v), "s_kind has an index outside"),
        ("cell_component", lambda v: v - 1, "cell_component has an index outside"),
        ("n", lambda v: v[:-3], "n has .* rows, X"),
        ("s_length", lambda v: v[:1], "s_length has 1 rows, s_kind"),
        ("wX", lambda v: v[:, :-1], "wX has .* columns"),
        ("s_kind", lambda v: v.astype(float), "s_kind must hold integers"),
    ],
)
def test_data_the_kernel_would_misread_is_refused(cut, name, change, message):
    data = model_data(cut)
    data[name] = change(data[name])
    with pytest.raises(ValueError, match=message):
        check_data(data, len(COMPONENTS), len(WARNING_KINDS), len(FEATURES))
