"""Every check the README's test command runs. Each failure prints one line saying how to fix it.

Usage: `python tools/check.py [name ...]` (default: all, in order)."""
import filecmp, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NBS, LIB = ROOT/'nbs', ROOT/'lessonkit'

class CheckFailed(Exception): "A check failed; the message says how to fix it."

def _run(*cmd, cwd=ROOT, quiet=True, env=None):
    "Run a command; return (returncode, combined output). With quiet=False the output streams to the console."
    if not quiet: return subprocess.run(cmd, cwd=cwd, env=env).returncode, ''
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr

def _scratch_copy():
    "A scratch copy of what nbdev reads and writes, so that checks never touch the working tree."
    tmp = Path(tempfile.mkdtemp(prefix='lessonkit-check-'))
    for name in ('settings.ini', 'setup.py', 'pyproject.toml'): shutil.copy(ROOT/name, tmp/name)
    for d in ('nbs', 'lessonkit'): shutil.copytree(ROOT/d, tmp/d, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
    return tmp

def _changed(a, b, pattern):
    "Relative paths matching `pattern` whose content differs between trees `a` and `b` (or exist in only one)."
    names = {p.relative_to(a) for p in a.rglob(pattern)} | {p.relative_to(b) for p in b.rglob(pattern)}
    return sorted(str(n) for n in names if not ((a/n).exists() and (b/n).exists() and filecmp.cmp(a/n, b/n, shallow=False)))

def check_no_outputs():
    "Notebooks carry no outputs and no execution counts (executed output lives on the site)."
    bad = [str(f.relative_to(ROOT)) for f in sorted(NBS.rglob('*.ipynb')) if '.ipynb_checkpoints' not in f.parts
           and any(c.get('outputs') or c.get('execution_count') for c in json.loads(f.read_text())['cells'])]
    if bad: raise CheckFailed(f"notebooks carry outputs ({', '.join(bad)}): run `make clean-nbs` and commit them.")

def check_clean():
    "`nbdev_clean` changes nothing."
    tmp = _scratch_copy()
    try:
        rc, out = _run(str(BIN/'nbdev_clean'), cwd=tmp)
        if rc: raise CheckFailed(f"nbdev_clean crashed: {out.strip().splitlines()[-1:]}")
        changed = _changed(ROOT/'nbs', tmp/'nbs', '*.ipynb')
        if changed: raise CheckFailed(f"notebooks are not clean ({', '.join(changed)}): run `make clean-nbs` and commit them.")
    finally: shutil.rmtree(tmp)

def check_sync():
    "`nbdev_export` changes nothing: the library is what the notebooks export."
    tmp = _scratch_copy()
    try:
        rc, out = _run(str(BIN/'nbdev_export'), cwd=tmp)
        if rc: raise CheckFailed(f"nbdev_export crashed: {out.strip().splitlines()[-1:]}")
        changed = _changed(ROOT/'lessonkit', tmp/'lessonkit', '*.py')
        if changed: raise CheckFailed(f"library out of sync with notebooks ({', '.join(changed)}): edit the notebook, run `make export`, commit both.")
    finally: shutil.rmtree(tmp)

def check_readme():
    "README.md is what nbs/index.ipynb generates."
    rc, out = _run(sys.executable, 'tools/make_readme.py', '--check')
    if rc: raise CheckFailed(out.strip())

def check_lessons():
    "`nbdev_test` executes every notebook, in parallel over the machine's cores."
    # one torch thread per notebook: the notebooks already run in parallel, one per core
    rc, _ = _run(str(BIN/'nbdev_test'), '--n_workers', str(os.cpu_count()), '--timing', quiet=False, env=dict(os.environ, OMP_NUM_THREADS='1'))
    if rc: raise CheckFailed("a lesson raised (see the traceback above): open it with `make lab`, run it top to bottom, fix, `make export`.")

def check_pytest():
    "`pytest tests/` passes and collects more than zero tests."
    rc, _ = _run(sys.executable, '-m', 'pytest', 'tests/', '-q', '-p', 'no:cacheprovider', quiet=False)
    if rc == 5: raise CheckFailed("pytest collected no tests: tests/ must hold test_*.py files with test functions.")
    if rc: raise CheckFailed("pytest failed (see above): run `.venv/bin/pytest tests/ -x` and fix the first failure.")

def check_site():
    "`tools/build_site.py` builds the website, executing every lesson (the build fails if one raises)."
    rc, _ = _run(sys.executable, 'tools/build_site.py', quiet=False)
    if rc: raise CheckFailed("the site did not build (see above): a lesson raised or Sphinx failed; `make site` shows the same.")

def check_browser():
    "The built site in headless Chromium: pages, plots, offline, search, the in-browser explorer (installs chromium if missing)."
    rc, _ = _run(sys.executable, 'tools/browser_check.py', quiet=False)
    if rc: raise CheckFailed("the browser check failed (see the FAIL lines above); run `make site browser` and look at docs/_build/screenshots/.")

CHECKS = dict(outputs=check_no_outputs, clean=check_clean, sync=check_sync, readme=check_readme,
              lessons=check_lessons, pytest=check_pytest, site=check_site, browser=check_browser)

def main(names):
    failed = []
    for name in names or CHECKS:
        start = time.perf_counter()
        print(f"--- {name}: {CHECKS[name].__doc__}", flush=True)
        try:
            if name == 'browser' and 'site' in failed: raise CheckFailed("not run: the site did not build, and the pages left from an earlier build would pass for it; fix the site first.")
            CHECKS[name]()
        except CheckFailed as e:
            failed.append(name)
            print(f"FAIL {name}: {e}", flush=True)
            continue
        print(f"ok   {name} ({time.perf_counter()-start:.1f} s)", flush=True)
    n = len(names or CHECKS)
    print(f"\nchecks: {n - len(failed)} passed, {len(failed)} failed")
    if failed: sys.exit(f"failed: {', '.join(failed)} (see the FAIL lines above for how to fix each)")

if __name__ == '__main__': main(sys.argv[1:])
