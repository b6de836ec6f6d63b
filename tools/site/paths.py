"Every path the site build reads or writes, in one place (docs/conf.py and tools/browser_check.py use them too)."
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NBS, LIB, DOCS = ROOT/'nbs', ROOT/'lessonkit', ROOT/'docs'
TABLE = DOCS/'pages.toml'  # the one table of pages
BUILD = DOCS/'_build'  # git-ignored: everything below is made by the build
SRC = BUILD/'src'  # the processed notebooks and the API page: what Sphinx reads
HTML, DOCTREES = BUILD/'html', BUILD/'doctrees'
NPM, VENDOR = BUILD/'npm', BUILD/'vendor'  # `npm ci` of docs/package-lock.json; what the site serves of it
JUPYTER = BUILD/'jupyter'  # the kernelspec the lessons run with
EXEC_CACHE = BUILD/'.jupyter_cache'  # executed notebooks (jupyter-cache), read by myst-nb
STATE = BUILD/'site-state.json'  # what each step last did (tools/site/plan.py)
