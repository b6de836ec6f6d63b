"""The exercise checkers (`lessonkit.exercises`): the checking machinery, and every checker against a right answer, a
catalogue of deliberately wrong ones written the way a student would (each must fail, and each known mistake must be
*named*, with its hint), the forbidden shortcuts, and, for the understanding exercises, the answer a student gets by
copying the cell above the exercise and the misconception the exercise targets."""
import math
import numpy as np, pytest, torch
import torch.nn as nn
import torch.nn.functional as F
from lessonkit.exercises import *
from lessonkit.exercises import (probabilities as ex_probs, losses as ex_losses, metrics as ex_metrics,
                                 activations as ex_acts, interpret as ex_interp, tta as ex_tta, calibration as ex_cal,
                                 explorers as ex_expl, diagnosis as ex_diag)
from lessonkit.activations import output_kind
from lessonkit.probabilities import softmax
from lessonkit.losses import nll_loss, cross_entropy, binary_cross_entropy_with_logits
from lessonkit.metrics import accuracy, error_rate, accuracy_multi
from lessonkit.tta import shift_images, tta_average

def kinds(report): return {kind for _, kind, _ in report.failures}

def assert_named(report, name):
    "The report fails, names the mistake `name`, and shows that mistake's hint, not the cases' hints."
    assert not report and report.mistake is not None, str(report)
    assert report.mistake.name == name, (report.mistake.name, name)
    assert report.mistake.hint in str(report)

# The machinery: kinds of failure, inputs changed in place, gradients, forbidden functions, loops, mistakes.

def test_check_exercise_kinds_of_failure():
    cases = [Case('pair', (torch.tensor([1., 2.]),), 'double it')]
    ref = lambda x: 2 * x
    assert check_exercise(ref, ref, cases, quiet=True)
    kinds_ = {name: check_exercise(f, ref, cases, quiet=True).failures[0][1] for name, f in dict(
        exc=lambda x: 1 / 0, typ=lambda x: 3, shape=lambda x: x[None], nan=lambda x: x * math.nan, val=lambda x: x).items()}
    assert kinds_ == dict(exc='exception', typ='wrong type', shape='wrong shape', nan='nan or inf', val='wrong values')

@pytest.mark.parametrize('in_place', [lambda x: x.mul_(2), lambda x: x.__setitem__(slice(None), x * 2) or x])
def test_check_exercise_rejects_changing_the_input(in_place):
    cases = [Case('pair', (torch.tensor([1., math.nan]),), 'double it')]
    report = check_exercise(in_place, lambda x: 2 * x, cases, quiet=True)
    assert [kind for _, kind, _ in report.failures] == ['changed its input']
    assert check_exercise(lambda x: 2 * x, lambda x: 2 * x, cases, quiet=True)

def test_gradient_kinds():
    cases = [Case('four values', (torch.tensor([0.5, -1., 2., 0.25]),), 'sum of squares')]
    ref = lambda x: (x ** 2).sum()
    grad = lambda f: kinds(check_exercise(f, ref, cases, grad_of=(0,), quiet=True))
    assert grad(ref) == set()
    assert grad(lambda x: (ref(x) * 1e4).round() / 1e4) == {'zero gradient'}
    assert grad(lambda x: ref(x).detach()) == {'no gradient'}
    assert grad(lambda x: torch.tensor(ref(x).item())) == {'no gradient'}
    assert grad(lambda x: torch.tensor(float((x.numpy() ** 2).sum()))) == {'no gradient'}
    assert grad(lambda x: (x * x.detach()).sum()) == {'wrong gradient'}

def test_forbidden_functions_are_restored_and_found_under_other_names():
    from torch import softmax as early
    cases = [Case('row', (torch.tensor([[1., 2.]]),), 'softmax')]
    ref = lambda x: torch.softmax(x, -1)
    report = check_exercise(lambda x: early(x, -1), ref, cases, forbid=['torch.softmax'], quiet=True)
    assert kinds(report) == {'forbidden function'}
    assert torch.softmax(torch.zeros(2), 0).tolist() == [0.5, 0.5] and early(torch.zeros(2), 0).tolist() == [0.5, 0.5]

def test_unknown_mistake_falls_back_on_the_case_hints():
    cases = [Case('pair', (torch.tensor([1., 2.]),), 'multiply by 2')]
    mistakes = [Mistake('adding', lambda x: x + 2, 'times, not plus')]
    assert_named(check_exercise(lambda x: 2 + x, lambda x: 2 * x, cases, mistakes=mistakes, quiet=True), 'adding')
    other = check_exercise(lambda x: x ** 3, lambda x: 2 * x, cases, mistakes=mistakes, quiet=True)
    assert other.mistake is None and 'multiply by 2' in str(other)

def test_checker_reports_unwritten_function():
    def stub(*a, **k): raise NotImplementedError
    report = check_probs(stub, quiet=True)
    assert not report and 'not written yet' in str(report)
    assert report.n_failed == report.n_cases and f'{report.n_cases} of {report.n_cases} hidden cases fail' in str(report)

# Every checker names each mistake of its own catalogue.

CATALOGUES = [
    (check_softmax, ex_probs._SOFTMAX_MISTAKES), (check_log_softmax, ex_probs._LOG_SOFTMAX_MISTAKES),
    (check_logsumexp, ex_probs._LOGSUMEXP_MISTAKES), (check_temperature_from_probs, ex_probs._PROBS_T_MISTAKES),
    (check_pick, ex_losses._PICK_MISTAKES), (check_nll, ex_losses._NLL_MISTAKES),
    (check_cross_entropy, ex_losses._CE_MISTAKES), (check_ce_grad, ex_losses._CE_GRAD_MISTAKES),
    (check_bce_with_logits, ex_losses._BCE_MISTAKES), (check_fixed_loss, ex_losses._FIXED_LOSS_MISTAKES),
    (check_smoothed_target_prob, ex_losses._SMOOTHING_MISTAKES), (check_accuracy, ex_metrics._ACCURACY_MISTAKES),
    (check_accuracy_multi, ex_metrics._ACCURACY_MULTI_MISTAKES), (check_choose_thresh, ex_metrics._THRESH_MISTAKES),
    (check_probs, ex_acts._PROBS_MISTAKES), (check_decode, ex_acts._DECODE_MISTAKES),
    (check_fix_double_softmax, ex_acts._DOUBLE_SOFTMAX_MISTAKES),
    (check_confusion_matrix, ex_interp._CONFUSION_MISTAKES), (check_margin, ex_interp._MARGIN_MISTAKES),
    (check_worst_class, ex_interp._WORST_MISTAKES), (check_tta_from_log, ex_tta._TTA_MISTAKES),
    (check_shift, ex_tta._SHIFT_MISTAKES), (check_choose_beta, ex_tta._BETA_MISTAKES),
    (check_ece, ex_cal._ECE_MISTAKES), (check_temperature_direction, ex_cal._DIRECTION_MISTAKES),
    (check_diagnose, ex_diag._DIAGNOSE_MISTAKES)]

@pytest.mark.parametrize('checker,mistake', [(c, m) for c, ms in CATALOGUES for m in ms],
                         ids=lambda v: getattr(v, 'name', getattr(v, '__name__', '')))
def test_each_catalogued_mistake_is_named(checker, mistake):
    assert_named(checker(mistake.fn, quiet=True), mistake.name)

def test_fit_temperature_names_its_mistakes():  # slower (grids of 400 losses): one test for the catalogue
    for m in ex_cal._T_MISTAKES: assert_named(check_fit_temperature(m.fn, quiet=True), m.name)

# probabilities: right answers, forbidden shortcuts, and wrong answers written as a student would.

def shifted(x): return x - x.max(-1, keepdim=True).values
def my_softmax(x): e = shifted(x).exp(); return e / e.sum(-1, keepdim=True)

def test_softmax_checkers_accept_right_answers_and_refuse_shortcuts():
    assert check_softmax(my_softmax, quiet=True)
    assert check_log_softmax(lambda x: x - torch.logsumexp(x, -1, keepdim=True), quiet=True)  # lesson 1's formula
    assert check_log_softmax(lambda x: shifted(x) - shifted(x).exp().sum(-1, keepdim=True).log(), quiet=True)
    assert check_logsumexp(lambda x: x.max(-1).values + shifted(x).exp().sum(-1).log(), quiet=True)
    assert kinds(check_softmax(softmax, quiet=True)) == {'forbidden function'}  # "not torch.softmax"
    assert kinds(check_softmax(lambda x: torch.softmax(x, dim=-1), quiet=True)) == {'forbidden function'}
    assert kinds(check_softmax(lambda x: F.softmax(x, -1), quiet=True)) == {'forbidden function'}
    assert kinds(check_log_softmax(lambda x: x.log_softmax(-1), quiet=True)) == {'forbidden function'}
    assert kinds(check_logsumexp(lambda x: torch.logsumexp(x, -1), quiet=True)) == {'forbidden function'}

def test_log_softmax_by_logsumexp_is_not_told_to_subtract_the_maximum():
    report = check_log_softmax(lambda x: x - torch.logsumexp(x, dim=-1, keepdim=True), quiet=True)
    assert report and 'maximum' not in str(report)

@pytest.mark.parametrize('wrong,name', [
    (lambda x: x.exp() / x.exp().sum(-1, keepdim=True), 'exp without the shift'),
    (lambda x: (x - x.max()).exp() / (x - x.max()).exp().sum(-1, keepdim=True), 'one maximum for the whole batch'),
    (lambda x: shifted(x).exp() / shifted(x).exp().sum(), 'dividing by the sum of the whole tensor'),
    (lambda x: shifted(x).exp(), 'no division'), (torch.sigmoid, 'a sigmoid per class')])
def test_softmax_names_student_mistakes(wrong, name):
    assert_named(check_softmax(wrong, quiet=True), name)

def test_logsumexp_gets_its_own_hints():
    report = check_logsumexp(lambda x: x.exp().sum(-1).log(), quiet=True)
    assert_named(report, 'exp without the shift')
    assert 'keepdim=True' not in str(report)
    no_shift_no_keep = check_logsumexp(lambda x: torch.amax(x, -1, keepdim=True), quiet=True)
    assert kinds(no_shift_no_keep) == {'wrong shape'}

def test_temperature_from_probs_rejects_the_copied_cell():
    copied = check_temperature_from_probs(lambda p, T: torch.softmax(p / T, dim=0), quiet=True)  # lesson 1's cell
    assert not copied
    assert_named(check_temperature_from_probs(lambda probs, T: F.softmax(probs / T, -1), quiet=True),
                 'probabilities used as logits')
    assert check_temperature_from_probs(lambda p, T: torch.softmax(p.log() / T, -1), quiet=True)

# losses: every loss checker compares gradients; rounded, detached and NumPy-wrapped losses fail.

def ce_right(x, t): return -(x - torch.logsumexp(x, 1, keepdim=True))[range(len(t)), t].mean()
def nll_right(lp, t, reduction='mean'):
    l = -lp[range(len(t)), t]
    return l.mean() if reduction == 'mean' else l.sum() if reduction == 'sum' else l
def bce_right(z, y): return (y * F.softplus(-z) + (1 - y) * F.softplus(z)).mean()

def rounded(f): return lambda *a, **k: (f(*a, **k) * 1e4).round() / 1e4
def detached(f): return lambda *a, **k: f(*a, **k).detach()
def numpy_wrapped(f):
    def wrapped(*a, **k):
        a = [v.detach().numpy() if isinstance(v, torch.Tensor) else v for v in a]
        return torch.as_tensor(f(*[torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v for v in a], **k)
                               .numpy())
    return wrapped

LOSS_CHECKERS = [(check_cross_entropy, ce_right), (check_nll, nll_right), (check_bce_with_logits, bce_right),
                 (check_fixed_loss, lambda p, t: -p[range(len(t)), t].log().mean())]

@pytest.mark.parametrize('checker,right', LOSS_CHECKERS)
def test_loss_checkers_accept_the_right_loss(checker, right):
    assert checker(right, quiet=True)

@pytest.mark.parametrize('checker,right', LOSS_CHECKERS)
@pytest.mark.parametrize('spoil,kind', [(rounded, 'zero gradient'), (detached, 'no gradient'),
                                        (numpy_wrapped, 'no gradient')])
def test_loss_checkers_reject_losses_without_a_useful_gradient(checker, right, spoil, kind):
    report = checker(spoil(right), quiet=True)
    assert not report and kind in kinds(report), str(report)

def test_loss_checkers_forbid_the_loss_itself():
    assert kinds(check_nll(lambda lp, t, reduction='mean': F.nll_loss(lp, t, reduction=reduction), quiet=True)) == \
        {'forbidden function'}
    assert kinds(check_nll(nll_loss, quiet=True)) == {'forbidden function'}
    assert kinds(check_cross_entropy(cross_entropy, quiet=True)) == {'forbidden function'}
    assert kinds(check_cross_entropy(lambda x, t: nn.CrossEntropyLoss()(x, t), quiet=True)) == {'forbidden function'}
    assert kinds(check_bce_with_logits(binary_cross_entropy_with_logits, quiet=True)) == {'forbidden function'}
    def by_autograd(x, t):
        x = x.clone().requires_grad_(); ce_right(x, t).backward(); return x.grad
    assert kinds(check_ce_grad(by_autograd, quiet=True)) == {'forbidden function'}  # "no backward"

def test_pick_and_confusion_matrix_refuse_loops():
    looped = check_pick(lambda p, t: torch.stack([p[i, t[i]] for i in range(len(t))]), quiet=True)
    assert kinds(looped) == {'loop over the items'}
    assert check_pick(lambda p, t: p[range(len(t)), t], quiet=True)
    def zipped(a, p, c):
        cm = torch.zeros(c, c, dtype=torch.long)
        for i, j in zip(a, p): cm[i, j] += 1
        return cm
    assert kinds(check_confusion_matrix(zipped, quiet=True)) == {'loop over the items'}

@pytest.mark.parametrize('wrong,name', [
    (lambda x, t: -torch.softmax(x, -1).log()[range(len(t)), t].mean(), 'the log of a softmax'),
    (lambda x, t: -torch.softmax(x, 1)[range(len(t)), t].mean(), 'NLL of probabilities'),
    (lambda x, t: -x[range(len(t)), t].mean(), 'no log-softmax'),
    (lambda x, t: -(x - torch.logsumexp(x, 1, keepdim=True))[range(len(t)), t].sum(), 'a sum, not a mean')])
def test_cross_entropy_names_student_mistakes(wrong, name):
    assert_named(check_cross_entropy(wrong, quiet=True), name)

def test_fixed_loss_names_the_scripts_own_line():
    assert_named(check_fixed_loss(lambda probs, yb: F.nll_loss(probs, yb), quiet=True), 'probabilities into F.nll_loss')
    assert check_fixed_loss(lambda probs, yb: F.nll_loss(probs.log(), yb), quiet=True)

def test_smoothing_optimum_rejects_the_copied_five_class_cell():
    copied = check_smoothed_target_prob(lambda eps, C: 1 - eps + eps / 5, quiet=True)
    assert not copied and {n for n, *_ in copied.failures} == {'eps=0.1, 10 classes', 'eps=0.2, 2 classes',
                                                              'eps=0.3, 100 classes'}
    assert_named(check_smoothed_target_prob(lambda eps, C: 1 - eps, quiet=True), 'the other convention, eps / (C - 1)')

# metrics

def test_accuracy_multi_without_the_sigmoid_is_told_so():
    report = check_accuracy_multi(lambda x, t, thresh=0.5: ((x > thresh).float() == t).float().mean(), quiet=True)
    assert_named(report, 'no sigmoid')
    assert 'not a fixed 0.5' not in str(report) and 'per item' not in str(report)

@pytest.mark.parametrize('wrong,name', [
    (lambda p, t: (p.argmax(1) == t).sum().float(), 'a count, not a share'), (error_rate, 'the error rate'),
    (lambda p, t: (p.max(1).values == t).float().mean(), 'the largest value, not its position')])
def test_accuracy_names_student_mistakes(wrong, name):
    assert check_accuracy(accuracy, quiet=True)
    assert_named(check_accuracy(wrong, quiet=True), name)

def test_choose_thresh():
    def right(x, t, cands):
        accs = [accuracy_multi(x, t, thresh=c).item() for c in cands]
        return cands[accs.index(max(accs))]
    assert check_choose_thresh(right, quiet=True)
    assert not check_choose_thresh(lambda x, t, cands: accuracy_multi(x, t), quiet=True)  # the cell above
    def on_logits(x, t, cands):
        accs = [((x > c) == t.bool()).float().mean().item() for c in cands]
        return cands[accs.index(max(accs))]
    assert_named(check_choose_thresh(on_logits, quiet=True), 'thresholds compared with the logits')

# activations

def test_probs_separates_the_nll_misconception():
    right = lambda o, name: {'cross_entropy': lambda o: torch.softmax(o, 1), 'bce_with_logits': torch.sigmoid,
                             'nll': torch.exp, 'mse': lambda o: o}[name](o)
    assert check_probs(right, quiet=True)
    nll_logits = lambda o, name: torch.softmax(o, 1) if name in ('nll', 'cross_entropy') else right(o, name)
    assert_named(check_probs(nll_logits, quiet=True), 'NLL outputs read as logits')

def test_fix_double_softmax():
    assert check_fix_double_softmax(lambda model, loss: (model[:-1], loss), quiet=True)
    assert check_fix_double_softmax(lambda model, loss: (nn.Sequential(model[0], nn.LogSoftmax(1)), nn.NLLLoss()),
                                    quiet=True)
    assert_named(check_fix_double_softmax(lambda model, loss: (model, loss), quiet=True), 'the script unchanged')
    assert_named(check_fix_double_softmax(lambda model, loss: (model, nn.NLLLoss()), quiet=True),
                 'NLLLoss on probabilities')

def test_decode_and_margin_and_confusion_matrix_accept_right_answers():
    assert check_decode(lambda p, ml, thresh=0.5: p > thresh if ml else p.argmax(1), quiet=True)
    assert check_margin(lambda p: p.topk(2, dim=1).values[:, 0] - p.topk(2, dim=1).values[:, 1], quiet=True)
    assert check_confusion_matrix(lambda a, p, c: torch.bincount(a * c + p, minlength=c * c).view(c, c), quiet=True)
    def fancy(a, p, c): cm = torch.zeros(c, c, dtype=torch.long); cm[a, p] += 1; return cm
    assert_named(check_confusion_matrix(fancy, quiet=True), 'each pair counted once')

def test_worst_class():
    right = lambda cm: (cm.diag() / cm.sum(1)).nan_to_num(2.).argmin()
    assert check_worst_class(right, cm=torch.tensor([[50, 3], [2, 40]]), quiet=True)
    most_confused_row = lambda cm: (cm - torch.diag(cm.diag())).argmax() // len(cm)  # the cell above's reading
    assert not check_worst_class(most_confused_row, quiet=True)
    assert_named(check_worst_class(lambda cm: (cm.sum(1) - cm.diag()).argmax(), quiet=True), 'the most mistakes by count')

# tta

def test_tta_accepts_both_pooling_rules_and_refuses_the_unnormalised_geometric_mean():
    assert check_tta_from_log(lambda s: s.exp().mean(0), quiet=True)
    pooled = check_tta_from_log(lambda s: torch.softmax(s.mean(0), -1), quiet=True)
    assert pooled and pooled.accepted_as.startswith('log-linear pooling')
    assert_named(check_tta_from_log(lambda s: s.mean(0).exp(), quiet=True), 'the geometric mean, not renormalised')
    assert check_shift(shift_images, quiet=True)
    assert_named(check_shift(lambda x, dx, dy: torch.roll(x, (dy, dx), (-2, -1)), quiet=True), 'rolled round')

def test_choose_beta():
    def right(stack, y, betas):
        losses = [F.nll_loss(tta_average(stack, beta=b).log(), y).item() for b in betas]
        return betas[losses.index(min(losses))]
    assert check_choose_beta(right, quiet=True)
    assert not check_choose_beta(lambda stack, y, betas: F.nll_loss(tta_average(stack).log(), y), quiet=True)
    def swapped(stack, y, betas):
        losses = [F.nll_loss(((1 - b) * stack[0] + b * stack[1:].mean(0)).log(), y).item() for b in betas]
        return betas[losses.index(min(losses))]
    assert_named(check_choose_beta(swapped, quiet=True), 'beta weighs the augmented mean')

# explorers, calibration, diagnosis

def test_explorer_questions():
    assert check_loss_of_one(0.368, -2.717, quiet=True) and check_zero_logits(2.5, 1., quiet=True)
    assert not check_loss_of_one(0.25, -4., quiet=True)  # the cell above
    assert_named(check_loss_of_one(0.1, -10., quiet=True), 'a base-10 log')
    assert_named(check_zero_logits(1, 1, quiet=True), 'sigmoids summing to 1')
    assert not check_zero_logits(2.4875, 1., quiet=True)  # the cell above: the sums the lesson's sigmoid table printed
    assert_named(check_zero_logits(0., 1., quiet=True), 'a sigmoid of 0 read as 0')
    assert_named(check_loss_of_one(-math.e, 1 / math.e, quiet=True), 'p and the slope swapped')
    for unanswered in (check_loss_of_one(None, None, quiet=True), check_zero_logits(2.5, None, quiet=True)):
        assert not unanswered and kinds(unanswered) == {'not answered yet'} and unanswered.n_failed == 1

def test_temperature_direction_rejects_the_copied_cell():
    copied = check_temperature_direction(lambda c, a, n: bool(c.nanmean() > a.nanmean()), quiet=True)
    assert_named(copied, 'unweighted means of the bins')
    assert check_temperature_direction(lambda c, a, n: bool((n[n > 0] * (c - a)[n > 0]).sum() > 0), quiet=True)

def test_diagnose():
    def right(outputs, loss_name):
        kind = output_kind(outputs, dim=1)
        if loss_name == 'CrossEntropyLoss' and kind == 'probabilities': return 'double-softmax'
        if loss_name == 'NLLLoss' and kind == 'probabilities': return 'softmax-into-nll'
        if loss_name == 'BCEWithLogitsLoss' and 'probabilities' in kind: return 'double-sigmoid'
        if loss_name == 'BCELoss' and 'probabilities' not in kind: return 'bce-on-logits'
        return 'ok'
    assert check_diagnose(right, quiet=True)
    from lessonkit import doctor
    def by_the_doctor(outputs, loss_name):  # the lesson's cell, copied: the doctor is forbidden
        return doctor(outputs=outputs, targets=torch.zeros(len(outputs), dtype=torch.long), loss_func=nn.NLLLoss())
    assert kinds(check_diagnose(by_the_doctor, quiet=True)) == {'forbidden function'}
    assert_named(check_diagnose(lambda o, name: 'double-softmax' if bool(((o >= 0) & (o <= 1)).all()) else 'ok',
                                quiet=True), 'probabilities are always wrong')
