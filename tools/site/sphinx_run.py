"""Sphinx with myst-nb turns docs/_build/src into docs/_build/html, with the configuration in docs/conf.py.

The pages' outputs come from jupyter-cache (execute.py filled it); Sphinx reads again only the sources whose file
changed (or was touched after an execution), and writes every page again when the plan says the configuration, the
theme's assets or the build changed (Sphinx tracks its sources, not the files docs/conf.py points to)."""
import sys, time
from . import SiteError, log
from .paths import BUILD, DOCS, DOCTREES, HTML, SRC


def sphinx(plan, log=log):
    "Build the HTML, if anything it reads changed."
    if not plan.stale('html'): return
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils
    start, rewrite = time.perf_counter(), plan.stale('rewrite')
    BUILD.mkdir(parents=True, exist_ok=True)
    with patch_docutils(DOCS), docutils_namespace(), open(BUILD/'sphinx.log', 'w') as status:
        # Sphinx's progress goes to docs/_build/sphinx.log; its warnings and errors to the console
        app = Sphinx(str(SRC), str(DOCS), str(HTML), str(DOCTREES), 'html', status=status, warning=sys.stderr,
                     freshenv=False, keep_going=True, parallel=0)
        try: app.build(force_all=rewrite)
        except Exception as e:
            raise SiteError(f"Sphinx stopped: {type(e).__name__}: {e} (see docs/_build/sphinx.log)") from e
    if app.statuscode: raise SiteError(f"Sphinx failed (status {app.statuscode}); see the errors above")
    plan.done('rewrite')
    plan.done('html')
    log(f"\nwrote the HTML{' (every page)' if rewrite else ''} ({time.perf_counter() - start:.1f} s)")
