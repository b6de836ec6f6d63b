"""`import lessonkit` against `import torch` alone, each in a fresh interpreter.

Each run starts a new interpreter of the virtual environment and times, with `time.perf_counter`, only the import
statement (not the interpreter's own start-up). The two imports alternate (torch, lessonkit, torch, ...) after one
discarded warm-up run of each (which also writes any stale .pyc files); the ratio is median(lessonkit) / median(torch).
Since lessonkit imports torch, the ratio is at least 1: the excess is what lessonkit adds on top of torch."""
import json
from benchlib import run_python, summary, median

WATCHED = ('matplotlib', 'ipywidgets', 'IPython', 'sklearn', 'fastprogress', 'pandas', 'scipy')

_TIMED = """
import sys, time, json
t = time.perf_counter()
import {mod}
s = time.perf_counter() - t
print(json.dumps(dict(s=s, loaded=[m for m in {watched!r} if m in sys.modules])))
"""

# which top-level modules `import lessonkit` loads that `import torch` has not already loaded
_EXTRA = """
import sys, json
import torch
before = set(sys.modules)
import lessonkit
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""

def _timed(mod):
    p = run_python(_TIMED.format(mod=mod, watched=WATCHED))
    if p.returncode: raise RuntimeError(f"`import {mod}` failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])

def run(repeats:int=7) -> dict:
    for mod in ('torch', 'lessonkit'): _timed(mod)  # warm-up, discarded
    times = dict(torch=[], lessonkit=[])
    loaded = set()
    for _ in range(repeats):
        for mod in ('torch', 'lessonkit'):
            r = _timed(mod)
            times[mod].append(r['s'])
            if mod == 'lessonkit': loaded |= set(r['loaded'])
    p = run_python(_EXTRA)
    extra = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else f"failed: {p.stderr[-500:]}"
    ratio = median(times['lessonkit']) / median(times['torch'])
    return dict(
        method="fresh interpreter per run; perf_counter around the import statement only; torch and lessonkit alternate; "
               "1 warm-up each discarded; ratio = median(lessonkit) / median(torch)",
        repeats=repeats, torch_s=summary(times['torch'], 4), lessonkit_s=summary(times['lessonkit'], 4),
        ratio=round(ratio, 3),
        heavy_modules_after_import_lessonkit=sorted(loaded),
        matplotlib_loaded='matplotlib' in loaded, ipywidgets_loaded='ipywidgets' in loaded,
        modules_lessonkit_adds_to_torch=extra,
    )

if __name__ == '__main__': print(json.dumps(run(), indent=1))
