"""What each in-browser explorer (docs/_static/lessonkit-*.js) must show, computed in Python: lessonkit's functions
where they exist, `torch.nn.functional` in float64 where they do not yet, gradients by autograd. Used by
tools/browser_check.py.

Each function takes an explorer's state (as its `data-state` JSON holds it) and returns {key: (value, text)}: the
number the explorer shows under `data-key` = key, at full precision, and its text as lessonkit formats it (`fmt_prob`,
`fmt_signed`; None where the text is not compared, such as a slider's own value).

Class weights and focal loss are lessonkit's: `cross_entropy(weight=, label_smoothing=)`, `focal_loss` (the class
weight as its per-class alpha), `binary_cross_entropy_with_logits(pos_weight=)` and `sigmoid_focal_loss`. Where the
explorer combines options that no library function does (focal loss with label smoothing; the binary focal loss with a
`pos_weight`), the reference is the formula in float64, around lessonkit's loss where it can be."""
import math, warnings
import torch
import torch.nn.functional as F
from lessonkit import fmt_prob, softmax, sigmoid, cross_entropy, binary_cross_entropy_with_logits
from lessonkit.imbalance import focal_loss, sigmoid_focal_loss
from lessonkit.rendering import fmt_signed
from lessonkit.calibration import calibration_error, reliability_bins, temperature_scale

f64 = torch.float64


def _x(logits): return torch.tensor(logits, dtype=f64, requires_grad=True)


def _put(out:dict, key:str, value, fmt=fmt_prob):
    v = float(value) + 0.  # + 0. turns -0.0 into 0.0: a loss of exactly 0 (log_softmax's 0, negated) shows as 0.0000
    out[key] = (v, None if fmt is None else fmt(v))


def logit(state:dict, classes:list) -> dict:
    "logit_explorer: lessonkit's softmax; for a target, lessonkit's cross_entropy and autograd's gradient."
    x, t, T, out = _x(state['logits']), state['target'], state['temperature'], {}
    for i, p in enumerate(softmax(x.detach() / T).tolist()): _put(out, f'prob.{i}', p)
    for i, v in enumerate(state['logits']): _put(out, f'logit.{i}', v, None)
    if t is not None:
        loss = cross_entropy((x / T)[None], torch.tensor([t]))
        loss.backward()
        _put(out, 'loss', loss.item())
        for i, g in enumerate(x.grad.tolist()): _put(out, f'grad.{i}', g, fmt_signed)
    return out


def sigmoid_explorer(state:dict, classes:list) -> dict:
    "sigmoid_explorer: lessonkit's sigmoid and binary_cross_entropy_with_logits (per label, and the mean), autograd."
    x, y, out = _x(state['logits']), torch.tensor(state['targets'], dtype=f64), {}
    with warnings.catch_warnings():  # the grid's logits may all lie in [0, 1]: they are logits all the same
        warnings.filterwarnings('ignore', message='`logits` looks like probabilities')
        losses = binary_cross_entropy_with_logits(x, y, reduction='none')
        loss = binary_cross_entropy_with_logits(x, y)
    loss.backward()
    probs = sigmoid(x.detach())
    for i, (v, p, l, g, s) in enumerate(zip(state['logits'], probs.tolist(), losses.tolist(), x.grad.tolist(),
                                            softmax(x.detach()).tolist())):
        _put(out, f'logit.{i}', v, None); _put(out, f'prob.{i}', p); _put(out, f'bce.{i}', l)
        _put(out, f'grad.{i}', g, fmt_signed); _put(out, f'softmax.{i}', s)
    _put(out, 'sum', probs.sum().item())
    _put(out, 'loss', loss.item())
    return out


def loss_curve(state:dict, classes:list=None) -> dict:
    "loss_curve_explorer: -log p as lessonkit's nll_loss of [log p, log(1 - p)] gives it, and autograd's slope."
    p = torch.tensor(state['p'], dtype=f64, requires_grad=True)
    loss = F.nll_loss(torch.stack([p.log(), (1 - p).clamp(min=1e-300).log()])[None], torch.tensor([0]))
    loss.backward()
    out = {}
    _put(out, 'p', state['p']); _put(out, 'loss', loss.item() + 0.); _put(out, 'grad', p.grad.item(), fmt_signed)
    return out


# ---- the loss family
def _softmax_loss(z, target:int, eps:float, w:torch.Tensor, gamma:float):
    """-sum_c w_c q_c (1 - p_c)^gamma log p_c for one example. gamma = 0: lessonkit's cross_entropy, with `weight` and
    `label_smoothing`; gamma > 0 without smoothing: lessonkit's focal_loss, the class weight as its per-class alpha;
    gamma > 0 with smoothing (in no library): the formula, with log(1 - p_c) = logsumexp of the other classes -
    logsumexp, exact where 1 - p_c rounds to 0."""
    t = torch.tensor([target])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # a softmax output passed as logits (the double-softmax mistake) warns
        if gamma == 0:
            weight = None if bool((w == 1).all()) else w
            return cross_entropy(z[None], t, reduction='none', weight=weight, label_smoothing=eps)[0]
        if eps == 0: return focal_loss(z[None], t, gamma, alpha=w, reduction='none')[0]
    K = len(z)
    q = (1 - eps) * F.one_hot(t[0], K).to(f64) + eps / K
    lse = torch.logsumexp(z, 0)
    others = torch.logsumexp(z.expand(K, K).masked_fill(torch.eye(K, dtype=torch.bool), -math.inf), 1)
    return -(w * q * torch.exp(gamma * (others - lse)) * (z - lse)).sum()


def _sigmoid_losses(z, y, w:float, gamma:float, alpha):
    """Per label: alpha_t (1 - p_t)^gamma [w y softplus(-z) + (1 - y) softplus(z)]. w = 1: lessonkit's
    sigmoid_focal_loss (torchvision's formula; gamma = 0 and alpha off: binary cross-entropy); another pos_weight:
    lessonkit's binary_cross_entropy_with_logits(pos_weight=...), with the focal factors around it."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # logits that all lie in [0, 1] look like probabilities: lessonkit warns
        if w == 1: return sigmoid_focal_loss(z, y, gamma, alpha, reduction='none')
        ce = binary_cross_entropy_with_logits(z, y, pos_weight=torch.tensor(w, dtype=f64), reduction='none')
    if gamma == 0 and alpha is None: return ce
    one_minus_pt = y * torch.sigmoid(-z) + (1 - y) * torch.sigmoid(z)
    at = 1. if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    return at * one_minus_pt ** gamma * ce


def family(state:dict, classes:list) -> dict:
    "The loss-family explorer, every mode and mistake (see docs/_static/lessonkit-family.js)."
    K, T, eps, out = len(classes), state['temperature'], state['smoothing'], {}
    mode, mk = state['mode'], state['mistake']
    n = 1 if mode == 'binary' else K
    x = _x(state['logits'][:n])
    z = x / T
    for i, v in enumerate(state['logits'][:n]): _put(out, f'logit.{i}', v, None)
    if mode == 'softmax':
        w = torch.ones(K, dtype=f64); w[state['weightClass']] = state['weight']
        loss = _softmax_loss(z, state['target'], eps, w, state['gamma'])
        loss.backward()
        probs = softmax(z.detach())
        ys = [1 if i == state['target'] else 0 for i in range(K)]
        _put(out, 'loss', loss.item())
    else:
        y = torch.tensor(state['targets'][:n], dtype=f64)
        losses = _sigmoid_losses(z, (1 - eps) * y + eps / 2, state['weight'], state['gamma'], state['alpha'])
        losses.sum().backward()  # each label's loss depends on its own logit only
        probs, ys = sigmoid(z.detach()), state['targets'][:n]
        for i, l in enumerate(losses.tolist()): _put(out, f'loss.{i}', l)
        _put(out, 'loss', losses.mean().item())
    for i, (p, g, yi) in enumerate(zip(probs.tolist(), x.grad.tolist(), ys)):
        _put(out, f'prob.{i}', p); _put(out, f'grad.{i}', g, fmt_signed)
        _put(out, f'target.{i}', yi, lambda v: str(int(v)))
        if mk == 'two-decimals': _put(out, f'two.{i}', p, lambda v: f"{v:.2f}")
    if mk in ('double-softmax', 'softmax-multilabel'):
        xm = _x(state['logits'][:n])
        zm = xm / T
        if mk == 'double-softmax':  # the model's softmax output given to cross-entropy as logits
            s = torch.softmax(zm, 0)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # lessonkit's softmax warns that these logits look like probabilities
                mloss, mprobs = _softmax_loss(s, state['target'], eps, w, state['gamma']), softmax(s.detach())
        else:  # softmax cross-entropy against the multi-hot target (lessonkit's cross_entropy refuses it: F's)
            mloss = F.cross_entropy(zm[None], torch.tensor(state['targets'][:n], dtype=f64)[None], label_smoothing=eps)
            mprobs = softmax(zm.detach())
        mloss.backward()
        _put(out, 'mistake.loss', mloss.item())
        for i, (p, g) in enumerate(zip(mprobs.tolist(), xm.grad.tolist())):
            _put(out, f'mistake.prob.{i}', p); _put(out, f'mistake.grad.{i}', g, fmt_signed)
    return out


def calibration(state:dict, logits:torch.Tensor, targets:torch.Tensor, n_bins:int) -> dict:
    "The calibration explorer at temperature T: lessonkit.calibration's bins and ECE, cross_entropy's NLL, accuracy."
    T, z, out = state['temperature'], logits.to(f64), {}
    probs = temperature_scale(z, T)
    bins = reliability_bins(probs, targets, n_bins)
    _put(out, 'temperature', T)
    _put(out, 'accuracy', (probs.argmax(1) == targets).to(f64).mean().item())
    _put(out, 'confidence', probs.max(1).values.mean().item())
    _put(out, 'ece', calibration_error(probs, targets, n_bins))
    _put(out, 'nll', cross_entropy(z / T, targets).item())
    for b, (c, conf, acc) in enumerate(zip(bins.counts.tolist(), bins.confidence.tolist(), bins.accuracy.tolist())):
        out[f'count.{b}'] = (float(c), str(c))
        if c:
            _put(out, f'bin-confidence.{b}', conf); _put(out, f'bin-accuracy.{b}', acc)
    return out
