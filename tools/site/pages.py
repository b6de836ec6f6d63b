"""The site's pages: the table in docs/pages.toml, completed from the notebooks in nbs/.

Read by the build and by tools/browser_check.py, so that both agree on which notebooks are pages, in what order,
which are reference pages, which must show a plot, which carry which in-browser explorers and which need practice
questions."""
import fnmatch, tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from . import SiteError, cells
from .paths import NBS, TABLE

HOME, API = 'index', 'api'  # nbs/index.ipynb is the home page; the API reference page is written by apidoc.py
_KEYS = ('reference', 'not_on_site', 'no_plot', 'no_questions', 'in_browser_explorers')
KINDS = ('logit', 'sigmoid', 'loss-curve', 'loss-family', 'calibration')  # data-kind of docs/_static/lessonkit-*.js


@dataclass(frozen=True)
class Page:
    "One page of the site: `name` is its notebook's path under nbs/ without `.ipynb` (and its HTML's, with `.html`)."
    name: str
    path: Path | None  # the notebook; None for the API page
    role: str  # 'home', 'lesson' or 'reference'
    plot: bool  # must show at least one rendered plot
    explorers: tuple = ()  # the kinds of in-browser explorer it carries
    questions: bool = False  # must hold practice questions (a lesson not listed under `no_questions`)

    @property
    def explorer(self) -> bool: return bool(self.explorers)

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
    "docs/pages.toml, checked: only the known keys, each a list of names (`in_browser_explorers`: names to kinds)."
    try: t = tomllib.loads(TABLE.read_text(encoding='utf-8'))
    except (OSError, tomllib.TOMLDecodeError) as e: raise SiteError(f"{TABLE.name}: cannot read it ({e})") from e
    unknown = sorted(set(t) - set(_KEYS))
    if unknown: raise SiteError(f"{TABLE.name}: unknown keys {unknown}; the keys are {list(_KEYS)}")
    explorers = t.setdefault('in_browser_explorers', {})
    if not isinstance(explorers, dict) or not all(isinstance(v, list) and set(v) <= set(KINDS)
                                                  for v in explorers.values()):
        raise SiteError(f"{TABLE.name}: `[in_browser_explorers]` maps notebook names to lists of kinds among "
                        f"{list(KINDS)}, like \"01_softmax\" = [\"logit\"]")
    for key in _KEYS[:-1]:
        t.setdefault(key, [])
        if not isinstance(t[key], list) or not all(isinstance(v, str) for v in t[key]):
            raise SiteError(f"{TABLE.name}: `{key}` must be a list of notebook names, like [\"01_softmax\"]")
    return t


def _on_site(name:str, t:dict) -> bool:
    return name in t['reference'] or not any(fnmatch.fnmatchcase(name, pat) for pat in t['not_on_site'])


def pages() -> list:
    "The site's pages in order: the home page, the lessons (file-name order), the reference pages, the API page."
    t, nbs = table(), notebooks()
    missing = [f"{key}: {name}" for key in ('reference', 'no_plot', 'no_questions', 'in_browser_explorers')
               for name in t[key] if name not in nbs]
    if missing: raise SiteError(f"{TABLE.name} names notebooks that are not in nbs/ ({', '.join(missing)}): "
                                "rename or remove them in the table")
    if HOME not in nbs: raise SiteError(f"nbs/{HOME}.ipynb (the home page) is missing")
    site = [n for n in nbs if _on_site(n, t)]
    off = [f"{key}: {n}" for key in ('no_plot', 'no_questions', 'in_browser_explorers') for n in t[key]
           if n not in site]
    if off: raise SiteError(f"{TABLE.name} lists pages that `not_on_site` leaves out ({', '.join(off)})")

    def page(name, role):
        return Page(name, nbs[name], role, plot=role == 'lesson' and name not in t['no_plot'],
                    explorers=tuple(t['in_browser_explorers'].get(name, ())),
                    questions=role == 'lesson' and name not in t['no_questions'])
    lessons = [page(n, 'lesson') for n in site if n != HOME and n not in t['reference']]
    return ([page(HOME, 'home')] + lessons + [page(n, 'reference') for n in t['reference']]
            + [Page(API, None, 'reference', plot=False)])


def off_site() -> list:
    "The notebooks that are not pages (their paths): make test executes them apart from the site (nbdev_test)."
    t = table()
    return [p for n, p in notebooks().items() if not _on_site(n, t)]
