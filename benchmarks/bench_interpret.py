"""`ClassificationInterpretation` at scale: 1,000,000 x 100 random float32 logits with int64 targets, in a fresh process.

Steps timed with `time.perf_counter`: `from_preds(logits, targets, loss_func=cross_entropy)` (which computes the
probabilities, the per-item losses and the predictions, after validating the inputs), then `top_losses(9)` and
`confusion_matrix()`; `.probs` and `.losses` are read afterwards (attributes: no computing). Inside `from_preds`
each phase is timed by wrapping the functions `lessonkit.interpret` calls (the outputs' and targets' checks, the
probabilities and their check, the losses, decoding);
the wrappers add a few microseconds each and change no result.

Memory: the worker reads its resident memory (`/proc/self/statm`) just before the logits are created (torch and
lessonkit already imported); the peak is `resource.getrusage(RUSAGE_SELF).ru_maxrss` (the process's high-water mark) read after the last step. The reported
ratio is (peak - RSS before the logits) / logits.nbytes: it counts the logits (1x) and the targets (n int64 = 8 MB,
0.02x) themselves, the interpretation's stored results (probabilities 1x; losses, predictions) and every temporary.
The logits are filled in place (`torch.empty(...).normal_()`), so creating them allocates no second copy."""
import json, sys, time
from benchlib import run_json, current_rss, peak_rss

N, C = 1_000_000, 100

def _wrap(module, name, phases, rss):
    "Replace `module.name` by a version that adds its seconds to `phases[name]` and records RSS after it."
    f = getattr(module, name, None)
    if f is None: return
    def timed(*a, **k):
        start = time.perf_counter()
        try: return f(*a, **k)
        finally:
            phases[name] = phases.get(name, 0.) + time.perf_counter() - start
            rss[name] = current_rss()
    setattr(module, name, timed)

def worker(n=N, c=C, seed=0) -> dict:
    import torch
    import lessonkit.interpret as li
    from lessonkit.losses import cross_entropy
    phases, rss = {}, {}
    for name in ('_checked_outputs', 'class_indices', '_checked_probabilities', '_per_item_losses', 'decode'):
        _wrap(li, name, phases, rss)
    g = torch.Generator().manual_seed(seed)
    rss_before = current_rss()
    peak_before = peak_rss()
    logits = torch.empty(n, c, dtype=torch.float32).normal_(generator=g).mul_(3)
    targets = torch.randint(0, c, (n,), generator=g)
    rss_inputs = current_rss()
    steps = {}
    start = time.perf_counter()
    interp = li.ClassificationInterpretation.from_preds(logits, targets, loss_func=cross_entropy)
    steps['from_preds'] = time.perf_counter() - start
    start = time.perf_counter(); interp.top_losses(9); steps['top_losses'] = time.perf_counter() - start
    start = time.perf_counter(); interp.confusion_matrix(); steps['confusion_matrix'] = time.perf_counter() - start
    start = time.perf_counter(); probs, losses = interp.probs, interp.losses; steps['read_probs_and_losses'] = time.perf_counter() - start
    peak = peak_rss()
    nbytes = logits.nbytes
    return dict(
        shape=[n, c], dtype=str(logits.dtype).replace('torch.', ''), torch_threads=torch.get_num_threads(),
        steps_s={k: round(v, 4) for k, v in steps.items()},
        total_s=round(sum(steps.values()), 4),
        from_preds_phases_s={'validation (outputs + target indices)':
                                 round(phases.get('_checked_outputs', 0) + phases.get('class_indices', 0), 4),
                             'probabilities (activation, then checked)': round(phases.get('_checked_probabilities', 0), 4),
                             'losses (_per_item_losses)': round(phases.get('_per_item_losses', 0), 4),
                             'predictions (decode)': round(phases.get('decode', 0), 4)},
        logits_mb=round(nbytes / 2**20, 1), targets_mb=round(targets.nbytes / 2**20, 1),
        rss_before_logits_mb=round(rss_before / 2**20, 1), peak_rss_before_logits_mb=round(peak_before / 2**20, 1),
        rss_with_inputs_mb=round(rss_inputs / 2**20, 1), peak_rss_mb=round(peak / 2**20, 1),
        rss_after_phase_mb={k: round(v / 2**20, 1) for k, v in rss.items()},
        peak_over_logits=round((peak - rss_before) / nbytes, 3),
        probs_dtype=str(probs.dtype).replace('torch.', ''), losses_shape=list(losses.shape),
    )

def run() -> dict:
    r = run_json([__file__, '--worker'])
    r['method'] = ' '.join(__doc__.split('\n\n', 1)[1].split())
    return r

if __name__ == '__main__':
    if '--worker' in sys.argv: print(json.dumps(worker()))
    else: print(json.dumps(run(), indent=1))
