"""Forward + backward time of lessonkit's functions against their `torch.nn.functional` twins.

For each function and shape, the same float32 inputs go to both. One repeat = clear the input's gradient, call the
function, call `backward` (with a fixed random upstream gradient for softmax/log_softmax/sigmoid, whose outputs are
not scalars), all timed with `time.perf_counter`. `nll_loss` is timed the way it is used, on the output of
`log_softmax` (computed once, outside the timing, with autograd recording it): one repeat calls the loss and
`torch.autograd.grad` of it with respect to those log-probabilities, which runs NLL's backward only. The extra row
'nll_loss, no provenance' gives it a plain leaf tensor instead, which lessonkit must check by value. After warm-up
calls of both, repeats alternate ours, theirs, ours, theirs...: at least 25 of each, and more (up to 500) until the
pairs have taken 2 s, so that a fast case (NLL takes well under a millisecond) gets enough repeats for its median to
be steady on a busy machine; the ratio is median(ours) / median(theirs). torch's thread count is left at its default. The median of the per-pair ratios and the ratio of the
fastest repeats (less sensitive to other processes on the machine) are recorded too. Weighted rows use one weight per
class (cross-entropy, NLL) or per label (pos_weight) from [0.5, 2], and per-value weights for the binary losses."""
import time
import torch
import torch.nn.functional as F
from benchlib import summary, median

SHAPES = [(4096, 1000), (65536, 10)]
TARGET, TIGHT = 1.5, 1.15  # every ratio <= 1.5; nll_loss and weighted cross-entropy <= 1.15 (the reliability issue)

def _cases(n, c, g):
    "(name, ours, theirs, input, other arguments, upstream gradient or None, in the task's list?, target, provenance?)."
    import lessonkit as lk
    x = torch.randn(n, c, generator=g)
    target = torch.randint(0, c, (n,), generator=g)
    log_probs = torch.log_softmax(torch.randn(n, c, generator=g), 1)
    probs = torch.sigmoid(torch.randn(n, c, generator=g))
    binary = torch.randint(0, 2, (n, c), generator=g).float()
    upstream = torch.randn(n, c, generator=g)
    w = torch.rand(c, generator=g) * 1.5 + 0.5  # one weight per class (or label)
    wv = torch.rand(n, c, generator=g) * 1.5 + 0.5  # one weight per value
    skipped = target.masked_fill(torch.rand(n, generator=g) < 0.1, -100)  # a tenth of the items ignored
    return [
        ('softmax', lambda t: lk.softmax(t, dim=-1), lambda t: F.softmax(t, dim=-1), x, (), upstream, True, TARGET, False),
        ('log_softmax', lambda t: lk.log_softmax(t, dim=-1), lambda t: F.log_softmax(t, dim=-1), x, (), upstream, True, TARGET, False),
        ('cross_entropy', lk.cross_entropy, F.cross_entropy, x, (target,), None, True, TARGET, False),
        ('cross_entropy, weight', lambda t, y: lk.cross_entropy(t, y, weight=w), lambda t, y: F.cross_entropy(t, y, weight=w),
         x, (target,), None, True, TIGHT, False),
        ('nll_loss', lk.nll_loss, F.nll_loss, log_probs, (target,), None, True, TIGHT, True),
        ('nll_loss, weight and ignore_index', lambda t, y: lk.nll_loss(t, y, weight=w), lambda t, y: F.nll_loss(t, y, weight=w),
         log_probs, (skipped,), None, False, TARGET, True),
        ('nll_loss, no provenance (checked by value)', lk.nll_loss, F.nll_loss, log_probs, (target,), None, False, None, False),
        ('binary_cross_entropy_with_logits', lk.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, x, (binary,), None, True, TARGET, False),
        ('binary_cross_entropy_with_logits, weight and pos_weight',
         lambda t, y: lk.binary_cross_entropy_with_logits(t, y, weight=wv, pos_weight=w),
         lambda t, y: F.binary_cross_entropy_with_logits(t, y, weight=wv, pos_weight=w), x, (binary,), None, False, TARGET, False),
        ('binary_cross_entropy', lk.binary_cross_entropy, F.binary_cross_entropy, probs, (binary,), None, False, TARGET, False),
        ('binary_cross_entropy, weight', lambda t, y: lk.binary_cross_entropy(t, y, weight=wv),
         lambda t, y: F.binary_cross_entropy(t, y, weight=wv), probs, (binary,), None, False, TARGET, False),
        ('sigmoid', lk.sigmoid, torch.sigmoid, x, (), upstream, False, TARGET, False),
    ]

def _once(fn, x, args, upstream, provenance:bool) -> float:
    "Seconds for one forward + backward of `fn` on `x`: a leaf, or (provenance) a log_softmax output."
    if not provenance: x.grad = None
    start = time.perf_counter()
    out = fn(x, *args)
    if provenance: torch.autograd.grad(out, x)
    else: out.backward(upstream) if upstream is not None else out.backward()
    return time.perf_counter() - start

def compare(ours, theirs, x, args, upstream, repeats:int=25, warmup:int=3, provenance:bool=False,
            min_s:float=2., max_repeats:int=500) -> dict:
    leaf = x.detach().clone().requires_grad_()
    if provenance: x = torch.log_softmax(leaf, 1)  # log-probabilities that autograd knows came from log_softmax
    else: x = leaf
    for _ in range(warmup): _once(ours, x, args, upstream, provenance); _once(theirs, x, args, upstream, provenance)
    a, b = [], []
    while len(a) < repeats or (sum(a) + sum(b) < min_s and len(a) < max_repeats):
        a.append(_once(ours, x, args, upstream, provenance))
        b.append(_once(theirs, x, args, upstream, provenance))
    return dict(ours_s=summary(a), torch_s=summary(b), ratio=round(median(a) / median(b), 3),
                median_pair_ratio=round(median([p / q for p, q in zip(a, b)]), 3), ratio_of_minimums=round(min(a) / min(b), 3))

def run(repeats:int=25) -> dict:
    g = torch.Generator().manual_seed(0)
    results = {}
    for n, c in SHAPES:
        for name, ours, theirs, x, args, upstream, listed, target, provenance in _cases(n, c, g):
            r = compare(ours, theirs, x, args, upstream, repeats=repeats, provenance=provenance)
            results[f"{name} {n}x{c}"] = dict(function=name, shape=[n, c], in_task_list=listed, target=target, **r)
    return dict(method=' '.join(__doc__.split('\n\n', 1)[1].split()), dtype='float32', torch_threads=torch.get_num_threads(),
                min_repeats=repeats, results=results)

if __name__ == '__main__':
    r = run()
    for k, v in r['results'].items(): print(f"{k:<70} ours {v['ours_s']['median']*1e3:8.2f} ms  torch {v['torch_s']['median']*1e3:8.2f} ms  ratio {v['ratio']:.3f} (pairs {v['median_pair_ratio']:.3f}, fastest {v['ratio_of_minimums']:.3f})")
