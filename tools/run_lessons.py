"Execute every notebook in `nbs/` with a fresh shell each (as `nbdev_test` does) and print each one's run time."
import sys, time
from pathlib import Path
from fastcore.parallel import parallel
from nbdev.config import get_config
from nbdev.test import test_nb
from fastcore.xtras import working_directory

def run_all(n_workers=None):
    "Run the lessons in parallel; return {notebook name: (passed, seconds)}."
    cfg = get_config()
    files = sorted(Path(cfg.nbs_path).absolute().glob('*.ipynb'))
    start = time.perf_counter()
    with working_directory(cfg.nbs_path):
        res = parallel(test_nb, files, skip_flags=cfg.tst_flags.split(), force_flags=[],
                       basepath=cfg.config_path, n_workers=n_workers, pause=0.01)
    total = time.perf_counter() - start
    return {f.name: r for f, r in zip(files, res)}, total

if __name__ == '__main__':
    results, total = run_all()
    width = max(map(len, results))
    for name, (ok, secs) in results.items(): print(f"{name:<{width}}  {secs:6.1f} s  {'ok' if ok else 'FAILED'}")
    print(f"{'all lessons (wall clock, parallel)':<{width}}  {total:6.1f} s")
    failed = [n for n, (ok, _) in results.items() if not ok]
    if failed: sys.exit(f"FAILED: {', '.join(failed)} raised an exception; open it in Jupyter (make lab) and run it top to bottom.")
