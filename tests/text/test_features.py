"""The hashed featurizer: the streamed scores equal the matrix product; batches are independent."""

from __future__ import annotations

import numpy as np

from tajriba.text.features import Featurizer
from tajriba.text.linear import fit_softmax, softmax
from tajriba.text.normalize import fold

TEXTS = [fold(t) for t in ["التوصيل سريع 😍", "پیک دیر رسید", "great app", "", "a", "ممتاز ممتاز ممتاز"]]


def test_linear_scores_equal_the_matrix_product() -> None:
    f = Featurizer(n_features=2**12)
    rng = np.random.default_rng(0)
    w = rng.normal(size=(f.n_features, 3)).astype(np.float32)
    idf = rng.uniform(1, 3, f.n_features).astype(np.float32)
    m = f.matrix(TEXTS, idf)
    np.testing.assert_allclose(f.linear_scores(TEXTS, w, idf), m @ w, rtol=1e-4, atol=1e-5)
    # a text's vector does not depend on the batch it came in
    np.testing.assert_allclose(f.matrix(TEXTS[:1], idf).toarray(), m[:1].toarray(), rtol=1e-6)
    # rows are length-normalised by the occurrence norm; the empty text has no features
    assert m[3].nnz <= 1 and np.isclose(np.sqrt((f.matrix(["abc"]).toarray() ** 2).sum()), 1.0, atol=0.2)


def test_emoji_are_tokens_and_features_are_deterministic() -> None:
    f = Featurizer(n_features=2**16)
    with_emoji, without = f.matrix(["good 😍"]), f.matrix(["good"])
    assert with_emoji.nnz > without.nnz
    assert (f.matrix(TEXTS) != f.matrix(TEXTS)).nnz == 0


def test_softmax_regression_learns_a_separable_problem() -> None:
    f = Featurizer(n_features=2**14)
    texts = ["ممتاز رائع", "سيء جدا", "عادي"] * 20
    y = np.array([0, 1, 2] * 20)
    w, b = fit_softmax(f.matrix(texts), y, 3, l2=1e-4)
    p = softmax(f.linear_scores(["رائع", "سيء"], w, None) + b)
    assert p[0].argmax() == 0 and p[1].argmax() == 1
