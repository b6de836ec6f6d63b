"""What the build must redo: the one place that decides, for every step, from digests of what the step reads.

A step's work is keyed by the digests of its inputs (DEPENDS below). When the work is done, its key is recorded in
docs/_build/site-state.json (the vendored JavaScript keeps its key in docs/_build/vendor/.stamp, so that a copy of
that folder can be reused elsewhere, as benchmarks/bench_site.py does). A step is redone when its key differs from
the recorded one or its output is missing. Nothing else in the build compares digests or timestamps."""
import hashlib, json, sys
from pathlib import Path
from .paths import BUILD, DOCS, EXEC_CACHE, HTML, LIB, ROOT, SRC, STATE, TABLE, VENDOR

# step: the inputs its output depends on ('notebook' is read per item, 'code' given by the caller; 'sources' and
# 'executions' are read when asked, since earlier steps of the same build change them)
DEPENDS = {
    'site': ('notebooks', 'library', 'build', 'table', 'assets', 'lock', 'env'),  # anything at all changed
    'vendor': ('lock',),  # npm ci, then docs/_build/vendor
    'page': ('notebook', 'library', 'build', 'table'),  # one notebook -> docs/_build/src (API entries: the library)
    'home': ('notebook', 'library', 'build', 'table', 'titles'),  # the home page (its contents list the others)
    'api': ('library', 'build', 'titles'),  # the API page (titles: every page's name, role and title)
    'execute': ('code', 'library', 'env'),  # one page executed into jupyter-cache (code: its processed code cells)
    'rewrite': ('assets', 'build', 'table', 'lock'),  # Sphinx writes every page again (conf.py, theme, CSS, JS)
    'html': ('sources', 'executions', 'assets', 'build', 'table', 'lock'),  # Sphinx runs at all
}
_VENDOR_STAMP = VENDOR/'.stamp'


def digest(*paths) -> str:
    "sha256 of the files' names (relative to the repository) and contents; a missing file counts as empty."
    h = hashlib.sha256()
    for p in paths:
        p = Path(p)
        h.update(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p).encode() + b'\0')
        h.update(p.read_bytes() if p.is_file() else b'')
    return h.hexdigest()


def _files(folder:Path, pattern='*', skip=()) -> list:
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and '__pycache__' not in p.parts
                  and not any(s in p.relative_to(folder).parts for s in skip))


class Plan:
    "The recorded keys, and the current ones computed on demand (each input read once)."

    def __init__(self):
        self.state = json.loads(STATE.read_text()) if STATE.exists() else {}
        self.state.setdefault('done', {})
        self.state.setdefault('times', {})
        self._inputs = {}

    # ------------------------------------------------------------ inputs
    def _input(self, name:str, item:str) -> str:
        if name in ('notebook', 'sources', 'executions'): return self._fresh(name, item)
        if name not in self._inputs: self._inputs[name] = self._read(name)
        return self._inputs[name]

    def _fresh(self, name, item) -> str:
        "Inputs that change while the build runs, read each time they are asked for."
        from . import pages
        if name == 'notebook': return digest(pages.notebooks()[item])
        if name == 'sources': return digest(*_files(SRC))
        return hashlib.sha256(json.dumps(sorted((k, v) for k, v in self.state['done'].items()
                                                if k.startswith('execute:'))).encode()).hexdigest()

    def _read(self, name) -> str:
        from . import pages
        if name == 'notebooks': return digest(*pages.notebooks().values())
        if name == 'library': return digest(*_files(LIB, '*.py'))
        if name == 'build': return digest(*_files(Path(__file__).parent, '*.py'))
        if name == 'table': return digest(TABLE)
        if name == 'lock': return digest(DOCS/'package.json', DOCS/'package-lock.json')
        if name == 'assets':  # what docs/conf.py reads or points to, besides the sources
            own = {TABLE, DOCS/'README.md', DOCS/'package.json', DOCS/'package-lock.json'}
            served = [p for p in _files(DOCS, skip=('_build', 'node_modules')) if p not in own]
            return digest(ROOT/'settings.ini', *served)
        if name == 'env': return digest(ROOT/'constraints.txt', ROOT/'settings.ini') + sys.version
        if name == 'titles': return json.dumps([(p.name, p.role, p.title) for p in pages.pages()])
        raise KeyError(f"plan: no input named {name!r} (see DEPENDS)")

    # ------------------------------------------------------------ decisions
    def key(self, step:str, item:str='', **given) -> str:
        "The digest of everything `step` (for `item`) depends on; `given` supplies inputs the caller computed."
        h = hashlib.sha256(f'{step}:{item}'.encode())
        for name in DEPENDS[step]:
            h.update(f'\0{name}\0{given[name] if name in given else self._input(name, item)}'.encode())
        return h.hexdigest()

    def _recorded(self, step, item):
        if step == 'vendor': return _VENDOR_STAMP.read_text() if _VENDOR_STAMP.exists() else None
        return self.state['done'].get(f'{step}:{item}')

    def _present(self, step, item) -> bool:
        "Whether the step's output is there at all (a key alone cannot tell that someone removed it)."
        if step == 'vendor': return VENDOR.is_dir()
        if step in ('page', 'home'): return (SRC/f'{item}.ipynb').exists()
        if step == 'api': return (SRC/f'{item}.md').exists()
        if step == 'execute': return (EXEC_CACHE/'global.db').exists()
        return (HTML/'index.html').exists()

    def stale(self, step:str, item:str='', **given) -> bool:
        "Must `step` (for `item`) be done again? Its inputs changed since it was last done, or its output is missing."
        return self._recorded(step, item) != self.key(step, item, **given) or not self._present(step, item)

    def done(self, step:str, item:str='', seconds:float=None, **given):
        "Record that `step` (for `item`) was done with the current inputs; `seconds`: an execution's time."
        key = self.key(step, item, **given)
        if step == 'vendor': return _VENDOR_STAMP.write_text(key)  # (vendoring runs in a thread of its own)
        self.state['done'][f'{step}:{item}'] = key
        if seconds is not None: self.state['times'][item] = round(seconds, 2)
        BUILD.mkdir(parents=True, exist_ok=True)
        STATE.write_text(json.dumps(self.state, indent=1, sort_keys=True))

    def forget(self, step:str, item:str=''):
        "Drop a record (its output is gone), so that the step is done again next time."
        self.state['done'].pop(f'{step}:{item}', None)
        if STATE.exists(): STATE.write_text(json.dumps(self.state, indent=1, sort_keys=True))

    def seconds(self, item:str):
        "The recorded execution time of a page, or None."
        return self.state['times'].get(item)
