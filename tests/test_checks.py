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
