"""Site build time, cold and warm, with the site's own builder (`python -m tools.site`, what `make site` runs).

Everything runs in a scratch copy of the repository (settings, tools/, docs/ without docs/_build, nbs/, lessonkit/),
so that the working tree's docs/_build, which others may be building at the same moment, is never touched. The
builder keeps everything it makes under docs/_build: the processed notebooks (src/), what each step last did
(site-state.json), Sphinx's doctrees/ and html/, the jupyter-cache of executed notebooks (.jupyter_cache/), a
kernelspec (jupyter/), and the JavaScript it vendors from npm (npm/, vendor/).

- cold: the scratch copy has no docs/_build but the vendored npm packages (npm/, vendor/: a download that no code change
  invalidates; they are copied from the working tree when their stamp is current, else fetched once with `npm ci`
  before any timing), so the notebooks are processed, every notebook is executed and every page is written.
- warm, unchanged: the same command again, nothing changed.
- warm, prose edit (the headline "warm rebuild"): one word appended to the last markdown cell of the first lesson, then
  the command again: the notebooks are reprocessed, that page is rewritten, and no notebook is executed (jupyter-cache
  keys on the code cells, which did not change).

Each time is the wall-clock time of the builder's process, from start to exit."""
import json, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from benchlib import ROOT, PYTHON

BUILDER = ['-m', 'tools.site']
COPY = ['settings.ini', 'setup.py', 'pyproject.toml', 'README.md', 'tools', 'docs', 'nbs', 'lessonkit']

def _scratch() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix='lessonkit-bench-site-'))
    skip = shutil.ignore_patterns('_build', '__pycache__', '.ipynb_checkpoints', 'node_modules')
    for name in COPY:
        src = ROOT/name
        if src.is_dir(): shutil.copytree(src, tmp/name, ignore=skip)
        elif src.exists(): shutil.copy(src, tmp/name)
    return tmp

def _build(root:Path, timeout=600) -> tuple:
    "Run the builder in `root`; return (seconds, return code, output)."
    start = time.perf_counter()
    p = subprocess.run([PYTHON, *BUILDER], cwd=root, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - start, p.returncode, p.stdout + p.stderr

VENDOR_CACHE = Path(tempfile.gettempdir())/'lessonkit-bench-site-vendor'  # kept between runs: `npm ci` once per lock change

def _prepare_vendor(root:Path) -> dict:
    "Give the scratch copy the vendored JavaScript: copied from the working tree or an earlier run when its stamp is current, else `npm ci` once."
    sys.path.insert(0, str(ROOT))
    from tools.site.plan import Plan
    want = Plan().key('vendor')  # what the builder writes to vendor/.stamp: the same lock gives the same key everywhere
    for src, where in ((ROOT/'docs'/'_build'/'vendor', 'the working tree'), (VENDOR_CACHE, 'an earlier benchmark run')):
        if (src/'.stamp').exists() and (src/'.stamp').read_text() == want:
            shutil.copytree(src, root/'docs'/'_build'/'vendor')
            return dict(vendor=f'copied from {where}')
    start = time.perf_counter()
    p = subprocess.run([PYTHON, *BUILDER, '--vendor-only'], cwd=root, capture_output=True, text=True, timeout=600)
    if p.returncode: raise RuntimeError(f"vendoring the site's JavaScript failed:\n{(p.stdout + p.stderr)[-1500:]}")
    shutil.rmtree(VENDOR_CACHE, ignore_errors=True)
    shutil.copytree(root/'docs'/'_build'/'vendor', VENDOR_CACHE)
    return dict(vendor=f"npm ci in the scratch copy ({time.perf_counter() - start:.1f} s, not counted)")

def _lesson_times(out:str) -> dict:
    "The per-notebook execution times the builder prints after 'lesson execution'."
    res, on = {}, False
    for line in out.splitlines():
        if line.startswith('lesson execution'): on = True; continue
        if on:
            m = re.match(r'^\s+(\S+)\s+([\d.]+) s\s+(.*)$', line)
            if m: res[m.group(1)] = dict(s=float(m.group(2)), how=m.group(3).strip())
            elif line.strip() and not line.startswith(' '): on = False
    return res

def _edit_prose(nb_path:Path):
    "Append one word to the last markdown cell of a notebook (a prose edit: no code cell changes)."
    nb = json.loads(nb_path.read_text())
    cell = [c for c in nb['cells'] if c['cell_type'] == 'markdown'][-1]
    src = ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
    cell['source'] = src + ' (edited)'
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')

def run() -> dict:
    if not (ROOT/'tools'/'site'/'__main__.py').exists():
        return dict(status='missing', reason='no site builder (tools/site) has landed')
    root = _scratch()
    try:
        prep = _prepare_vendor(root)
        cold, rc, out = _build(root)
        if rc: return dict(status='error', error=f"cold build failed (exit {rc}): {out.strip().splitlines()[-1] if out.strip() else ''}", output_tail=out[-3000:])
        cold_lessons = _lesson_times(out)
        warm_same, rc, out_same = _build(root)
        if rc: return dict(status='error', error=f"warm build failed (exit {rc})", output_tail=out_same[-3000:])
        edited = sorted((root/'nbs').glob('0[1-9]_*.ipynb'))[0]
        _edit_prose(edited)
        warm_edit, rc, out_edit = _build(root)
        if rc: return dict(status='error', error=f"warm build after a prose edit failed (exit {rc})", output_tail=out_edit[-3000:])
        return dict(method=' '.join(__doc__.split('\n\n', 1)[1].split()), command=f"python {' '.join(BUILDER)}",
                    cold_s=round(cold, 2), warm_s=round(warm_edit, 2), warm_unchanged_s=round(warm_same, 2),
                    prose_edit=f'nbs/{edited.name}: last markdown cell', **prep,
                    cold_execution_s=cold_lessons, cold_execution_total_s=round(sum(v['s'] for v in cold_lessons.values()), 2),
                    warm_execution=_lesson_times(out_edit), html_pages=len(list((root/'docs'/'_build'/'html').glob('*.html'))))
    finally: shutil.rmtree(root, ignore_errors=True)

if __name__ == '__main__': print(json.dumps(run(), indent=1))
