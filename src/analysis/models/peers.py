"""Outside view: how often comparable regions achieved the required change over the same horizon.

The reference class is every h-year window of the same indicator ending no later than the as-of
year (the region's own past windows count as one region among many), widened in a fixed order until it holds enough windows:
same level and parent → same level (other levels are rungs B and C of the ladder,
:mod:`analysis.engine.ladder`). It is always size-conditioned: a quantile
regression (statsmodels QuantReg) of the h-year change on the starting level y0, read at the
target region's starting level, gives the conditional distribution of the change. The raw count
("7 of 160 city-years did it") is reported beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from analysis.lazy import Lazy, lazy_attribute, resolved_state  # noqa: F401 (Lazy: type of windows)
from analysis.models.forecast import N_DRAWS, Forecast

TAUS = np.array([0.03, 0.1, 0.25, 0.5, 0.75, 0.9, 0.97])
_Z_TAUS = special.ndtri(TAUS)  # = norm.ppf(TAUS)
MIN_WINDOWS = 20          # enough to use a class
MIN_WINDOWS_QUANTREG = 30  # enough for a size-conditioned fit; below: unconditional empirical


@dataclass
class PeerFit:
    """Fitted conditional quantiles of the h-year change given the starting level."""

    windows: pd.DataFrame            # region, level, parent, start_year, end_year, y0, change
    reference_class: str
    coefs: np.ndarray | None         # shape (len(TAUS), 2): intercept, slope on y0; None = unconditional
    y0_range: tuple[float, float]

    @classmethod
    def from_rows(cls, windows: "pd.DataFrame | Lazy", core: tuple, changes: np.ndarray, n_regions: int) -> "PeerFit":
        """A fit from its core (reference_class, coefs, y0_range) and its class's changes and region
        count as computed from arrays; ``windows`` (for charts) may be a :class:`~analysis.lazy.Lazy`
        frame, built on first read. ``changes`` must be ``windows["change"]`` in row order."""
        fit = cls(windows, *core)
        fit.__dict__["changes"], fit.__dict__["n_regions"] = changes, int(n_regions)  # the cached properties
        return fit

    @cached_property
    def changes(self) -> np.ndarray:
        """The windows' changes as an array (read once per class, not once per target)."""
        return self.windows["change"].to_numpy(float)

    @cached_property
    def n_regions(self) -> int:
        """How many regions the class's windows come from."""
        return int(self.windows["region"].nunique())

    def quantiles_at(self, y0: float) -> np.ndarray:
        """Conditional quantiles of the change at starting level y0 (monotone by rearrangement)."""
        if self.coefs is None:
            return np.quantile(self.changes, TAUS)
        y0c = float(np.clip(y0, *self.y0_range))  # no extrapolation beyond the peers' sizes
        return np.sort(self.coefs[:, 0] + self.coefs[:, 1] * y0c)


PeerFit.windows = lazy_attribute("windows", "the class's windows (a frame; built on first read where lazy)")
PeerFit.__getstate__ = resolved_state


def choose_class_rows(codes, as_of: int, level: str, parent: str) -> tuple[np.ndarray, str]:
    """:func:`choose_class` as a mask over the uncut windows' :class:`~analysis.engine.views.RowCodes`
    (windows ending ≤ ``as_of``): the same rows in the same order, the same label."""
    at_level = codes.select(as_of, level)
    candidates = [(at_level & (codes.parent == codes.parents.get(parent, -2)),
                   f"same level ({level}) and parent ({parent})"),
                  (at_level, f"same level ({level})")]
    for mask, label in candidates:
        if np.count_nonzero(mask) >= MIN_WINDOWS:
            return mask, label
    return candidates[-1][0], candidates[-1][1] + " (fewer than %d windows)" % MIN_WINDOWS


def choose_class(windows: pd.DataFrame, level: str, parent: str) -> tuple[pd.DataFrame, str]:
    """Widen the reference class in the fixed order until it holds ≥ MIN_WINDOWS windows."""
    at_level = windows["level"].to_numpy() == level  # numpy on the string columns: 5x pandas' comparison
    candidates = [
        (windows[at_level & (windows["parent"].to_numpy() == parent)], f"same level ({level}) and parent ({parent})"),
        (windows[at_level], f"same level ({level})"),
    ]
    for frame, label in candidates:
        if len(frame) >= MIN_WINDOWS:
            return frame, label
    return candidates[-1][0], candidates[-1][1] + " (fewer than %d windows)" % MIN_WINDOWS


def fit_peers(windows: pd.DataFrame, reference_class: str) -> PeerFit | None:
    """Fit the size-conditioned quantiles of change on a reference class (None if < 5 windows)."""
    if len(windows) < 5:
        return None
    y0 = windows["y0"].to_numpy(float)
    ch = windows["change"].to_numpy(float)
    rng = (float(y0.min()), float(y0.max()))
    if len(windows) < MIN_WINDOWS_QUANTREG or np.ptp(y0) < 1e-9:
        return PeerFit(windows, reference_class + "; unconditional (too few windows to condition on size)", None, rng)
    X = np.column_stack([np.ones_like(y0), y0])
    coefs = quantreg_params(ch, X, TAUS)
    return PeerFit(windows, reference_class, coefs, rng)


def quantreg_params(y: np.ndarray, X: np.ndarray, taus: np.ndarray, max_iter: int = 300,
                    p_tol: float = 1e-5) -> np.ndarray:
    """Linear quantile-regression coefficients for every τ at once, shape (len(taus), X.shape[1]).

    The iteratively reweighted least squares of statsmodels' ``QuantReg.fit(q=τ, max_iter, p_tol)``
    (start from OLS, weights 1/|τ-scaled residual| with residuals clamped at 1e-6, stop when no
    coefficient moves by more than ``p_tol`` or after ``max_iter`` iterations) without the model
    object, the rank check and the covariance and bandwidth work ``fit`` does after the loop
    (only the coefficients are used). Same operations, so the same bits as statsmodels (tested).
    With ``max_iter`` ≤ 300 statsmodels' cycle check (from iteration 300 on) never changes the result.

    Every τ iterates in one loop: the 2-D matrix products stay per τ (as statsmodels makes them),
    the pseudo-inverses of all active τ come from one stacked SVD call (:func:`_pinv_stack`) and the
    reweighting is element-wise over all τ at once; a τ leaves the loop when its own rule is met.
    Not a different solver: where the IRLS cycles until ``max_iter`` (large provincial classes) any
    change of operations moves coefficients by up to 0.2, so the operations are kept (1.4× faster).

    Example:
        >>> X = np.column_stack([np.ones(5), np.arange(5.0)])
        >>> quantreg_params(np.arange(5.0) * 2 + 1, X, np.array([0.5])).round(6).tolist()
        [[1.0, 2.0]]
    """
    y = np.asarray(y, dtype=float)
    q = np.asarray(taus, dtype=float)
    beta = np.ones((q.size, X.shape[1]))
    xstar = [X for _ in q]          # the first pass is OLS (xstar is X itself, as in statsmodels)
    active = np.arange(q.size)
    n_iter = 0
    while active.size and n_iter < max_iter:
        n_iter += 1
        # per τ the same matrix products as statsmodels; one SVD call for every τ (LAPACK runs per
        # matrix); the element-wise reweighting of every τ at once (element-wise: the same bits)
        pinvs = _pinv_stack(np.stack([np.dot(xstar[k].T, X) for k in active]))
        new = np.stack([np.dot(pinv, np.dot(xstar[k].T, y)) for pinv, k in zip(pinvs, active)])
        resid = np.stack([y - np.dot(X, b) for b in new])
        mask = np.abs(resid) < 0.000001
        if mask.any():
            resid[mask] = ((resid[mask] >= 0) * 2 - 1) * 0.000001
        qa = q[active][:, None]
        resid = np.abs(np.where(resid < 0, qa * resid, (1 - qa) * resid))
        weighted = X[None] / resid[:, :, np.newaxis]
        for j, k in enumerate(active):
            xstar[k] = weighted[j]
        moved = np.abs(new - beta[active]).max(axis=1) > p_tol
        beta[active] = new
        active = active[moved]
    return beta


def _pinv_stack(a: np.ndarray) -> list[np.ndarray]:
    """``np.linalg.pinv`` of each matrix of a stack (K × p × p), with the same operations (same bits).

    numpy's pinv: SVD, singular values ≤ 1e-15 × the largest set to 0, the others inverted, then
    V·S⁺·Uᵀ. Here the SVD of the whole stack is one call of numpy's LAPACK gufunc (which factors
    each matrix on its own, as for a single one) and the product is made per matrix on 2-D arrays
    as pinv makes it; one call instead of K saves the wrapper work that dominated the IRLS. Where
    the gufunc is unavailable or an SVD fails, numpy's own pinv is used (and raises its error).

    >>> m = np.array([[[2.0, 1.0], [1.0, 4.0]]])
    >>> bool(np.array_equal(_pinv_stack(m)[0], np.linalg.pinv(m[0])))
    True
    """
    if _SVD is None:
        return [np.linalg.pinv(m) for m in a]
    u, s, vt = _SVD(a, signature="d->ddd")
    if not np.all(np.isfinite(s)):
        return [np.linalg.pinv(m) for m in a]
    # element-wise steps for the whole stack (the same bits), the product per matrix
    large = s > 1e-15 * s.max(axis=-1, keepdims=True)
    s = np.divide(1, s, where=large, out=s)
    s[~large] = 0
    right = np.multiply(s[..., np.newaxis], u.transpose(0, 2, 1))   # each (p, p) laid out as pinv's
    return [np.matmul(vt[k].T, right[k]) for k in range(a.shape[0])]


def _svd_gufunc():
    """numpy's reduced-SVD gufunc (what ``np.linalg.svd(a, full_matrices=False)`` calls), or None."""
    try:
        from numpy.linalg import _umath_linalg
    except ImportError:
        return None
    return getattr(_umath_linalg, "svd_s", None)


_SVD = _svd_gufunc()


def _z_quantiles(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles on the normal-score axis z = Φ⁻¹(τ), where tails are extended linearly."""
    return _Z_TAUS, q


def _extrapolate(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Linear interpolation with linear extension beyond both ends (outer segments' slopes)."""
    x = np.asarray(x, dtype=float)
    out = np.interp(x, xp, fp)
    lo_slope = (fp[1] - fp[0]) / (xp[1] - xp[0])
    hi_slope = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    out = np.where(x < xp[0], fp[0] + (x - xp[0]) * lo_slope, out)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * hi_slope, out)


def peer_forecast(fit: PeerFit, y0: float, rng: np.random.Generator, n: int = N_DRAWS,
                  quantiles: np.ndarray | None = None) -> Forecast:
    """Draws of y_T = y0 + change, the change drawn from the conditional quantile function.

    Between the fitted quantiles the quantile function is linear in the normal score z; beyond the
    outer ones (3 % / 97 %) it is extended with the outer slopes (a Gaussian-like tail).
    ``quantiles``: ``fit.quantiles_at(y0)`` where the caller has it already.
    """
    z, q = _z_quantiles(fit.quantiles_at(y0) if quantiles is None else quantiles)
    # the draws are formed where read (peers as the headline, a score): P has a closed form here
    return Forecast("peers", draws=Lazy(_peer_draws, y0, rng.standard_normal(n), z, q), info={"quantiles": q})


def _peer_draws(y0: float, u: np.ndarray, z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """y0 + the change at standard normals ``u`` through the quantile function (z, q)."""
    return y0 + _extrapolate(u, z, q)


def p_meet_peers(fit: PeerFit, y0: float, required: float, quantiles: np.ndarray | None = None) -> float:
    """P(change ≥ required) from the conditional quantile function (same tails as the draws).
    ``quantiles``: ``fit.quantiles_at(y0)`` where the caller has it already."""
    z, q = _z_quantiles(fit.quantiles_at(y0) if quantiles is None else quantiles)
    if np.ptp(q) <= 0:
        return float(required <= q[0])
    # invert q(z): q is non-decreasing in z; remove flat steps for the inverse
    keep = np.concatenate([[True], np.diff(q) > 0])
    zq, qq = z[keep], q[keep]
    if len(qq) < 2:
        return float(required <= qq[0])
    z_star = _extrapolate(np.array([required]), qq, zq)[0]
    return float(special.ndtr(-z_star))  # = norm.sf(z_star), without a distribution object


def raw_count(windows: pd.DataFrame, required: float) -> tuple[int, int]:
    """(windows that achieved at least the required change, all windows)."""
    ch = windows["change"].to_numpy(float)
    return int(np.sum(ch >= required)), int(len(ch))
