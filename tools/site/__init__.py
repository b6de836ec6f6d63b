"""The course website, built from the notebooks in nbs/: `python -m tools.site` (what `make site` runs).

One module per job, in the order the build runs them (build.py):
- pages.py: the one table of pages (docs/pages.toml), completed from the notebooks in nbs/;
- plan.py: what must be redone (vendored JS, processed notebooks, API page, executions, HTML): the one place
  that decides, from digests of what each step reads;
- vendor.py: the JavaScript the site serves itself, `npm ci` from docs/package-lock.json;
- notebooks.py: each page's notebook -> a myst-nb notebook (nbdev directives -> cell tags, title, API entries),
  reading notebooks with cells.py;
- apidoc.py: the library's modules and names (from the files nbdev generates), API entries and the API page;
- execute.py: every page executed once, each in a fresh kernel of this environment, into jupyter-cache;
- sphinx_run.py: Sphinx with myst-nb (docs/conf.py) -> docs/_build/html.
Paths are in paths.py. Nothing here imports a private name of nbdev or fastcore."""


class SiteError(Exception):
    "The build cannot go on; the message names what failed and how to fix it."


def log(msg:str = ''):
    "Print a line of the build's report at once (the kernels and Sphinx write to the same console)."
    print(msg, flush=True)
