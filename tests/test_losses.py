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
    exact = F.cross_entropy(x.double(), t, reduction=reduction, label_smoothing=smoothing)  # on the same rounded logits
    assert torch.equal(torch.isfinite(got), exact.abs() <= torch.finfo(dtype).max)  # inf only where the exact value is
    scale = max(1., x.abs().max().item())
    if dtype in (torch.float16, torch.bfloat16) and reduction != 'none':
        # torch sums in the input's dtype, lessonkit in float32: ours is the exact value rounded, at least as close as
        # torch's (one rounding step of slack) and, where torch's sum did not overflow, close to it
        assert_matches(got, exact.to(dtype), dtype, scale=scale)
        err, torch_err = (got.double() - exact).abs(), (want.double() - exact).abs()
        step = torch.finfo(dtype).eps * exact.abs().clamp(min=1)
        assert (err <= torch_err + step).all(), (got, want, exact)
    elif torch.isfinite(want).all(): assert_matches(got, want, dtype, scale=scale)
    else: assert_matches(got, exact.to(dtype), dtype, scale=scale)  # torch's float16 sum overflowed; ours did not

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

# ---------------------------------------------------------------------------------------------------------------------
# The reliability issue: every loss, every dtype, -inf masks, weights, skipped items, logits up to ±1e4: finite and
# within tolerance of a float64 reference. The cross-entropy reference takes each masked class out of its row and asks
# PyTorch, in float64, for the loss of the classes that are left; so it also checks what masking means.

ACC_EPS = {torch.float16: 2**-23, torch.bfloat16: 2**-23, torch.float32: 2**-23, torch.float64: 2**-52}  # computed in

def assert_near(got, ref, dtype, scale=1., items=1):
    "`got` (in `dtype`) against a float64 `ref`: the result's rounding, plus float32 arithmetic on values up to `scale`."
    assert got.dtype == dtype and got.shape == ref.shape
    torch.testing.assert_close(got.double(), ref.double(), rtol=RTOL[dtype] * 2, atol=16 * ACC_EPS[dtype] * scale * items + 1e-30)

def assert_finite_where_exact_is(got, ref, dtype):
    "`got` is finite exactly where the float64 `ref` fits `dtype` (a float16 sum beyond 65504 is inf: the exact value)."
    fits = ref.detach().abs() < (65520 if dtype == torch.float16 else torch.finfo(dtype).max)
    assert torch.equal(torch.isfinite(got), fits), (got, ref)

def ref_cross_entropy(x, t, reduction='mean', eps=0., weight=None, ignore_index=-100):
    "Float64 cross-entropy with each row's -inf classes removed: PyTorch on the classes that are left, item by item."
    d = 1 if x.ndim > 1 else 0
    xs = x.movedim(d, -1).reshape(-1, x.shape[d])
    soft = t.is_floating_point()
    ts = t.movedim(d, -1).reshape(-1, x.shape[d]) if soft else t.reshape(-1)
    w = torch.ones(x.shape[d], dtype=torch.float64) if weight is None else weight.double()
    per, denom = [], 0.
    for i in range(len(xs)):
        keep = ~torch.isneginf(xs[i])
        if not soft and ts[i] == ignore_index: per.append(xs[i][keep].sum() * 0); continue  # 0, with a gradient
        if soft: y = ts[i][keep][None]
        else: y = keep[:ts[i]].sum()[None]  # the target's position among the classes kept
        per.append(F.cross_entropy(xs[i][keep][None], y, weight=w[keep], label_smoothing=eps, reduction='sum'))
        denom += 1. if soft else w[ts[i]].item()
    per = torch.stack(per)
    if reduction == 'none': return per.reshape(t.shape[:d] + t.shape[d + 1:] if soft else t.shape)
    return per.sum() if reduction == 'sum' else per.sum() / denom

@st.composite
def masked_case(draw):
    "Logits up to ±1e4 with random -inf masks, index or probability targets, weights, skipped items, smoothing."
    seed = draw(st.integers(0, 2**16)); g = gen(seed)
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    extra = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    shape = (c,) if draw(st.booleans()) and not extra else (n, c) + extra
    d = 1 if len(shape) > 1 else 0
    x = (torch.randn(shape, generator=g, dtype=torch.float64) * draw(st.sampled_from([1., 30., 1e4]))).clamp(-1e4, 1e4)
    mask = torch.rand(shape, generator=g) < draw(st.sampled_from([0., 0.3, 0.6]))
    first = torch.zeros(shape, dtype=torch.bool).index_fill_(d, torch.tensor([0]), True)
    mask &= ~first  # class 0 is never masked: every row keeps a class
    x = x.masked_fill(mask, -math.inf)
    soft = draw(st.booleans())
    weight = torch.rand(c, generator=g, dtype=torch.float64) * 2 + 0.05 if draw(st.booleans()) else None
    ignore_index = -100
    if soft:
        t = torch.rand(shape, generator=g, dtype=torch.float64).masked_fill(mask, 0.)
        t = t / t.sum(d, keepdim=True)
    else:
        logits_for_t = torch.randn(shape, generator=g).masked_fill(mask, -math.inf)
        t = logits_for_t.argmax(d)  # a class the row keeps
        if draw(st.booleans()) and t.numel() > 1:
            ignore_index = draw(st.sampled_from([-100, 0]))
            t.view(-1)[0] = ignore_index if ignore_index == -100 else t.view(-1)[0]
            if ignore_index == 0 and bool((t == 0).all()): ignore_index = -100  # keep one item counted
    return x, t, weight, ignore_index

@settings(max_examples=120, deadline=None)
@given(masked_case(), st.sampled_from(DTYPES), st.sampled_from(REDUCTIONS), st.sampled_from([0., 0.1, 0.37]))
def test_cross_entropy_with_masks_is_finite_and_exact(case, dtype, reduction, eps):
    x64, t, w, ii = case
    x = x64.to(dtype)  # the rounded logits are the input: the reference takes the same ones
    t_in = t.to(dtype) if t.is_floating_point() else t
    if t.is_floating_point(): t = t_in.double()  # the target as the loss sees it (rows still sum to 1 within rounding)
    x_ref = x.double().requires_grad_()
    ref = ref_cross_entropy(x_ref, t, reduction, eps, w, ii)
    got, grad = grads(lambda a: cross_entropy(a, t_in, reduction, eps, weight=w, ignore_index=ii), x)
    assert torch.isfinite(grad).all()
    assert_finite_where_exact_is(got, ref, dtype)
    items = t.numel() if reduction == 'sum' else 1
    scale = max(1., x64[torch.isfinite(x64)].abs().max().item())
    if torch.isfinite(got).all(): assert_near(got, ref.detach(), dtype, scale, items)
    (ref * torch.randn(ref.shape, generator=gen(9), dtype=torch.float64)).sum().backward()
    gref = x_ref.grad
    assert bool((grad[torch.isneginf(x)] == 0).all())  # no gradient reaches a masked class
    wmax = 1. if w is None else w.max().item()
    torch.testing.assert_close(grad.double(), gref, rtol=RTOL[dtype] * 4, atol=RTOL[dtype] * 4 * wmax * (3 + (ii == 0)))

def test_reliability_issue_examples():
    "The numbers of the reliability issue, each exact now."
    big, ones = torch.tensor([[1e4, 0.]] * 8).half(), torch.ones(8, dtype=torch.long)
    assert cross_entropy(big, ones).item() == 1e4 and F.cross_entropy(big, ones).isinf()  # torch: inf
    assert cross_entropy(big, 1 - ones, label_smoothing=0.32).item() == 1600.  # eps/2 * 1e4 on the wrong class
    assert nll_loss(torch.log_softmax(big.float(), 1).half(), ones).item() == 1e4
    assert cross_entropy(big, ones, reduction='sum').isinf()  # 8e4: the exact sum is beyond float16's 65504
    m = torch.tensor([[1., -math.inf, 2.]])
    assert F.cross_entropy(m, torch.tensor([[0.5, 0., 0.5]])).isnan()
    torch.testing.assert_close(cross_entropy(m, torch.tensor([[0.5, 0., 0.5]])), torch.tensor(0.8133), atol=1e-4, rtol=0)
    assert F.cross_entropy(m, torch.tensor([[0.5, 0., 0.5]]), label_smoothing=0.1).isinf()
    torch.testing.assert_close(cross_entropy(m, torch.tensor([[0.5, 0., 0.5]]), label_smoothing=0.1),
                               F.cross_entropy(m[:, [0, 2]], torch.tensor([[0.5, 0.5]]), label_smoothing=0.1))
    x, t = torch.randn(4, 3, generator=gen(0)), torch.tensor([0, 2, 1, 1])
    with pytest.raises(ValueError, match='is not log-probabilities'): nll_loss(torch.log_softmax(x, 1) - 10, t)
    with pytest.raises(ValueError, match='is not log-probabilities'): nll_loss(torch.full((4, 3), -50.), t)
    with pytest.raises(ValueError, match='every class has probability 0'):
        nll_loss(torch.tensor([[-math.inf] * 3, [-1., -0.5, -2.]]).log_softmax(1).nan_to_num(-math.inf), t[:2])

@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from(DTYPES), st.sampled_from(REDUCTIONS), st.sampled_from([1., 1e4]),
       st.booleans(), st.sampled_from([-100, 1]))
def test_nll_loss_with_weights_and_skipped_items(seed, dtype, reduction, scale, weighted, ii):
    g = gen(seed)
    x = (torch.randn(6, 4, 2, generator=g, dtype=torch.float64) * scale).clamp(-1e4, 1e4)
    lp = torch.log_softmax(x, 1).to(dtype)
    t = torch.randint(0, 4, (6, 2), generator=g)
    t[0, 0] = ii if ii == -100 else t[0, 0]
    if reduction == 'mean' and bool((t == ii).all()): t[1, 1] = 0 if ii != 0 else 2
    w = torch.rand(4, generator=g, dtype=torch.float64) + 0.1 if weighted else None
    got, g_ours = grads(lambda a: nll_loss(a, t, reduction, weight=w, ignore_index=ii), lp)
    ref, g_ref = grads(lambda a: F.nll_loss(a, t, reduction=reduction, weight=w, ignore_index=ii), lp.double())
    assert_finite_where_exact_is(got, ref, dtype)
    if torch.isfinite(got).all(): assert_near(got, ref, dtype, scale=2 * scale, items=t.numel() if reduction == 'sum' else 1)
    torch.testing.assert_close(g_ours.double(), g_ref, rtol=RTOL[dtype] * 2, atol=RTOL[dtype] * 2)
    if dtype in (torch.float32, torch.float64):  # PyTorch's own value, to the last bit
        want, g_want = grads(lambda a: F.nll_loss(a, t, reduction=reduction, weight=w if w is None else w.to(dtype), ignore_index=ii), lp)
        assert torch.equal(got, want) and torch.equal(g_ours, g_want)

@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from(DTYPES), st.sampled_from(REDUCTIONS), st.sampled_from([1., 100., 1e4]),
       st.sampled_from([None, (3,), (1, 3), (5, 3)]), st.booleans())
def test_binary_losses_with_weights(seed, dtype, reduction, scale, wshape, pos):
    g = gen(seed)
    z = (torch.randn(5, 3, generator=g, dtype=torch.float64) * scale).clamp(-1e4, 1e4).to(dtype)
    y = torch.rand(5, 3, generator=g, dtype=torch.float64).to(dtype)
    w = None if wshape is None else torch.rand(wshape, generator=g, dtype=torch.float64) * 3
    pw = torch.rand(3, generator=g, dtype=torch.float64) * 4 if pos else None
    got, g_ours = grads(lambda a: binary_cross_entropy_with_logits(a, y, reduction, weight=w, pos_weight=pw), z)
    ref, g_ref = grads(lambda a: F.binary_cross_entropy_with_logits(a, y.double(), reduction=reduction, weight=w, pos_weight=pw), z.double())
    assert_finite_where_exact_is(got, ref, dtype)
    items = z.numel() if reduction == 'sum' else 1
    big = scale * (1 + (pw.max().item() if pos else 0)) * (1 if w is None else w.max().item() + 1)
    if torch.isfinite(got).all(): assert_near(got, ref, dtype, scale=big, items=items)
    torch.testing.assert_close(g_ours.double(), g_ref, rtol=RTOL[dtype] * 2, atol=RTOL[dtype] * 2 * big / scale)
    p = torch.sigmoid(z.double()).to(dtype)
    got, g_ours = grads(lambda a: binary_cross_entropy(a, y, reduction, weight=w), p)
    ref, g_ref = grads(lambda a: F.binary_cross_entropy(a, y.double(), reduction=reduction, weight=w), p.double())
    assert_near(got, ref, dtype, scale=100 * (1 if w is None else w.max().item() + 1), items=items)

@pytest.mark.parametrize('dtype', DTYPES)
def test_float16_means_and_smoothing_do_not_overflow(dtype):
    "Every loss and reduction: a batch of losses near 1e4 averages to 1e4 in every dtype (PyTorch's float16: inf)."
    n = 64
    x = torch.tensor([[1e4, -1e4, 0.]] * n, dtype=dtype)
    t = torch.full((n,), 1)
    for reduction in ('mean', 'none'):
        assert torch.isfinite(cross_entropy(x, t, reduction)).all()
        assert torch.isfinite(cross_entropy(x, t, reduction, label_smoothing=0.1)).all()
        assert torch.isfinite(cross_entropy(x, torch.tensor([[0., 0.5, 0.5]] * n, dtype=dtype), reduction)).all()
        assert torch.isfinite(nll_loss(torch.log_softmax(x.float(), 1).to(dtype), t, reduction)).all()
        assert torch.isfinite(binary_cross_entropy_with_logits(x, torch.zeros_like(x), reduction)).all()
        assert torch.isfinite(binary_cross_entropy(torch.zeros_like(x), torch.ones_like(x), reduction)).all()
    torch.testing.assert_close(cross_entropy(x, t).float(), torch.tensor(2e4), rtol=RTOL[dtype], atol=0)
    want = cross_entropy(x.double(), t, 'sum')  # 1.28e6: beyond float16, within the rest
    assert (cross_entropy(x, t, 'sum').isinf() if dtype == torch.float16 else torch.isfinite(cross_entropy(x, t, 'sum')))
    if dtype != torch.float16: torch.testing.assert_close(cross_entropy(x, t, 'sum').double(), want, rtol=RTOL[dtype] * 2, atol=0)

# Empty batches and skipped items: one rule for all (lessonkit.checks, "Empty batches").
EMPTY = [
    ('cross_entropy', lambda r: cross_entropy(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), r)),
    ('cross_entropy, probabilities', lambda r: cross_entropy(torch.zeros(0, 4), torch.zeros(0, 4), r)),
    ('nll_loss', lambda r: nll_loss(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), r)),
    ('binary_cross_entropy', lambda r: binary_cross_entropy(torch.zeros(0, 3), torch.zeros(0, 3), r)),
    ('binary_cross_entropy_with_logits', lambda r: binary_cross_entropy_with_logits(torch.zeros(0, 3), torch.zeros(0, 3), r)),
    ('cross_entropy, (N, C, d) with d = 0', lambda r: cross_entropy(torch.zeros(2, 4, 0), torch.zeros(2, 0, dtype=torch.long), r)),
]

@pytest.mark.parametrize('name, call', EMPTY, ids=[e[0] for e in EMPTY])
def test_empty_batches(name, call):
    with pytest.raises(ValueError, match='holds no items, so the mean is 0/0'): call('mean')
    assert call('sum').item() == 0.
    assert call('none').numel() == 0

@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_every_item_skipped_or_weightless(reduction):
    "Every target ignored, or every target class weighing 0: the mean is refused like an empty batch's, the rest is 0."
    x = torch.randn(3, 4, generator=gen(0))
    lp, skipped, zeros = torch.log_softmax(x, 1), torch.full((3,), -100), torch.zeros(3, dtype=torch.long)
    w = torch.tensor([0., 1., 1., 1.])
    pairs = [(lambda t, **k: cross_entropy(x, t, reduction, **k), lambda t, **k: F.cross_entropy(x, t, reduction=reduction, **k)),
             (lambda t, **k: cross_entropy(x, t, reduction, label_smoothing=0.2, **k),
              lambda t, **k: F.cross_entropy(x, t, reduction=reduction, label_smoothing=0.2, **k)),
             (lambda t, **k: nll_loss(lp, t, reduction, **k), lambda t, **k: F.nll_loss(lp, t, reduction=reduction, **k))]
    for ours, theirs in pairs:
        if reduction == 'mean':
            assert theirs(skipped).isnan() and theirs(zeros, weight=w).isnan()  # PyTorch: 0/0
            with pytest.raises(ValueError, match='`target` has every entry equal to `ignore_index`=-100'): ours(skipped)
            with pytest.raises(ValueError, match='`weight` gives weight 0 to every target class of the 3 item'): ours(zeros, weight=w)
        else:
            assert torch.equal(ours(skipped), theirs(skipped)) and not ours(skipped).any()  # 0 per skipped item
            assert torch.equal(ours(zeros, weight=w), theirs(zeros, weight=w))  # 0, but for smoothing's other classes

def test_nll_loss_skips_its_check_when_autograd_shows_log_softmax(monkeypatch):
    import lessonkit.losses as losses
    calls = []
    real = losses.check_log_probabilities
    monkeypatch.setattr(losses, 'check_log_probabilities', lambda *a: (calls.append(1), real(*a)))
    x, t = torch.randn(5, 4, generator=gen(0), requires_grad=True), torch.tensor([0, 1, 2, 3, 0])
    nll_loss(torch.log_softmax(x, 1), t)
    assert calls == []  # provenance: no pass over the values
    nll_loss(torch.log_softmax(x, 1).detach(), t)
    assert calls == [1]  # a plain tensor: checked by value
    bad = torch.log_softmax(x.detach().masked_fill(torch.eye(5, 4).bool(), math.nan).requires_grad_(), 1)
    with pytest.raises(ValueError, match='`log_probs` contains NaN'): nll_loss(bad, t)  # the NaN result is looked into
    with pytest.raises(ValueError, match='`target` picks class 1'):
        nll_loss(torch.log_softmax(x.detach().masked_fill(torch.eye(5, 4).bool()[:, [3, 1, 2, 0]], -math.inf).requires_grad_(), 1), t)

def test_out_of_range_targets_are_named_on_every_path():
    x, lp = torch.randn(3, 4, generator=gen(0)), torch.log_softmax(torch.randn(3, 4, generator=gen(1)), 1)
    for call in [lambda t: cross_entropy(x, t), lambda t: cross_entropy(x, t, label_smoothing=0.1, weight=torch.ones(4)),
                 lambda t: nll_loss(lp, t, 'none'), lambda t: nll_loss(lp.requires_grad_(), t)]:
        with pytest.raises(ValueError, match=r'`target` holds class index 4; expected indices from 0 to 3, or `ignore_index`=-100'):
            call(torch.tensor([0, 4, 1]))
        with pytest.raises(ValueError, match='`target` holds class index -1'): call(torch.tensor([0, -1, 1]))
        call(torch.tensor([0, -100, 1]))  # skipped, not refused
    with pytest.raises(ValueError, match='class index 3; expected indices from 0 to 3, or `ignore_index`=3'.replace('3; expected indices from 0 to 3', '9; expected indices from 0 to 3')):
        cross_entropy(x, torch.tensor([3, 9, 1]), ignore_index=3)

@pytest.mark.parametrize('call, error, message', [
    (lambda: cross_entropy(LOGITS, TARGET, weight=torch.ones(4)), ValueError, '`weight` has shape (4,); expected (5,)'),
    (lambda: cross_entropy(LOGITS, TARGET, weight=-torch.ones(5)), ValueError, '`weight` holds -1; expected weights >= 0'),
    (lambda: cross_entropy(LOGITS, TARGET, weight=torch.tensor([1., math.nan, 1, 1, 1])), ValueError, '`weight` contains NaN'),
    (lambda: cross_entropy(LOGITS, TARGET, torch.ones(5)), ValueError, 'pass class weights as `weight=`'),
    (lambda: cross_entropy(LOGITS, torch.softmax(LOGITS, 1), ignore_index=1), ValueError, '`ignore_index`=1 skips items by class index'),
    (lambda: cross_entropy(LOGITS, TARGET, ignore_index=1.5), TypeError, '`ignore_index` must be an int'),
    (lambda: cross_entropy(torch.tensor([[1., -math.inf, 0.]]), torch.tensor([1])), ValueError, '`target` picks class 1 for item 0'),
    (lambda: cross_entropy(torch.tensor([[1., -math.inf, 0.]]), torch.tensor([[0.5, 0.5, 0.]])), ValueError, '`target` puts probability on a class that `logits` masks'),
    (lambda: nll_loss(torch.log_softmax(LOGITS, 1), TARGET, weight=[1, 2]), ValueError, '`weight` has shape (2,); expected (5,)'),
    (lambda: binary_cross_entropy_with_logits(LOGITS, torch.ones(3, 5), pos_weight=torch.ones(4)), ValueError, '`pos_weight` has shape (4,), which does not broadcast'),
    (lambda: binary_cross_entropy_with_logits(LOGITS, torch.ones(3, 5), weight=-torch.ones(5)), ValueError, '`weight` holds -1'),
    (lambda: binary_cross_entropy(torch.rand(3, 5), torch.ones(3, 5), weight=torch.ones(2, 3, 5)), ValueError, '`weight` has shape (2, 3, 5), which does not broadcast'),
    (lambda: nll_loss([[True, False]], [0]), TypeError, '`log_probs` must hold real numbers; got True/False'),
    (lambda: cross_entropy([[1., 2.], [3.]], [0, 1]), ValueError, '`logits` must be a rectangular list'),
])
def test_keyword_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error) as e: call()
    assert message in str(e.value), str(e.value)

def test_numpy_scalars_are_numbers():
    assert torch.equal(cross_entropy(LOGITS, TARGET, label_smoothing=np.float32(0.25), ignore_index=np.int64(-100)),
                       cross_entropy(LOGITS, TARGET, label_smoothing=0.25))
    assert torch.equal(nll_loss(torch.log_softmax(LOGITS, 1), TARGET, ignore_index=np.int32(3)),
                       F.nll_loss(torch.log_softmax(LOGITS, 1), TARGET, ignore_index=3))
    w = np.array([1., 2., 3., 4., 5.], dtype=np.float32)
    torch.testing.assert_close(cross_entropy(LOGITS, TARGET, weight=w), F.cross_entropy(LOGITS, TARGET, weight=torch.from_numpy(w)))
    torch.testing.assert_close(cross_entropy(LOGITS, TARGET, weight=list(w)), F.cross_entropy(LOGITS, TARGET, weight=torch.from_numpy(w)))

@pytest.mark.parametrize('bad, message', [(math.nan, '`logits` contains NaN'), (math.inf, '`logits` contains inf')])
@pytest.mark.parametrize('where', ['a counted item', 'a skipped item', 'a probability target'])
@pytest.mark.parametrize('smoothing, weighted', [(0., False), (0.2, True)])
def test_cross_entropy_finds_bad_logits_through_its_result_or_a_scan(bad, message, where, smoothing, weighted):
    "cross_entropy scans its logits only when the result is not finite or an item is skipped: nothing bad gets by."
    x = torch.randn(4, 3, generator=gen(0))
    x[2, 1] = bad
    t = torch.tensor([0, 1, 2 if where != 'a skipped item' else -100, 1])
    if where == 'a probability target': t = torch.softmax(torch.randn(4, 3, generator=gen(1)), 1)
    w = torch.tensor([1., 0., 2.]) if weighted else None  # the bad logit's class weighs 0: it must not hide
    for reduction in REDUCTIONS:
        with pytest.raises(ValueError, match=message): cross_entropy(x, t, reduction, smoothing, weight=w)
    x[2] = -math.inf  # every class masked
    with pytest.raises(ValueError, match='every class is masked'): cross_entropy(x, t, 'sum', smoothing, weight=w)

def test_cross_entropy_scans_nothing_on_good_input(monkeypatch):
    import lessonkit.losses as losses
    calls = []
    real = losses.check_logit_values
    monkeypatch.setattr(losses, 'check_logit_values', lambda *a: (calls.append(1), real(*a))[1])
    x, t = torch.randn(5, 4, generator=gen(0)), torch.tensor([0, 1, 2, 3, 0])
    cross_entropy(x, t, weight=torch.ones(4), label_smoothing=0.1)
    cross_entropy(x, torch.softmax(x, 1))
    assert calls == []  # the one result was finite: no pass over the logits
    cross_entropy(x, t.masked_fill(t == 3, -100))
    assert calls == [1]  # a skipped item's row is never read by the loss: scanned
