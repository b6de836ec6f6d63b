"""The whole build, in order: `python -m tools.site [--clean]` (what `make site` runs). Output: docs/_build/html."""
import argparse, os, shutil, sys, time
from concurrent.futures import ThreadPoolExecutor
from . import SiteError, log, pages
from .execute import JOBS, execute, times
from .notebooks import write_sources
from .paths import BUILD, HTML, ROOT
from .plan import Plan
from .sphinx_run import sphinx
from .vendor import vendor


def build(clean:bool=False, jobs:int=JOBS, log=log):
    "Vendor the JavaScript, process the notebooks, execute them, write the HTML: each step only if the plan says so."
    if clean and BUILD.exists(): shutil.rmtree(BUILD)
    os.chdir(ROOT)
    if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))  # this checkout's lessonkit, for the API entries
    plan, site_pages = Plan(), pages.pages()
    if not plan.stale('site'):
        log("nothing changed since the last build (notebooks, library, build, page table, docs/, environment)")
        log("\nlesson execution (from the last build):")
        times(site_pages, plan, log=log)
        return
    with ThreadPoolExecutor(1) as pool:
        vendoring = pool.submit(vendor, plan, log)  # npm ci waits on the network while the lessons run
        write_sources(site_pages, plan, log)
        execute(site_pages, plan, log, jobs)
        vendoring.result()
    sphinx(plan, log)
    plan.done('site')


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m tools.site', description=__doc__.splitlines()[0])
    ap.add_argument('--clean', action='store_true', help='remove docs/_build first (a cold build)')
    ap.add_argument('--vendor-only', action='store_true', help="only vendor the site's JavaScript (npm ci)")
    ap.add_argument('--jobs', type=int, default=JOBS, help=f'notebooks executed at a time (default here: {JOBS})')
    args = ap.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.vendor_only: vendor(Plan())
        else: build(args.clean, args.jobs)
    except SiteError as e: sys.exit(f"site: {e}")
    if not args.vendor_only: log(f"\nsite: {HTML/'index.html'} ({time.perf_counter() - start:.1f} s in all)")
