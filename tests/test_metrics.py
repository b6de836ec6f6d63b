"`lessonkit.metrics` against direct computations and scikit-learn: random shapes and dtypes, logits and probabilities, extreme values, thresholds, the double-sigmoid warning, and bad input."
import math, warnings
import numpy as np, pytest, torch
from hypothesis import given, settings, strategies as st
from sklearn.metrics import accuracy_score
from lessonkit.metrics import *

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]

def gen(seed): return torch.Generator().manual_seed(seed)

@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(2, 8), st.sampled_from(DTYPES), st.sampled_from([1., 1e4]), st.integers(0, 2**16))
def test_accuracy_matches_sklearn(n, c, dtype, scale, seed):
    x = (torch.randn(n, c, generator=gen(seed), dtype=torch.float64) * scale).to(dtype)
    t = torch.randint(0, c, (n,), generator=gen(seed + 1))
    want = accuracy_score(t.numpy(), x.float().argmax(1).numpy())
    assert accuracy(x, t).item() == pytest.approx(want, abs=1e-6)
    assert error_rate(x, t).item() == pytest.approx(1 - want, abs=1e-6)

def test_accuracy_is_the_same_on_logits_and_probabilities():
    x, t = torch.randn(100, 7, generator=gen(0)) * 3, torch.randint(0, 7, (100,), generator=gen(1))
    assert accuracy(x, t) == accuracy(torch.softmax(x, 1), t) == accuracy(torch.log_softmax(x, 1), t)

def test_accuracy_on_known_values_and_shapes():
    x = torch.tensor([[2.0, 0.5, -1.0], [0.2, 0.1, 0.4], [3.5, -0.5, 0.2], [-1e4, 1e4, 0.]])
    assert accuracy(x, torch.tensor([0, 2, 1, 1])).item() == 0.75
    assert error_rate(x, torch.tensor([0, 2, 1, 1])).item() == 0.25
    assert accuracy(torch.tensor([0.1, 0.9]), torch.tensor(1)).item() == 1.  # one example, shape (C,)
    seg = torch.randn(2, 4, 3, 3, generator=gen(2)); seg_t = torch.randint(0, 4, (2, 3, 3), generator=gen(3))
    assert accuracy(seg, seg_t).item() == pytest.approx((seg.argmax(1) == seg_t).float().mean().item())
    assert accuracy(torch.tensor([[1., -math.inf], [-math.inf, 0.]]), torch.tensor([0, 1])).item() == 1.  # masked classes allowed

def test_numpy_in_numpy_out():
    x = np.array([[0.1, 0.9], [0.8, 0.2]], dtype=np.float32)
    got = accuracy(x, np.array([1, 1]))
    assert isinstance(got, np.ndarray) and got == 0.5
    assert isinstance(accuracy_multi(np.array([[2., -1.]]), np.array([[1, 1]])), np.ndarray)
    assert isinstance(accuracy([[0.1, 0.9]], [1]), torch.Tensor)

@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20), st.integers(1, 6), st.sampled_from(DTYPES), st.floats(0.05, 0.95), st.integers(0, 2**16))
def test_accuracy_multi_matches_a_direct_computation(n, labels, dtype, thresh, seed):
    z = (torch.randn(n, labels, generator=gen(seed), dtype=torch.float64) * 4).to(dtype)
    y = torch.randint(0, 2, (n, labels), generator=gen(seed + 1))
    if 0 <= z.min() and z.max() <= 1: z[0, 0] = -1  # keep them logits (no warning)
    want = ((torch.sigmoid(z) > thresh) == y.bool()).float().mean().item()  # torch, in the same dtype
    assert accuracy_multi(z, y, thresh=thresh).item() == pytest.approx(want, abs=1e-6)
    assert accuracy_multi(torch.sigmoid(z), y, thresh=thresh, sigmoid=False).item() == pytest.approx(want, abs=1e-6)

def test_accuracy_multi_known_values():
    z = torch.tensor([[0.3, -0.2, 2.0], [-1.5, 0.1, -0.4]])
    y = torch.tensor([[1, 0, 1], [0, 0, 1]])
    assert accuracy_multi(z, y).item() == pytest.approx(4 / 6)               # 0.3 -> 0.57: yes; 0.1 -> 0.52: yes (wrong)
    assert accuracy_multi(z, y, thresh=0.55).item() == pytest.approx(5 / 6)  # 0.1 -> 0.52 is now no (right)
    assert accuracy_multi(z, y, thresh=0.9).item() == pytest.approx(3 / 6)   # nothing is yes (2.0 -> 0.88)
    assert accuracy_multi(torch.tensor([[1e4, -1e4]]), torch.tensor([[1., 0.]])).item() == 1.
    assert accuracy_multi(z, y.bool()).item() == pytest.approx(4 / 6)       # bool targets

def test_double_sigmoid_warns_and_says_every_label_is_yes():
    z, y = torch.randn(50, 3, generator=gen(0)) * 3, torch.randint(0, 2, (50, 3), generator=gen(1))
    with pytest.warns(UserWarning, match=r'looks like probabilities.*\[0.5, 0.73\]'):
        doubled = accuracy_multi(torch.sigmoid(z), y)
    assert doubled.item() == pytest.approx(y.float().mean().item())  # every label predicted yes
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        accuracy_multi(torch.sigmoid(z), y, sigmoid=False)
        accuracy_multi(z, y)

@pytest.mark.parametrize('call, error, message', [
    (lambda: accuracy(torch.randn(3, 5), torch.tensor([0, 1, 5])), ValueError, '`target` holds class index 5'),
    (lambda: accuracy(torch.randn(3, 5), torch.tensor([0, 1])), ValueError, '`target` has shape (2,); expected (3,)'),
    (lambda: accuracy(torch.randn(3, 5), torch.tensor([0., 1., 2.])), TypeError, '`target` must hold class indices'),
    (lambda: accuracy(torch.tensor([[math.nan, 1.]]), torch.tensor([0])), ValueError, '`preds` contains NaN'),
    (lambda: error_rate(torch.tensor([[math.inf, 1.]]), torch.tensor([0])), ValueError, '`preds` contains inf'),
    (lambda: accuracy('preds', torch.tensor([0])), TypeError, '`preds`'),
    (lambda: accuracy(torch.tensor(1.), torch.tensor(0)), ValueError, '`preds` must have at least one dimension'),
    (lambda: accuracy_multi(torch.randn(3, 2), torch.ones(3, 3)), ValueError, '`target` has shape (3, 3); expected (3, 2)'),
    (lambda: accuracy_multi(torch.randn(3, 2), torch.full((3, 2), 0.5)), ValueError, '`target` must hold 0 or 1'),
    (lambda: accuracy_multi(torch.randn(3, 2), torch.full((3, 2), 2.)), ValueError, '`target` holds values from 2 to 2'),
    (lambda: accuracy_multi(torch.tensor([[math.nan, -1.]]), torch.ones(1, 2)), ValueError, '`preds` contains NaN'),
    (lambda: accuracy_multi(torch.randn(3, 2), torch.ones(3, 2), thresh=50), ValueError, '`thresh` must be a number from 0 to 1; got 50'),
    (lambda: accuracy_multi(torch.randn(3, 2), torch.ones(3, 2), thresh='0.5'), TypeError, '`thresh` must be a number'),
    (lambda: accuracy_multi(torch.tensor([[2., -1.]]), torch.ones(1, 2), sigmoid=False), ValueError, '`preds` holds values from -1 to 2, outside [0, 1], so they are not probabilities: they look like logits. With `sigmoid=False`'),
])
def test_bad_input_is_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error) as e: call()
    assert message in str(e.value)

@pytest.mark.parametrize('call', [
    lambda: accuracy(torch.zeros(0, 5), torch.zeros(0, dtype=torch.long)),
    lambda: error_rate(torch.zeros(0, 5), torch.zeros(0, dtype=torch.long)),
    lambda: accuracy(torch.zeros(2, 5, 0), torch.zeros(2, 0, dtype=torch.long)),
    lambda: accuracy_multi(torch.zeros(0, 3), torch.zeros(0, 3)),
    lambda: accuracy_multi(np.zeros((0, 3)), np.zeros((0, 3)), sigmoid=False),
], ids=['accuracy', 'error_rate', 'accuracy, (N, C, 0)', 'accuracy_multi', 'accuracy_multi, NumPy'])
def test_empty_batches_are_refused(call):
    "A share of no items is 0/0: refused with the rule every loss's mean follows (torch's mean gives NaN)."
    with pytest.raises(ValueError, match='`preds` holds no items, so the mean is 0/0.*a metric is a share of items'): call()

def test_numpy_scalars_and_bool_targets():
    z, y = torch.randn(20, 3, generator=gen(5)), torch.randint(0, 2, (20, 3), generator=gen(6))
    want = accuracy_multi(z, y, thresh=0.3)
    for thresh in (np.float32(0.3), np.float64(0.3)):
        assert accuracy_multi(z, y, thresh=thresh) == want  # a NumPy threshold is a number
    for target in (y.bool(), y.numpy().astype(bool), y.bool().tolist()):
        assert accuracy_multi(z, target, thresh=0.3) == want  # 0/1 answers as True/False, in any container
    with pytest.raises(TypeError, match='`sigmoid` must be True or False'): accuracy_multi(z, y, sigmoid=1)
    with pytest.raises(TypeError, match='`preds` must hold real numbers'): accuracy(z > 0, y[:, 0])
