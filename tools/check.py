"""Every check the README's test command runs. Each failure prints one line saying how to fix it.

Usage: `python tools/check.py [name ...]` (default: all). Named checks run one after the other, in the order given.

Every notebook is executed exactly once: the site build executes the notebooks that are pages of the site (an
exception fails it, naming the notebook), and `notebooks` executes the others (nbdev_test), such as nbs/exercises/.
`prose` executes nothing: it reads the lessons' outputs from the site build's cache (tools/prose_numbers.py), and
fails naming the notebook, cell and number of each number a lesson's prose quotes that its code does not print.
With no names, the quick checks run first; then two chains run side by side, one per core: site -> prose -> browser
(their output shown as it comes) and pytest -> notebooks (their output shown when they end)."""
import filecmp, json, re, shutil, subprocess, sys, tempfile, threading, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.site import SiteError, pages

BIN = Path(sys.executable).parent
NBS, LIB = ROOT/'nbs', ROOT/'lessonkit'
QUICK = ['outputs', 'clean', 'sync', 'readme']
CHAINS = [['site', 'prose', 'browser'], ['pytest', 'notebooks']]  # side by side (prose and browser need the site)
_kept = threading.local()  # .lines: where a check running beside another keeps its output

class CheckFailed(Exception): "A check failed; the message says how to fix it."

def _say(text:str):
    "Print now, or keep it for later when this check runs beside another."
    if getattr(_kept, 'lines', None) is not None: _kept.lines.append(text)
    else: print(text, flush=True)

def _run(*cmd, cwd=ROOT, quiet=True, env=None):
    """Run a command; return (returncode, combined output). With quiet=False its output is shown: streamed to the
    console, or kept and printed when the check ends if it runs beside another."""
    if not quiet and getattr(_kept, 'lines', None) is None: return subprocess.run(cmd, cwd=cwd, env=env).returncode, ''
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if not quiet: _say(p.stdout.rstrip())
    return p.returncode, p.stdout

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

def _changed_by(tool:str, folder:str, pattern:str) -> list:
    "Run an nbdev command in a scratch copy; return the files matching `pattern` under `folder` that it changed."
    tmp = _scratch_copy()
    try:
        rc, out = _run(str(BIN/tool), cwd=tmp)
        if rc: raise CheckFailed(f"{tool} crashed: {out.strip().splitlines()[-1:]}")
        return _changed(ROOT/folder, tmp/folder, pattern)
    finally: shutil.rmtree(tmp)

def check_clean():
    "`nbdev_clean` changes nothing."
    changed = _changed_by('nbdev_clean', 'nbs', '*.ipynb')
    if changed:
        raise CheckFailed(f"notebooks are not clean ({', '.join(changed)}): run `make clean-nbs` and commit them.")

def check_sync():
    "`nbdev_export` changes nothing: the library is what the notebooks export."
    changed = _changed_by('nbdev_export', 'lessonkit', '*.py')
    if changed: raise CheckFailed(f"library out of sync with notebooks ({', '.join(changed)}): edit the notebook, "
                                  "run `make export`, commit both.")

def check_readme():
    "README.md is what nbs/index.ipynb generates."
    rc, out = _run(sys.executable, 'tools/make_readme.py', '--check')
    if rc: raise CheckFailed(out.strip())

def check_notebooks():
    "`nbdev_test` executes the notebooks that are not pages of the site (the site build executes the pages)."
    try: off = pages.off_site()
    except SiteError as e: raise CheckFailed(str(e))
    if not off: return _say("nothing to run: every notebook is a page of the site, and the site build executes them")
    site = {p.path for p in pages.pages() if p.path is not None}
    for folder in sorted({p.parent for p in off}):  # one nbdev_test per folder, skipping its subfolders and its pages
        names = [p.name for p in folder.glob('*.ipynb') if p in site]
        skip = '^[_.]' + ''.join(f'|^{re.escape(n)}$' for n in names)
        rc, _ = _run(str(BIN/'nbdev_test'), '--path', str(folder), '--skip_folder_re', '.', '--skip_file_re', skip,
                     '--n_workers', '1', '--timing', quiet=False)
        if rc: raise CheckFailed(f"a notebook in {folder.relative_to(ROOT)} raised (see the traceback above): open it "
                                 "with `make lab`, run it top to bottom, fix, `make export`.")

def check_pytest():
    "`pytest tests/` passes and collects more than zero tests."
    rc, _ = _run(sys.executable, '-m', 'pytest', 'tests/', '-q', '-p', 'no:cacheprovider', quiet=False)
    if rc == 5: raise CheckFailed("pytest collected no tests: tests/ must hold test_*.py files with test functions.")
    if rc: raise CheckFailed("pytest failed (see above): run `.venv/bin/pytest tests/ -x` and fix the first failure.")

def check_site():
    "`python -m tools.site` builds the website, executing every page's notebook (failing, naming one that raises)."
    rc, _ = _run(sys.executable, '-m', 'tools.site', quiet=False)
    if rc: raise CheckFailed("the site did not build (see above): a lesson raised or Sphinx failed; `make site` shows the same.")

def check_prose():
    "Every number a lesson's prose quotes is one its executed notebook prints (read from the site build's cache)."
    rc, _ = _run(sys.executable, 'tools/prose_numbers.py', '--no-execute', quiet=False)
    if rc: raise CheckFailed("a lesson's prose quotes numbers its notebook does not print (each line above names the "
                             "notebook, cell and number); `.venv/bin/python tools/prose_numbers.py NN_name` "
                             "checks one lesson.")

def check_browser():
    "The built site in headless Chromium: pages, plots, offline, search, in-browser explorers, questions, 390 px (installs chromium if missing)."
    rc, _ = _run(sys.executable, 'tools/browser_check.py', quiet=False)
    if rc: raise CheckFailed("the browser check failed (see the FAIL lines above); run `make site browser` and look at docs/_build/screenshots/.")

CHECKS = dict(outputs=check_no_outputs, clean=check_clean, sync=check_sync, readme=check_readme, pytest=check_pytest,
              site=check_site, prose=check_prose, browser=check_browser, notebooks=check_notebooks)

def _check(name:str, failed:list):
    "Run one check, printing (or keeping) its header, its output and its verdict; add its name to `failed` if it fails."
    start = time.perf_counter()
    _say(f"--- {name}: {CHECKS[name].__doc__}")
    try:
        if name in ('prose', 'browser') and 'site' in failed:
            raise CheckFailed("not run: the site did not build, and what is left from an earlier build would pass "
                              "for it; fix the site first.")
        CHECKS[name]()
    except Exception as e:  # a check that crashed fails too (in a thread, it would otherwise pass unnoticed)
        failed.append(name)
        why = e if isinstance(e, CheckFailed) else f"it crashed: {type(e).__name__}: {e}"
        return _say(f"FAIL {name}: {why}")
    _say(f"ok   {name} ({time.perf_counter()-start:.1f} s)")

def _chain(names:list, failed:list, keep:list=None):
    "Run checks one after the other; with `keep`, their output goes there instead of the console."
    _kept.lines = keep
    for name in names: _check(name, failed)

def main(names):
    unknown = [n for n in names if n not in CHECKS]
    if unknown: sys.exit(f"unknown checks {unknown}; the checks are {list(CHECKS)}")
    failed, start = [], time.perf_counter()
    if names: _chain(names, failed)
    else:
        _chain(QUICK, failed)
        kept = []
        beside = threading.Thread(target=_chain, args=(CHAINS[1], failed, kept))
        beside.start()
        _chain(CHAINS[0], failed)
        beside.join()
        print('\n'.join(kept), flush=True)
    n = len(names or CHECKS)
    print(f"\nchecks: {n - len(failed)} passed, {len(failed)} failed ({time.perf_counter() - start:.0f} s)")
    if failed: sys.exit(f"failed: {', '.join(failed)} (see the FAIL lines above for how to fix each)")

if __name__ == '__main__': main(sys.argv[1:])
