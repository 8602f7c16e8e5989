"""RIPU: region impurity x prediction uncertainty over a superpixel's neighbourhood."""

import math

import numpy as np
import pytest
import torch

from adeada.selection import SelectionContext, compute_region_stats, get_strategy
from adeada.selection.pooling import neighbourhood_impurity, region_adjacency
from adeada.selection.stats import RegionStats
from selection_testkit import GridStore, MemDataset, TinyNet


def test_adjacency_of_a_hand_drawn_map():
    sp = np.array([[0, 0, 1],
                   [2, 2, 1],
                   [2, 3, 3]])
    adj = region_adjacency(sp)
    pairs = {(a, b) for a, b in zip(*np.nonzero(adj)) if a < b}
    assert pairs == {(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)}  # 0 and 3 only touch diagonally
    assert not adj.diagonal().any() and (adj == adj.T).all()


def test_impurity_and_uncertainty_by_hand():
    # Three regions in a row (0 - 1 - 2): 0 all class 0, 1 half and half, 2 all class 1.
    adj = region_adjacency(np.array([[0, 1, 2]]))
    hist = np.array([[4, 0], [2, 2], [0, 4]])
    imp, unc = neighbourhood_impurity(hist, np.array([0.4, 2.0, 0.0]), np.array([4, 4, 4]), adj)

    def h(q):
        return -sum(x * math.log(x) for x in q if x > 0)

    np.testing.assert_allclose(imp, [h([0.75, 0.25]), math.log(2), h([0.25, 0.75])], rtol=1e-6)
    np.testing.assert_allclose(unc, [2.4 / 8, 2.4 / 12, 2.0 / 8], rtol=1e-6)
    lonely, _ = neighbourhood_impurity(hist, np.zeros(3), np.full(3, 4), np.zeros((3, 3), bool))
    np.testing.assert_allclose(lonely, [0.0, math.log(2), 0.0], atol=1e-7)  # no neighbours: the region alone


def test_stats_pass_pools_the_neighbourhood_of_each_region():
    torch.manual_seed(0)
    model, ds, store = TinyNet(), MemDataset(n=2), GridStore()
    with torch.no_grad():  # sharper logits: the cells of one region disagree on the class
        model.classifier.weight.mul_(30)
    st = compute_region_stats(model, ds, store, normalize=lambda x: x / 255, progress=False, impurity=True)
    plain = compute_region_stats(model, ds, store, normalize=lambda x: x / 255, progress=False)
    assert "impurity" not in plain.extras
    np.testing.assert_array_equal(st.prob, plain.prob)  # the flag adds columns, changes none
    for i in range(2):
        sp = store.get(ds, i)
        x = torch.from_numpy(ds.load_image(i)).permute(2, 0, 1)[None].float() / 255
        logits, _ = model(x)
        p = torch.softmax(logits, 1)[0].detach().numpy().reshape(4, -1)
        cell_region = sp[1::2, 1::2].ravel()  # nearest sampling at the cell centres, 16 -> 8
        cell_class = p.argmax(0)
        cell_ent = -(p * np.log(p)).sum(0)
        R = sp.max() + 1
        hist, ent, cnt = np.zeros((R, 4)), np.zeros(R), np.zeros(R)
        for r in range(R):
            m = cell_region == r
            if not m.any():  # the 1-pixel region borrows the cell over its centroid, (0, 0)
                m = np.zeros_like(m)
                m[0] = True
            hist[r] = np.bincount(cell_class[m], minlength=4)
            ent[r], cnt[r] = cell_ent[m].sum(), m.sum()
        adj = region_adjacency(sp)
        near = adj | np.eye(R, dtype=bool)
        rows = slice(i * R, (i + 1) * R)
        for r in range(R):
            q = hist[near[r]].sum(0)
            q = q[q > 0] / q.sum()
            assert st.extras["impurity"][rows][r] == pytest.approx(-(q * np.log(q)).sum(), abs=1e-6)
            assert st.extras["nbr_entropy"][rows][r] == pytest.approx(ent[near[r]].sum() / cnt[near[r]].sum(), rel=1e-5)
    imp = st.extras["impurity"]
    assert (imp > 0.1).mean() > 0.5 and (imp >= 0).all()  # mixed predictions: the check had something to see


def _table(impurity, nbr_entropy, pixels=None):
    n = len(impurity)
    ent = np.asarray(nbr_entropy, np.float32)
    return RegionStats(image=np.zeros(n), region=np.arange(n), pixels=pixels or [100] * n,
                       feature=np.zeros((n, 2)), prob=np.full((n, 2), 0.5), pred=np.zeros(n),
                       entropy=ent, confidence=np.full(n, 0.5), margin=np.zeros(n),
                       extras={"impurity": impurity, "nbr_entropy": ent})


def test_ripu_buys_uncertain_boundaries_before_uncertain_interiors():
    # 0: the most uncertain, inside an area of one predicted class (impurity 0); 1, 2, 3: on
    # boundaries. Scores 0, 0.347, 0.069, 0.24: RIPU buys 1 then 3, where ENT would buy 0 first.
    t = _table([0.0, math.log(2), math.log(2), 0.3], [1.0, 0.5, 0.1, 0.8])
    sel = get_strategy("ripu").select(t, 200, SelectionContext())
    assert sel.rows.tolist() == [1, 3]
    np.testing.assert_allclose(sel.scores, [0.5 * math.log(2), 0.24], rtol=1e-6)
    assert get_strategy("ent").select(t, 200, SelectionContext()).rows.tolist()[0] == 0
    # A bought region is never bought again.
    again = get_strategy("ripu").select(t, 200, SelectionContext(labelled=np.array([False, True, False, False])))
    assert again.rows.tolist() == [3, 2]


def test_ripu_names_the_missing_statistics():
    t = _table([0.1, 0.2], [0.1, 0.2])
    del t.extras["impurity"]
    with pytest.raises(ValueError, match=r"RIPU needs extras \['impurity'\].*impurity=True"):
        get_strategy("ripu").select(t, 100, SelectionContext())
