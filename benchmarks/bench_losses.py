"""Forward + backward time of lessonkit's functions against their `torch.nn.functional` twins.

For each function and shape, the same float32 inputs go to both. One repeat = clear the input's gradient, call the
function, call `backward` (with a fixed random upstream gradient for softmax/log_softmax/sigmoid, whose outputs are
not scalars), all timed with `time.perf_counter`. After warm-up calls of both, repeats alternate ours, theirs, ours,
theirs... (at least 20 of each); the ratio is median(ours) / median(theirs). torch's thread count is left at its
default. The median of the per-pair ratios and the ratio of the fastest repeats (less sensitive to other processes on
the machine) are recorded too."""
import time
import torch
import torch.nn.functional as F
from benchlib import summary, median

SHAPES = [(4096, 1000), (65536, 10)]

def _cases(n, c, g):
    "(name, ours, theirs, leaf input, other arguments, upstream gradient or None, in the task's list?) for one shape."
    import lessonkit as lk
    x = torch.randn(n, c, generator=g)
    target = torch.randint(0, c, (n,), generator=g)
    log_probs = torch.log_softmax(torch.randn(n, c, generator=g), 1)
    probs = torch.sigmoid(torch.randn(n, c, generator=g))
    binary = torch.randint(0, 2, (n, c), generator=g).float()
    upstream = torch.randn(n, c, generator=g)
    return [
        ('softmax', lambda t: lk.softmax(t, dim=-1), lambda t: F.softmax(t, dim=-1), x, (), upstream, True),
        ('log_softmax', lambda t: lk.log_softmax(t, dim=-1), lambda t: F.log_softmax(t, dim=-1), x, (), upstream, True),
        ('cross_entropy', lk.cross_entropy, F.cross_entropy, x, (target,), None, True),
        ('nll_loss', lk.nll_loss, F.nll_loss, log_probs, (target,), None, True),
        ('binary_cross_entropy_with_logits', lk.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, x, (binary,), None, True),
        ('binary_cross_entropy', lk.binary_cross_entropy, F.binary_cross_entropy, probs, (binary,), None, False),
        ('sigmoid', lk.sigmoid, torch.sigmoid, x, (), upstream, False),
    ]

def _once(fn, leaf, args, upstream) -> float:
    "Seconds for one forward + backward of `fn` on a fresh gradient-tracking view of `leaf`."
    leaf.grad = None
    start = time.perf_counter()
    out = fn(leaf, *args)
    out.backward(upstream) if upstream is not None else out.backward()
    return time.perf_counter() - start

def compare(ours, theirs, x, args, upstream, repeats:int=25, warmup:int=3) -> dict:
    leaf = x.detach().clone().requires_grad_()
    for _ in range(warmup): _once(ours, leaf, args, upstream); _once(theirs, leaf, args, upstream)
    a, b = [], []
    for _ in range(repeats):
        a.append(_once(ours, leaf, args, upstream))
        b.append(_once(theirs, leaf, args, upstream))
    return dict(ours_s=summary(a), torch_s=summary(b), ratio=round(median(a) / median(b), 3),
                median_pair_ratio=round(median([p / q for p, q in zip(a, b)]), 3), ratio_of_minimums=round(min(a) / min(b), 3))

def run(repeats:int=25) -> dict:
    g = torch.Generator().manual_seed(0)
    results = {}
    for n, c in SHAPES:
        for name, ours, theirs, x, args, upstream, listed in _cases(n, c, g):
            r = compare(ours, theirs, x, args, upstream, repeats=repeats)
            results[f"{name} {n}x{c}"] = dict(function=name, shape=[n, c], in_task_list=listed, **r)
    return dict(method=' '.join(__doc__.split('\n\n', 1)[1].split()), dtype='float32', torch_threads=torch.get_num_threads(),
                repeats=repeats, results=results)

if __name__ == '__main__':
    r = run()
    for k, v in r['results'].items(): print(f"{k:<45} ours {v['ours_s']['median']*1e3:8.2f} ms  torch {v['torch_s']['median']*1e3:8.2f} ms  ratio {v['ratio']:.3f} (pairs {v['median_pair_ratio']:.3f})")
