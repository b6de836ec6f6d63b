"""The JavaScript the site serves itself, so that a page viewed offline requests nothing from another host:
the ipywidgets embed manager, RequireJS and MathJax 3, installed by `npm ci` from docs/package.json and
docs/package-lock.json into docs/_build/npm and copied to docs/_build/vendor (served as _static/)."""
import shutil, subprocess, time
from . import SiteError, log
from .paths import DOCS, NPM, VENDOR


def vendor(plan, log=log):
    "`npm ci` the locked packages and copy what the site serves; only when the lock changed or the copy is missing."
    if not plan.stale('vendor'): return
    start = time.perf_counter()
    npm = shutil.which('npm')
    if not npm: raise SiteError("npm not found: install Node.js 18+ with npm (apt-get install -y nodejs npm)")
    NPM.mkdir(parents=True, exist_ok=True)
    for f in ('package.json', 'package-lock.json'): shutil.copy(DOCS/f, NPM/f)
    cmd = [npm, 'ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error']
    p = subprocess.run(cmd, cwd=NPM, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        raise SiteError(f"`npm ci` (docs/package-lock.json from the npm registry) failed:\n{p.stdout[-3000:]}")
    mods, no_maps = NPM/'node_modules', shutil.ignore_patterns('*.map')
    if VENDOR.exists(): shutil.rmtree(VENDOR)
    shutil.copytree(mods/'@jupyter-widgets'/'html-manager'/'dist', VENDOR/'html-manager', ignore=no_maps)
    shutil.copy(mods/'requirejs'/'require.js', VENDOR/'require.js')
    shutil.copytree(mods/'mathjax'/'es5', VENDOR/'mathjax', ignore=no_maps)
    plan.done('vendor')
    log(f"vendored html-manager, requirejs, mathjax from npm ({time.perf_counter() - start:.1f} s)")
