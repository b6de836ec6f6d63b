"`lessonkit.imbalance` (lesson 10): the metrics against scikit-learn on random cases, the thresholds against a brute-force search, the focal losses against their published formulas (values and gradients, every dtype, extreme logits), the interpretation's new methods, any per-item loss in `ClassificationInterpretation`, and the exercise checkers against wrong answers."
import functools, math, warnings
import numpy as np, pytest, torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from sklearn import metrics as skm
from lessonkit.imbalance import *
from lessonkit.activations import loss_info, softmax_classes
from lessonkit.probabilities import sigmoid
from lessonkit.losses import cross_entropy, binary_cross_entropy_with_logits
from lessonkit.interpret import ClassificationInterpretation
from lessonkit.diagnosis import doctor
from lessonkit.exercises import check_weighted_ce, check_focal_loss, check_cost_threshold, check_held_out_f1, named
from lessonkit.exercises import imbalance as ex_imb

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
AVERAGES = ['macro', 'micro', 'weighted', None]
SK = {'precision': (precision, skm.precision_score), 'recall': (recall, skm.recall_score), 'f1': (f1_score, skm.f1_score)}

def gen(seed): return torch.Generator().manual_seed(seed)

def close(got, want):
    assert np.allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), rtol=1e-12, atol=1e-12), (got, want)

# The metrics against scikit-learn.

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(2, 7), st.sampled_from(AVERAGES), st.sampled_from([0, 1]), st.integers(0, 2**16))
def test_single_label_metrics_match_sklearn(n, c, average, zero_division, seed):
    x = torch.randn(n, c, generator=gen(seed)) * 2
    x[:, c - 1] -= 3  # the last class is rarely predicted: zero divisions happen
    t = torch.randint(0, c - 1 if seed % 3 == 0 else c, (n,), generator=gen(seed + 1))  # at times, a class no target has
    pred = x.argmax(1).numpy()
    for name, (ours, theirs) in SK.items():
        want = theirs(t.numpy(), pred, labels=list(range(c)), average=average, zero_division=zero_division)
        close(ours(x, t, average=average, zero_division=zero_division), want)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # scikit-learn warns about predicted classes absent from the targets
        close(balanced_accuracy(x, t), skm.balanced_accuracy_score(t.numpy(), pred))

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(2, 6), st.sampled_from(AVERAGES), st.sampled_from([0, 1]), st.floats(0.05, 0.95),
       st.integers(0, 2**16))
def test_multi_label_metrics_match_sklearn(n, c, average, zero_division, thresh, seed):
    z = torch.randn(n, c, generator=gen(seed), dtype=torch.float64) * 2
    y = (torch.rand(n, c, generator=gen(seed + 1)) < 0.3).long()
    if seed % 4 == 0: y[:, 0] = 0  # a label no item has
    pred = (torch.sigmoid(z) > thresh).long().numpy()
    for name, (ours, theirs) in SK.items():
        want = theirs(y.numpy(), pred, average=average, zero_division=zero_division)
        close(ours(z, y, average=average, thresh=thresh, zero_division=zero_division), want)
        close(ours(torch.sigmoid(z), y, average=average, thresh=thresh, sigmoid=False, zero_division=zero_division), want)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # one class only in a label's targets
        per_label = [skm.balanced_accuracy_score(y[:, j].numpy(), pred[:, j]) for j in range(c)]
    close(balanced_accuracy(z, y, thresh=thresh), np.mean(per_label))

def test_one_label_is_sklearns_binary_average():
    z = torch.randn(50, generator=gen(3), dtype=torch.float64)
    y = (torch.rand(50, generator=gen(4)) < 0.4).long()
    pred = (z > 0).long().numpy()
    for name, (ours, theirs) in SK.items(): close(ours(z, y), theirs(y.numpy(), pred))  # sklearn: average='binary'
    close(balanced_accuracy(z, y), skm.balanced_accuracy_score(y.numpy(), pred))

def test_per_label_thresholds():
    p = torch.tensor([[0.9, 0.2], [0.6, 0.4], [0.3, 0.1], [0.55, 0.35]])
    y = torch.tensor([[1, 0], [1, 1], [0, 0], [0, 1]])
    assert recall(p, y, average=None, thresh=[0.5, 0.5], sigmoid=False).tolist() == [1., 0.]
    assert recall(p, y, average=None, thresh=[0.575, 0.275], sigmoid=False).tolist() == [1., 1.]
    assert f1_score(p, y, thresh=torch.tensor([0.575, 0.275]), sigmoid=False).item() == 1.

@pytest.mark.parametrize('dtype', DTYPES)
def test_metrics_in_every_dtype_and_kind(dtype):
    x, t = (torch.randn(30, 4, generator=gen(5)) * 3).to(dtype), torch.randint(0, 4, (30,), generator=gen(6))
    want = skm.recall_score(t.numpy(), x.float().argmax(1).numpy(), labels=list(range(4)), average='macro')
    assert recall(x, t).dtype == torch.float64 and math.isclose(recall(x, t).item(), want)
    got = recall(x.float().numpy(), t.numpy())
    assert isinstance(got, np.ndarray) and math.isclose(float(got), want)
    seg, seg_t = torch.randn(2, 3, 4, 4, generator=gen(7)), torch.randint(0, 3, (2, 4, 4), generator=gen(8))  # per pixel
    close(precision(seg, seg_t, average=None), skm.precision_score(seg_t.flatten().numpy(), seg.argmax(1).flatten().numpy(),
                                                                   labels=[0, 1, 2], average=None, zero_division=0))

@pytest.mark.parametrize('call, error, message', [
    (lambda: recall(torch.tensor([2, 0, 1]), torch.tensor([2, 0, 0])), TypeError, '`preds` holds integers'),
    (lambda: recall(np.array([1, 0]), np.array([1, 1])), TypeError, 'recall_score(y_true, y_pred)'),
    (lambda: recall(torch.randn(4, 3), torch.tensor([0, 1, 3, 0])), ValueError, '`target` holds class index 3'),
    (lambda: recall(torch.randn(4, 3), torch.tensor([0, 1, 2])), ValueError, '`target` has shape (3,); expected (4,)'),
    (lambda: recall(torch.randn(0, 3), torch.zeros(0, dtype=torch.long)), ValueError, '`preds` holds no items'),
    (lambda: recall(torch.randn(4, 3), torch.randint(0, 2, (4, 3)) * 2), ValueError, '`target` holds values from'),
    (lambda: recall(torch.randn(4, 3), torch.randint(0, 2, (4, 3)), sigmoid=False), ValueError, 'With `sigmoid=False` pass probabilities'),
    (lambda: recall(torch.rand(4, 3), torch.randint(0, 2, (4, 3)), thresh=[0.5, 0.5], sigmoid=False), ValueError, '`thresh` has shape (2,)'),
    (lambda: recall(torch.randn(2, 2, 2), torch.randint(0, 2, (2, 2, 2))), ValueError, '`preds` has shape (2, 2, 2)'),
    (lambda: recall(torch.randn(4, 3), torch.tensor([0, 1, 2, 0]), average='samples'), ValueError, '`average` must be one of'),
    (lambda: recall(torch.randn(4, 3), torch.tensor([0, 1, 2, 0]), zero_division=math.nan), ValueError, '`zero_division`'),
    (lambda: balanced_accuracy(torch.tensor([[math.nan, 0.]]), torch.tensor([0])), ValueError, '`preds` contains NaN'),
])
def test_metrics_refuse_bad_input(call, error, message):
    with pytest.raises(error) as e: call()
    assert message in str(e.value), str(e.value)

def test_double_sigmoid_is_warned():
    p, y = torch.rand(20, 3, generator=gen(9)), torch.randint(0, 2, (20, 3), generator=gen(10))
    with pytest.warns(UserWarning, match='squashes them into'): f1_score(p, y)

# Thresholds: the best one per label, against a search over every cut of the sorted probabilities.

def _best_by_search(p, y, score):
    "The best score of `p > t` over every t in [0, 1]: t = 0 and t = each probability give every set of decisions."
    return max(score(y, p > t) for t in np.unique(np.concatenate([[0.], p])))

METRIC_FNS = {'f1': lambda y, d: skm.f1_score(y, d, zero_division=0), 'accuracy': skm.accuracy_score}

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(1, 4), st.sampled_from(sorted(METRIC_FNS)), st.integers(0, 2**16))
def test_best_thresholds_reach_the_best_score(n, c, metric, seed):
    p = torch.rand(n, c, generator=gen(seed), dtype=torch.float64).round(decimals=1)  # ties too
    y = (torch.rand(n, c, generator=gen(seed + 1)) < 0.4).long()
    t = best_thresholds(p, y, metric)
    assert t.shape == (c,) and t.dtype == torch.float64
    for j in range(c):
        got = METRIC_FNS[metric](y[:, j].numpy(), (p[:, j] > t[j]).numpy())
        assert math.isclose(got, _best_by_search(p[:, j].numpy(), y[:, j].numpy(), METRIC_FNS[metric]))

def test_best_thresholds_balanced_accuracy_and_ties():
    p, y = torch.tensor([0.1, 0.3, 0.35, 0.8]), torch.tensor([0, 1, 0, 1])
    assert best_thresholds(p, y, 'balanced_accuracy').item() == pytest.approx(0.575)  # 3/4 at 0.2 and 0.575: the highest
    assert best_thresholds(p, y, 'f1').item() == pytest.approx(0.2)  # F1 4/5: both yes above, one no too
    assert best_thresholds(torch.tensor([0.2, 0.7]), torch.tensor([0, 0])).item() == pytest.approx(0.85)
    assert best_thresholds(torch.tensor([0.2, 0.7]), torch.tensor([1, 1])).item() == pytest.approx(0.1)  # say yes to all
    assert best_thresholds(torch.tensor([1., 1.]), torch.tensor([0, 0])).item() == 1.  # p > 1 never: no to all
    assert best_thresholds(p.half(), y).dtype == torch.float32  # compared in the dtype the probabilities are summed in

@settings(max_examples=30, deadline=None)
@given(st.integers(2, 40), st.integers(0, 2**16))
def test_precision_recall_curve_holds_sklearns_points(n, seed):
    p = torch.rand(n, generator=gen(seed), dtype=torch.float64).round(decimals=2).clamp(min=0.01)  # ties; no 0, which
    y = (torch.rand(n, generator=gen(seed + 1)) < 0.5).long()  # `p > t` cannot say yes to (scikit-learn's `p >= t` can)
    if y.sum() == 0: y[0] = 1
    prec, rec, thr = precision_recall_curve(p, y)
    assert (thr.diff() >= 0).all() and len(prec) == len(rec) == n + 1
    sk_p, sk_r, _ = skm.precision_recall_curve(y.numpy(), p.numpy())
    ours = {(round(a, 12), round(b, 12)) for a, b in zip(prec.tolist(), rec.tolist()) if b > 0}
    theirs = {(round(a, 12), round(b, 12)) for a, b in zip(sk_p.tolist(), sk_r.tolist()) if b > 0}
    assert ours == theirs

def test_threshold_functions_refuse_bad_input():
    with pytest.raises(ValueError, match='pass its column'): precision_recall_curve(torch.rand(5, 2), torch.ones(5, 2))
    with pytest.raises(ValueError, match='`probs` holds values from'): best_thresholds(torch.randn(5) * 3, torch.ones(5))
    with pytest.raises(ValueError, match='`targets` must hold 0 or 1'): best_thresholds(torch.rand(5), torch.full((5,), 0.5))
    with pytest.raises(ValueError, match='`targets` has shape'): best_thresholds(torch.rand(5), torch.ones(4))
    with pytest.raises(TypeError, match='`probs` holds integers'): best_thresholds(torch.ones(5, dtype=torch.long), torch.ones(5))
    with pytest.raises(ValueError, match="`metric` must be one of"): best_thresholds(torch.rand(5), torch.ones(5), 'precision')
    assert isinstance(precision_recall_curve(np.array([0.2, 0.8]), np.array([0, 1]))[0], np.ndarray)

# The focal losses against their formulas.

def focal_by_formula(z, y, gamma, alpha=None):
    "-alpha_t (1 - p_t)^gamma log p_t, written out, in float64."
    p_t = torch.softmax(z, 1).gather(1, y[:, None])[:, 0]
    a = 1. if alpha is None else alpha[y] if isinstance(alpha, torch.Tensor) else alpha
    return -a * (1 - p_t) ** gamma * p_t.log()

def retinanet(z, y, gamma, alpha):
    "The published binary focal loss, step by step (torchvision documents the same formula)."
    p = torch.sigmoid(z)
    ce = F.binary_cross_entropy_with_logits(z, y, reduction='none')
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    return loss if alpha is None else (alpha * y + (1 - alpha) * (1 - y)) * loss

def value_and_grad(f, x, *args, **kwargs):
    x = x.detach().clone().requires_grad_()
    out = f(x, *args, **kwargs)
    return out.detach(), torch.autograd.grad(out.sum(), x)[0]

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(2, 6), st.sampled_from([0., 0.5, 1., 2., 5.]), st.sampled_from(['none', 'float', 'class']),
       st.sampled_from(['mean', 'sum', 'none']), st.integers(0, 2**16))
def test_focal_loss_matches_its_formula_with_gradients(n, c, gamma, alpha_kind, reduction, seed):
    z = torch.randn(n, c, generator=gen(seed), dtype=torch.float64) * 3
    y = torch.randint(0, c, (n,), generator=gen(seed + 1))
    alpha = {'none': None, 'float': 0.25, 'class': torch.rand(c, generator=gen(seed + 2), dtype=torch.float64) * 2}[alpha_kind]
    reduce = {'mean': torch.mean, 'sum': torch.sum, 'none': lambda v: v}[reduction]
    (v1, g1), (v2, g2) = (value_and_grad(focal_loss, z, y, gamma, alpha, reduction),
                          value_and_grad(lambda x: reduce(focal_by_formula(x, y, gamma, alpha)), z))
    assert torch.allclose(v1, v2, rtol=1e-10, atol=1e-12) and torch.allclose(g1, g2, rtol=1e-8, atol=1e-12)

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 4), st.sampled_from([0., 0.5, 2., 3.]), st.sampled_from([None, 0., 0.25, 1.]),
       st.sampled_from(['mean', 'sum', 'none']), st.booleans(), st.integers(0, 2**16))
def test_sigmoid_focal_loss_matches_retinanet_with_gradients(n, c, gamma, alpha, reduction, soft, seed):
    z = torch.randn(n, c, generator=gen(seed), dtype=torch.float64) * 3
    y = torch.rand(n, c, generator=gen(seed + 1), dtype=torch.float64)
    if not soft: y = (y > 0.6).double()
    reduce = {'mean': torch.mean, 'sum': torch.sum, 'none': lambda v: v}[reduction]
    (v1, g1), (v2, g2) = (value_and_grad(sigmoid_focal_loss, z, y, gamma, alpha, reduction),
                          value_and_grad(lambda x: reduce(retinanet(x, y, gamma, alpha)), z))
    assert torch.allclose(v1, v2, rtol=1e-10, atol=1e-12) and torch.allclose(g1, g2, rtol=1e-8, atol=1e-12)

def test_gamma_zero_is_cross_entropy_values_and_gradients():
    z, y = torch.randn(20, 5, generator=gen(11), dtype=torch.float64) * 4, torch.randint(0, 5, (20,), generator=gen(12))
    for reduction in ('mean', 'sum', 'none'):
        (v1, g1), (v2, g2) = value_and_grad(focal_loss, z, y, 0., None, reduction), value_and_grad(F.cross_entropy, z, y, reduction=reduction)
        assert torch.allclose(v1, v2, rtol=1e-12) and torch.allclose(g1, g2, rtol=1e-10, atol=1e-14)
    zl, yl = torch.randn(20, 3, generator=gen(13), dtype=torch.float64), (torch.rand(20, 3, generator=gen(14)) > 0.5).double()
    (v1, g1), (v2, g2) = value_and_grad(sigmoid_focal_loss, zl, yl, 0.), value_and_grad(F.binary_cross_entropy_with_logits, zl, yl)
    assert torch.allclose(v1, v2, rtol=1e-12) and torch.allclose(g1, g2, rtol=1e-10)
    w = torch.tensor([0.5, 1., 2., 0., 3.], dtype=torch.float64)  # per-class alpha: a plain mean over items, not weight='s
    assert torch.allclose(focal_loss(z, y, 0., w), F.cross_entropy(z, y, weight=w, reduction='sum') / len(y))

@pytest.mark.parametrize('dtype', DTYPES)
def test_focal_losses_are_finite_at_1e4_in_every_dtype(dtype):
    z = torch.tensor([[1e4, -1e4, 0.], [0., 1e4, -1e4], [-1e4, 0., 1e4]]).to(dtype)
    y = torch.tensor([1, 1, 2])  # a confident mistake, two sure right answers
    for gamma in (0., 0.5, 2.):
        v, g = value_and_grad(focal_loss, z, y, gamma, None, 'none')
        assert v.dtype == dtype and g.isfinite().all(), (gamma, g)
        assert v.float().tolist() == pytest.approx([2e4, 0., 0.], rel=1e-2)  # log p_t from log_softmax: -2e4 exactly
    zl = torch.tensor([1e4, -1e4, 1e4, -1e4]).to(dtype)
    yl = torch.tensor([0., 1., 1., 0.])
    for gamma in (0., 0.5, 2.):
        v, g = value_and_grad(sigmoid_focal_loss, zl, yl, gamma, 0.25, 'none')
        assert v.dtype == dtype and g.isfinite().all()
        assert v.float().tolist() == pytest.approx([7500., 2500., 0., 0.], rel=1e-2)

def test_focal_loss_shapes_masks_and_kinds():
    seg, t = torch.randn(2, 3, 4, 4, generator=gen(15)), torch.randint(0, 3, (2, 4, 4), generator=gen(16))
    want = focal_by_formula(seg.permute(0, 2, 3, 1).reshape(-1, 3).double(), t.flatten(), 2.).mean()
    assert torch.allclose(focal_loss(seg, t).double(), want, rtol=1e-5)
    assert focal_loss(seg, t, reduction='none').shape == (2, 4, 4)
    assert torch.allclose(focal_loss(torch.tensor([0.3, 1.2, -0.4]), torch.tensor(1)), focal_loss(torch.tensor([[0.3, 1.2, -0.4]]), torch.tensor([1])))
    masked = torch.tensor([[1., -math.inf, 0.5]])
    assert torch.allclose(focal_loss(masked, torch.tensor([2])), focal_by_formula(torch.tensor([[1., 0.5]]), torch.tensor([1]), 2.))
    assert isinstance(sigmoid_focal_loss(np.array([0.5, -2.]), np.array([1., 0.])), np.ndarray)
    assert sigmoid_focal_loss(torch.zeros(0, 3), torch.zeros(0, 3), reduction='sum').item() == 0.

@pytest.mark.parametrize('call, error, message', [
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0, 1, 4])), ValueError, 'class index 4'),
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0., 1., 2.])), TypeError, 'must hold class indices'),
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0, 1, 2]), gamma=-0.5), ValueError, '`gamma` must be a number >= 0'),
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0, 1, 2]), alpha=torch.ones(3)), ValueError, '`alpha` has shape (3,); expected (4,)'),
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0, 1, 2]), alpha=torch.tensor([1., -1., 1., 1.])), ValueError, '`alpha` holds -1'),
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0, 1, 2]), alpha=True), TypeError, '`alpha` must be a number'),
    (lambda: focal_loss(torch.randn(3, 4), torch.tensor([0, 1, 2]), reduction='avg'), ValueError, '`reduction`'),
    (lambda: focal_loss(torch.tensor([[1., math.nan]]), torch.tensor([0])), ValueError, '`logits` contains NaN'),
    (lambda: focal_loss(torch.tensor([[0., -math.inf]]), torch.tensor([1])), ValueError, 'gives probability 0'),
    (lambda: focal_loss(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)), ValueError, '`target` holds no items'),
    (lambda: sigmoid_focal_loss(torch.randn(3), torch.ones(3), alpha=1.5), ValueError, '`alpha` must be a number from 0 to 1'),
    (lambda: sigmoid_focal_loss(torch.randn(3), torch.ones(3), alpha=torch.ones(3)), TypeError, '`alpha` must be a number'),
    (lambda: sigmoid_focal_loss(torch.randn(3), torch.ones(2)), ValueError, '`target` has shape (2,)'),
    (lambda: sigmoid_focal_loss(torch.tensor([math.inf]), torch.ones(1)), ValueError, '`logits` contains inf'),
    (lambda: sigmoid_focal_loss(torch.zeros(0), torch.zeros(0)), ValueError, '`logits` holds no items'),
])
def test_focal_losses_refuse_bad_input(call, error, message):
    with pytest.raises(error) as e: call()
    assert message in str(e.value), str(e.value)

def test_focal_losses_warn_about_probabilities():
    p = torch.softmax(torch.randn(4, 3, generator=gen(17)), 1)
    with pytest.warns(UserWarning, match='applies the softmax'): focal_loss(p, torch.tensor([0, 1, 2, 0]))
    with pytest.warns(UserWarning, match='looks like probabilities'): sigmoid_focal_loss(torch.sigmoid(torch.randn(4)), torch.ones(4))

# What a loss implies, and the interpretation with any per-item loss.

def test_loss_info_knows_the_focal_losses():
    for f, act, kind in [(focal_loss, softmax_classes, 'single-label'), (sigmoid_focal_loss, sigmoid, 'multi-label')]:
        for form in (f, functools.partial(f, gamma=1.), functools.partial(functools.partial(f, alpha=0.5), gamma=3.)):
            info = loss_info(form)
            assert info.activation is act and info.kind == kind
    z, y = torch.randn(6, 4, generator=gen(18)), torch.tensor([0, 1, 2, 3, 1, 0])
    assert torch.allclose(loss_info(functools.partial(focal_loss, gamma=3.)).unreduced()(z, y), focal_loss(z, y, 3., reduction='none'))

def test_interpretation_with_focal_losses():
    z, y = torch.randn(30, 4, generator=gen(19)) * 2, torch.randint(0, 4, (30,), generator=gen(20))
    interp = ClassificationInterpretation.from_preds(z, y, functools.partial(focal_loss, gamma=2.))
    assert torch.allclose(interp.probs, torch.softmax(z, 1)) and torch.allclose(interp.losses, focal_loss(z, y, reduction='none'))
    yl = (torch.rand(30, 4, generator=gen(21)) > 0.5).float()
    ml = ClassificationInterpretation.from_preds(z, yl, functools.partial(sigmoid_focal_loss, alpha=0.25))
    assert ml.multi_label and torch.allclose(ml.losses, sigmoid_focal_loss(z, yl, alpha=0.25, reduction='none').mean(1))

class OwnFocal(nn.Module):
    "A focal loss written elsewhere (not lessonkit's): lessonkit cannot know its activation, but it reads `reduction`."
    def __init__(self, gamma=2., reduction='mean'): super().__init__(); self.gamma, self.reduction = gamma, reduction
    def forward(self, x, y):
        per = focal_by_formula(x, y, self.gamma)
        return per if self.reduction == 'none' else per.mean()

def own_loss_function(x, y, reduction='mean'):
    per = F.binary_cross_entropy_with_logits(x, y, reduction='none')
    return per if reduction == 'none' else per.mean()

class OwnLossClass(OwnFocal): pass

def test_any_loss_that_gives_per_item_losses_works_with_act():
    z, y = torch.randn(12, 3, generator=gen(22), dtype=torch.float64), torch.randint(0, 3, (12,), generator=gen(23))
    with pytest.raises(ValueError, match='pass `act=`'): ClassificationInterpretation.from_preds(z, y, OwnFocal())
    for loss_func in (OwnFocal(), OwnLossClass, functools.partial(OwnLossClass, gamma=1.)):
        interp = ClassificationInterpretation.from_preds(z, y, loss_func, act=softmax_classes)
        gamma = 1. if isinstance(loss_func, functools.partial) else 2.
        assert not interp.multi_label and torch.allclose(interp.losses, focal_by_formula(z, y, gamma))
    yl = (torch.rand(12, 3, generator=gen(24)) > 0.5).double()
    ml = ClassificationInterpretation.from_preds(z, yl, own_loss_function, act=torch.sigmoid)  # 0/1 of the outputs' shape
    assert ml.multi_label and torch.allclose(ml.losses, F.binary_cross_entropy_with_logits(z, yl, reduction='none').mean(1))
    assert torch.equal(ml.preds, torch.sigmoid(z) > 0.5)

class NoReduction(nn.Module):
    def forward(self, x, y): return F.cross_entropy(x, y)

@pytest.mark.parametrize('loss_func, error, message', [
    (lambda x, y: F.cross_entropy(x, y), TypeError, 'cannot be asked for one loss per item'),  # no `reduction` keyword
    (NoReduction(), TypeError, 'cannot be asked for one loss per item'),  # a module without a `reduction` attribute
    (functools.partial(lambda x, y, scale: scale * F.cross_entropy(x, y), scale=2.), TypeError, 'cannot be asked'),
    (lambda x, y, reduction='mean': F.cross_entropy(x, y), ValueError, "returned shape () with reduction='none' for 12 items"),
    (lambda x, y, reduction='mean': F.cross_entropy(x, y, reduction='none')[:5], ValueError, 'expected (12,), one loss per item'),
])
def test_a_loss_that_cannot_give_per_item_losses_is_refused(loss_func, error, message):
    z, y = torch.randn(12, 3, generator=gen(25)), torch.randint(0, 3, (12,), generator=gen(26))
    with pytest.raises(error) as e: ClassificationInterpretation.from_preds(z, y, loss_func, act=softmax_classes)
    assert message in str(e.value), str(e.value)

def test_classification_report_and_label_confusion_matrices_match_sklearn():
    z, y = torch.randn(80, 4, generator=gen(27)) * 2, torch.randint(0, 4, (80,), generator=gen(28))
    interp = ClassificationInterpretation.from_preds(z, y, classes=['a', 'b', 'c', 'd'])
    pred = z.argmax(1).numpy()
    want = skm.classification_report(y.numpy(), pred, labels=[0, 1, 2, 3], target_names=list('abcd'), output_dict=True, zero_division=0)
    rows = {line[:20].strip(): line[20:].split() for line in interp.classification_report().splitlines()[1:]}
    for name in 'abcd':
        got = [float(v) for v in rows[name]]
        assert got == pytest.approx([want[name][k] for k in ('precision', 'recall', 'f1-score', 'support')], abs=5e-5)
    for average in ('macro', 'weighted'):
        assert [float(v) for v in rows[f"{average} avg"][:3]] == pytest.approx([want[f"{average} avg"][k] for k in ('precision', 'recall', 'f1-score')], abs=5e-5)
    assert float(rows['balanced accuracy'][0]) == pytest.approx(skm.balanced_accuracy_score(y.numpy(), pred), abs=5e-5)
    assert np.array_equal(interp.label_confusion_matrices().numpy(), skm.multilabel_confusion_matrix(y.numpy(), pred, labels=[0, 1, 2, 3]))
    yl = (torch.rand(80, 4, generator=gen(29)) > 0.6).float()
    ml = ClassificationInterpretation.from_preds(z, yl, nn.BCEWithLogitsLoss(), thresh=0.3)
    assert np.array_equal(ml.label_confusion_matrices().numpy(), skm.multilabel_confusion_matrix(yl.long().numpy(), (torch.sigmoid(z) > 0.3).long().numpy()))
    assert 'balanced accuracy' not in ml.classification_report() and 'micro avg' in ml.classification_report(digits=2)
    with pytest.raises(ValueError, match='`digits` must be an int >= 0'): interp.classification_report(-1)

def test_plot_label_confusion_matrices():
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    z, yl = torch.randn(40, 7, generator=gen(30)), (torch.rand(40, 7, generator=gen(31)) > 0.5).float()
    ClassificationInterpretation.from_preds(z, yl, nn.BCEWithLogitsLoss()).plot_label_confusion_matrices(ncols=3)
    fig = plt.gcf()
    assert len([ax for ax in fig.axes if ax.images]) == 7 and len(fig.axes) == 9  # 3 x 3, two left empty
    assert fig.axes[0].texts[3].get_text() == str(int(((torch.sigmoid(z[:, 0]) > 0.5) & (yl[:, 0] == 1)).sum()))  # tp
    plt.close(fig)

def test_doctor_reads_the_focal_losses():
    torch.manual_seed(0)
    body = nn.Sequential(nn.Linear(8, 4))
    xb, yb = torch.randn(64, 8), torch.randint(0, 4, (64,))
    assert doctor(body, focal_loss, xb, yb).codes == []
    assert doctor(nn.Sequential(body, nn.Softmax(dim=1)), focal_loss, xb, yb).codes == ['double-softmax']
    ml = (torch.rand(64, 4) < 0.5).float()
    assert doctor(body, functools.partial(sigmoid_focal_loss, alpha=0.25), xb, ml).codes == []
    assert doctor(nn.Sequential(body, nn.Sigmoid()), sigmoid_focal_loss, xb, ml).codes == ['double-sigmoid']
    odd = torch.where(torch.rand(64) < 0.8, 0, yb)
    found = doctor(body, focal_loss, xb, odd)
    assert found.codes == ['class-imbalance'] and found[0].lesson == '10_imbalance'

# The exercise checkers: a right answer (and the lesson's cell above the exercise, copied), every mistake of each
# checker's catalogue named with its hint, the forbidden losses, and answers that cannot be trained with.

def kinds(report): return {kind for _, kind, _ in report.failures}

def assert_named(report, name):
    "The report fails, names the mistake `name`, and shows that mistake's hint."
    assert not report and named(report) == name, (named(report), name, str(report))
    assert report.mistake.hint in str(report)

CATALOGUES = [(check_weighted_ce, ex_imb._WEIGHTED_CE_MISTAKES), (check_focal_loss, ex_imb._FOCAL_MISTAKES),
              (check_cost_threshold, ex_imb._COST_MISTAKES), (check_held_out_f1, ex_imb._HELD_OUT_MISTAKES)]

@pytest.mark.parametrize('checker,mistake', [(c, m) for c, ms in CATALOGUES for m in ms],
                         ids=lambda v: getattr(v, 'name', getattr(v, '__name__', '')))
def test_each_catalogued_mistake_is_named(checker, mistake):
    assert_named(checker(mistake.fn, quiet=True), mistake.name)

def _lp(z, y): return torch.log_softmax(z, 1)[range(len(y)), y]
def weighted_ce(z, y, w): return (w[y] * -_lp(z, y)).sum() / w[y].sum()
def _a(alpha, y): return 1. if alpha is None else alpha[y] if isinstance(alpha, torch.Tensor) else alpha
def focal(z, y, gamma, alpha=None): return (-_a(alpha, y) * (1 - _lp(z, y).exp()) ** gamma * _lp(z, y)).mean()

def numpy_weighted_ce(z, y, w):
    z, y, w = z.detach().numpy().astype(np.float64), y.numpy(), w.numpy()
    lp = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    return torch.tensor((w[y] * -lp[np.arange(len(y)), y]).sum() / w[y].sum())

def numpy_focal(z, y, gamma, alpha=None):
    z = z.detach().numpy().astype(np.float64)
    lp = (z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)))[np.arange(len(y)), y.numpy()]
    a = 1. if alpha is None else alpha.numpy()[y.numpy()] if isinstance(alpha, torch.Tensor) else alpha
    return torch.tensor((-a * (1 - np.exp(lp)) ** gamma * lp).mean())

def test_weighted_ce_checker():
    assert check_weighted_ce(weighted_ce, quiet=True)
    assert check_weighted_ce(lambda z, y, w: (w[y] * -(z - z.logsumexp(1, keepdim=True)).gather(1, y[:, None])[:, 0]).sum()
                             / w[y].sum(), quiet=True)
    def lesson_cell(z, y, w):  # the lesson's worked example above the exercise, copied
        per_item = cross_entropy(z, y, reduction='none')
        return (w[y] * per_item).sum() / w[y].sum()
    assert kinds(check_weighted_ce(lesson_cell, quiet=True)) == {'forbidden function'}
    for forbidden in (lambda z, y, w: F.cross_entropy(z, y, weight=w), lambda z, y, w: nn.CrossEntropyLoss(weight=w)(z, y),
                      lambda z, y, w: F.nll_loss(torch.log_softmax(z, 1), y, weight=w),
                      lambda z, y, w: focal_loss(z, y, 0., w) * len(y) / w[y].sum()):
        assert kinds(check_weighted_ce(forbidden, quiet=True)) == {'forbidden function'}
    assert kinds(check_weighted_ce(lambda z, y, w: weighted_ce(z, y, w).detach(), quiet=True)) == {'no gradient'}
    assert kinds(check_weighted_ce(lambda z, y, w: torch.tensor(weighted_ce(z, y, w).item()), quiet=True)) == {'no gradient'}
    assert kinds(check_weighted_ce(numpy_weighted_ce, quiet=True)) == {'no gradient'}
    assert 'zero gradient' in kinds(check_weighted_ce(lambda z, y, w: (weighted_ce(z, y, w) * 1e4).round() / 1e4, quiet=True))
    by_n = check_weighted_ce(lambda z, y, w: (w[y] * -_lp(z, y)).sum() / len(y), quiet=True)  # "divides by N"
    assert_named(by_n, 'divided by the number of items')
    assert [name for name, *_ in by_n.failures] == ["the lesson's four items", 'every weight times 10',
                                                    'a rare class weighs more', 'a class of weight 0', 'logits of ±1e4']

def test_focal_loss_checker():
    from lessonkit.checks import check_logits
    assert check_focal_loss(focal, quiet=True)
    def lesson_formula(z, y, gamma, alpha=None):  # the lesson's test formula, copied: log of a softmax
        p_target = torch.softmax(z, 1).gather(1, y[:, None])[:, 0]
        return (-_a(alpha, y) * (1 - p_target) ** gamma * p_target.log()).mean()
    assert_named(check_focal_loss(lesson_formula, quiet=True), 'the log of a softmax')
    def notebook_copy(z, y, gamma, alpha=None):  # the lesson's own focal_loss, defined in the notebook, checks its input
        check_logits(z)
        return focal(z, y, gamma, alpha)
    for forbidden in (notebook_copy, focal_loss,
                      lambda z, y, gamma, alpha=None: (_a(alpha, y) * (1 - (-F.cross_entropy(z, y, reduction='none')).exp())
                                                       ** gamma * F.cross_entropy(z, y, reduction='none')).mean()):
        assert kinds(check_focal_loss(forbidden, quiet=True)) == {'forbidden function'}
    detached = lambda z, y, gamma, alpha=None: (-_a(alpha, y) * (1 - _lp(z, y).exp()).detach() ** gamma * _lp(z, y)).mean()
    report = check_focal_loss(detached, quiet=True)  # right values, and right gradients only at gamma 0
    assert kinds(report) == {'wrong gradient'} and 'gamma 0, no alpha' not in {name for name, *_ in report.failures}
    assert kinds(check_focal_loss(lambda z, y, gamma, alpha=None: focal(z, y, gamma, alpha).detach(), quiet=True)) == {'no gradient'}
    assert kinds(check_focal_loss(numpy_focal, quiet=True)) == {'no gradient'}
    assert 'zero gradient' in kinds(check_focal_loss(lambda z, y, gamma, alpha=None: (focal(z, y, gamma, alpha) * 1e4).round() / 1e4, quiet=True))
    wrong_gamma_0 = check_focal_loss(lambda z, y, gamma, alpha=None: focal(z, y, max(gamma, 1.), alpha), quiet=True)
    assert 'gamma 0, no alpha' in {name for name, *_ in wrong_gamma_0.failures}

def test_cost_threshold_checker():
    right = lambda c: (c[0, 1] - c[0, 0]) / (c[0, 1] - c[0, 0] + c[1, 0] - c[1, 1])
    assert check_cost_threshold(right, quiet=True) and check_cost_threshold(lambda c: float(right(c)), quiet=True)
    assert check_cost_threshold(lambda c: np.float32(right(c).item()), quiet=True)
    def lesson_cell(costs):  # the lesson's cell, copied: the threshold of a table whose right decisions are free
        cost_fn, cost_fp = costs[1, 0], costs[0, 1]
        return cost_fp / (cost_fp + cost_fn)
    copied = check_cost_threshold(lesson_cell, quiet=True)
    assert_named(copied, "the lesson's formula, right decisions free")
    assert [name for name, *_ in copied.failures] == ['a right yes costs something', 'a right no costs something']
    assert not check_cost_threshold(lambda c: None, quiet=True)

def test_held_out_f1_checker():
    right = lambda pc, yc, ph, yh: f1_score(ph, yh, thresh=best_thresholds(pc, yc), sigmoid=False)
    assert check_held_out_f1(right, quiet=True) and check_held_out_f1(lambda *a: right(*a).item(), quiet=True)
    def lesson_cell(pc, yc, ph, yh):  # the lesson's cell, copied
        per_label = best_thresholds(pc, yc)
        return f1_score(ph, yh, thresh=per_label, sigmoid=False)
    assert check_held_out_f1(lesson_cell, quiet=True)
    def numpy_answer(pc, yc, ph, yh):  # NumPy in, NumPy out: lessonkit's functions take it
        return right(pc.numpy(), yc.numpy(), ph.numpy(), yh.numpy())
    assert check_held_out_f1(numpy_answer, quiet=True)
