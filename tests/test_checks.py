"The shared input rules (`lessonkit.checks`): conversion, the class dimension, finite values, numbers and counts (NumPy's too), names, targets, and the moved-name errors."
import math
import numpy as np, pytest, torch
from hypothesis import given, strategies as st
from lessonkit.checks import *

@pytest.mark.parametrize('bad', ['cat', None, {'a': 1}, np.array(['x']), torch.tensor([True]), torch.tensor([1j])])
def test_as_tensor_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match='`logits`'): as_tensor(bad, name='logits')

def test_class_dim_errors_name_the_argument():
    with pytest.raises(ValueError, match='`dim`=3 is out of range for `logits`'): class_dim(torch.ones(2, 2), 3, 'logits')
    with pytest.raises(ValueError, match='no classes'): class_dim(torch.ones(2, 0), 1)

@pytest.mark.parametrize('value,allowed', [(math.nan, False), (math.inf, False), (-math.inf, False), (-math.inf, True)])
def test_check_finite(value, allowed):
    t = torch.tensor([0., value])
    if allowed: check_finite(t, allow_neg_inf=True)
    else:
        with pytest.raises(ValueError, match='`scores` contains'): check_finite(t, 'scores')

@pytest.mark.parametrize('x', [3, np.int64(3), np.int32(3), np.uint8(3)])
def test_check_int_takes_every_integer(x): assert check_int(x, 'k', 1) == 3 and type(check_int(x, 'k')) is int

@pytest.mark.parametrize('x', [True, np.bool_(True), 3.0, np.float32(3), '3', None])
def test_check_int_refuses_what_is_not_an_int(x):
    with pytest.raises(TypeError, match='`k` must be an int'): check_int(x, 'k')

@pytest.mark.parametrize('x', [0.5, np.float32(0.5), np.float64(0.5), 1, np.int64(0)])
def test_check_number_takes_every_real(x): assert check_number(x, 'thresh', 0, 1) == float(x)

@pytest.mark.parametrize('x,error', [(True, TypeError), ('0.5', TypeError), (math.nan, ValueError), (1.5, ValueError), (-0.1, ValueError)])
def test_check_number_refuses(x, error):
    with pytest.raises(error, match='`thresh` must be a number from 0 to 1'): check_number(x, 'thresh', 0, 1)

def test_names_and_positions():
    assert check_names(range(3), 'classes') == ('0', '1', '2')
    with pytest.raises(TypeError, match="got the single string 'abc'"): check_names('abc', 'classes')
    with pytest.raises(ValueError, match="'a' more than once"): check_names(['a', 'b', 'a'], 'classes')
    assert name_index('b', ('a', 'b'), 'cls') == 1 and name_index(np.int64(1), ('a', 'b'), 'cls') == 1
    for bad in ('c', 2, -1, True):
        with pytest.raises(ValueError, match='`cls` is'): name_index(bad, ('a', 'b'), 'cls')

def test_targets_name_the_scores_argument():
    scores = torch.randn(4, 3)
    with pytest.raises(ValueError, match='one class index per example of `preds`'): class_indices([0, 1], scores, 'preds')
    with pytest.raises(ValueError, match='the shape of `outputs`'): binary_target(torch.ones(4), scores, 'outputs')
    with pytest.raises(ValueError, match='rows summing to 1'): class_probabilities(torch.full((4, 3), 0.5), scores)

def test_torch_threads_restores_even_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(ZeroDivisionError):
        with torch_threads(1): 1 / 0
    assert torch.get_num_threads() == before

def test_moved_names_say_where_they_went():
    import importlib
    for stmt, where in [('from lessonkit.losses import check_nll', 'lessonkit.exercises'),
                        ('from lessonkit.activations import get_preds', 'lessonkit.inference'),
                        ('from lessonkit.interpret import train_digits_model', 'lessonkit.digits')]:
        with pytest.raises(ImportError, match=f'use `from {where} import'): exec(stmt, {})
    for old, new in [('lessonkit.softmax', 'lessonkit.probabilities'), ('lessonkit.core', 'lessonkit.checks'),
                     ('lessonkit.widgets', 'lessonkit.explorers')]:
        with pytest.raises(ModuleNotFoundError, match=new): importlib.import_module(old)
    import lessonkit
    assert callable(lessonkit.softmax)  # the function, not a module

def test_one_rule_for_bools():
    "True/False are not scores in any container (as_tensor), and read as 1/0 wherever a 0/1 answer is expected."
    for bad in ([True, False], ((True,),), np.array([True]), torch.tensor([False])):
        with pytest.raises(TypeError, match='`scores` must hold real numbers'): as_tensor(bad, 'scores')
    scores = torch.zeros(2, 2)
    for answer in ([[True, False], [False, True]], np.array([[True, False], [False, True]]), torch.eye(2).bool()):
        assert torch.equal(binary_target(answer, scores, 'logits'), torch.eye(2))
        assert torch.equal(check_per_name(answer[0], ('a', 'b'), 'targets', 'labels', zero_one=True).float(), torch.tensor([1., 0.]))
    with pytest.raises(TypeError, match='`target` must hold class indices'): class_indices([True, False], scores, 'logits')
    with pytest.raises(TypeError, match='`logits` must hold real numbers'): check_per_name([True, False], ('a', 'b'), 'logits', 'classes')

@pytest.mark.parametrize('bad', [[[1, 2], [3]], [[1.], [2., 3.]], ([1, 2], [3, 4, 5])])
def test_ragged_lists_are_named(bad):
    with pytest.raises(ValueError, match='`outputs` must be a rectangular list'): as_tensor(bad, 'outputs')
    with pytest.raises(ValueError, match='got a ragged list'): check_per_name(bad, ('a', 'b'), 'logits', 'classes')

def test_log_probabilities_are_checked_by_their_logsumexp():
    lp = torch.log_softmax(torch.randn(6, 5, generator=torch.Generator().manual_seed(0)) * 4, 1)
    for ok in (lp, lp.double(), lp.half(), lp.bfloat16(), lp.masked_fill(lp < -10, -math.inf)):  # a probability below e^-10 set to 0
        check_log_probabilities(ok, 1, 'log_probs', '')
    for bad, msg in [(lp - 10, 'is not log-probabilities'), (lp + 0.5, 'look like'), (torch.full((2, 3), -50.), 'is not log-probabilities'),
                     (lp.exp(), 'look like probabilities'), (torch.full((2, 3), -math.inf), 'every class has probability 0'),
                     (lp.masked_fill(lp < -2, math.nan), 'contains NaN'), (lp.masked_fill(lp < -2, math.inf), 'contains inf')]:
        with pytest.raises(ValueError, match=msg): check_log_probabilities(bad, 1, 'log_probs', '')
    assert log_prob_tolerance(torch.float32, 10) < 1.01e-3 and log_prob_tolerance(torch.bfloat16, 65536) > 0.08

def test_provenance():
    x = torch.randn(3, 4, 2, requires_grad=True)
    assert from_log_softmax(torch.log_softmax(x, 1), 1) and from_log_softmax(torch.log_softmax(x, -2), 1)
    assert not from_log_softmax(torch.log_softmax(x, 2), 1)
    assert not from_log_softmax(torch.softmax(x, 1).log(), 1) and not from_log_softmax(x, 1)
    with torch.no_grad(): assert not from_log_softmax(torch.log_softmax(x, 1), 1)  # nothing recorded: check by value

def test_empty_means_and_denominators():
    refuse_empty_mean(0.5, 'target')
    with pytest.raises(ValueError, match="`preds` holds no items, so the mean is 0/0, which has no value; pass"): refuse_empty_mean(0, 'preds')
    t = torch.tensor([[0, 1], [-100, 2]])
    assert mean_denominator(t, None, -100) == 3 and mean_denominator(t, torch.tensor([2., 0., 1.]), -100) == 3.
    with pytest.raises(ValueError, match='`weight` gives weight 0'): refuse_zero_mean(t, torch.tensor([0., 0., 0.]), -100)

def test_weights():
    scores = torch.zeros(4, 3, dtype=torch.float16)
    assert class_weights(np.array([1, 2, 3]), scores, torch.float32).dtype == torch.float32
    with pytest.raises(ValueError, match='one weight per class'): class_weights(torch.ones(3, 1), scores, torch.float32)
    with pytest.raises(ValueError, match='`weight` contains inf'): class_weights([1., math.inf, 0.], scores, torch.float32)
    with pytest.raises(TypeError, match='`weight`'): class_weights('heavy', scores, torch.float32)
    for ok in [(3,), (1, 3), (4, 1), (4, 3), ()]:
        assert broadcast_weights(torch.ones(ok), scores.shape, 'cpu', torch.float32, 'weight').shape == ok
    for bad in [(2,), (5, 3), (2, 4, 3)]:
        with pytest.raises(ValueError, match='does not broadcast'): broadcast_weights(torch.ones(bad), scores.shape, 'cpu', torch.float32, 'weight')

def test_scores_by_kind():
    lg = torch.randn(5, 4, generator=torch.Generator().manual_seed(0))
    check_scores(lg, 'logits', 'outputs'); check_scores(torch.log_softmax(lg, 1), 'log-probabilities', 'outputs')
    check_scores(torch.softmax(lg, 1), 'probabilities', 'probs'); check_scores(torch.sigmoid(lg), 'label probabilities', 'probs')
    with pytest.raises(ValueError, match='`model\\(xs\\)` contains NaN'): check_scores(lg * math.nan, 'label logits', 'model(xs)')
    with pytest.raises(ValueError, match='has a row summing to'): check_scores(torch.sigmoid(lg), 'probabilities', 'probs')
    with pytest.raises(ValueError, match='`kind` must be one of'): check_scores(lg, 'odds', 'outputs')

def test_kernel_index_errors_are_named():
    scores = torch.log_softmax(torch.randn(3, 4), 1)
    for t in (torch.tensor([0, 4, 1]), torch.tensor([0, -3, 1])):
        with pytest.raises(ValueError, match=f'`target` holds class index {t[1].item()}; expected indices from 0 to 3'):
            with named_index_errors(t, scores, 'log_probs', -100): torch.nn.functional.nll_loss(scores, t)
    with pytest.raises(IndexError):  # not a class index: PyTorch's own error stands
        with named_index_errors(torch.tensor([0, 1, 2]), scores, 'log_probs'): [][1]
    assert kernel_checks_indices(scores)

def test_small_options():
    assert check_dtype(torch.bfloat16) == torch.bfloat16 and check_bool(np.bool_(False), 'keepdim') is False
    with pytest.raises(ValueError, match="'mean', 'sum' or 'none'; got tensor"): check_reduction(torch.ones(2))
    assert reduce_dims(torch.ones(2, 3, 4), [-1, 0]) == (2, 0) and reduce_dims(torch.tensor(2.), -1) == (0,)

@pytest.mark.parametrize('thresh, n, want', [(0.3, 4, 0.3), (np.float32(0.25), 2, 0.25), (torch.tensor(0.5), 3, 0.5),
                                             ([0.2, 0.9], 2, [0.2, 0.9]), (np.array([0., 1.]), 2, [0., 1.])])
def test_thresholds_one_or_one_per_label(thresh, n, want):
    got = check_thresholds(thresh, n)
    assert got.dtype == torch.float64 and got.tolist() == pytest.approx(want)

@pytest.mark.parametrize('thresh, error, message', [
    ([0.2, 0.9, 0.5], ValueError, '`thresh` has shape (3,); expected one threshold, or (2,), one per label'),
    ([[0.2, 0.9]], ValueError, '`thresh` has shape (1, 2)'), ([0.2, -0.1], ValueError, 'holds values from -0.1 to 0.2'),
    (1.5, ValueError, 'from 0 to 1; got 1.5'), (True, TypeError, 'got bool'), ([0.5, math.inf], ValueError, 'contains inf'),
    ('0.5', TypeError, '`thresh` must be a number')])
def test_thresholds_refused(thresh, error, message):
    with pytest.raises(error) as e: check_thresholds(thresh, 2)
    assert message in str(e.value), str(e.value)

def test_integer_scores_refused():
    for ok in (torch.randn(3), np.array([0.5, 0.2]), [1, 0], torch.tensor([True])):  # bools: refused by `as_tensor` later
        refuse_integer_scores(ok, 'preds', '')
    for bad in (torch.tensor([1, 0]), np.array([2, 1], dtype=np.uint8), torch.tensor([3], dtype=torch.int16)):
        with pytest.raises(TypeError, match='`preds` holds integers'): refuse_integer_scores(bad, 'preds', '')
