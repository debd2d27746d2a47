"""The logic written once (scugrn._common): edge tables, TF masks, dense expression, cache keys."""

from __future__ import annotations

import hashlib
import json

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from scugrn._common import dense, digest, edges_frame, matrix_edges, tf_mask


def test_edges_frame_is_sorted_and_stable():
    df = edges_frame(np.array(["a", "b", "c"]), np.array([0, 1, 2, 0]), np.array([1, 2, 0, 2]),
                     np.array([0.5, 0.9, 0.5, 0.1]))
    assert list(df.columns) == ["source", "target", "weight"]
    assert df.values.tolist() == [["b", "c", 0.9], ["a", "b", 0.5], ["c", "a", 0.5], ["a", "c", 0.1]]


def test_matrix_edges_every_pair_but_self():
    S = np.arange(6, dtype=float).reshape(2, 3)
    df = matrix_edges(["x", "y", "z"], S, np.array([0, 2]))
    assert len(df) == 4 and not (df["source"] == df["target"]).any()
    assert df.iloc[0].tolist() == ["z", "y", 4.0] and df["weight"].dtype == np.float64


def test_the_edge_builders_are_one():
    """InfoSEM's edges, the baselines' edges and predict_grn's table come from one function."""
    from scugrn.benchmark.baselines._registry import edges_from_matrix
    from scugrn.infosem import edges_frame as sem_edges

    rng = np.random.default_rng(0)
    S = rng.random((4, 4))
    genes = ["g0", "g1", "g2", "g3"]
    a = sem_edges(S, genes, sources=["g1", "g3"])
    b = edges_from_matrix(ad.AnnData(var=pd.DataFrame(index=genes)), S[[1, 3]], np.array([1, 3]))
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_tf_mask():
    a = ad.AnnData(var=pd.DataFrame({"is_tf": [True, False, True]}, index=["A", "B", "C"]))
    np.testing.assert_array_equal(tf_mask(a), [True, False, True])
    np.testing.assert_array_equal(tf_mask(a, ["B"]), [False, True, False])
    with pytest.raises(KeyError, match=r"adata.var\['tf'\].*tf_only=False"):
        tf_mask(a, key="tf", also="or tf_only=False")
    a.var["is_tf"] = False
    assert not tf_mask(a).any()
    with pytest.raises(ValueError, match="marks no gene as a TF"):
        tf_mask(a, require=True)
    a.var["is_tf"] = pd.array([True, None, False], dtype="boolean")
    with pytest.raises(ValueError, match="1 missing values"):
        tf_mask(a)


def test_dense():
    X = sp.csr_matrix(np.eye(3, dtype=np.float32))
    D = dense(X, np.float64)
    assert isinstance(D, np.ndarray) and D.dtype == np.float64
    Y = np.ones((2, 2))
    assert dense(Y) is Y and dense(Y, copy=True) is not Y


def test_digest_keeps_the_cache_keys():
    """The text-embedding cache used sha256(json.dumps(list))[:24]; digest gives the same key, so
    caches written before stay valid."""
    parts = ["model", "1.0", 2, ["gene a", "gene b"]]
    assert digest(parts) == hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:24]
    assert digest({"b": 1, "a": 2}, n=8) == digest({"a": 2, "b": 1}, n=8)
