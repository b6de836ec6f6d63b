"`lessonkit.losses` against `torch.nn.functional`: random shapes, every reduction and float dtype, extreme logits, class-probability targets, label smoothing, gradients, and bad input."
import math, warnings
import numpy as np, pytest, torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from lessonkit.losses import *

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
REDUCTIONS = ['mean', 'sum', 'none']
RTOL = {torch.float16: 1e-3, torch.bfloat16: 1e-2, torch.float32: 1e-5, torch.float64: 1e-12}

def gen(seed): return torch.Generator().manual_seed(seed)

@st.composite
def classification(draw):
    "Logits of shape (C,), (N, C) or (N, C, d1[, d2]) and class-index targets for them."
    n, c = draw(st.integers(1, 6)), draw(st.integers(1, 7))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    shape = (c,) if draw(st.booleans()) and not extra else (n, c) + extra
    seed = draw(st.integers(0, 2**16))
    x = torch.randn(shape, generator=gen(seed), dtype=torch.float64) * draw(st.sampled_from([1., 10., 1e4]))
    t_shape = () if len(shape) == 1 else (n,) + extra
    t = torch.randint(0, c, t_shape, generator=gen(seed + 1))
    return x, t

def assert_matches(got, want, dtype, scale=1.):
    assert got.dtype == want.dtype and got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)

def grads(fn, x, *args, **kw):
    "The loss and the gradient of (loss * random weights).sum() with respect to `x`."
    x = x.detach().clone().requires_grad_()
    out = fn(x, *args, **kw)
    (out * torch.randn(out.shape, generator=gen(9), dtype=out.dtype)).sum().backward()
    return out.detach(), x.grad

@settings(max_examples=60, deadline=None)
@given(classification(), st.sampled_from(DTYPES), st.sampled_from(REDUCTIONS), st.sampled_from([0., 0.1]))
def test_cross_entropy_matches_torch(xt, dtype, reduction, smoothing):
    x, t = xt
    x = x.to(dtype)
    got, want = cross_entropy(x, t, reduction, smoothing), F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing)
    if dtype == torch.float16: assert torch.equal(torch.isfinite(got), torch.isfinite(want))  # losses above 65504 overflow float16, in torch too
    else: assert torch.isfinite(got).all()
    assert_matches(got, want, dtype, scale=max(1., x.abs().max().item()))

@settings(max_examples=40, deadline=None)
@given(classification(), st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_torch(xt, reduction):
    x, t = xt
    lp = torch.log_softmax(x, dim=1 if x.ndim > 1 else 0)
    torch.testing.assert_close(nll_loss(lp, t, reduction), F.nll_loss(lp, t, reduction=reduction), rtol=1e-12, atol=0)

@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_is_close_to_float32(dtype):
    x, t = torch.randn(64, 10, generator=gen(0)) * 5, torch.randint(0, 10, (64,), generator=gen(1))
    low = cross_entropy(x.to(dtype), t)
    assert low.dtype == dtype
    torch.testing.assert_close(low.float(), F.cross_entropy(x.to(dtype).float(), t), rtol=2e-2, atol=2e-2)
    z, y = torch.randn(64, 3, generator=gen(2)) * 5, torch.randint(0, 2, (64, 3), generator=gen(3)).float()
    torch.testing.assert_close(binary_cross_entropy_with_logits(z.to(dtype), y).float(), F.binary_cross_entropy_with_logits(z.to(dtype).float(), y), rtol=2e-2, atol=2e-2)

@pytest.mark.parametrize('dtype', DTYPES)
def test_extreme_logits_stay_finite_and_match(dtype):
    x64 = torch.tensor([[1e4, -1e4, 0.], [-1e4, -1e4, -1e4], [-1e4, 1e4, 1e4]], dtype=torch.float64)
    x, t = x64.to(dtype), torch.tensor([1, 0, 2])
    for reduction in REDUCTIONS:
        got = cross_entropy(x, t, reduction)
        assert torch.isfinite(got).all()
        assert_matches(got, F.cross_entropy(x, t, reduction=reduction), dtype, scale=1e4)
    torch.testing.assert_close(cross_entropy(x64, t, 'none'), torch.tensor([2e4, math.log(3), math.log(2)], dtype=torch.float64))
    z, y = torch.tensor([100., -100., 1e4, -1e4], dtype=dtype), torch.tensor([0., 1., 0., 1.])
    got = binary_cross_entropy_with_logits(z, y, 'none')
    assert torch.isfinite(got).all()
    assert_matches(got, F.binary_cross_entropy_with_logits(z, y.to(dtype), reduction='none'), dtype, scale=1e4)

@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_gradients_match_torch(reduction):
    x, t = torch.randn(8, 5, generator=gen(0), dtype=torch.float32) * 5, torch.randint(0, 5, (8,), generator=gen(1))
    for ours, theirs in [(cross_entropy, F.cross_entropy), (lambda a, b, r: cross_entropy(a, b, r, 0.2), lambda a, b, reduction: F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.2))]:
        (lo, go), (lt, gt) = grads(ours, x, t, reduction), grads(theirs, x, t, reduction=reduction)
        torch.testing.assert_close(lo, lt, rtol=1e-5, atol=1e-6); torch.testing.assert_close(go, gt, rtol=1e-5, atol=1e-6)
    soft = torch.softmax(torch.randn(8, 5, generator=gen(2)), 1)
    torch.testing.assert_close(grads(cross_entropy, x, soft, reduction)[1], grads(F.cross_entropy, x, soft, reduction=reduction)[1], rtol=1e-5, atol=1e-6)
    lp = torch.log_softmax(x, 1)
    torch.testing.assert_close(grads(nll_loss, lp, t, reduction)[1], grads(F.nll_loss, lp, t, reduction=reduction)[1])
    z, y = torch.randn(8, 3, generator=gen(3)) * 5, torch.rand(8, 3, generator=gen(4))
    torch.testing.assert_close(grads(binary_cross_entropy_with_logits, z, y, reduction)[1], grads(F.binary_cross_entropy_with_logits, z, y, reduction=reduction)[1], rtol=1e-5, atol=1e-6)
    p = torch.rand(8, 3, generator=gen(5)) * 0.98 + 0.01
    torch.testing.assert_close(grads(binary_cross_entropy, p, y, reduction)[1], grads(F.binary_cross_entropy, p, y, reduction=reduction)[1], rtol=1e-5, atol=1e-6)

def test_gradient_is_softmax_minus_one_hot():
    x, t = torch.randn(6, 4, generator=gen(0), dtype=torch.float64), torch.randint(0, 4, (6,), generator=gen(1))
    _, g = grads(lambda a, b: cross_entropy(a, b, 'sum'), x, t)
    w = torch.randn((), generator=gen(9), dtype=torch.float64)  # grads() weights the scalar loss by one random number
    torch.testing.assert_close(g, w * (torch.softmax(x, 1) - F.one_hot(t, 4)))

@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('smoothing', [0., 0.3])
def test_class_probability_targets(reduction, smoothing):
    x = torch.randn(5, 4, 3, generator=gen(0))
    soft = torch.softmax(torch.randn(5, 4, 3, generator=gen(1)), dim=1)
    torch.testing.assert_close(cross_entropy(x, soft, reduction, smoothing), F.cross_entropy(x, soft, reduction=reduction, label_smoothing=smoothing), rtol=1e-5, atol=1e-6)
    t = torch.randint(0, 4, (5, 3), generator=gen(2))
    torch.testing.assert_close(cross_entropy(x, F.one_hot(t, 4).permute(0, 2, 1).float(), reduction), cross_entropy(x, t, reduction), rtol=1e-5, atol=1e-6)

def test_binary_cross_entropy_matches_torch_including_clamp():
    p = torch.tensor([0., 1., 0.3, 1e-30, 1.])
    y = torch.tensor([1., 0., 0.5, 1., 1.])
    for reduction in REDUCTIONS:
        torch.testing.assert_close(binary_cross_entropy(p, y, reduction), F.binary_cross_entropy(p, y, reduction=reduction))
    assert binary_cross_entropy(p, y, 'none')[0] == 100  # log(0) clamped at -100, as in torch
    torch.testing.assert_close(binary_cross_entropy(p, y.int()), binary_cross_entropy(p, y.int().float()))  # integer targets accepted

def test_numpy_in_numpy_out():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 1])
    got = cross_entropy(x, t)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, F.cross_entropy(torch.from_numpy(x), torch.from_numpy(t)).numpy(), rtol=1e-6)
    assert isinstance(nll_loss(np.log(np.full((2, 2), 0.5)), [0, 1]), np.ndarray)
    assert isinstance(binary_cross_entropy_with_logits(x, (x > 0).astype(np.float32)), np.ndarray)
    assert isinstance(cross_entropy([[1., 2.]], [1]), torch.Tensor)

# Bad input: a clear error that names the argument.
LOGITS, TARGET = torch.randn(3, 5, generator=gen(0)), torch.tensor([0, 3, 4])

@pytest.mark.parametrize('call, error, message', [
    (lambda: cross_entropy(LOGITS, torch.tensor([0, 3, 5])), ValueError, '`target` holds class index 5; expected indices from 0 to 4'),
    (lambda: cross_entropy(LOGITS, torch.tensor([0, -1, 4])), ValueError, '`target` holds class index -1'),
    (lambda: cross_entropy(LOGITS, torch.tensor([0, 3])), ValueError, '`target` has shape (2,); expected (3,)'),
    (lambda: cross_entropy(LOGITS, torch.tensor([0., 3., 4.])), ValueError, '`target` holds floats, which are read as class probabilities'),
    (lambda: cross_entropy(LOGITS, torch.full((3, 5), 0.5)), ValueError, '`target` (class probabilities) has a row summing to 2.5'),
    (lambda: cross_entropy(LOGITS, torch.full((3, 5), -0.2)), ValueError, '`target` (class probabilities) holds values from -0.2'),
    (lambda: cross_entropy(LOGITS.masked_fill(torch.eye(3, 5).bool(), math.nan), TARGET), ValueError, '`logits` contains NaN'),
    (lambda: cross_entropy(LOGITS.masked_fill(torch.eye(3, 5).bool(), math.inf), TARGET), ValueError, '`logits` contains inf'),
    (lambda: cross_entropy(torch.full((2, 3), -math.inf), torch.tensor([0, 1])), ValueError, '`logits` has a row whose every entry is -inf along dim 1: every class is masked'),
    (lambda: cross_entropy(LOGITS, TARGET, reduction='avg'), ValueError, "`reduction` must be 'mean', 'sum' or 'none'; got 'avg'"),
    (lambda: cross_entropy(LOGITS, TARGET, label_smoothing=-0.1), ValueError, '`label_smoothing` must be a number from 0 to 1'),
    (lambda: cross_entropy(torch.tensor(1.), torch.tensor(0)), ValueError, '`logits` must have at least one dimension'),
    (lambda: cross_entropy('logits', TARGET), TypeError, '`logits`'),
    (lambda: cross_entropy(LOGITS, 'target'), TypeError, '`target`'),
    (lambda: nll_loss(torch.softmax(LOGITS, 1), TARGET), ValueError, '`log_probs` holds values from'),
    (lambda: nll_loss(LOGITS, TARGET), ValueError, 'but log-probabilities are <= 0: these look like logits'),
    (lambda: nll_loss(torch.log_softmax(LOGITS, 1), TARGET.float()), TypeError, '`target` must hold class indices (integers); got dtype torch.float32'),
    (lambda: nll_loss(torch.log_softmax(LOGITS, 1), torch.tensor([0, 3, 9])), ValueError, '`target` holds class index 9'),
    (lambda: nll_loss(torch.tensor([[math.nan, -1.]]), torch.tensor([0])), ValueError, '`log_probs` contains NaN'),
    (lambda: nll_loss(torch.tensor([[-1., math.nan]]), torch.tensor([0])), ValueError, '`log_probs` contains NaN'),  # not the picked entry
    (lambda: nll_loss(torch.tensor([[math.inf, -1.]]), torch.tensor([1])), ValueError, '`log_probs` contains inf'),
    (lambda: binary_cross_entropy(LOGITS, torch.ones(3, 5)), ValueError, 'binary_cross_entropy_with_logits'),
    (lambda: binary_cross_entropy(torch.rand(3), torch.ones(4)), ValueError, '`target` has shape (4,); expected (3,)'),
    (lambda: binary_cross_entropy(torch.rand(3), torch.tensor([0., 1., 2.])), ValueError, '`target` holds values from 0 to 2'),
    (lambda: binary_cross_entropy(torch.tensor([0.5, math.nan]), torch.ones(2)), ValueError, '`probs` contains NaN'),
    (lambda: binary_cross_entropy_with_logits(torch.tensor([1., math.nan]), torch.ones(2)), ValueError, '`logits` contains NaN'),
    (lambda: binary_cross_entropy_with_logits(torch.tensor([1., math.inf]), torch.ones(2)), ValueError, '`logits` contains inf'),
    (lambda: binary_cross_entropy_with_logits(torch.tensor([-1., 2.]), torch.tensor([1., math.nan])), ValueError, '`target` contains NaN'),
])
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error) as e: call()
    assert message in str(e.value)

def test_probabilities_where_logits_are_expected_warn():
    with pytest.warns(UserWarning, match='`logits` looks like probabilities'): cross_entropy(torch.softmax(LOGITS, 1), TARGET)
    with pytest.warns(UserWarning, match='`logits` looks like probabilities'): binary_cross_entropy_with_logits(torch.rand(4, 3), torch.ones(4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        cross_entropy(LOGITS, TARGET)
        cross_entropy(torch.tensor([[0.2, 0.3]]), torch.tensor([1]))  # in [0, 1] but not summing to 1: no warning
        binary_cross_entropy_with_logits(torch.tensor([-0.5, 0.5]), torch.tensor([0., 1.]))

def test_masked_logits_are_allowed():
    x = torch.tensor([[2., -math.inf, 0.], [-math.inf, 1., 3.]])
    t = torch.tensor([0, 2])
    torch.testing.assert_close(cross_entropy(x, t), F.cross_entropy(x, t))
