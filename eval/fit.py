"""Small, exact model fitting for the calibration (numpy only).

* :func:`fit_choice`: a linear score over each group's candidates (the sentences of
  one question) such that the softmax puts the most probability on the right ones:
  maximises ``sum over groups of log(sum over right ones of softmax(X w))`` minus
  ``l2 |w|^2`` by gradient ascent with a backtracking line search.
* :func:`fit_logistic`: ``P(y = 1) = sigmoid(X w + b)`` by Newton's method (IRLS)
  with an L2 penalty on ``w``.
* :func:`reliability`: a reliability table of predicted against observed rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _choice_objective(
    w: np.ndarray, groups: Sequence[tuple[np.ndarray, np.ndarray, float]], l2: float
) -> tuple[float, np.ndarray]:
    value, grad = 0.0, np.zeros_like(w)
    total = 0.0
    for x, right, weight in groups:
        s = x @ w
        s = s - s.max()
        p = np.exp(s)
        p_all = p / p.sum()
        p_right = p * right
        total_right = p_right.sum()
        value += weight * float(np.log(total_right) - np.log(p.sum()))
        grad += weight * (x.T @ (p_right / total_right) - x.T @ p_all)
        total += weight
    return value / total - l2 * float(w @ w), grad / total - 2 * l2 * w


def fit_choice(
    groups: Sequence[tuple[np.ndarray, np.ndarray]],
    l2: float = 1e-3,
    start: np.ndarray | None = None,
    steps: int = 500,
    weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Weights of a linear score; each group is ``(features (n, d), right (n,) bool)``
    (groups without a right candidate are skipped); ``weights`` weigh the groups
    (say, so that each question set counts as much as another, whatever its size)."""
    given = [1.0] * len(groups) if weights is None else list(weights)
    usable = [
        (np.asarray(x, float), np.asarray(r, float), float(g))
        for (x, r), g in zip(groups, given, strict=True)
        if np.any(r)
    ]
    if not usable:
        raise ValueError("no group has a right candidate to learn from")
    d = usable[0][0].shape[1]
    w = np.zeros(d) if start is None else np.asarray(start, float).copy()
    value, grad = _choice_objective(w, usable, l2)
    rate = 1.0
    for _ in range(steps):
        while rate > 1e-8:
            trial = w + rate * grad
            v2, g2 = _choice_objective(trial, usable, l2)
            if v2 >= value:
                break
            rate /= 2
        else:
            break
        done = v2 - value < 1e-9
        w, value, grad = trial, v2, g2
        if done:
            break
        rate *= 1.5
    return w


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50, weights: Sequence[float] | None = None
) -> tuple[np.ndarray, float]:
    """``(w, b)`` of ``P(y) = sigmoid(x w + b)`` (Newton's method; ``b`` unpenalised);
    ``weights`` weigh the rows (normalised to a mean of 1)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n, d = x.shape
    v = np.ones(n) if weights is None else np.asarray(weights, float) * n / float(np.sum(weights))
    a = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, 2 * l2 * n)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(a @ theta, -60, 60)))
        grad = a.T @ (v * (y - p)) - penalty * theta
        hess = (a * (v * p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        theta += step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    predicted: float  # mean predicted probability in the bin
    observed: float  # share that was right


def reliability(
    predicted: Sequence[float], right: Sequence[bool], bins: int = 10, weights: Sequence[float] | None = None
) -> list[Bin]:
    """Predicted probabilities against how often they came true, in equal-width bins
    (empty bins left out); ``weights`` weigh the rows (``count`` stays the number of rows)."""
    p = np.asarray(predicted, float)
    r = np.asarray(right, float)
    v = np.ones(len(p)) if weights is None else np.asarray(weights, float)
    out = []
    edges = np.linspace(0, 1, bins + 1)
    for i in range(bins):
        inside = (p >= edges[i]) & ((p < edges[i + 1]) if i < bins - 1 else (p <= edges[i + 1]))
        if inside.any():
            wv = v[inside]
            mean_p, mean_r = (
                float(np.average(p[inside], weights=wv)),
                float(np.average(r[inside], weights=wv)),
            )
            out.append(Bin(float(edges[i]), float(edges[i + 1]), int(inside.sum()), mean_p, mean_r))
    return out


def expected_calibration_error(
    predicted: Sequence[float], right: Sequence[bool], bins: int = 10, weights: Sequence[float] | None = None
) -> float:
    """Mean gap between predicted and observed rates, weighted by the bins' weight."""
    v = np.ones(len(predicted)) if weights is None else np.asarray(weights, float)
    p = np.asarray(predicted, float)
    total = 0.0
    gap = 0.0
    for b in reliability(predicted, right, bins, weights):
        inside = (p >= b.low) & ((p < b.high) if b.high < 1 else (p <= b.high))
        mass = float(v[inside].sum())
        total += mass
        gap += mass * abs(b.predicted - b.observed)
    return gap / total if total else 0.0
