"""Variance-based sensitivity analysis (敏感性分析): which uncertain choice moves the ranking?

First-order and total Sobol indices of an output ``Y`` for each input factor, estimated from
Saltelli's design (Saltelli et al. 2010, "Variance based sensitivity analysis of model output.
Design and estimator for the total sensitivity index", Comput. Phys. Commun. 181: 259–270):
two independent sample matrices ``A`` and ``B`` (N × d) and, for each factor i, ``AB_i`` = ``A``
with column i taken from ``B``. With ``f`` the model,

* first order (Saltelli 2010, Table 2 (b)):  ``S_i  = mean(f(B)·(f(AB_i) − f(A))) / V``
* total (Jansen 1999, Table 2 (f)):           ``ST_i = mean((f(A) − f(AB_i))²) / (2V)``

with ``V`` the variance of ``f`` over the rows of ``A`` and ``B`` together. The run layout and the
bootstrap intervals (resample the N base rows with replacement; interval half-width =
``z_{(1+conf)/2}`` × standard deviation of the resampled estimates) are SALib's
(``SALib.sample.sobol`` / ``SALib.analyze.sobol`` with ``calc_second_order=False``), so the
same run matrix gives the same indices in both (tested). Base samples are a scrambled Sobol'
sequence (``scipy.stats.qmc.Sobol``, seeded).

For a scheme, the factors are those of :mod:`zhengji.engine.uncertainty` (COINr
``get_sensitivity(SA_type = "SA")``: N·(d + 2) rebuilds); outputs are the mean absolute rank
change against the nominal ranking and each unit's score. :func:`remove_one` is COINr's
"remove one element" check: the mean absolute rank change when a pillar's weight is set to 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm, qmc

from zhengji.engine.assess import assess
from zhengji.engine.panel import Panel
from zhengji.engine.uncertainty import (
    Factor,
    build_design,
    evaluate,
    rank_rows,
    replicate_scores,
)
from zhengji.errors import MethodError
from zhengji.scheme.model import PillarSpec, Scheme, UncertaintySpec

__all__ = [
    "RemoveOne",
    "SensitivityResult",
    "SobolIndices",
    "remove_one",
    "run_sensitivity",
    "saltelli_sample",
    "sobol_indices",
]

FloatArray = NDArray[np.float64]
_UNIT_BOOTSTRAP_MAX = 500
IntArray = NDArray[np.int64]


def saltelli_sample(n: int, d: int, seed: int = 0) -> FloatArray:
    """Run matrix (n·(d + 2), d) in [0, 1): per base row ``A``, ``AB_1`` … ``AB_d``, ``B``.

    ``A`` and ``B`` are the two halves of a scrambled Sobol' sample in 2d dimensions; ``n`` a
    power of two keeps the sequence balanced.
    """
    if n < 2 or d < 1:
        raise MethodError(f"需要 n ≥ 2 且 d ≥ 1 need n ≥ 2 base samples and d ≥ 1 factors (n={n})")
    gen = qmc.Sobol(d=2 * d, scramble=True, seed=seed)
    m = int(np.log2(n))
    base = gen.random_base2(m) if 2**m == n else gen.random(n)
    A, B = base[:, :d], base[:, d:]
    out = np.empty((n, d + 2, d))
    out[:, 0] = A
    for i in range(d):
        out[:, i + 1] = A
        out[:, i + 1, i] = B[:, i]
    out[:, d + 1] = B
    return out.reshape(n * (d + 2), d)


@dataclass(frozen=True)
class SobolIndices:
    """First-order ``S1`` and total ``ST`` indices with bootstrap half-widths, (d,) or (d, m)."""

    S1: FloatArray
    ST: FloatArray
    S1_conf: FloatArray
    ST_conf: FloatArray


def _split(Y: FloatArray, d: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    step = d + 2
    if Y.shape[0] % step:
        raise MethodError(
            f"输出行数应为 N·(d+2) the output needs N·(d + 2) rows for d = {d}, got {Y.shape[0]}"
        )
    A = Y[0::step]
    B = Y[step - 1 :: step]
    AB = np.stack([Y[i + 1 :: step] for i in range(d)], axis=1)  # (N, d, m)
    return A, AB, B


def _estimates(A: FloatArray, AB: FloatArray, B: FloatArray) -> tuple[FloatArray, FloatArray]:
    V = np.var(np.concatenate([A, B], axis=0), axis=0)  # (m,)
    with np.errstate(invalid="ignore", divide="ignore"):
        S1 = np.mean(B[:, None, :] * (AB - A[:, None, :]), axis=0) / V
        ST = 0.5 * np.mean((A[:, None, :] - AB) ** 2, axis=0) / V
    return S1, ST


def sobol_indices(
    Y: FloatArray, d: int, bootstrap: int = 100, seed: int = 0, conf: float = 0.95
) -> SobolIndices:
    """Indices of outputs ``Y`` ((runs,) or (runs, m)) computed on :func:`saltelli_sample`.

    A constant output has no variance to share: its indices are NaN.
    """
    Y2 = np.asarray(Y, dtype=float)
    one = Y2.ndim == 1
    if one:
        Y2 = Y2[:, None]
    # Centre first (SALib does too): the first-order estimator is not shift-invariant in a
    # finite sample, and a large mean (scores around 60) inflates its error.
    Y2 = Y2 - Y2.mean(axis=0)
    A, AB, B = _split(Y2, d)
    S1, ST = _estimates(A, AB, B)
    N = A.shape[0]
    c1 = np.full(S1.shape, np.nan)
    cT = np.full(ST.shape, np.nan)
    if bootstrap > 0:
        # The same resamples as SALib's ``analyze(..., seed=seed)`` for a non-zero seed.
        r = np.random.default_rng(seed).integers(N, size=(N, bootstrap))
        z = float(norm.ppf(0.5 + conf / 2))
        b1 = np.empty((bootstrap, *S1.shape))
        bT = np.empty((bootstrap, *ST.shape))
        for k in range(bootstrap):
            rows = r[:, k]
            b1[k], bT[k] = _estimates(A[rows], AB[rows], B[rows])
        with np.errstate(invalid="ignore"):
            c1 = z * np.std(b1, axis=0, ddof=1)
            cT = z * np.std(bT, axis=0, ddof=1)
    if one:
        return SobolIndices(S1[:, 0], ST[:, 0], c1[:, 0], cT[:, 0])
    return SobolIndices(S1, ST, c1, cT)


# --- a scheme ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RemoveOne:
    """A pillar whose weight is set to 0, and what that does to the ranking."""

    pillar_id: str
    parent_id: str
    mean_abs_rank_change: float
    max_abs_rank_change: int


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol indices of each factor for the rank shift and per unit, and remove-one results."""

    scheme_id: str
    period: str
    factors: tuple[Factor, ...]
    samples: int
    runs: int
    seed: int
    rank_shift: SobolIndices  # output: mean |rank − nominal rank|, (d,)
    unit_ids: tuple[str, ...]
    unit_names: tuple[str, ...]
    unit_scores: SobolIndices  # output: each unit's score, (d, n)
    remove_one: tuple[RemoveOne, ...]
    synthetic: bool = False


def remove_one(scheme: Scheme, panel: Panel, period: str | None = None) -> tuple[RemoveOne, ...]:
    """Mean absolute rank change when each pillar's weight is set to 0 (the rest re-weighted)."""
    nominal = assess(scheme, panel, period)
    nom = np.asarray(nominal.rank)
    out: list[RemoveOne] = []
    for node in scheme.node_ids():
        kids = scheme.children(node)
        for c, kid in enumerate(kids):
            if not isinstance(kid, PillarSpec) or len(kids) < 2:
                continue
            f = np.ones((1, len(kids)))
            f[0, c] = 0.0
            rk = rank_rows(evaluate(scheme, nominal, {node: f}, 1))[0]
            both = (nom > 0) & (rk > 0)
            diff = np.abs(rk - nom)[both]
            out.append(
                RemoveOne(
                    kid.id,
                    node,
                    float(diff.mean()) if diff.size else 0.0,
                    int(diff.max()) if diff.size else 0,
                )
            )
    return tuple(out)


def run_sensitivity(
    scheme: Scheme,
    panel: Panel,
    spec: UncertaintySpec | None = None,
    *,
    period: str | None = None,
    samples: int | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Sobol indices of every factor of ``[uncertainty]`` (N·(d + 2) vectorised rebuilds)."""
    spec = spec or scheme.uncertainty
    update: dict[str, Any] = {}
    if samples is not None:
        update["samples"] = samples
    if seed is not None:
        update["seed"] = seed
    spec = spec.model_copy(update=update) if update else spec
    design = build_design(scheme, spec)
    d = len(design.factors)
    U = saltelli_sample(spec.samples, d, seed=spec.seed)
    choices = design.options(U)
    nominal = assess(scheme, panel, period)
    S = replicate_scores(design, panel, choices, period, progress, nominal=nominal)
    assert S is not None
    rk = rank_rows(S)
    nom = np.asarray(nominal.rank)
    both = (nom[None, :] > 0) & (rk > 0)
    shift = np.where(both, np.abs(rk - nom[None, :]), 0).sum(axis=1) / np.maximum(
        both.sum(axis=1), 1
    )
    return SensitivityResult(
        scheme_id=scheme.id,
        period=nominal.period,
        factors=design.factors,
        samples=spec.samples,
        runs=int(U.shape[0]),
        seed=spec.seed,
        rank_shift=sobol_indices(shift, d, spec.bootstrap, spec.seed),
        unit_ids=nominal.unit_ids,
        unit_names=nominal.unit_names,
        # per-unit intervals cost bootstrap × N × d × units: only for a few hundred units
        unit_scores=sobol_indices(
            S, d, spec.bootstrap if S.shape[1] <= _UNIT_BOOTSTRAP_MAX else 0, spec.seed
        ),
        remove_one=remove_one(scheme, panel, period),
        synthetic=nominal.synthetic,
    )
