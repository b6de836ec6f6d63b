"Tests of the shared helpers in `lessonkit.core`: input conversion, checks, formatting and the exercise-checker pattern."
import math
import numpy as np, pytest, torch
from hypothesis import given, strategies as st
from lessonkit.core import *

@given(st.floats(0, 1))
def test_fmt_prob_never_rounds_to_an_end(p):
    s = fmt_prob(p)
    if 0 < p < 1: assert float(s) not in (0.0, 1.0), (p, s)
    assert abs(float(s) - p) <= max(5e-5, 0.01 * p)

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

def test_check_exercise_kinds_of_failure():
    cases = [Case('pair', (torch.tensor([1., 2.]),), 'double it')]
    ref = lambda x: 2 * x
    assert check_exercise(ref, ref, cases, quiet=True)
    kinds = {name: check_exercise(f, ref, cases, quiet=True).failures[0][1] for name, f in dict(
        exc=lambda x: 1 / 0, typ=lambda x: 3, shape=lambda x: x[None], nan=lambda x: x * math.nan, val=lambda x: x).items()}
    assert kinds == dict(exc='exception', typ='wrong type', shape='wrong shape', nan='nan or inf', val='wrong values')

@pytest.mark.parametrize('in_place', [lambda x: x.mul_(2), lambda x: x.__setitem__(slice(None), x * 2) or x])
def test_check_exercise_rejects_changing_the_input(in_place):
    cases = [Case('pair', (torch.tensor([1., math.nan]),), 'double it')]
    report = check_exercise(in_place, lambda x: 2 * x, cases, quiet=True)
    assert [kind for _, kind, _ in report.failures] == ['changed its input']
    assert check_exercise(lambda x: 2 * x, lambda x: 2 * x, cases, quiet=True)
