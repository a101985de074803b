"""The model's likelihood as one compiled kernel that returns its value and its gradient.

The law is the one `forecast.model.graph` documents, in three terms:

* cells (unwarned days pooled by features): ``sum y * eta - n * softplus(eta)``, the Binomial
  log-likelihood without its constant, ``eta = alpha[k] + X @ beta[k]``;
* quiet warning spells: ``log(1 - hit F(stop)) - log(1 - hit F(start))``, F the truncated
  geometric lead time's distribution function;
* event days with warnings in force: ``log(1 - (1 - h_background) * (1 - h_warning))`` for each
  warning in force, ``h_warning`` the warning's hazard given it has not fired
  (`forecast.model.warnings.warning_hazard`).

Why a kernel: written as PyTensor tensor operations, the same law and PyTensor's automatic gradient
made a machine's first compile of the model take about 32 s (numba), and an evaluation 50 us. Here
it is written once in scalar loops, with the derivatives by hand: the first compile took about 20 s
(the kernel 1.5 s of it; the rest is the priors' graph and nutpie's wrapper), about 10.5 s now that
a helper process compiles the kernel meanwhile (`forecast.model.compile_ahead`, for the signature
`kernel_signature` gives), and an evaluation walks the data once (42.5 us called from Python, the
kernel 34 us of it). PyMC still declares the parameters, their priors and transforms
(`forecast.model.graph`); `Likelihood` is a PyTensor Op that PyMC adds as a Potential, and
PyTensor's numba backend (which nutpie samples) calls the kernel directly. The tests check the
value against the law written in numpy and the gradient against finite differences, of the kernel
and of the whole model's log density.

Arithmetic follows numpy's error model: a division by zero at an extreme point (a hit rate that
rounds to 1 on a spell that ran to its end, an infinite lead) gives -inf or nan, as the tensor
operations did, not an exception; nutpie counts such a step as a divergence.

``log_q`` is log P(lead > t + 1 | lead > t) = -log1p(1 / lead) per warning kind: the kernel takes
it rather than the lead, and PyTensor differentiates the step from ``log_lead``.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numba
import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType, disconnected_type, grad_not_implemented
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.numba.dispatch.basic import numba_njit, register_funcify_default_op_cache_key

# the model's data containers the likelihood reads, in the kernel's argument order
DATA = (
    "X",
    "cell_component",
    "n",
    "y",
    "wX",
    "w_component",
    "w_offset",
    "w_length",
    "w_active",
    "s_component",
    "s_kind",
    "s_start",
    "s_stop",
    "s_length",
)
_INTEGER = {"cell_component", "w_component", "s_component", "s_kind"}
_RANK = {"X": 2, "wX": 2, "w_offset": 2, "w_length": 2, "w_active": 2}
# part of PyTensor's cache key for the compiled kernel: a change to this file is a new kernel
_SOURCE_KEY = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:15], 16)

# no fast-math: the same bits in every process; numpy's error model: x / 0 is inf or nan, not an exception
_jit = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")


@_jit
def _softplus_and_sigmoid(x):
    """log(1 + exp(x)) and 1 / (1 + exp(-x)), stable at both ends, from one exponential."""
    e = math.exp(-abs(x))
    if x > 0:
        return x + math.log1p(e), 1.0 / (1.0 + e)
    return math.log1p(e), e / (1.0 + e)


@_jit
def _log1mexp(u):
    """log(1 - exp(u)) for u < 0, accurate at both ends."""
    return math.log(-math.expm1(u)) if u > -0.6931471805599453 else math.log1p(-math.exp(u))


@_jit
def _quiet_part(hit, log_q, x, norm, d_norm):
    """log(1 - hit F(x)) with F(x) = (1 - q**x) / norm, and its derivatives in hit and log q."""
    mass = -math.expm1(x * log_q)
    d_mass = -x * math.exp(x * log_q)
    fired = hit * mass / norm
    d_fired = hit * (d_mass * norm - mass * d_norm) / (norm * norm)
    r = -1.0 / (1.0 - fired)
    return math.log1p(-fired), r * mass / norm, r * d_fired


@_jit
def _hazard(hit, log_q, offset, length):
    """warning_hazard's hit * f(offset) / (1 - hit * F(offset)), and its derivatives in hit and log q."""
    norm = -math.expm1(length * log_q)
    d_norm = -length * math.exp(length * log_q)
    step = -math.expm1(log_q)  # 1 - q
    d_step = -math.exp(log_q)
    tail = math.exp(offset * log_q)  # q**offset
    d_tail = offset * tail
    f = step * tail / norm
    d_f = (d_step * tail + step * d_tail) / norm - step * tail * d_norm / (norm * norm)
    before = -math.expm1(offset * log_q) / norm
    d_before = (-offset * tail * norm + math.expm1(offset * log_q) * d_norm) / (norm * norm)
    den = 1.0 - hit * before
    h = hit * f / den
    return h, f / (den * den), hit * (d_f * den + f * hit * d_before) / (den * den)


@_jit
def log_likelihood_and_gradient(
    alpha,
    beta,
    hit,
    log_q,
    X,
    cell_component,
    n,
    y,
    wX,
    w_component,
    w_offset,
    w_length,
    w_active,
    s_component,
    s_kind,
    s_start,
    s_stop,
    s_length,
):
    """The log-likelihood and its gradient in alpha (K,), beta (K, J), hit (W, K) and log_q (W,)."""
    n_features = beta.shape[1]
    g_alpha = np.zeros(alpha.shape[0])
    g_beta = np.zeros(beta.shape)
    g_hit = np.zeros(hit.shape)
    g_log_q = np.zeros(log_q.shape[0])
    total = 0.0

    for i in range(X.shape[0]):  # cells
        k = cell_component[i]
        eta = alpha[k]
        for j in range(n_features):
            eta += X[i, j] * beta[k, j]
        softplus, sigmoid = _softplus_and_sigmoid(eta)
        total += y[i] * eta - n[i] * softplus
        d_eta = y[i] - n[i] * sigmoid
        g_alpha[k] += d_eta
        for j in range(n_features):
            g_beta[k, j] += d_eta * X[i, j]

    for s in range(s_kind.shape[0]):  # quiet spells: P(no firing) telescopes to stop over start
        w, k = s_kind[s], s_component[s]
        lq, length = log_q[w], s_length[s]
        norm = -math.expm1(length * lq)
        d_norm = -length * math.exp(length * lq)
        at_stop, hit_stop, lq_stop = _quiet_part(hit[w, k], lq, s_stop[s], norm, d_norm)
        at_start, hit_start, lq_start = _quiet_part(hit[w, k], lq, s_start[s], norm, d_norm)
        total += at_stop - at_start
        g_hit[w, k] += hit_stop - hit_start
        g_log_q[w] += lq_stop - lq_start

    for r in range(wX.shape[0]):  # event days: each warning in force credited beside the background
        k = w_component[r]
        eta = alpha[k]
        for j in range(n_features):
            eta += wX[r, j] * beta[k, j]
        softplus, sigmoid = _softplus_and_sigmoid(eta)
        log_quiet_bg = -softplus
        d_eta = 0.0
        for w in range(log_q.shape[0]):
            active = w_active[r, w]
            if active == 0.0:
                continue
            h, h_hit, h_lq = _hazard(hit[w, k], log_q[w], w_offset[r, w], w_length[r, w])
            log_none = log_quiet_bg + math.log1p(-h)
            total += active * _log1mexp(log_none)
            d_none = -active / math.expm1(-log_none)
            d_eta -= d_none * sigmoid
            d_h = -d_none / (1.0 - h)
            g_hit[w, k] += d_h * h_hit
            g_log_q[w] += d_h * h_lq
        g_alpha[k] += d_eta
        for j in range(n_features):
            g_beta[k, j] += d_eta * wX[r, j]

    return total, g_alpha, g_beta, g_hit, g_log_q


def check_data(data: dict[str, np.ndarray], n_components: int, n_kinds: int, n_features: int) -> None:
    """Refuse data the kernel would misread: it checks neither its indices nor its arrays' lengths."""
    for name in DATA:
        value = np.asarray(data[name])
        if value.ndim != _RANK.get(name, 1):
            raise ValueError(f"likelihood data {name} has rank {value.ndim}")
        if name in _INTEGER and value.dtype.kind != "i":
            raise ValueError(f"likelihood data {name} must hold integers, not {value.dtype}")
    same_rows = {"X": ("cell_component", "n", "y"), "wX": ("w_component", "w_offset", "w_length", "w_active"),
                 "s_kind": ("s_component", "s_start", "s_stop", "s_length")}  # fmt: skip
    for first, others in same_rows.items():
        for name in others:
            if len(data[name]) != len(data[first]):
                raise ValueError(f"likelihood data {name} has {len(data[name])} rows, {first} {len(data[first])}")
    for name in ("X", "wX"):
        if data[name].shape[1] != n_features:
            raise ValueError(f"likelihood data {name} has {data[name].shape[1]} columns, not {n_features}")
    for name in ("w_offset", "w_length", "w_active"):
        if data[name].shape[1] != n_kinds:
            raise ValueError(f"likelihood data {name} has {data[name].shape[1]} columns, not {n_kinds}")
    for name, bound in (("cell_component", n_components), ("w_component", n_components),
                        ("s_component", n_components), ("s_kind", n_kinds)):  # fmt: skip
        v = data[name]
        if v.size and (v.min() < 0 or v.max() >= bound):
            raise ValueError(f"likelihood data {name} has an index outside 0..{bound - 1}")


class Likelihood(Op):
    """PyTensor Op: (alpha, beta, hit, log_q, *data in `DATA` order) -> (log-likelihood, its
    gradient in alpha, beta, hit, log_q). Its pullback reuses the gradient outputs, so a compiled
    log density and gradient run the kernel once."""

    __props__ = ()

    def make_node(self, alpha, beta, hit, log_q, *data):
        """The Apply node (float64 parameters; data as in `DATA`)."""
        if len(data) != len(DATA):
            raise TypeError(f"Likelihood takes {len(DATA)} data inputs, got {len(data)}")
        params = [pt.as_tensor_variable(v).astype("float64") for v in (alpha, beta, hit, log_q)]
        for v, ndim in zip(params, (1, 2, 2, 1), strict=True):
            if v.ndim != ndim:
                raise TypeError(f"Likelihood parameter of rank {v.ndim}, expected {ndim}")
        inputs = []
        for name, v in zip(DATA, data, strict=True):
            v = pt.as_tensor_variable(v)
            kind = "signed integers" if name in _INTEGER else "float64"  # (PyMC keeps integer data as int32)
            ok = v.dtype.startswith("int") if name in _INTEGER else v.dtype == "float64"
            if not ok or v.ndim != _RANK.get(name, 1):
                raise TypeError(f"Likelihood data {name}: expected {kind} of rank {_RANK.get(name, 1)}")
            inputs.append(v)
        outputs = [pt.dscalar(), pt.dvector(), pt.dmatrix(), pt.dmatrix(), pt.dvector()]
        return Apply(self, params + inputs, outputs)

    def perform(self, node, inputs, output_storage):
        """Evaluate through the kernel (PyTensor's Python and C backends)."""
        total, *grads = log_likelihood_and_gradient(*inputs)
        output_storage[0][0] = np.asarray(total)
        for storage, value in zip(output_storage[1:], grads, strict=True):
            storage[0] = value

    def connection_pattern(self, node):
        """Every output depends on the four parameters, none on the data."""
        return [[i < 4] * len(node.outputs) for i in range(len(node.inputs))]

    def pullback(self, inputs, outputs, cotangents):
        """The log-likelihood's gradient, scaled by its cotangent; nothing flows to the data. The
        gradient outputs are not differentiable here (no second derivatives): a cost that uses them
        gets "not implemented", never a silently wrong gradient."""
        if any(not isinstance(c.type, DisconnectedType) for c in cotangents[1:]):
            return [
                grad_not_implemented(self, i, inputs[i], "second derivatives of the likelihood kernel")
                for i in range(4)
            ] + [disconnected_type() for _ in inputs[4:]]
        g = cotangents[0]
        if isinstance(g.type, DisconnectedType):
            return [disconnected_type() for _ in inputs]
        return [g * grad for grad in outputs[1:]] + [disconnected_type() for _ in inputs[4:]]

    def infer_shape(self, node, input_shapes):
        """A scalar, then the four parameters' shapes."""
        return [(), *input_shapes[:4]]


likelihood = Likelihood()


def log_likelihood(alpha, beta, hit, log_q, data: dict):
    """The log-likelihood of the model's data containers (a dict by name) at these parameters."""
    return likelihood(alpha, beta, hit, log_q, *(data[name] for name in DATA))[0]


def kernel_signature(arguments) -> tuple:
    """The kernel's numba argument types, from each argument's (dtype, rank): C-contiguous arrays,
    as the numba backend passes them."""
    return tuple(numba.types.Array(numba.from_dtype(np.dtype(dtype)), ndim, "C") for dtype, ndim in arguments)


@register_funcify_default_op_cache_key(Likelihood)
def _numba_likelihood(op, node, **kwargs):
    kernel = log_likelihood_and_gradient

    c = np.ascontiguousarray  # no copy for an array that already is

    @numba_njit
    def run(alpha, beta, hit, log_q, X, cc, n, y, wX, wc, w_offset, w_length, w_active, sc, sk, s0, s1, sl):
        # C-contiguous parameters (the data are: nutpie's wrapper and PyMC pass them so) give the
        # kernel one signature per dtype and rank (`kernel_signature`), which a helper process can
        # compile ahead (forecast.model.compile_ahead)
        total, g_alpha, g_beta, g_hit, g_log_q = kernel(
            c(alpha), c(beta), c(hit), c(log_q), X, cc, n, y, wX, wc, w_offset, w_length, w_active, sc, sk, s0, s1, sl
        )
        return np.asarray(total), g_alpha, g_beta, g_hit, g_log_q

    return run, _SOURCE_KEY
