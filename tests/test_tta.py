"`lessonkit.tta`: tta_average sums to 1 and is the arithmetic mean of probabilities (with beta on the un-augmented entry), or log-linear pooling with `pool='log-linear'`, shifts and affine transforms, tta_stack, and bad input."
import math
import numpy as np, pytest, torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from lessonkit.tta import *

def gen(seed): return torch.Generator().manual_seed(seed)

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 20), st.integers(1, 12), st.sampled_from([1., 5., 1e4]), st.integers(0, 2**16),
       st.sampled_from([torch.float32, torch.float64]))
def test_average_sums_to_one_and_is_the_mean_of_probabilities(n, items, c, scale, seed, dtype):
    logits = torch.randn(n, items, c, generator=gen(seed), dtype=torch.float64) * scale
    probs, log_probs = torch.softmax(logits, -1).to(dtype), torch.log_softmax(logits, -1).to(dtype)
    for got in (tta_average(probs), tta_average(log_probs, from_log=True)):
        assert got.shape == (items, c) and got.dtype == dtype
        assert (got.sum(-1) - 1).abs().max() <= 1e-6
        torch.testing.assert_close(got, torch.softmax(logits, -1).mean(0).to(dtype))

@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_low_precision_rows_sum_to_one(dtype):
    p = torch.softmax(torch.randn(4, 30, 10, generator=gen(1)) * 3, -1).to(dtype)
    got = tta_average(p)
    assert got.dtype == dtype and torch.isfinite(got).all()
    torch.testing.assert_close(got.float(), p.float().mean(0), rtol=2e-2, atol=1e-2)

def test_beta_weights_the_first_entry():
    p = torch.softmax(torch.randn(5, 8, 3, generator=gen(2)), -1)
    for beta in (0., 0.25, 0.5, 1.):
        torch.testing.assert_close(tta_average(p, beta=beta), beta * p[0] + (1 - beta) * p[1:].mean(0))
        torch.testing.assert_close(tta_average(p.log(), from_log=True, beta=beta), beta * p[0] + (1 - beta) * p[1:].mean(0))
    assert (tta_average(p, beta=0.3).sum(-1) - 1).abs().max() <= 1e-6

def test_geometric_mean_is_not_what_it_returns():
    lp = torch.log_softmax(torch.tensor([[[8., 0., 0.]], [[0., 8., 0.]]]), -1)
    geo = lp.mean(0).exp()
    assert geo.sum() < 0.1
    torch.testing.assert_close(tta_average(lp, from_log=True), lp.exp().mean(0))  # the mean of probabilities, not a rescaled geometric mean

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 20), st.integers(1, 12), st.sampled_from([1., 5., 1e4]), st.integers(0, 2**16),
       st.sampled_from([torch.float32, torch.float64]), st.sampled_from([None, 0., 0.3, 1.]))
def test_log_linear_pooling_is_the_softmax_of_the_mean_log_probability(n, items, c, scale, seed, dtype, beta):
    if beta is not None and n < 2: n = 2
    lp = torch.log_softmax(torch.randn(n, items, c, generator=gen(seed), dtype=torch.float64) * scale, -1).to(dtype)
    x = lp.double()  # the reference, exact for the log-probabilities as given
    want = torch.softmax(x.mean(0) if beta is None else beta * x[0] + (1 - beta) * x[1:].mean(0), -1).to(dtype)
    got = tta_average(lp, from_log=True, beta=beta, pool='log-linear')  # in log space: no underflow at -1e4
    assert got.shape == (items, c) and got.dtype == dtype and torch.isfinite(got).all()
    assert (got.sum(-1) - 1).abs().max() <= 1e-6
    tol = max(1e-6, 8 * scale * torch.finfo(dtype).eps)  # a mean of log-probabilities of size `scale`, in `dtype`
    torch.testing.assert_close(got, want, rtol=tol, atol=tol)
    if scale < 1e4: torch.testing.assert_close(tta_average(lp.exp(), beta=beta, pool='log-linear'), want, rtol=tol, atol=tol)

def test_log_linear_pooling_refuses_items_with_no_answer():
    p = torch.tensor([[[0.5, 0.5], [1., 0.]], [[0.5, 0.5], [0., 1.]]])  # item 1: each class ruled out by one prediction
    with pytest.raises(ValueError, match="log-linear pooling is undefined for item 1 of `stack`"):
        tta_average(p, pool='log-linear')
    torch.testing.assert_close(tta_average(p), torch.tensor([[0.5, 0.5], [0.5, 0.5]]))
    # a prediction weighted 0 by beta rules nothing out
    torch.testing.assert_close(tta_average(p, beta=0., pool='log-linear'), p[1])
    torch.testing.assert_close(tta_average(torch.tensor([[[1., 0.]], [[0.5, 0.5]]]), beta=1., pool='log-linear'),
                               torch.tensor([[1., 0.]]))
    with pytest.raises(ValueError, match="`pool` must be one of 'mean', 'log-linear'; got 'geometric'"):
        tta_average(p, pool='geometric')

def test_numpy_in_numpy_out():
    p = torch.softmax(torch.randn(3, 4, 5, generator=gen(3)), -1).numpy()
    got = tta_average(p)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, p.mean(0), rtol=1e-6, atol=1e-7)

def test_neg_inf_log_probabilities():
    lp = torch.tensor([[[0., -math.inf]], [[-math.inf, 0.]]])
    torch.testing.assert_close(tta_average(lp, from_log=True), torch.tensor([[0.5, 0.5]]))

def test_bad_input():
    p = torch.softmax(torch.randn(3, 4, 5, generator=gen(4)), -1)
    cases = [
        (lambda: tta_average(p[0]), ValueError, 'expected (n, N, C)'),
        (lambda: tta_average(p[None]), ValueError, 'expected (n, N, C)'),
        (lambda: tta_average(p[:, :0]), ValueError, 'expected (n, N, C)'),
        (lambda: tta_average(p.log()), ValueError, 'pass `from_log=True`'),
        (lambda: tta_average(torch.randn(3, 4, 5) * 3), ValueError, 'apply `softmax`'),
        (lambda: tta_average(torch.randn(3, 4, 5) * 3, from_log=True), ValueError, 'but log-probabilities are <= 0: these look like logits'),
        (lambda: tta_average(torch.sigmoid(torch.randn(3, 4, 5))), ValueError, 'expected rows summing to 1'),
        (lambda: tta_average(torch.full((2, 1, 2), math.nan)), ValueError, '`stack` contains NaN'),
        (lambda: tta_average(p, beta=-0.1), ValueError, '`beta` must be a number from 0 to 1 or None'),
        (lambda: tta_average(p, beta=True), TypeError, '`beta` must be a number'),
        (lambda: tta_average(p[:1], beta=0.5), ValueError, 'at least 2 entries'),
        (lambda: tta_average('probs'), TypeError, '`stack`'),
    ]
    for f, err, msg in cases:
        with pytest.raises(err) as e: f()
        assert msg in str(e.value), (msg, str(e.value))

@pytest.mark.parametrize('dx,dy', [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (2, -3), (-4, 2), (7, 0), (0, -9)])
def test_shift_images_against_brute_force(dx, dy):
    x = torch.rand(2, 1, 5, 7, generator=gen(5))
    want = torch.zeros_like(x)
    for i in range(5):
        for j in range(7):
            if 0 <= i - dy < 5 and 0 <= j - dx < 7: want[..., i, j] = x[..., i - dy, j - dx]
    torch.testing.assert_close(shift_images(x, dx, dy), want)

@pytest.mark.parametrize('dx,dy', [(1, 0), (0, -1), (2, 1), (-1, -2)])
def test_affine_whole_pixel_shift_is_a_shift(dx, dy):
    x = torch.rand(3, 1, 8, 8, generator=gen(6))
    torch.testing.assert_close(affine_images(x, dx=dx, dy=dy), shift_images(x, dx, dy), atol=1e-5, rtol=1e-5)

def test_affine_rotation_and_per_image_parameters():
    x = torch.rand(4, 1, 8, 8, generator=gen(7))
    torch.testing.assert_close(affine_images(x), x, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(affine_images(x, degrees=90), torch.rot90(x, 1, (-2, -1)), atol=1e-5, rtol=1e-5)  # anticlockwise as displayed
    per = affine_images(x, degrees=torch.tensor([0., 90., 0., 90.]))
    torch.testing.assert_close(per[1], torch.rot90(x[1], 1, (-2, -1)), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(per[0], x[0], atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match='`x` must be a tensor of images'): affine_images(x[0])
    with pytest.raises(TypeError, match='`x` must be a tensor or NumPy array'): affine_images(x.tolist())
    got = affine_images(x.numpy(), degrees=90)
    assert isinstance(got, np.ndarray)
    np.testing.assert_allclose(got, torch.rot90(x, 1, (-2, -1)).numpy(), atol=1e-5)

def test_shift_images_input():
    x = torch.rand(2, 1, 5, 7, generator=gen(9))
    got = shift_images(x.numpy(), 1, -2)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, shift_images(x, 1, -2).numpy())
    np.testing.assert_array_equal(shift_images(x, np.int64(1), 0).numpy(), shift_images(x, 1, 0).numpy())  # NumPy integers are whole pixels too
    for bad in (0.5, True, torch.tensor(1)):
        with pytest.raises(TypeError, match='`dx` must be an int \\(a whole number of pixels'): shift_images(x, bad, 0)
    with pytest.raises(TypeError, match='`dy` must be an int \\(a whole number of pixels'): shift_images(x, 0, 1.)
    with pytest.raises(ValueError, match='`x` must have at least 2 dimensions'): shift_images(x[0, 0, 0], 1, 0)
    with pytest.raises(TypeError, match='`x` must be a tensor or NumPy array'): shift_images(x.tolist(), 1, 0)

def test_random_affine_is_seeded():
    x = torch.rand(6, 1, 8, 8, generator=gen(8))
    a, b = random_affine(10, 0.5, seed=3), random_affine(10, 0.5, seed=3)
    torch.testing.assert_close(a(x), b(x))
    assert not torch.allclose(a(x), x)

def test_tta_stack():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    xs = torch.rand(20, 1, 8, 8)
    augs = [lambda x: shift_images(x, 1, 0), lambda x: affine_images(x, degrees=5)]
    s = tta_stack(model, xs, augs, nn.CrossEntropyLoss())
    assert s.shape == (3, 20, 10)
    torch.testing.assert_close(s[0], torch.softmax(model(xs), 1).detach())
    torch.testing.assert_close(s[1], torch.softmax(model(shift_images(xs, 1, 0)), 1).detach())
    assert (tta_average(s).sum(-1) - 1).abs().max() <= 1e-6

def test_numpy_scalars_are_numbers():
    p = torch.softmax(torch.randn(3, 4, 5, generator=gen(7)), -1)
    for beta in (np.float32(0.25), np.float64(0.25)):
        torch.testing.assert_close(tta_average(p, beta=beta), tta_average(p, beta=0.25))
    assert torch.equal(shift_images(torch.ones(1, 3, 3), dx=np.int64(1)), shift_images(torch.ones(1, 3, 3), dx=1))
    with pytest.raises(ValueError, match='`stack` \\(single-label predictions, classes on the last dimension\\) has a row summing to'):
        tta_average(torch.sigmoid(torch.randn(2, 3, 4)))

def test_random_affine_says_what_decides_its_draws():
    a, b = random_affine(10, 0.5, seed=1), random_affine(10, 0.5, seed=1)
    assert a.cache_key == b.cache_key != random_affine(10, 0.5, seed=2).cache_key != random_affine(5, 0.5, seed=1).cache_key
    before = a.cache_key
    torch.testing.assert_close(a(torch.rand(3, 1, 8, 8, generator=gen(0))), b(torch.rand(3, 1, 8, 8, generator=gen(0))))
    assert a.cache_key != before  # drawing moves the generator on: a later training would see other draws
