"""The site's pages: the table in docs/pages.toml, completed from the notebooks in nbs/.

Read by the build and by tools/browser_check.py, so that both agree on which notebooks are pages, in what order,
which are reference pages, which must show a plot and which carry the in-browser explorer."""
import fnmatch, tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from . import SiteError, cells
from .paths import NBS, TABLE

HOME, API = 'index', 'api'  # nbs/index.ipynb is the home page; the API reference page is written by apidoc.py
_KEYS = ('reference', 'not_on_site', 'no_plot', 'in_browser_explorer')


@dataclass(frozen=True)
class Page:
    "One page of the site: `name` is its notebook's path under nbs/ without `.ipynb` (and its HTML's, with `.html`)."
    name: str
    path: Path | None  # the notebook; None for the API page
    role: str  # 'home', 'lesson' or 'reference'
    plot: bool  # must show at least one rendered plot
    explorer: bool  # carries the in-browser explorer

    @cached_property
    def title(self) -> str:
        "The page's title: the `# Title` of its notebook's first markdown cell."
        if self.path is None: return 'API reference'
        title = cells.title_block(cells.read(self.path)['cells'])[0]
        if not title: raise SiteError(f"{self.path.relative_to(NBS.parent)}: its first markdown cell must start with "
                                      "`# Title` (then `> one-line summary`): the page's title")
        return title

    @property
    def html(self) -> str: return f'{self.name}.html'


def notebooks() -> dict:
    "{name: path} of every notebook under nbs/, as nbdev finds them (no file or folder starting with `_` or `.`)."
    found = {}
    for p in sorted(NBS.rglob('*.ipynb')):
        rel = p.relative_to(NBS)
        if any(part.startswith(('_', '.')) for part in rel.parts): continue
        found[rel.with_suffix('').as_posix()] = p
    return found


def table() -> dict:
    "docs/pages.toml, checked: only the known keys, each a list of names."
    try: t = tomllib.loads(TABLE.read_text(encoding='utf-8'))
    except (OSError, tomllib.TOMLDecodeError) as e: raise SiteError(f"{TABLE.name}: cannot read it ({e})") from e
    unknown = sorted(set(t) - set(_KEYS))
    if unknown: raise SiteError(f"{TABLE.name}: unknown keys {unknown}; the keys are {list(_KEYS)}")
    for key in _KEYS:
        t.setdefault(key, [])
        if not isinstance(t[key], list) or not all(isinstance(v, str) for v in t[key]):
            raise SiteError(f"{TABLE.name}: `{key}` must be a list of notebook names, like [\"01_softmax\"]")
    return t


def _on_site(name:str, t:dict) -> bool:
    return name in t['reference'] or not any(fnmatch.fnmatchcase(name, pat) for pat in t['not_on_site'])


def pages() -> list:
    "The site's pages in order: the home page, the lessons (file-name order), the reference pages, the API page."
    t, nbs = table(), notebooks()
    missing = [f"{key}: {name}" for key in ('reference', 'no_plot', 'in_browser_explorer') for name in t[key]
               if name not in nbs]
    if missing: raise SiteError(f"{TABLE.name} names notebooks that are not in nbs/ ({', '.join(missing)}): "
                                "rename or remove them in the table")
    if HOME not in nbs: raise SiteError(f"nbs/{HOME}.ipynb (the home page) is missing")
    site = [n for n in nbs if _on_site(n, t)]
    off = [f"{key}: {n}" for key in ('no_plot', 'in_browser_explorer') for n in t[key] if n not in site]
    if off: raise SiteError(f"{TABLE.name} lists pages that `not_on_site` leaves out ({', '.join(off)})")

    def page(name, role):
        return Page(name, nbs[name], role, plot=role == 'lesson' and name not in t['no_plot'],
                    explorer=name in t['in_browser_explorer'])
    lessons = [page(n, 'lesson') for n in site if n != HOME and n not in t['reference']]
    return ([page(HOME, 'home')] + lessons + [page(n, 'reference') for n in t['reference']]
            + [Page(API, None, 'reference', plot=False, explorer=False)])


def off_site() -> list:
    "The notebooks that are not pages (their paths): make test executes them apart from the site (nbdev_test)."
    t = table()
    return [p for n, p in notebooks().items() if not _on_site(n, t)]
