"""The calibration's fitting: exact on small known problems."""

import numpy as np

from eval.fit import expected_calibration_error, fit_choice, fit_logistic, reliability


def test_choice_learns_which_feature_marks_the_right_candidate():
    rng = np.random.default_rng(0)
    groups = []
    for _ in range(200):
        x = rng.normal(size=(6, 3))
        right = np.zeros(6, bool)
        right[np.argmax(x[:, 1] + 0.1 * rng.normal(size=6))] = True  # feature 1 decides
        groups.append((x, right))
    w = fit_choice(groups)
    assert w[1] > 3 * abs(w[0]) and w[1] > 3 * abs(w[2])
    picked = np.mean([r[np.argmax(x @ w)] for x, r in groups])
    assert picked > 0.9


def test_choice_weights_groups():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    a, b = (x, np.array([True, False])), (x, np.array([False, True]))
    assert fit_choice([a, b], weights=[3.0, 1.0])[0] > fit_choice([a, b], weights=[3.0, 1.0])[1]
    assert fit_choice([a, b], weights=[1.0, 3.0])[0] < fit_choice([a, b], weights=[1.0, 3.0])[1]


def test_logistic_recovers_known_coefficients_and_is_calibrated():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20_000, 2))
    p = 1 / (1 + np.exp(-(1.5 * x[:, 0] - 0.5 * x[:, 1] + 0.3)))
    y = rng.random(20_000) < p
    w, b = fit_logistic(x, y, l2=1e-6)
    assert np.allclose(w, [1.5, -0.5], atol=0.08) and abs(b - 0.3) < 0.08
    pred = 1 / (1 + np.exp(-(x @ w + b)))
    assert expected_calibration_error(pred, y) < 0.02
    bins = reliability(pred, y)
    assert sum(b.count for b in bins) == 20_000 and all(abs(b.predicted - b.observed) < 0.05 for b in bins)
