"""Peer parity with PyTorch's own operator tests: every `op_db` sample (its reference inputs, a superset of its sample
inputs) of every op lessonkit mirrors, in float32, float64, float16 and bfloat16, gives lessonkit's value and gradients
equal to PyTorch's, or a refusal that is on the documented list of by-design refusals below (the sample must really have
the property the refusal names). Where PyTorch's float16/bfloat16 answer differs from lessonkit's, lessonkit's must be
the one that agrees with PyTorch computing in float64. Each refused sample is also made valid (log_softmax for NLL,
rows normalised, weights made non-negative) and must then agree too. `python tests/test_op_db.py` prints the counts."""
import re, warnings
from collections import Counter
import pytest, torch
import expecttest  # noqa: F401 (a dev dependency: op_db imports it)
from torch.testing._internal.common_methods_invocations import op_db
import lessonkit as lk

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]

# op_db name -> (lessonkit's function, the class dimension of its input for the checks below: None = not a distribution)
OPS = {
    'softmax': lk.softmax, 'log_softmax': lk.log_softmax, 'logsumexp': lk.logsumexp, 'sigmoid': lk.sigmoid,
    'nn.functional.cross_entropy': lk.cross_entropy, 'nn.functional.nll_loss': lk.nll_loss,
    'nn.functional.binary_cross_entropy': lk.binary_cross_entropy,
    'nn.functional.binary_cross_entropy_with_logits': lk.binary_cross_entropy_with_logits,
}

def _class_dim(t): return 1 if t.ndim > 1 else 0

def _rows_not_normalised(t, dim, log=False):
    "Whether some row of `t` along `dim` is not a distribution (probabilities summing to 1, or logsumexp 0)."
    t = t.detach().double()
    off = torch.logsumexp(t, dim) if log else t.sum(dim) - 1
    return bool((off.abs() > 1e-3).any())

def _weights(s): return [v for k, v in s.kwargs.items() if k in ('weight', 'pos_weight') and v is not None]

# The by-design refusals: (reason, what the error says, does the sample really have that property?)
REFUSALS = [
    ('a 0-d input to softmax or log_softmax has no class dimension', 'must have at least one dimension',
     lambda op, s: s.input.ndim == 0),
    ('NaN or +inf in the input (PyTorch returns NaN or inf)', 'contains (NaN|inf)',
     lambda op, s: bool((s.input.isnan() | s.input.isposinf()).any())),
    ('nll_loss input that is not log-probabilities (op_db draws it uniformly from [-9, 9])',
     'not log-probabilities|log-probabilities are <= 0',
     lambda op, s: _rows_not_normalised(s.input, _class_dim(s.input), log=True)),
    ('class-probability targets whose rows do not sum to 1 (op_db draws each entry from [0, 1])',
     r'\(class probabilities\) has a row summing to',
     lambda op, s: s.args[0].is_floating_point() and _rows_not_normalised(s.args[0], _class_dim(s.input))),
    ('negative class or element weights (op_db draws them from [-9, 9])', 'expected weights >= 0',
     lambda op, s: any(bool((w < 0).any()) for w in _weights(s))),
]

def _valid_counterpart(op, s):
    "The sample made valid: log_softmax for NLL, target rows normalised, weights made non-negative (None if no way)."
    if s.input.ndim == 0 and op.name in ('softmax', 'log_softmax'): return None
    if bool((s.input.isnan() | s.input.isposinf()).any()): return None
    x = s.input.detach()
    if op.name == 'nn.functional.nll_loss': x = torch.log_softmax(x.double(), _class_dim(x)).to(x.dtype)
    x = x.clone().requires_grad_(s.input.requires_grad)
    args = list(s.args)
    if op.name == 'nn.functional.cross_entropy' and args[0].is_floating_point():
        t = args[0].detach().double() + 1e-3  # op_db's rows may be all but 0
        args[0] = (t / t.sum(_class_dim(x), keepdim=True)).to(args[0].dtype).requires_grad_(args[0].requires_grad)
    kwargs = {k: (v.abs() if k in ('weight', 'pos_weight') and v is not None else v) for k, v in s.kwargs.items()}
    return type(s)(x, args=tuple(args), kwargs=kwargs)

def _float_leaves(s):
    "The sample's floating tensors that take a gradient: the input, and any argument that requires one."
    return [t for t in (s.input, *s.args) if isinstance(t, torch.Tensor) and t.requires_grad]

def _run(fn, s, cast=None):
    "fn's value and the gradients of (value * fixed random weights).sum() w.r.t. the sample's leaves (cast: a dtype)."
    leaves = _float_leaves(s)
    copies = {id(t): (t.detach().to(cast) if cast else t.detach()).clone().requires_grad_() for t in leaves}
    def conv(t):
        if not isinstance(t, torch.Tensor): return t
        if id(t) in copies: return copies[id(t)]
        return t.to(cast) if cast is not None and t.is_floating_point() else t
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # probabilities-as-logits warnings: op_db draws from [0, 1] at times
        out = fn(conv(s.input), *[conv(a) for a in s.args], **{k: conv(v) for k, v in s.kwargs.items()})
    grads = []
    if leaves and out.requires_grad:
        up = torch.randn(out.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64).to(out.dtype)
        grads = list(torch.autograd.grad((out * up).sum(), [copies[id(t)] for t in leaves], allow_unused=True))
    return out.detach(), grads

def _close(a, b, dtype):
    "Equal up to `dtype`'s tolerance (torch.testing's defaults, NaN equal to NaN), shapes and dtypes included."
    if a is None or b is None: return (a is None or not a.any()) and (b is None or not b.any())
    try: torch.testing.assert_close(a, b.to(a.dtype), equal_nan=True, **_tol(dtype)); return a.shape == b.shape
    except AssertionError: return False

def _tol(dtype):
    return {torch.float16: dict(rtol=2e-3, atol=1e-3), torch.bfloat16: dict(rtol=1.6e-2, atol=1e-2)}.get(dtype, {})

def check_sample(op, s, dtype) -> tuple:
    "('equal' | 'better' | 'refused: reason' | 'other: what', details) for one sample."
    ours_fn = OPS[op.name]
    try: theirs = _run(op.op, s)
    except Exception as e: theirs = e
    try: ours = _run(ours_fn, s)
    except (ValueError, TypeError) as e:
        for reason, msg, has_it in REFUSALS:
            if re.search(msg, str(e)) and has_it(op, s): return f'refused: {reason}', str(e)
        return 'other: refused', f"{type(e).__name__}: {e}"
    if isinstance(theirs, Exception): return 'other: torch raises, lessonkit does not', repr(theirs)
    (ov, og), (tv, tg) = ours, theirs
    if _close(ov, tv, dtype) and len(og) == len(tg) and all(_close(a, b, dtype) for a, b in zip(og, tg)):
        return 'equal', ''
    rv, rg = _run(op.op, s, cast=torch.float64)  # PyTorch in float64: lessonkit must agree with it where torch does not
    if _close(ov, rv.to(ov.dtype), dtype) and all(_close(a, b.to(a.dtype), dtype) for a, b in zip(og, rg)):
        return 'better', f"torch {tv.flatten()[:4].tolist()}, lessonkit {ov.flatten()[:4].tolist()}"
    return 'other: differs', f"torch {tv.flatten()[:6].tolist()} lessonkit {ov.flatten()[:6].tolist()} float64 {rv.flatten()[:6].tolist()}"

def walk(ops=None, dtypes=DTYPES) -> tuple[Counter, list]:
    "Every reference sample of every mirrored op: counts of outcomes, and the details of each outcome that is not ok."
    torch.manual_seed(0)
    counts, problems = Counter(), []
    for op in op_db:
        if op.name not in OPS or (ops and op.name not in ops): continue
        for dtype in dtypes:
            for s in op.reference_inputs('cpu', dtype, requires_grad=True):
                outcome, detail = check_sample(op, s, dtype)
                key = f"{op.name}{'.' + op.variant_test_name if op.variant_test_name else ''}"
                counts[(key, outcome)] += 1
                if outcome.startswith('other'): problems.append((key, str(dtype), outcome, detail))
                if outcome.startswith('refused'):
                    v = _valid_counterpart(op, s)
                    if v is None: continue
                    vo, vd = check_sample(op, v, dtype)
                    counts[(key, 'made valid: ' + vo.split(':')[0])] += 1
                    if vo not in ('equal', 'better'): problems.append((key, str(dtype), 'made valid: ' + vo, vd))
    return counts, problems

@pytest.mark.parametrize('name', sorted(OPS))
def test_op_db_parity(name):
    counts, problems = walk(ops=[name])
    assert sum(counts.values()) > 0, f"op_db has no samples for {name}"
    assert not problems, '\n'.join(map(str, problems[:20]))

# The keywords of lesson 10: op_db samples that pass `weight`, `ignore_index` or `pos_weight` are compared, not only
# refused (op_db draws weights from [-9, 9]: a refused sample is compared again with its weights made non-negative).
KEYWORDS = [('nn.functional.cross_entropy', 'weight'), ('nn.functional.cross_entropy', 'ignore_index'),
            ('nn.functional.nll_loss', 'weight'), ('nn.functional.nll_loss', 'ignore_index'),
            ('nn.functional.binary_cross_entropy', 'weight'),
            ('nn.functional.binary_cross_entropy_with_logits', 'weight'),
            ('nn.functional.binary_cross_entropy_with_logits', 'pos_weight')]

@pytest.mark.parametrize('name,keyword', KEYWORDS, ids=lambda v: v.split('.')[-1])
def test_op_db_samples_with_loss_keywords_are_compared(name, keyword):
    (op,) = [o for o in op_db if o.name == name and not o.variant_test_name]
    compared = 0
    for dtype in (torch.float32, torch.float64):
        for s in op.reference_inputs('cpu', dtype, requires_grad=True):
            if s.kwargs.get(keyword) is None: continue
            outcome, detail = check_sample(op, s, dtype)
            if outcome.startswith('refused'):
                v = _valid_counterpart(op, s)
                if v is None: continue
                outcome, detail = check_sample(op, v, dtype)
            assert outcome in ('equal', 'better'), (name, keyword, str(dtype), outcome, detail)
            compared += 1
    assert compared > 0, f"op_db has no {name} sample with `{keyword}` that lessonkit's is compared on"

def summary() -> str:
    counts, problems = walk()
    kinds = lambda k: sum(v for (op, o), v in counts.items() if o.startswith(k) and not o.startswith('made'))
    rows = [f"{'op':<55}{'outcome':<80}{'samples':>8}"]
    rows += [f"{op:<55}{o:<80}{v:>8}" for (op, o), v in sorted(counts.items())]
    rows.append(f"\ntotal {kinds('')} samples: equal {kinds('equal')}, better than torch {kinds('better')}, "
                f"by-design refusal {kinds('refused')}, other {kinds('other')}")
    made = sum(v for (op, o), v in counts.items() if o.startswith('made valid'))
    ok = sum(v for (op, o), v in counts.items() if o in ('made valid: equal', 'made valid: better'))
    rows.append(f"refused samples made valid: {made}, of which equal or better: {ok}")
    rows += [str(p) for p in problems]
    return '\n'.join(rows)

if __name__ == '__main__': print(summary())
