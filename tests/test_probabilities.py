"`lessonkit.probabilities` against `torch.nn.functional`: random shapes and dims, every float dtype, extreme logits, masks, NumPy, bad input, and `fmt_prob`."
import math, warnings
import numpy as np, pytest, torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from lessonkit.probabilities import *

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
TOL = {torch.float16: 1e-3, torch.bfloat16: 1e-2, torch.float32: 1e-6, torch.float64: 1e-12}
PAIRS = [(softmax, F.softmax), (log_softmax, F.log_softmax), (logsumexp, torch.logsumexp)]

@st.composite
def shape_and_dim(draw):
    shape = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    return tuple(shape), draw(st.integers(-len(shape), len(shape) - 1))

@settings(max_examples=60, deadline=None)
@given(shape_and_dim(), st.sampled_from(DTYPES), st.sampled_from([1., 10., 1e4]), st.integers(0, 2**16))
def test_matches_torch_on_random_shapes_dims_dtypes(sd, dtype, scale, seed):
    shape, dim = sd
    x = (torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale).to(dtype)
    for ours, theirs in PAIRS:
        got, want = ours(x, dim), theirs(x, dim=dim)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert torch.isfinite(got).all(), f"{ours.__name__} gave inf/nan for logits up to {scale}"
        torch.testing.assert_close(got, want, rtol=TOL[dtype], atol=TOL[dtype] * max(1., scale) if ours is not softmax else TOL[dtype])
    torch.testing.assert_close(sigmoid(x), torch.sigmoid(x), rtol=TOL[dtype], atol=TOL[dtype])

@pytest.mark.parametrize('dtype', DTYPES)
def test_extreme_logits_stay_finite(dtype):
    x = torch.tensor([[1e4, -1e4, 0.], [-1e4, -1e4, -1e4], [-1e4, 1e4, 1e4]], dtype=torch.float64).to(dtype)
    for f in (softmax, log_softmax, logsumexp): assert torch.isfinite(f(x)).all(), f.__name__
    torch.testing.assert_close(softmax(x).sum(-1), torch.ones(3, dtype=dtype), rtol=TOL[dtype], atol=TOL[dtype])
    near_max = torch.tensor([[65000., 0., -65000.]], dtype=dtype) if dtype == torch.float16 else torch.tensor([[3e38, 0., -3e38]], dtype=dtype)
    assert torch.isfinite(softmax(near_max)).all() and softmax(near_max)[0, 0] == 1

def test_gradients_match_torch():
    x = torch.randn(8, 5, dtype=torch.float64) * 5
    for ours, theirs in PAIRS:
        a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
        w = torch.randn_like(theirs(x, dim=-1))
        (ours(a) * w).sum().backward(); (theirs(b, dim=-1) * w).sum().backward()
        torch.testing.assert_close(a.grad, b.grad)
    a, b = x.clone().requires_grad_(), x.clone().requires_grad_()
    sigmoid(a).sum().backward(); torch.sigmoid(b).sum().backward()
    torch.testing.assert_close(a.grad, b.grad)

def test_neg_inf_masks():
    x = torch.tensor([[2., -math.inf, 0.], [-math.inf, 1., -math.inf]])
    for ours, theirs in PAIRS: torch.testing.assert_close(ours(x), theirs(x, dim=-1))
    assert softmax(x)[0, 1] == 0 and softmax(x)[1, 1] == 1
    a = x.clone().requires_grad_(); softmax(a)[:, 0].sum().backward()
    assert torch.isfinite(a.grad).all()

def test_fully_masked_row_is_refused():
    x = torch.tensor([[0., 1.], [-math.inf, -math.inf]])
    for f in (softmax, log_softmax):
        with pytest.raises(ValueError, match='every class is masked'): f(x)
    assert logsumexp(x)[1] == -math.inf  # log(0) is the right answer for logsumexp

@pytest.mark.parametrize('f', [softmax, log_softmax, logsumexp, sigmoid])
def test_numpy_in_numpy_out(f):
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    got = f(x)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, f(torch.from_numpy(x)).numpy())
    assert isinstance(f([[1., 2.]]), torch.Tensor)

@pytest.mark.parametrize('f', [softmax, log_softmax, logsumexp, sigmoid])
@pytest.mark.parametrize('bad', [torch.tensor([True, False]), np.array(['a', 'b']), 'logits', torch.tensor([1 + 1j])])
def test_non_numeric_input_is_a_type_error(f, bad):
    with pytest.raises(TypeError, match='`x`'): f(bad)

@pytest.mark.parametrize('f', [softmax, log_softmax, logsumexp])
def test_bad_dims_and_values(f):
    with pytest.raises(ValueError, match='`dim`=2 is out of range for `x`'): f(torch.ones(2, 3), 2)
    with pytest.raises(ValueError, match='`dim`=-3 is out of range'): f(torch.ones(2, 3), -3)
    if f is not logsumexp:  # a distribution needs a class per row; a sum over nothing is 0, and logsumexp gives log 0
        with pytest.raises(ValueError, match='`x` has no classes'): f(torch.ones(2, 0))
        with pytest.raises(ValueError, match='at least one dimension'): f(torch.tensor(1.), 0)
    else:
        assert torch.equal(f(torch.ones(2, 0)), torch.full((2,), -math.inf))
        assert f(torch.tensor(1.5), 0).item() == 1.5  # as PyTorch: a 0-d tensor has dim 0
    with pytest.raises(ValueError, match='`x` contains NaN'): f(torch.tensor([1., math.nan]))
    with pytest.raises(ValueError, match='`x` contains inf'): f(torch.tensor([1., math.inf]))
    with pytest.raises(TypeError, match='`dim` must be an int'): f(torch.ones(2), 1.0)

@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_sigmoid_takes_inf_and_refuses_nan(dtype):
    torch.testing.assert_close(sigmoid(torch.tensor([math.inf, -math.inf, 0.], dtype=dtype)), torch.tensor([1., 0., 0.5], dtype=dtype))
    with pytest.raises(ValueError, match='`x` contains NaN'): sigmoid(torch.tensor([0., 2., math.nan], dtype=dtype))
    with pytest.raises(ValueError, match='`x` contains NaN'): sigmoid(np.array([[1., math.nan]]))

def test_integers_are_promoted():
    torch.testing.assert_close(softmax(torch.tensor([1, 2])), F.softmax(torch.tensor([1., 2.]), dim=-1))
    assert softmax(np.array([1, 2])).dtype == np.float64

def test_probabilities_passed_as_logits_warn():
    with pytest.warns(UserWarning, match='looks like probabilities'): softmax(torch.tensor([[0.2, 0.8]]))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        softmax(torch.tensor([[0.2, 0.3]]))  # in [0, 1] but not summing to 1: may be logits, no warning
        softmax(torch.tensor([[2., -1.]]))

def test_two_class_softmax_is_sigmoid_of_difference():
    x = torch.randn(100, 2) * 10
    torch.testing.assert_close(softmax(x)[:, 0], sigmoid(x[:, 0] - x[:, 1]))

@given(st.floats(0, 1))
def test_fmt_prob_never_rounds_to_an_end(p):
    s = fmt_prob(p)
    if 0 < p < 1: assert float(s) not in (0.0, 1.0), (p, s)
    assert abs(float(s) - p) <= max(5e-5, 0.01 * p)

@pytest.mark.parametrize('f, g', [(softmax, torch.softmax), (log_softmax, torch.log_softmax)])
@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize('to', [torch.float32, torch.float64])
def test_dtype_keyword_matches_torch(f, g, dtype, to):
    x = (torch.randn(4, 6, generator=torch.Generator().manual_seed(0)) * 30).to(dtype).requires_grad_()
    ours, theirs = f(x, 1, dtype=to), g(x, 1, dtype=to)
    assert ours.dtype == to and torch.equal(ours, theirs)
    up = torch.randn(4, 6, dtype=to)
    assert torch.equal(torch.autograd.grad((ours * up).sum(), x)[0], torch.autograd.grad((theirs * up).sum(), x)[0])
    with pytest.raises(ValueError, match='`dtype` must be a floating dtype'): f(x, dtype=torch.int32)
    with pytest.raises(TypeError, match='`dtype` must be a torch dtype'): f(x, dtype='float64')

@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data(), st.booleans(),
       st.sampled_from([torch.float16, torch.bfloat16, torch.float32, torch.float64]), st.sampled_from([1., 1e4]))
def test_logsumexp_dims_and_keepdim_match_torch(shape, data, keepdim, dtype, scale):
    n = len(shape)
    dims = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=n, unique_by=lambda d: d % n))
    x = (torch.randn(shape, generator=torch.Generator().manual_seed(len(dims))) * scale).to(dtype)
    x = x.masked_fill(torch.rand(shape, generator=torch.Generator().manual_seed(1)) < 0.2, -math.inf)
    dim = tuple(dims) if len(dims) > 1 or data.draw(st.booleans()) else dims[0]
    ours, theirs = logsumexp(x, dim, keepdim), torch.logsumexp(x, dim, keepdim)
    if dtype in (torch.float32, torch.float64): assert torch.equal(ours, theirs)
    else:  # summed in float32 and rounded once: the exact value, rounded (PyTorch's float16 sum may be an ulp off)
        exact = torch.logsumexp(x.double(), dim, keepdim)
        assert ours.dtype == dtype
        torch.testing.assert_close(ours.double(), exact, rtol=torch.finfo(dtype).eps / 2 + 1e-6, atol=1e-6)

def test_logsumexp_refuses_bad_dims():
    x = torch.ones(2, 3)
    with pytest.raises(ValueError, match='names a dimension twice'): logsumexp(x, (1, -1))
    with pytest.raises(ValueError, match='at least one dimension'): logsumexp(x, ())
    with pytest.raises(TypeError, match='`keepdim` must be True or False'): logsumexp(x, 1, 1)
    assert torch.equal(logsumexp(x, np.int64(1), np.bool_(True)), torch.logsumexp(x, 1, True))  # NumPy's scalars

@pytest.mark.parametrize('f', [softmax, log_softmax, logsumexp, sigmoid])
def test_bools_are_not_scores_in_any_container(f):
    for bad in ([True, False], [[True], [False]], np.array([True, False]), torch.tensor([True, False])):
        with pytest.raises(TypeError, match='`x` must hold real numbers'): f(bad)
    with pytest.raises(ValueError, match='`x` must be a rectangular list'): f([[1., 2.], [3.]])

def test_numpy_dims():
    x = torch.randn(3, 4)
    assert torch.equal(softmax(x, np.int64(0)), torch.softmax(x, 0))
    assert torch.equal(log_softmax(x, np.int32(-1)), torch.log_softmax(x, -1))

def test_empty_batches_give_empty_results():
    for f in (softmax, log_softmax):
        assert f(torch.zeros(0, 4)).shape == (0, 4) and f(torch.zeros(5, 0, 0)).shape == (5, 0, 0)
    assert sigmoid(torch.zeros(0)).shape == (0,)

@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_many_classes_in_low_precision(dtype):
    "PyTorch's float16 log_softmax and logsumexp overflow past 65504 classes (-inf and inf); lessonkit's sum in float32."
    wide = torch.zeros(3, 100_000, dtype=dtype)
    want = math.log(1e5)
    torch.testing.assert_close(log_softmax(wide).float(), torch.full((3, 100_000), -want), rtol=TOL[dtype], atol=0)
    torch.testing.assert_close(logsumexp(wide).float(), torch.full((3,), want), rtol=TOL[dtype], atol=0)
    torch.testing.assert_close(softmax(wide).float(), torch.full((3, 100_000), 1e-5), rtol=TOL[dtype], atol=6e-8)  # subnormal in float16
    assert log_softmax(wide).dtype == logsumexp(wide).dtype == dtype

def test_lessonkit_log_softmax_output_keeps_its_provenance():
    from lessonkit.checks import from_log_softmax
    x = torch.randn(4, 3, requires_grad=True)
    assert from_log_softmax(log_softmax(x, 1), 1) and from_log_softmax(log_softmax(x, 0), 0)
