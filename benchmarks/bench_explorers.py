"""Explorer update latency: how long one slider change takes to update an explorer of lessonkit.explorers.

Each explorer is built with a target (so that the loss and its gradient are computed too): `logit_explorer(target=1)`
(5 classes), `sigmoid_explorer(targets=[1, 0, 1, 0, 0])` (5 labels), `loss_curve_explorer()`. Then its first slider is
set from code to a new value across the slider's range (5 warm-up changes, then 60 timed, each value different from
the last); `time.perf_counter` brackets the assignment `slider.value = v`, which runs the explorer's observer
synchronously: recompute, move the plot's artists, re-render the figure to PNG and set the image and HTML widgets.
The explorer's `n_updates` counter confirms that each change caused exactly one update.

This runs twice: in an ipykernel started by nbclient (`in_kernel`: the widget state updates are serialized and sent
over the kernel's comm channel to the client, as in Jupyter; this is the headline figure) and in a plain interpreter
(`plain`: no comm, so no message is sent). Neither includes the browser's drawing of the new PNG."""
import json, subprocess
from benchlib import ROOT, run_json

WORKER = r'''
import json, time
import numpy as np
import lessonkit.explorers as w

def measure(explorer, n=60, warmup=5):
    s = explorer.sliders[0]
    values = [v for v in np.linspace(s.min, s.max, n + warmup + 1).tolist() if abs(v - s.value) > 1e-9][:n + warmup]
    times = []
    for i, v in enumerate(values):
        before = getattr(explorer, 'n_updates', None)
        t0 = time.perf_counter()
        s.value = float(v)
        dt = time.perf_counter() - t0
        if before is not None and explorer.n_updates != before + 1: raise RuntimeError(f"{type(explorer).__name__}: a slider change made {explorer.n_updates - before} updates")
        if i >= warmup: times.append(dt)
    return times

explorers = dict(logit_explorer=lambda: w.logit_explorer(target=1),
                 sigmoid_explorer=lambda: w.sigmoid_explorer(targets=[1, 0, 1, 0, 0]),
                 loss_curve_explorer=lambda: w.loss_curve_explorer())
out = {}
for name, make in explorers.items():
    t0 = time.perf_counter(); e = make(); build = time.perf_counter() - t0
    out[name] = dict(times=measure(e), build_s=build, png_bytes=len(e.image.value) if hasattr(e, 'image') else None)
print(json.dumps(out))
'''

def _in_kernel() -> dict:
    "Run the worker in a fresh ipykernel through nbclient; return its JSON."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WORKER)])
    NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(ROOT)}}).execute(stderr=subprocess.DEVNULL)
    text = ''.join(o.get('text', '') for o in nb.cells[0].outputs if o.get('name') == 'stdout')
    return json.loads(text.strip().splitlines()[-1])

def _stats(times) -> dict:
    from benchlib import median, percentile
    ms = [t * 1e3 for t in times]
    return dict(n=len(ms), median_ms=round(median(ms), 2), p95_ms=round(percentile(ms, 95), 2), min_ms=round(min(ms), 2), max_ms=round(max(ms), 2))

def run() -> dict:
    if not (ROOT/'lessonkit'/'explorers.py').exists(): return dict(status='missing', reason='lessonkit/explorers.py has not landed')
    kernel = _in_kernel()
    plain = run_json(['-c', WORKER])
    explorers = {name: dict(**_stats(r['times']), build_s=round(r['build_s'], 3), png_bytes=r['png_bytes'],
                            plain=_stats(plain[name]['times'])) for name, r in kernel.items()}
    return dict(method=' '.join(__doc__.split('\n\n', 1)[1].split()), explorers=explorers)

if __name__ == '__main__': print(json.dumps(run(), indent=1))
