"The exercise checkers (`lessonkit.exercises`): the checking machinery, and every checker against lessonkit's own answer and a catalogue of deliberately wrong ones."
import math
import numpy as np, pytest, torch
import torch.nn.functional as F
from lessonkit.exercises import *
from lessonkit.probabilities import softmax, log_softmax, logsumexp
from lessonkit.losses import nll_loss, cross_entropy, binary_cross_entropy_with_logits
from lessonkit.metrics import accuracy, error_rate, accuracy_multi
from lessonkit.tta import shift_images

# The machinery: kinds of failure, inputs changed in place.

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

# probabilities: each checker accepts lessonkit's answer and rejects deliberately wrong ones.
def naive_softmax(x): return x.exp() / x.exp().sum(-1, keepdim=True)
def global_max_softmax(x): e = (x - x.max()).exp(); return e / e.sum(-1, keepdim=True)
def whole_tensor_softmax(x): e = (x - x.max(-1, keepdim=True).values).exp(); return e / e.sum()
def no_keepdim_softmax(x): e = (x - x.max(-1, keepdim=True).values).exp(); return e / e.sum(-1)
def unnormalised(x): return (x - x.max(-1, keepdim=True).values).exp()
def mask_dropped(x): x = x.nan_to_num(neginf=0.); e = (x - x.max(-1, keepdim=True).values).exp(); return e / e.sum(-1, keepdim=True)
def log_of_softmax(x): return torch.softmax(x, -1).log()
def forgot_return(x): torch.softmax(x, -1)

@pytest.mark.parametrize('wrong', [naive_softmax, global_max_softmax, whole_tensor_softmax, no_keepdim_softmax, unnormalised, mask_dropped, forgot_return, torch.sigmoid])
def test_check_softmax_rejects_wrong_solutions(wrong):
    assert check_softmax(softmax, quiet=True)
    assert not check_softmax(wrong, quiet=True)

@pytest.mark.parametrize('wrong', [log_of_softmax, lambda x: naive_softmax(x).log(), lambda x: x - x.max(-1, keepdim=True).values, lambda x: x - x.exp().sum(-1, keepdim=True).log()])
def test_check_log_softmax_rejects_wrong_solutions(wrong):
    assert check_log_softmax(log_softmax, quiet=True)
    assert not check_log_softmax(wrong, quiet=True)

@pytest.mark.parametrize('wrong', [lambda x: x.exp().sum(-1).log(), lambda x: x.max(-1).values, lambda x: torch.logsumexp(x, -1, keepdim=True), lambda x: x.exp().sum(-1)])
def test_check_logsumexp_rejects_wrong_solutions(wrong):
    assert check_logsumexp(logsumexp, quiet=True)
    assert not check_logsumexp(wrong, quiet=True)

def test_checker_hint_names_the_overflow():
    failures = check_softmax(naive_softmax, quiet=True).failures
    assert any(kind == 'nan or inf' and 'maximum' in msg for _, kind, msg in failures)

# losses: each checker accepts lessonkit's answer and rejects deliberately wrong ones.
def pick(p, t): return p[range(len(t)), t]
def nll_without_minus(lp, t, reduction='mean'): return lp[range(len(t)), t].mean()
def nll_mean_sum_swapped(lp, t, reduction='mean'): return F.nll_loss(lp, t, reduction={'mean': 'sum', 'sum': 'mean'}.get(reduction, reduction))
def nll_always_mean(lp, t, reduction='mean'): return -lp[range(len(t)), t].mean()
def nll_through_probs(lp, t, reduction='mean'): return F.nll_loss(lp.exp()[range(len(t)), t].log()[:, None], torch.zeros_like(t), reduction=reduction)
def nll_wrong_columns(lp, t, reduction='mean'): return F.nll_loss(lp, t.flip(0), reduction=reduction)
def nll_one_hot(lp, t, reduction='mean'):  # right for finite log-probabilities; 0 * -inf = NaN where another class has probability 0
    losses = -(lp * F.one_hot(t, lp.shape[1])).sum(1)
    return losses.mean() if reduction == 'mean' else losses.sum() if reduction == 'sum' else losses

def test_check_pick():
    assert check_pick(pick, quiet=True)
    for wrong in [lambda p, t: p[:, t], lambda p, t: p.max(-1).values, lambda p, t: p[range(len(t)), t].log()]: assert not check_pick(wrong, quiet=True)

@pytest.mark.parametrize('wrong', [nll_without_minus, nll_mean_sum_swapped, nll_always_mean, nll_through_probs, nll_wrong_columns, nll_one_hot])
def test_check_nll_rejects_wrong_solutions(wrong):
    assert check_nll(nll_loss, quiet=True)
    assert not check_nll(wrong, quiet=True)

def ce_log_of_softmax(x, t): return -torch.softmax(x, -1).log()[range(len(t)), t].mean()
def ce_naive_softmax(x, t): return -(x.exp() / x.exp().sum(-1, keepdim=True)).log()[range(len(t)), t].mean()
def ce_nll_on_probs(x, t): return F.nll_loss(torch.softmax(x, -1), t)
def ce_nll_on_logits(x, t): return -x[range(len(t)), t].mean()
def ce_sum(x, t): return F.cross_entropy(x, t, reduction='sum')
def ce_batch_max(x, t): m = x.max(); return -(x - m - (x - m).exp().sum(-1, keepdim=True).log())[range(len(t)), t].mean()  # one shift for the whole batch

@pytest.mark.parametrize('wrong', [ce_log_of_softmax, ce_naive_softmax, ce_nll_on_probs, ce_nll_on_logits, ce_sum, ce_batch_max])
def test_check_cross_entropy_rejects_wrong_solutions(wrong):
    assert check_cross_entropy(cross_entropy, quiet=True)
    assert not check_cross_entropy(wrong, quiet=True)

def grad_right(x, t): return (torch.softmax(x, 1) - F.one_hot(t, x.shape[1])) / len(t)

@pytest.mark.parametrize('wrong', [lambda x, t: grad_right(x, t) * len(t), lambda x, t: -grad_right(x, t), lambda x, t: (torch.sigmoid(x) - F.one_hot(t, x.shape[1])) / len(t),
                                   lambda x, t: ((x.exp() / x.exp().sum(1, keepdim=True)) - F.one_hot(t, x.shape[1])) / len(t), lambda x, t: torch.softmax(x, 1) / len(t),
                                   lambda x, t: ((x - x.max()).exp() / (x - x.max()).exp().sum(1, keepdim=True) - F.one_hot(t, x.shape[1])) / len(t)])  # one shift for the whole batch
def test_check_ce_grad_rejects_wrong_solutions(wrong):
    assert check_ce_grad(grad_right, quiet=True)
    assert not check_ce_grad(wrong, quiet=True)

def bce_naive(z, y): p = torch.sigmoid(z); return -(y * p.log() + (1 - y) * (1 - p).log()).mean()
def bce_clamped(z, y): return F.binary_cross_entropy(torch.sigmoid(z), y)
def bce_no_minus(z, y): return (y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean()
def bce_hard_only(z, y): return (y.round() * F.softplus(-z) + (1 - y.round()) * F.softplus(z)).mean()
def bce_softmax(z, y): return -(y * torch.log_softmax(z, -1)).sum(-1).mean()
def bce_sum(z, y): return F.binary_cross_entropy_with_logits(z, y, reduction='sum')

@pytest.mark.parametrize('wrong', [bce_naive, bce_clamped, bce_no_minus, bce_hard_only, bce_softmax, bce_sum])
def test_check_bce_with_logits_rejects_wrong_solutions(wrong):
    assert check_bce_with_logits(binary_cross_entropy_with_logits, quiet=True)
    assert not check_bce_with_logits(wrong, quiet=True)

# metrics: each checker accepts lessonkit's answer and rejects deliberately wrong ones.
def acc_no_argmax(p, t): return (p == t[:, None]).float().mean()
def acc_count(p, t): return (p.argmax(1) == t).float().sum()
def acc_wrong_dim(p, t): return (p.argmax(0)[:len(t)] == t).float().mean() if p.shape[1] >= len(t) else (p.argmin(1) == t).float().mean()
def acc_values(p, t): return (p.max(1).values == t).float().mean()
def acc_argmin(p, t): return (p.argmin(1) == t).float().mean()

@pytest.mark.parametrize('wrong', [acc_no_argmax, acc_count, acc_wrong_dim, acc_values, acc_argmin, error_rate])
def test_check_accuracy_rejects_wrong_solutions(wrong):
    assert check_accuracy(accuracy, quiet=True)
    assert not check_accuracy(wrong, quiet=True)

def multi_no_sigmoid(x, t, thresh=0.5): return ((x > thresh) == t.bool()).float().mean()
def multi_fixed_thresh(x, t, thresh=0.5): return ((torch.sigmoid(x) > 0.5) == t.bool()).float().mean()
def multi_double_sigmoid(x, t, thresh=0.5): return ((torch.sigmoid(torch.sigmoid(x)) > thresh) == t.bool()).float().mean()
def multi_whole_rows(x, t, thresh=0.5): return ((torch.sigmoid(x) > thresh) == t.bool()).all(1).float().mean()
def multi_argmax(x, t, thresh=0.5): return (x.argmax(1) == t.argmax(1)).float().mean()
def multi_at_least(x, t, thresh=0.5): return ((torch.sigmoid(x) >= thresh) == t.bool()).float().mean()  # 0.5 is not above 0.5

@pytest.mark.parametrize('wrong', [multi_no_sigmoid, multi_fixed_thresh, multi_double_sigmoid, multi_whole_rows, multi_argmax, multi_at_least])
def test_check_accuracy_multi_rejects_wrong_solutions(wrong):
    assert check_accuracy_multi(accuracy_multi, quiet=True)
    assert not check_accuracy_multi(wrong, quiet=True)

# activations: each checker accepts lessonkit's answer and rejects deliberately wrong ones.
def test_check_probs_and_check_decode_accept_right_and_reject_wrong():
    right_probs = lambda out, name: {'cross_entropy': lambda o: torch.softmax(o, 1), 'bce_with_logits': torch.sigmoid, 'nll': torch.exp, 'mse': lambda o: o}[name](out)
    assert check_probs(right_probs, quiet=True)
    wrong_probs = [lambda out, name: torch.softmax(out, 1),
                   lambda out, name: torch.sigmoid(out),
                   lambda out, name: out.exp() / out.exp().sum(1, keepdim=True) if name == 'cross_entropy' else right_probs(out, name),  # overflows at 1e4
                   lambda out, name: torch.softmax(out, 0) if name == 'cross_entropy' else right_probs(out, name),
                   lambda out, name: out if name == 'nll' else right_probs(out, name),
                   lambda out, name: torch.sigmoid(out) if name == 'mse' else right_probs(out, name)]
    for i, wrong in enumerate(wrong_probs): assert not check_probs(wrong, quiet=True), i
    assert check_decode(lambda p, ml, thresh=0.5: p > thresh if ml else p.argmax(1), quiet=True)
    wrong_decode = [lambda p, ml, thresh=0.5: p >= thresh if ml else p.argmax(1),
                    lambda p, ml, thresh=0.5: p > 0.5 if ml else p.argmax(1),
                    lambda p, ml, thresh=0.5: p > thresh if ml else p.argmax(0),
                    lambda p, ml, thresh=0.5: p.argmax(1),
                    lambda p, ml, thresh=0.5: p > thresh]
    for i, wrong in enumerate(wrong_decode): assert not check_decode(wrong, quiet=True), i

def test_checker_reports_unwritten_function():
    def stub(*a, **k): raise NotImplementedError
    report = check_probs(stub, quiet=True)
    assert not report and 'not written yet' in str(report)
    assert report.n_failed == report.n_cases and f'{report.n_cases} of {report.n_cases} hidden cases fail' in str(report)

# interpret: each checker accepts lessonkit's answer and rejects deliberately wrong ones.
def test_check_confusion_matrix_and_check_margin_accept_right_and_reject_wrong():
    def right_cm(a, p, c): return torch.bincount(a * c + p, minlength=c * c).view(c, c)
    assert check_confusion_matrix(right_cm, quiet=True)
    def fancy(a, p, c): cm = torch.zeros(c, c, dtype=torch.long); cm[a, p] += 1; return cm
    def no_minlength(a, p, c): k = int(max(a.max(), p.max())) + 1; return torch.bincount(a * k + p, minlength=k * k).view(k, k)
    wrong_cm = [lambda a, p, c: right_cm(p, a, c), fancy, no_minlength, lambda a, p, c: right_cm(a, p, c).fill_diagonal_(0),
                lambda a, p, c: (right_cm(a, p, c) > 0).long()]
    for i, w in enumerate(wrong_cm): assert not check_confusion_matrix(w, quiet=True), i
    assert check_margin(lambda p: p.topk(2, dim=1).values[:, 0] - p.topk(2, dim=1).values[:, 1], quiet=True)
    wrong_margin = [lambda p: p.max(1).values - p.min(1).values, lambda p: (p[:, 1] - 0.5).abs() * 2, lambda p: 1 - p.max(1).values,
                    lambda p: p.topk(2, dim=0).values[0] - p.topk(2, dim=0).values[1],
                    lambda p: p.sort(1).values[:, 1] - p.sort(1).values[:, 0]]
    for i, w in enumerate(wrong_margin): assert not check_margin(w, quiet=True), i

# tta: each checker accepts lessonkit's answer and rejects deliberately wrong ones.
def _shift_without_size_guard(x, dx, dy):
    "Slices for the covered part, with no check that the shift is smaller than the image: a slice past the edge is not empty."
    out, h, w = torch.zeros_like(x), x.shape[-2], x.shape[-1]
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = x[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out

def test_check_tta_from_log_and_check_shift_accept_right_and_reject_wrong():
    assert check_tta_from_log(lambda s: s.exp().mean(0), quiet=True)
    wrong_tta = [lambda s: s.mean(0).exp(), lambda s: torch.softmax(s.mean(0), -1), lambda s: s.exp().mean(1), lambda s: s.exp().sum(0),
                 lambda s: s.exp()[0], lambda s: s.exp().max(0).values,
                 lambda s: s.exp_().mean(0)]  # right values, but overwrites the caller's log-probabilities
    for i, w in enumerate(wrong_tta): assert not check_tta_from_log(w, quiet=True), i
    assert check_shift(shift_images, quiet=True)
    wrong_shift = [lambda x, dx, dy: torch.roll(x, (dy, dx), (-2, -1)), lambda x, dx, dy: shift_images(x, dy, dx),
                   lambda x, dx, dy: shift_images(x, -dx, -dy), lambda x, dx, dy: F.pad(x, (max(dx, 0), 0, max(dy, 0), 0))[..., :x.shape[-2], :x.shape[-1]],
                   lambda x, dx, dy: x, lambda x, dx, dy: x.copy_(shift_images(x, dx, dy)),  # right values, written over the caller's images
                   _shift_without_size_guard]  # right up to a shift by the whole image, fails beyond
    for i, w in enumerate(wrong_shift): assert not check_shift(w, quiet=True), i
