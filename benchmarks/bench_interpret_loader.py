"""`ClassificationInterpretation.from_model` over a DataLoader against the same from tensors: 1,000,000 items of 100 classes.

The data: 1,000,000 inputs of 8 float32 features and int64 targets in [0, 100), filled in place; the model, a trivial
`nn.Linear(8, 100)` whose outputs are the logits (standard deviation about 3). Every route calls
`from_model(model, data, nn.CrossEntropyLoss(), progress=False)`, 1,024 items a batch, after a warm-up on 10,000 items:
- `tensors`: `data=(xs, ys)`;
- `loader`: `DataLoader(ds, batch_size=None, sampler=BatchSampler(SequentialSampler(ds), 1024, False))` over
  `ds = TensorDataset(xs, ys)`: the DataLoader that indexes its dataset once per batch, the usual way to serve tensors
  that are already in memory;
- `loader_per_item`: `DataLoader(ds, batch_size=1024)`, the default, which fetches each of the 1,000,000 items on its
  own and stacks them; the time this loader alone takes to yield its batches (no model, no interpretation) is
  measured too, so that its own cost can be told apart;
- `full_outputs`: the earlier route, every logit first (`get_preds`), then `from_preds` on all of them (reference).

Torch uses one thread unless `run(threads=)` says otherwise: batches of 1,024 items are too small for threads to help,
and on a shared machine the threads of one operation wait for each other. Time: all routes in one process, taking
turns round after round (5 rounds; 2 for the per-item loader, which is slow), so that other work on the machine slows
them alike; the best round of each, wall-clock (`time.perf_counter`) and CPU time of the process (`time.process_time`).
Memory: each route once more, in a fresh process: its resident memory (`/proc/self/statm`) just before the run, with
the data, the model and the warm-up's leftovers in place, against the process's peak (`ru_maxrss`) after it; the
figure is (peak - before) / the probabilities' bytes (1,000,000 x 100 float32, 381.5 MiB). It counts what the
interpretation keeps (the probabilities 1x; losses, predictions and targets 0.05x together) and every temporary.
Targets: the `loader` route's time within 1.5x the `tensors` route's, and its peak within 2x the probabilities."""
import gc, json, sys, time
from benchlib import run_json, current_rss, peak_rss

N, C, FEATURES, BATCH, ROUNDS = 1_000_000, 100, 8, 1024, 5
ROUTES = ('tensors', 'loader', 'loader_per_item', 'full_outputs')

def _data(n, c, seed=0):
    "Inputs (n, 8) and targets, filled in place, and the trivial model that turns inputs into logits."
    import torch, torch.nn as nn
    g = torch.Generator().manual_seed(seed)
    xs = torch.empty(n, FEATURES).normal_(generator=g)
    ys = torch.empty(n, dtype=torch.long).random_(0, c, generator=g)
    torch.manual_seed(seed)
    model = nn.Linear(FEATURES, c)
    with torch.no_grad(): model.weight.normal_(0, 1)  # logits with a standard deviation of about 3
    return xs, ys, model

def _interpret(route, model, xs, ys, batch):
    "Build the interpretation by `route`."
    import torch.nn as nn
    from torch.utils.data import DataLoader, TensorDataset, BatchSampler, SequentialSampler
    from lessonkit.interpret import ClassificationInterpretation as CI
    from lessonkit.inference import get_preds
    from lessonkit.activations import identity
    if route == 'tensors':
        return CI.from_model(model, (xs, ys), nn.CrossEntropyLoss(), batch_size=batch, progress=False)
    if route == 'full_outputs':
        return CI.from_preds(get_preds(model, xs, act=identity, batch_size=batch), ys, nn.CrossEntropyLoss())
    ds = TensorDataset(xs, ys)
    dl = (DataLoader(ds, batch_size=batch) if route == 'loader_per_item' else
          DataLoader(ds, batch_size=None, sampler=BatchSampler(SequentialSampler(ds), batch, False)))
    return CI.from_model(model, dl, nn.CrossEntropyLoss(), progress=False)

def _loader_alone(route, xs, ys, batch) -> float:
    "Seconds the DataLoader of `route` takes to yield every batch, with nothing done to them."
    from torch.utils.data import DataLoader, TensorDataset, BatchSampler, SequentialSampler
    ds = TensorDataset(xs, ys)
    dl = (DataLoader(ds, batch_size=batch) if route == 'loader_per_item' else
          DataLoader(ds, batch_size=None, sampler=BatchSampler(SequentialSampler(ds), batch, False)))
    start = time.perf_counter()
    for _ in dl: pass
    return time.perf_counter() - start

def _timed(route, model, xs, ys, batch) -> tuple:
    "(wall seconds, CPU seconds of this process) of one interpretation by `route`, freed afterwards."
    wall, cpu = time.perf_counter(), time.process_time()
    interp = _interpret(route, model, xs, ys, batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert len(interp) == len(xs)
    del interp; gc.collect()
    return wall, cpu

def memory_worker(route, n=N, c=C, threads=1, batch=BATCH) -> dict:
    "The peak memory of one interpretation by `route`, in a process of its own."
    import torch
    if threads: torch.set_num_threads(threads)
    xs, ys, model = _data(n, c)
    warm = _interpret(route, model, xs[:10_000], ys[:10_000], batch)
    del warm; gc.collect()
    rss_before, peak_before = current_rss(), peak_rss()
    interp = _interpret(route, model, xs, ys, batch)
    peak = peak_rss()
    kept = sum(t.nbytes for t in (interp.probs, interp.losses, interp.preds, interp.targets))
    return dict(route=route, probs_mb=round(interp.probs.nbytes / 2**20, 1), kept_mb=round(kept / 2**20, 1),
                rss_before_mb=round(rss_before / 2**20, 1), peak_rss_before_mb=round(peak_before / 2**20, 1),
                peak_rss_mb=round(peak / 2**20, 1), peak_over_probs=round((peak - rss_before) / interp.probs.nbytes, 3),
                sample=[interp.losses[:5].tolist(), interp.preds[:5].tolist()])

def time_worker(n=N, c=C, threads=1, batch=BATCH, rounds=ROUNDS) -> dict:
    """Every route's time in one process, the routes taking turns round after round, so that whatever else runs on
    the machine slows them alike; the best of the rounds (the per-item loader, slow, gets 2)."""
    import torch
    if threads: torch.set_num_threads(threads)
    xs, ys, model = _data(n, c)
    for route in ROUTES: _interpret(route, model, xs[:10_000], ys[:10_000], batch)  # warm-up
    runs = {r: [] for r in ROUTES}
    for i in range(rounds):
        for route in ROUTES:
            if route != 'loader_per_item' or i < 2: runs[route].append(_timed(route, model, xs, ys, batch))
    alone = {r: _loader_alone(r, xs, ys, batch) for r in ('loader', 'loader_per_item')}
    best = lambda k, r: round(min(t[k] for t in runs[r]), 3)
    return dict(n=n, classes=c, batch_size=batch, torch_threads=torch.get_num_threads(),
                wall_s={r: [round(w, 3) for w, _ in runs[r]] for r in ROUTES},
                cpu_s={r: [round(u, 3) for _, u in runs[r]] for r in ROUTES},
                best_wall_s={r: best(0, r) for r in ROUTES}, best_cpu_s={r: best(1, r) for r in ROUTES},
                loader_alone_s={r: round(t, 3) for r, t in alone.items()})

def run(n=N, c=C, threads=1) -> dict:
    "Memory: each route in a fresh process; time: all of them in one, taking turns. `threads=0`: torch's default."
    mem = {r: run_json([__file__, '--memory', r, str(n), str(c), str(threads)]) for r in ROUTES}
    assert all(m['sample'] == mem['tensors']['sample'] for m in mem.values()), 'the routes disagree'
    t = run_json([__file__, '--time', str(n), str(c), str(threads)])
    wall, cpu = t['best_wall_s'], t['best_cpu_s']
    per_item = wall['loader_per_item'] - t['loader_alone_s']['loader_per_item']
    return dict(method=' '.join(__doc__.split('\n\n', 1)[1].split()), memory=mem, time=t,
                time_ratio=round(wall['loader'] / wall['tensors'], 3),
                cpu_time_ratio=round(cpu['loader'] / cpu['tensors'], 3),
                peak_over_probs=mem['loader']['peak_over_probs'],
                tensors_peak_over_probs=mem['tensors']['peak_over_probs'],
                full_outputs_peak_over_probs=mem['full_outputs']['peak_over_probs'],
                time_ratio_without_the_loader=round((wall['loader'] - t['loader_alone_s']['loader']) / wall['tensors'], 3),
                per_item_time_ratio=round(wall['loader_per_item'] / wall['tensors'], 3),
                per_item_time_ratio_without_the_loader=round(per_item / wall['tensors'], 3))

if __name__ == '__main__':
    if '--memory' in sys.argv:
        route, *size = sys.argv[sys.argv.index('--memory') + 1:]
        print(json.dumps(memory_worker(route, *map(int, size))))
    elif '--time' in sys.argv: print(json.dumps(time_worker(*map(int, sys.argv[sys.argv.index('--time') + 1:]))))
    else: print(json.dumps(run(), indent=1))
