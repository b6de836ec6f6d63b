"`lessonkit.calibration`: reliability bins and calibration error against torchmetrics, scikit-learn and hand-computed tables; edges, empty bins, one item, NumPy in and out; temperature fitting against brute force; the Brier score; the interpretation's methods, the diagram and the explorer; and every bad input."
import math, os, subprocess, sys, warnings
import numpy as np, pytest, torch
import torch.nn as nn
from hypothesis import assume, given, settings, strategies as st
from torchmetrics.classification import BinaryCalibrationError, MulticlassCalibrationError
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss
from lessonkit.calibration import *
from lessonkit.interpret import ClassificationInterpretation
from lessonkit.checks import torch_threads

def gen(seed): return torch.Generator().manual_seed(seed)

def off_edges(conf, n_bins, gap=1e-6) -> torch.Tensor:
    "Which confidences lie further than `gap` from every edge (k / n_bins, 0 and 1 included): libraries differ there."
    scaled = conf.double() * n_bins
    return (scaled - scaled.round()).abs() > gap * n_bins

# torchmetrics and scikit-learn agree where no confidence lies on an edge.

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(2, 12), st.integers(1, 30), st.sampled_from(['l1', 'l2', 'max']),
       st.sampled_from([0.5, 2., 6.]), st.sampled_from([torch.float32, torch.float64]), st.integers(0, 2**16))
def test_multiclass_equals_torchmetrics(n, c, n_bins, norm, scale, dtype, seed):
    probs = torch.softmax(torch.randn(n, c, generator=gen(seed), dtype=torch.float64) * scale, 1).to(dtype)
    target = torch.randint(0, c, (n,), generator=gen(seed + 1))
    keep = off_edges(probs.max(1).values, n_bins)
    assume(keep.any())
    probs, target = probs[keep], target[keep]
    want = MulticlassCalibrationError(num_classes=c, n_bins=n_bins, norm=norm)(probs, target).item()
    assert calibration_error(probs, target, n_bins, norm) == pytest.approx(want, abs=1e-5)

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(1, 30), st.sampled_from(['l1', 'l2', 'max']), st.integers(0, 2**16))
def test_binary_equals_torchmetrics_and_sklearn(n, n_bins, norm, seed):
    probs = torch.rand(n, generator=gen(seed))
    target = torch.randint(0, 2, (n,), generator=gen(seed + 1))
    keep = off_edges(probs, n_bins)
    assume(keep.any())
    probs, target = probs[keep], target[keep]
    want = BinaryCalibrationError(n_bins=n_bins, norm=norm)(probs, target).item()
    assert calibration_error(probs, target, n_bins, norm) == pytest.approx(want, abs=1e-5)
    b = reliability_bins(probs.numpy(), target.numpy(), n_bins)
    prob_true, prob_pred = calibration_curve(target.numpy(), probs.numpy(), n_bins=n_bins)  # non-empty bins only
    np.testing.assert_allclose(b.accuracy[b.counts > 0], prob_true, atol=1e-6)
    np.testing.assert_allclose(b.confidence[b.counts > 0], prob_pred, atol=1e-6)

def test_torchmetrics_puts_one_in_a_phantom_bin_and_we_do_not():
    probs = torch.tensor([1.0, 1.0, 0.95, 0.95])  # all in the last of 10 bins, (0.9, 1]
    target = torch.tensor([1, 0, 1, 1])
    b = reliability_bins(probs, target, 10)
    assert b.counts.tolist() == [0] * 9 + [4]
    assert calibration_error(probs, target, 10) == pytest.approx(abs(0.975 - 0.75), abs=1e-6)
    phantom = BinaryCalibrationError(n_bins=10)(probs, target).item()  # 1.0 in an 11th bin: |1 - .5| / 2 + |.95 - 1| / 2
    assert phantom == pytest.approx(0.275, abs=1e-6) and phantom != pytest.approx(0.225, abs=1e-3)

# Hand-computed tables.

def test_eight_predictions_by_hand():
    conf = torch.tensor([0.52, 0.55, 0.60, 0.65, 0.85, 0.90, 0.92, 0.95], dtype=torch.float64)
    right = torch.tensor([0., 1., 0., 1., 1., 0., 1., 1.], dtype=torch.float64)
    b = reliability_bins(conf, right, 4)
    assert b.edges.tolist() == [0, 0.25, 0.5, 0.75, 1] and b.counts.tolist() == [0, 0, 4, 4]
    torch.testing.assert_close(b.confidence[2:], torch.tensor([0.58, 0.905], dtype=torch.float64))
    torch.testing.assert_close(b.accuracy[2:], torch.tensor([0.5, 0.75], dtype=torch.float64))
    assert b.confidence[:2].isnan().all() and b.accuracy[:2].isnan().all()
    assert calibration_error(conf, right, 4) == pytest.approx(0.5 * 0.08 + 0.5 * 0.155, abs=1e-12)
    assert calibration_error(conf, right, 4, 'l2') == pytest.approx(math.sqrt(0.5 * 0.08 ** 2 + 0.5 * 0.155 ** 2))
    assert calibration_error(conf, right, 4, 'max') == pytest.approx(0.155, abs=1e-12)
    assert b.error() == pytest.approx(0.1175, abs=1e-12) and b.error('max') == pytest.approx(0.155, abs=1e-12)

def test_single_label_table_by_hand():
    probs = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.05, 0.9, 0.05], [0.4, 0.35, 0.25], [0.2, 0.2, 0.6]])
    target = torch.tensor([0, 1, 1, 2, 2])  # right, wrong (predicted 2), right, wrong (predicted 0), right
    b = reliability_bins(probs, target, 5)  # confidences 0.7, 0.6, 0.9, 0.4, 0.6; 0.4 and 0.6 are on edges
    assert b.counts.tolist() == [0, 1, 2, 1, 1]  # (0.2, 0.4]: 0.4; (0.4, 0.6]: 0.6 twice; then 0.7; then 0.9
    torch.testing.assert_close(b.confidence[1:].float(), torch.tensor([0.4, 0.6, 0.7, 0.9]))
    torch.testing.assert_close(b.accuracy[1:], torch.tensor([0., 0.5, 1., 1.], dtype=torch.float64))
    want = 1 / 5 * 0.4 + 2 / 5 * 0.1 + 1 / 5 * 0.3 + 1 / 5 * 0.1
    assert calibration_error(probs, target, 5) == pytest.approx(want, abs=1e-6)

def test_quantile_bins_hold_equal_numbers():
    probs = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], dtype=torch.float64)
    target = torch.tensor([0, 0, 1, 0, 1, 1, 1, 1])
    b = reliability_bins(probs, target, 2, 'quantile')
    assert b.counts.tolist() == [4, 4] and b.edges.tolist() == [0, 0.5, 1]
    torch.testing.assert_close(b.accuracy, torch.tensor([0.25, 1.], dtype=torch.float64))
    assert calibration_error(probs, target, 2, strategy='quantile') == pytest.approx(0.5 * 0 + 0.5 * 0.25)
    ties = reliability_bins(torch.tensor([0.9] * 6 + [0.2, 0.3]), torch.ones(8), 4, 'quantile')
    assert ties.counts.sum() == 8 and (ties.counts == 0).any()  # ties leave bins empty, never lose an item

def test_multi_label_is_one_binary_problem_per_label():
    g = gen(3)
    probs, target = torch.rand(300, 4, generator=g), torch.randint(0, 2, (300, 4), generator=g)
    per = calibration_error(probs, target, 10, average=None)
    assert per.shape == (4,)
    for j in range(4): assert per[j].item() == pytest.approx(calibration_error(probs[:, j], target[:, j], 10))
    assert calibration_error(probs, target, 10) == pytest.approx(per.mean().item())
    b = reliability_bins(probs, target, 10)
    assert b.counts.shape == (4, 10) and b.edges.shape == (4, 11) and (b.counts.sum(1) == 300).all()
    assert b.error('l1').shape == (4,)

# Edges, empty bins, one item, NumPy.

@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_edges_are_closed_on_the_right_in_every_dtype(dtype):
    probs = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=dtype)
    b = reliability_bins(probs, torch.tensor([0, 0, 1, 1, 1]), 4)
    assert b.counts.tolist() == [2, 1, 1, 1]  # 0 and 0.25 in the first, 1.0 in the last
    p5 = torch.tensor([0.2, 0.4, 0.6, 0.8], dtype=dtype)  # on the edges of 5 bins, as the dtype rounds them
    assert reliability_bins(p5, torch.ones(4), 5).counts.tolist() == [1, 1, 1, 1, 0]

def test_empty_bins_never_count():
    conf = torch.tensor([0.95, 0.95, 0.15, 0.15], dtype=torch.float64)
    target = torch.tensor([1, 0, 1, 1])
    for n_bins in (2, 10, 100):
        b = reliability_bins(conf, target, n_bins)
        assert (b.counts > 0).sum() == 2 and b.accuracy[b.counts == 0].isnan().all()
        assert calibration_error(conf, target, n_bins) == pytest.approx(0.5 * 0.45 + 0.5 * 0.85)
        assert calibration_error(conf, target, n_bins, 'max') == pytest.approx(0.85)

def test_one_item_and_one_bin():
    assert calibration_error(torch.tensor([[0.2, 0.7, 0.1]]), torch.tensor([1])) == pytest.approx(0.3, abs=1e-6)
    assert calibration_error(torch.tensor([[0.2, 0.7, 0.1]]), torch.tensor([0])) == pytest.approx(0.7, abs=1e-6)
    probs = torch.softmax(torch.randn(50, 5, generator=gen(4)), 1)
    target = torch.randint(0, 5, (50,), generator=gen(5))
    right = (probs.argmax(1) == target).double().mean()
    assert calibration_error(probs, target, 1) == pytest.approx(abs(probs.max(1).values.double().mean() - right).item())

def test_numpy_in_numpy_out():
    probs = np.array([[0.6, 0.4], [0.3, 0.7], [0.8, 0.2]])
    b = reliability_bins(probs, np.array([0, 0, 0]), 5)
    assert all(isinstance(v, np.ndarray) for v in b)
    assert isinstance(calibration_error(probs, np.array([0, 0, 0])), float)
    per = calibration_error(np.array([[0.9, 0.2]]), np.array([[1, 0]]), average=None)
    assert isinstance(per, np.ndarray) and per.tolist() == pytest.approx([0.1, 0.2])
    t = reliability_bins(torch.tensor(probs), torch.tensor([0, 0, 0]), 5)
    assert all(isinstance(v, torch.Tensor) for v in t)
    np.testing.assert_allclose(t.accuracy.numpy(), b.accuracy)
    assert isinstance(temperature_scale(np.zeros((2, 3)) + [[1., 2., 3.]], 2.), np.ndarray)

def test_lists_are_accepted():
    assert calibration_error([0.9, 0.2], [1, 0], 2) == pytest.approx(0.15)

# Bad input: each error names the argument, says what was expected and what came.

P2 = torch.tensor([[0.6, 0.4], [0.5, 0.5]])
BAD = [
    (dict(probs=P2 * 4 - 1, targets=torch.tensor([0, 1])), ValueError, 'they look like logits'),
    (dict(probs=torch.tensor([[0.9, 0.3], [0.5, 0.3]]), targets=torch.tensor([0, 1])), ValueError, 'a row summing to 1.2'),
    (dict(probs=P2, targets=torch.tensor([0, 2])), ValueError, '`targets` holds class index 2'),
    (dict(probs=P2, targets=torch.tensor([-1, 0])), ValueError, '`targets` holds class index -1'),
    (dict(probs=P2, targets=torch.tensor([0, 1, 1])), ValueError, '`targets` has shape (3,); expected (2,)'),
    (dict(probs=P2, targets=torch.tensor([0., 1.])), TypeError, '`targets` must hold class indices'),
    (dict(probs=P2, targets='ab'), TypeError, '`targets`'),
    (dict(probs=torch.tensor([[0.6, math.nan], [0.5, 0.5]]), targets=torch.tensor([0, 1])), ValueError, '`probs` contains NaN'),
    (dict(probs=torch.tensor([0.6, math.inf]), targets=torch.tensor([0, 1])), ValueError, '`probs` contains inf'),
    (dict(probs=torch.tensor([0.6, 0.2]), targets=torch.tensor([1, 2])), ValueError, '`targets` holds values from 1 to 2'),
    (dict(probs=torch.tensor([0.6, 0.2]), targets=torch.tensor([1., 0.5])), ValueError, '`targets` must hold 0 or 1'),
    (dict(probs=torch.tensor([0.6, 0.2]), targets=torch.tensor([1., math.nan])), ValueError, '`targets` contains NaN'),
    (dict(probs=torch.tensor([0.6, 0.2]), targets=torch.tensor([1, 0, 1])), ValueError, 'the shape of `probs`'),
    (dict(probs=torch.ones(2, 1), targets=torch.tensor([0, 0])), ValueError, 'one class'),
    (dict(probs=torch.ones(2, 2, 2) / 2, targets=torch.tensor([0, 0])), ValueError, '`probs` has shape (2, 2, 2)'),
    (dict(probs=torch.ones(0), targets=torch.ones(0)), ValueError, '`probs` has shape (0,)'),
    (dict(probs=torch.tensor(0.5), targets=torch.tensor(1)), ValueError, '`probs` has shape ()'),
    (dict(probs='probs', targets=torch.tensor([0])), TypeError, '`probs`'),
    (dict(probs=torch.tensor([True, False]), targets=torch.tensor([0, 1])), TypeError, '`probs` must hold real numbers'),
    (dict(probs=P2, targets=torch.tensor([0, 1]), n_bins=0), ValueError, '`n_bins` must be an int >= 1'),
    (dict(probs=P2, targets=torch.tensor([0, 1]), n_bins=2.5), TypeError, '`n_bins` must be an int'),
    (dict(probs=P2, targets=torch.tensor([0, 1]), strategy='equal'), ValueError, "`strategy` must be one of"),
]

@pytest.mark.parametrize('kwargs,exc,msg', BAD)
def test_bad_input_is_named(kwargs, exc, msg):
    for f in (reliability_bins, calibration_error, plot_reliability):
        with pytest.raises(exc, match=None) as e: f(**kwargs)
        assert msg in str(e.value), (f.__name__, str(e.value))
    if 'n_bins' not in kwargs and 'strategy' not in kwargs:
        with pytest.raises(exc) as e: brier_score(**kwargs)
        assert msg in str(e.value)

@pytest.mark.parametrize('kwargs,msg', [(dict(norm='L1'), "`norm` must be one of 'l1', 'l2', 'max'; got 'L1'"),
                                        (dict(average='micro'), "`average` must be one of 'macro', None")])
def test_bad_options(kwargs, msg):
    with pytest.raises(ValueError, match=None) as e: calibration_error(P2, torch.tensor([0, 1]), **kwargs)
    assert msg in str(e.value)
    with pytest.raises(ValueError): reliability_bins(P2, torch.tensor([0, 1])).error('L1')

# Temperature scaling.

def calibrated(n, c, factor, seed):
    "Logits calibrated by construction (targets drawn from their softmax), multiplied by `factor`."
    z = torch.randn(n, c, generator=gen(seed), dtype=torch.float64) * 2
    y = torch.multinomial(torch.softmax(z, 1), 1, generator=gen(seed + 1))[:, 0]
    return z * factor, y

def brute_force_T(z, y, multi_label=False):
    "The temperature minimising the NLL on a grid of log T from 0.01 to 100, refined twice around its best point."
    loss = (lambda t: nn.functional.binary_cross_entropy_with_logits(z / t, y)) if multi_label else \
           (lambda t: nn.functional.cross_entropy(z / t, y))
    centre, half = 0., 2.  # log10 T
    with torch_threads(1):
        for _ in range(3):
            ts = 10 ** torch.linspace(centre - half, centre + half, 201, dtype=torch.float64)
            centre, half = math.log10(ts[torch.stack([loss(t) for t in ts]).argmin()].item()), half / 100
    return 10 ** centre

@pytest.mark.parametrize('factor', [0.3, 1., 2.5, 8.])
def test_fit_temperature_equals_brute_force(factor):
    z, y = calibrated(1500, 6, factor, int(factor * 10))
    T = fit_temperature(z, y)
    assert T == pytest.approx(brute_force_T(z, y), rel=1e-4)
    assert T == pytest.approx(factor, rel=0.15)  # the logits were calibrated before the factor

@pytest.mark.parametrize('factor', [0.5, 1., 3.])
def test_fit_temperature_for_sigmoids(factor):
    z = torch.randn(2000, 3, generator=gen(7), dtype=torch.float64) * 2
    y = torch.bernoulli(torch.sigmoid(z), generator=gen(8))
    T = fit_temperature(z * factor, y, multi_label=True)
    assert T == pytest.approx(brute_force_T(z * factor, y, multi_label=True), rel=1e-4)
    assert fit_temperature((z * factor)[:, 0], y[:, 0], multi_label=True) == pytest.approx(
        brute_force_T((z * factor)[:, 0], y[:, 0], multi_label=True), rel=1e-4)  # binary: (N,) logits

@settings(max_examples=30, deadline=None)
@given(st.floats(1e-6, 1e6), st.integers(0, 2**16))
def test_fit_temperature_scales_with_the_logits(scale, seed):
    z, y = calibrated(200, 4, 1., seed)
    t = fit_temperature(z, y)
    assume(0.01 < t < 100)  # a small sample can have no finite optimum
    assert fit_temperature(z * scale, y) == pytest.approx(t * scale, rel=1e-6)

def test_fit_temperature_keeps_the_argmax_and_lowers_nll():
    z, y = calibrated(800, 10, 3., 11)
    T = fit_temperature(z, y)
    p = temperature_scale(z, T)
    assert torch.equal(p.argmax(1), z.argmax(1))
    nll = lambda t: nn.functional.cross_entropy(z / t, y).item()
    assert nll(T) < min(nll(1.), nll(T * 1.02), nll(T / 1.02))

def test_fit_temperature_without_a_minimum_warns_and_returns_the_end():
    with pytest.warns(UserWarning, match='keeps falling as T shrinks'):
        small = fit_temperature(torch.tensor([[3., 0., -1.]]), torch.tensor([0]))
    with pytest.warns(UserWarning, match='keeps falling as T grows'):
        large = fit_temperature(torch.tensor([[3., 0., -1.]]), torch.tensor([2]))
    assert 0 < small < 0.01 and large > 100
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        two = torch.tensor([[3., 0., -1.], [2., 1., 0.]], dtype=torch.float64)
        t = fit_temperature(two, torch.tensor([0, 1]))  # two items, one wrong: a finite minimum
    assert 0.1 < t < 100 and t == pytest.approx(brute_force_T(two, torch.tensor([0, 1])), rel=1e-3)
    assert fit_temperature(torch.zeros(4, 3), torch.tensor([0, 1, 2, 0])) == 1.  # all uniform: any T, so 1

def test_fit_temperature_accepts_numpy_and_low_precision():
    z, y = calibrated(500, 5, 2., 13)
    assert fit_temperature(z.numpy(), y.numpy()) == pytest.approx(fit_temperature(z, y))
    assert fit_temperature(z.to(torch.bfloat16), y) == pytest.approx(fit_temperature(z, y), rel=0.02)

@pytest.mark.parametrize('args,kwargs,exc,msg', [
    ((torch.softmax(torch.randn(5, 3), 1), torch.tensor([0, 1, 2, 0, 1])), {}, ValueError, '`logits` looks like probabilities'),
    ((torch.sigmoid(torch.randn(5, 3)), torch.ones(5, 3)), dict(multi_label=True), ValueError, '`torch.logit(probs)`'),
    ((torch.randn(5), torch.ones(5)), {}, ValueError, 'pass `multi_label=True`'),
    ((torch.randn(5, 1), torch.zeros(5).long()), {}, ValueError, 'C >= 2 classes'),
    ((torch.randn(0, 3), torch.zeros(0).long()), {}, ValueError, '`logits` has shape (0, 3)'),
    ((torch.randn(2, 2, 2), torch.zeros(2).long()), dict(multi_label=True), ValueError, '`logits` has shape (2, 2, 2)'),
    ((torch.tensor([[1., math.nan]]), torch.tensor([0])), {}, ValueError, '`logits` contains NaN'),
    ((torch.tensor([[1., -math.inf]]), torch.tensor([0])), {}, ValueError, '`logits` contains -inf'),
    ((torch.randn(4, 3), torch.tensor([0, 1, 3, 0])), {}, ValueError, '`targets` holds class index 3'),
    ((torch.randn(4, 3), torch.tensor([0., 1., 2., 0.])), {}, TypeError, '`targets` must hold class indices'),
    ((torch.randn(4, 3), torch.ones(4, 2)), dict(multi_label=True), ValueError, '`targets` has shape (4, 2)'),
    ((torch.randn(4, 3), torch.full((4, 3), 0.5)), dict(multi_label=True), ValueError, '`targets` must hold 0 or 1'),
    (('logits', torch.tensor([0])), {}, TypeError, '`logits`'),
])
def test_fit_temperature_refuses(args, kwargs, exc, msg):
    with pytest.raises(exc) as e: fit_temperature(*args, **kwargs)
    assert msg in str(e.value)

@pytest.mark.parametrize('t,exc', [(0, ValueError), (-1., ValueError), (math.inf, ValueError), (math.nan, ValueError),
                                   ('2', TypeError), (True, TypeError)])
def test_temperature_scale_refuses_a_bad_temperature(t, exc):
    with pytest.raises(exc, match='`temperature` must be a positive number'): temperature_scale(torch.randn(3, 4), t)

def test_temperature_scale_is_softmax_or_sigmoid_of_the_divided_logits():
    z = torch.randn(6, 4, generator=gen(17))
    torch.testing.assert_close(temperature_scale(z, 2.5), torch.softmax(z / 2.5, 1))
    torch.testing.assert_close(temperature_scale(z, 0.5, multi_label=True), torch.sigmoid(z / 0.5))
    assert temperature_scale(z.double(), 2.).dtype == torch.float64

# Brier score.

def test_brier_score():
    assert brier_score(torch.tensor([[0.7, 0.2, 0.1]]), torch.tensor([0])) == pytest.approx(0.09 + 0.04 + 0.01)
    p, y = torch.rand(100, generator=gen(19)), torch.randint(0, 2, (100,), generator=gen(20))
    assert brier_score(p, y) == pytest.approx(brier_score_loss(y.numpy(), p.numpy()), abs=1e-6)
    two = torch.stack([1 - p, p], 1)
    assert brier_score(two, y) == pytest.approx(2 * brier_score(p, y), abs=1e-6)  # summed over both classes
    assert brier_score(torch.full((10, 10), 0.1), torch.arange(10)) == pytest.approx(0.9)

# ClassificationInterpretation gains the two methods.

def test_interpretation_methods_use_its_probabilities():
    out = torch.randn(300, 5, generator=gen(21)) * 3
    y = torch.randint(0, 5, (300,), generator=gen(22))
    interp = ClassificationInterpretation.from_preds(out, y)
    for kw in (dict(), dict(n_bins=7, norm='max'), dict(strategy='quantile', norm='l2')):
        assert interp.calibration_error(**kw) == calibration_error(torch.softmax(out, 1), y, **kw)
    ml = ClassificationInterpretation.from_preds(out, (out > 0).float(), nn.BCEWithLogitsLoss())
    want = calibration_error(torch.sigmoid(out), (out > 0).float(), average=None)
    torch.testing.assert_close(ml.calibration_error(average=None), want)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    assert len(ml.plot_reliability()) == 5 and interp.plot_reliability().get_title().startswith('ECE')
    plt.close('all')

# The diagram, and the explorer.

def test_the_diagram_draws_no_empty_bin_and_shows_the_counts():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    probs, y = torch.tensor([0.95, 0.95, 0.15]), torch.tensor([1, 0, 1])
    ax = plot_reliability(probs, y, 10)
    diagrams = [c for c in ax.containers]
    heights = [b.get_height() for b in diagrams[0] if b.get_visible()]
    assert heights == pytest.approx([1., 0.5])
    counts = [b.get_height() for b in plt.gcf().axes[1].containers[0] if b.get_visible()]
    assert counts == [1, 2]
    fig, own = plt.subplots()
    plot_reliability(probs, y, 10, ax=own)
    assert sorted(t.get_text() for t in own.texts if t.get_visible()) == ['1', '2']
    plt.close('all')

def test_explorer_shows_what_the_functions_compute():
    from lessonkit.explorers import calibration_explorer
    from lessonkit.rendering import time_updates
    z, y = calibrated(400, 10, 3., 23)
    ex = calibration_explorer(z, y, n_bins=10)
    for t in (0.5, 1., 3.):
        ex.temperature = t
        p = torch.softmax(z / t, 1)
        assert ex.ece == pytest.approx(calibration_error(p, y, 10), abs=1e-9)
        assert ex.nll == pytest.approx(nn.functional.cross_entropy(z / t, y).item(), abs=1e-6)
        assert ex.accuracy == pytest.approx((z.argmax(1) == y).double().mean().item())
        bars = [b.get_height() for b in ex.diagram.bars if b.get_visible()]
        assert bars == pytest.approx(ex.bins.accuracy[ex.bins.counts > 0].tolist())
    assert len(time_updates(ex, n=5)) == 5 and ex.temperature == 3.
    with pytest.raises(ValueError, match='`logits` looks like probabilities'): calibration_explorer(torch.softmax(z, 1), y)
    with pytest.raises(ValueError, match='`targets` has shape'): calibration_explorer(z, y[:3])
    with pytest.raises(ValueError, match='`temperature` must be a number from 0.1 to 10'): calibration_explorer(z, y, temperature=50)

def test_explorer_picture_is_a_png_that_follows_the_slider_and_matches_a_full_redraw():
    import io
    from PIL import Image
    from lessonkit.explorers import calibration_explorer
    z, y = calibrated(300, 10, 3., 29)
    ex = calibration_explorer(z, y)
    first = ex.image.value
    img = Image.open(io.BytesIO(first))
    assert img.format == 'PNG' and img.size[0] == ex.sketch.width
    ex.temperature = 2.
    assert ex.image.value != first
    blitted = ex.sketch.png()
    ex.sketch.background = None  # a full redraw must give the same picture as the blitted one
    full = ex.sketch.png()
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(blitted))), np.asarray(Image.open(io.BytesIO(full))))
