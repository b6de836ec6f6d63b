"Helpers shared by the benchmark sections: statistics, fresh-interpreter runs, memory readings."
import json, os, statistics, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT/'benchmarks'
PYTHON = sys.executable

def median(xs): return statistics.median(xs)

def percentile(xs, q):
    "The `q`-th percentile (0-100) of `xs`, linear interpolation between order statistics (NumPy's default)."
    s = sorted(xs)
    if len(s) == 1: return s[0]
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)

def summary(xs, digits=6):
    "Median, 5th/95th percentiles, min and max of a list of seconds, rounded."
    return dict(n=len(xs), median=round(median(xs), digits), p05=round(percentile(xs, 5), digits),
                p95=round(percentile(xs, 95), digits), min=round(min(xs), digits), max=round(max(xs), digits))

def run_python(code:str, env=None, timeout=600, cwd=ROOT) -> subprocess.CompletedProcess:
    "Run `code` in a fresh interpreter of this virtual environment."
    return subprocess.run([PYTHON, '-c', code], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)

def run_json(args:list, env=None, timeout=600, cwd=ROOT) -> dict:
    "Run a fresh interpreter with `args`; its last stdout line is JSON. Raise with its stderr when it fails."
    p = subprocess.run([PYTHON, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    if p.returncode: raise RuntimeError(f"{' '.join(map(str, args))} failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])

def current_rss() -> int:
    "This process's resident memory now, in bytes (Linux: /proc/self/statm)."
    pages = int(Path('/proc/self/statm').read_text().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE')

def peak_rss() -> int:
    "This process's peak resident memory so far, in bytes (`ru_maxrss` is in KiB on Linux)."
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
