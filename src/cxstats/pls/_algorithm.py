"""The PLS algorithm on indicator correlation matrices, vectorised over a stack of samples.

Everything PLS estimates depends on the data only through the correlation matrix ``R`` of
the standardized indicators, so each step of Wold's/Lohmöller's iteration is written
with ``R`` (shape ``(D, p, p)``: ``D`` samples, e.g. bootstrap draws, at once) and the outer
weights ``W`` (``(D, p, c)``, zero outside each construct's block):

1. scores ``Y = X W`` are standardized: ``W <- W / sd``, with ``cor(Y) = W'RW``;
2. inner weights ``E`` from the score correlations: path weighting (``cor`` towards a
   construct's successors, multiple-regression coefficients from its predictors),
   factorial (``cor`` with every neighbour) or centroid (its sign);
3. inner proxies ``Z = Y E``, standardized;
4. new outer weights: mode A ``cov(x, z) = R V`` (with ``Z = X V``), mode B
   ``R_bb^-1 cor(x_b, z)``; then rescaled so that every score has unit variance;
5. stop when the sum of absolute weight changes falls below ``tol`` (seminr's rule:
   ``sum |W_new - W_old| < 10^-7``, starting from unit weights).

Each sample stops on its own criterion, so a sample's result does not depend on the
others in the stack. Validated against PyPI seminr 0.2.1 (a port that reproduces R seminr)
on the ECSI mobile-phone model: tests/pls/test_pls_reference.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._spec import PLSSpec

__all__ = ["Layout", "outer_weights", "inner_estimates", "InnerEstimates", "correlations"]

SCHEMES = ("path", "factorial", "centroid")


@dataclass(frozen=True)
class Layout:
    """The numeric description of a :class:`PLSSpec` the algorithm needs."""

    mask: np.ndarray  # (p, c) block membership
    paths: np.ndarray  # (c, c), 1 at [predictor, outcome]
    neighbours: np.ndarray  # paths + paths'
    outcomes: tuple[tuple[int, np.ndarray], ...]  # (outcome, its predictors) for each endogenous construct
    regressions: tuple[tuple[np.ndarray, np.ndarray], ...]  # outcomes with k predictors: (outcomes (g,), predictors (g, k))
    mode_b: tuple[tuple[int, np.ndarray], ...]  # (construct, its indicators) for mode B blocks
    corrected: np.ndarray  # (c,) bool: PLSc-corrected (mode A with consistent=True)
    multi_item: np.ndarray  # (c,) bool
    scheme: str

    @classmethod
    def from_spec(cls, spec: PLSSpec, *, scheme: str, consistent: bool) -> Layout:
        mask = spec.mask
        paths = spec.path_matrix
        index = {c: j for j, c in enumerate(spec.constructs)}
        outcomes = tuple((index[o], np.array([index[p] for p in spec.predictors(o)])) for o in spec.endogenous)
        owner = spec.owner
        mode_b = tuple((j, np.flatnonzero(owner == j)) for j, m in enumerate(spec.modes) if m == "B")
        sizes = mask.sum(axis=0)
        corrected = np.array([consistent and m == "A" for m in spec.modes])
        sizes_k = sorted({len(p) for _, p in outcomes})
        regressions = tuple((np.array([o for o, p in outcomes if len(p) == k]),
                             np.array([p for _, p in outcomes if len(p) == k])) for k in sizes_k)
        return cls(mask=mask, paths=paths, neighbours=paths + paths.T, outcomes=outcomes, regressions=regressions,
                   mode_b=mode_b, corrected=corrected, multi_item=sizes > 1, scheme=scheme)


def correlations(x: np.ndarray, freq: np.ndarray) -> np.ndarray:
    """Correlation matrices of ``x`` (``(n, p)`` or ``(D, n, p)``) with row frequencies
    ``freq`` (``(D, n)``): the data of bootstrap or jackknife samples without copying rows
    (for shared rows, one matrix product of the frequencies with the rows' outer products)."""
    total = freq.sum(axis=1)
    p = x.shape[-1]
    if x.ndim == 2:
        mean = freq @ x / total[:, None]
        products = (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], p * p)
        cross = (freq @ products).reshape(-1, p, p)
    else:
        weighted = x * freq[:, :, None]
        mean = weighted.sum(axis=1) / total[:, None]
        cross = np.matmul(weighted.transpose(0, 2, 1), x)
    cov = cross - total[:, None, None] * mean[:, :, None] * mean[:, None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    diag = np.arange(x.shape[-1])
    corr[:, diag, diag] = np.where(sd > 0, 1.0, np.nan)
    return corr


def _diag(a: np.ndarray) -> np.ndarray:
    return np.diagonal(a, axis1=1, axis2=2)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``a^-1 b`` for vectors ``b`` (``(..., k)``); NaN for singular systems."""
    if b.shape[-1] == 1:
        return b / a[..., 0]
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        flat_a, flat_b = a.reshape(-1, *a.shape[-2:]), b.reshape(-1, b.shape[-1])
        out = np.full(flat_b.shape, np.nan)
        for d in range(flat_a.shape[0]):
            try:
                out[d] = np.linalg.solve(flat_a[d], flat_b[d])
            except np.linalg.LinAlgError:
                pass
        return out.reshape(b.shape)


def _regressions(cors: np.ndarray, layout: Layout):
    """OLS coefficients of every outcome on its predictors from correlations, grouped by the
    number of predictors: yields (outcomes (g,), predictors (g, k), coefficients (D, g, k))."""
    for outcomes, predictors in layout.regressions:
        a = cors[:, predictors[:, :, None], predictors[:, None, :]]
        b = cors[:, predictors, outcomes[:, None]]
        yield outcomes, predictors, _solve(a, b)


def _inner_weights(cors: np.ndarray, layout: Layout) -> np.ndarray:
    if layout.scheme == "factorial":
        return cors * layout.neighbours
    if layout.scheme == "centroid":
        return np.sign(cors) * layout.neighbours
    inner = cors * layout.paths.T  # [successor, construct]: correlation with each successor
    for outcomes, predictors, beta in _regressions(cors, layout):
        inner[:, predictors, outcomes[:, None]] = beta
    return inner


def _step(r: np.ndarray, w: np.ndarray, layout: Layout) -> np.ndarray:
    rw = np.matmul(r, w)
    cov = np.matmul(w.transpose(0, 2, 1), rw)  # covariances of the scores
    sd = np.sqrt(_diag(cov))
    cors = cov / (sd[:, :, None] * sd[:, None, :])
    inner = _inner_weights(cors, layout)
    proxy_sd = np.sqrt((np.matmul(cors, inner) * inner).sum(axis=1))  # diag(E' cor E)
    v = np.matmul(w / sd[:, None, :], inner) / proxy_sd[:, None, :]  # proxies = X v, standardized
    rv = np.matmul(r, v)
    new = rv * layout.mask
    for j, items in layout.mode_b:
        new[:, items, j] = _solve(r[:, items[:, None], items], rv[:, items, j])
    scale = np.sqrt((new * np.matmul(r, new)).sum(axis=1))  # sd of the new scores
    return new / scale[:, None, :]


def outer_weights(r: np.ndarray, layout: Layout, start: np.ndarray, *, tol: float,
                  max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Iterate the outer weights of every sample in ``r`` from ``start`` (``(p, c)`` or
    ``(D, p, c)``). Returns standardized weights ``(D, p, c)``, the number of weight updates
    and whether each sample met ``sum |dW| < tol`` within ``max_iter`` updates."""
    d = r.shape[0]
    w = np.array(np.broadcast_to(start, (d, *layout.mask.shape)), dtype=float)
    iterations = np.zeros(d, dtype=int)
    converged = np.zeros(d, dtype=bool)
    active = np.arange(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        for it in range(1, max_iter + 1):
            sub_r = r if len(active) == d else r[active]
            old = w if len(active) == d else w[active]
            new = _step(sub_r, old, layout)
            change = np.abs(new - old).sum(axis=(1, 2))
            w[active] = new
            iterations[active] = it
            done = change < tol
            failed = ~np.isfinite(change)
            converged[active[done]] = True
            active = active[~(done | failed)]
            if not len(active):
                break
    return w, iterations, converged


@dataclass(frozen=True)
class InnerEstimates:
    """What follows from converged weights, per sample: loadings ``(D, p, c)``, construct
    correlations ``(D, c, c)`` (PLSc-corrected where asked), paths ``(D, c, c)`` at
    ``[predictor, outcome]``, total effects, R² ``(D, k)`` and rho_A ``(D, c)``."""

    loadings: np.ndarray
    score_correlations: np.ndarray
    construct_correlations: np.ndarray
    paths: np.ndarray
    total: np.ndarray
    r2: np.ndarray
    rho_a: np.ndarray


def rho_a(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Dijkstra-Henseler rho_A of every block: ``(w'w)^2 w'(S - diag S)w / w'(ww' - diag ww')w``
    (Dijkstra & Henseler, 2015, eq. 21; seminr's ``rho_A``); NaN for a single indicator."""
    wtw = (w**2).sum(axis=1)
    wsw = _diag(np.matmul(w.transpose(0, 2, 1), np.matmul(r, w)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return wtw**2 * (wsw - wtw) / (wtw**2 - (w**4).sum(axis=1))


def inner_estimates(r: np.ndarray, w: np.ndarray, layout: Layout) -> InnerEstimates:
    """Loadings, paths, R², total effects and rho_A from converged standardized weights."""
    rw = np.matmul(r, w)
    scores = np.matmul(w.transpose(0, 2, 1), rw)
    sd = np.sqrt(_diag(scores))
    scores = scores / (sd[:, :, None] * sd[:, None, :])
    loadings = rw * layout.mask
    rho = rho_a(r, w)
    cors = scores
    if layout.corrected.any():
        # PLSc (Dijkstra & Henseler, 2015): disattenuate the score correlations by sqrt(rho_A);
        # reflective loadings become w sqrt(rho_A) / (w'w)
        reliability = np.where(layout.corrected & layout.multi_item, rho, 1.0)
        root = np.sqrt(reliability)
        cors = scores / (root[:, :, None] * root[:, None, :])
        c = cors.shape[1]
        cors[:, np.arange(c), np.arange(c)] = 1.0
        factor = root / (w**2).sum(axis=1)
        loadings = np.where(layout.corrected[None, None, :], w * factor[:, None, :], loadings)
    paths = np.zeros_like(cors)
    r2_by_construct = np.zeros(cors.shape[:2])
    for outcomes, predictors, beta in _regressions(cors, layout):
        paths[:, predictors, outcomes[:, None]] = beta
        r2_by_construct[:, outcomes] = (beta * cors[:, predictors, outcomes[:, None]]).sum(axis=2)
    r2 = r2_by_construct[:, [o for o, _ in layout.outcomes]]
    total = paths.copy()
    power = paths
    for _ in range(paths.shape[1] - 1):  # B + B^2 + ...: B is nilpotent in a recursive model
        power = np.matmul(power, paths)
        total = total + power
    return InnerEstimates(loadings=loadings, score_correlations=scores, construct_correlations=cors, paths=paths,
                          total=total, r2=r2, rho_a=rho)
