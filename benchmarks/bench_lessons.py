"""Time to execute each notebook in nbs/ top to bottom in a fresh Jupyter kernel, one notebook at a time.

Each notebook is read from nbs/ and executed by `nbclient` with a new `python3` kernel of this virtual environment,
working directory nbs/. Cells marked `#| eval: false` are left out, as `nbdev_test` and the site leave them out (a
student's "Run All" would run them too; their count is recorded). `total_s` is the wall-clock time of
`NotebookClient.execute()`: kernel start, every cell, kernel shutdown. `cells_s` is the sum of the cells' own
execution times (from the kernel's timestamps), so `total_s - cells_s` is the kernel's start-up and shutdown
overhead; the three slowest cells are listed. The whole course is the sum of `total_s` over the lesson notebooks
(the lessons of the site's page table, docs/pages.toml, run sequentially in file-name order); the total over every
notebook adds the course home (index) and the reference pages. The run starts with an empty cache of trained models
(`LESSONKIT_CACHE` set to a new folder), as a student's first pass through the course does: lesson 6 trains the
digits model, and the later lessons that use the same model (7, 9) load it. torch's thread count is left at its
default (a lesson may set its own)."""
import json, re, subprocess, sys, time
from datetime import datetime
from benchlib import ROOT

sys.path.insert(0, str(ROOT))
from tools.site import pages as table

NBS = ROOT/'nbs'

_EVAL_FALSE = re.compile(r'^#\|\s*eval:\s*false', re.M)

def _cell_seconds(cell) -> float:
    "Seconds between the kernel starting the cell and replying, from nbclient's recorded timestamps."
    ex = cell.get('metadata', {}).get('execution', {})
    start, end = ex.get('iopub.execute_input'), ex.get('shell.execute_reply')
    if not start or not end: return 0.
    parse = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))
    return (parse(end) - parse(start)).total_seconds()

def run_notebook(path) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    nb = nbformat.read(path, as_version=4)
    skipped = [c for c in nb.cells if c.cell_type == 'code' and _EVAL_FALSE.search(c.source)]
    nb.cells = [c for c in nb.cells if not any(c is k for k in skipped)]
    client = NotebookClient(nb, timeout=600, kernel_name='python3', record_timing=True, resources={'metadata': {'path': str(NBS)}})
    error = None
    start = time.perf_counter()
    try: client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up warnings; errors arrive as messages
    except CellExecutionError as e: error = f"{e.ename}: {e.evalue}"
    except Exception as e: error = f"{type(e).__name__}: {e}"
    total = time.perf_counter() - start
    cells = [(i, _cell_seconds(c)) for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    slowest = sorted(cells, key=lambda ic: -ic[1])[:3]
    return dict(total_s=round(total, 3), cells_s=round(sum(s for _, s in cells), 3), n_code_cells=len(cells), eval_false_cells_left_out=len(skipped),
                slowest_cells=[dict(cell=i, s=round(s, 3), first_line=nb.cells[i].source.splitlines()[0][:70] if nb.cells[i].source else '') for i, s in slowest],
                ok=error is None, error=error)

def run(names=None) -> dict:
    import os, tempfile
    os.environ['LESSONKIT_CACHE'] = tempfile.mkdtemp(prefix='lessonkit-bench-cache-')  # a student's first run: cold
    files = sorted(NBS.glob('*.ipynb'))
    if names: files = [f for f in files if f.stem in names or f.name in names]
    per = {}
    for f in files:
        per[f.name] = run_notebook(f)
        print(f"  {f.name}: {per[f.name]['total_s']:.1f} s{'' if per[f.name]['ok'] else '  FAILED: ' + per[f.name]['error']}", file=sys.stderr, flush=True)
    lessons = [f'{p.name}.ipynb' for p in table.pages() if p.role == 'lesson' and f'{p.name}.ipynb' in per]
    return dict(method=' '.join(__doc__.split('\n\n', 1)[1].split()), notebooks=per, lessons=lessons,
                course_total_s=round(sum(per[k]['total_s'] for k in lessons), 3),
                all_notebooks_total_s=round(sum(r['total_s'] for r in per.values()), 3),
                kernel_overhead_s=round(sum(r['total_s'] - r['cells_s'] for r in per.values()), 3),
                all_ok=all(r['ok'] for r in per.values()), failed=[k for k, r in per.items() if not r['ok']])

if __name__ == '__main__': print(json.dumps(run(sys.argv[1:]), indent=1))
