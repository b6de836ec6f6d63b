"""Each page's notebook as myst-nb shows it, written to docs/_build/src (and the API page beside them).

- the title and summary come from the first markdown cell (`# Title`, then `> summary`); under the title, the
  modules the notebook exports to (its `#| default_exp` and `#| export other` cells), linked to the API page;
- nbdev's directives become myst-nb cell tags: `#| hide` (and `default_exp`, `include: false`) cells run but do not
  show, `#| export` cells show folded ("Exported source"), `#| eval: false` cells are not run (skip-execution),
  `echo: false` / `output: false` hide the code / the output; no `#|` line is left in the code;
- after each exported cell, the API entry of every function and class it defines (apidoc.entry);
- the home page (nbs/index.ipynb) ends with the site's table of contents."""
import importlib, json, re, time
from . import SiteError, log, apidoc, cells
from .pages import HOME
from .paths import SRC

_HEADING = re.compile(r'^(#{1,6})\s')
_SHOW_DOC = re.compile(r'^\s*show_doc\(\s*([\w.]+)\s*[,)]')
KERNELSPEC = dict(name='python3', display_name='Python 3', language='python')


def tags(d:dict) -> list:
    "nbdev directives and Quarto cell options -> myst-nb tags."
    if 'hide' in d or 'default_exp' in d or cells.option(d, 'include') == 'false': return ['remove-cell']
    res = []
    if cells.option(d, 'echo') == 'false': res.append('remove-input')
    elif set(cells.EXPORTS) & set(d) or cells.option(d, 'code-fold') in ('true', 'show'): res.append('hide-input')
    if cells.option(d, 'output') == 'false': res.append('remove-output')
    if cells.option(d, 'eval') == 'false': res.append('skip-execution')
    return res


def _md(text:str) -> dict: return dict(cell_type='markdown', metadata={}, source=text)


def _code(text:str, tag_list:list) -> dict:
    return dict(cell_type='code', metadata=dict(tags=tag_list) if tag_list else {}, source=text, outputs=[],
                execution_count=None)


def _module(page, nbdev_name:str):
    dotted = cells.dotted(nbdev_name)
    try: return importlib.import_module(dotted)
    except Exception as e:
        raise SiteError(f"nbs/{page.name}.ipynb exports to {dotted}, which does not import "
                        f"({type(e).__name__}: {e}); run `make export`") from e


def _entries(page, code:str, nbdev_name:str, level:int, shown:set) -> list:
    "API entries of the public functions and classes an exported cell defines."
    dotted, mod, out = cells.dotted(nbdev_name), _module(page, nbdev_name), []
    public = getattr(mod, '__all__', None)
    for name in cells.defined_names(code):
        if name.startswith('_') or (public is not None and name not in public): continue
        if not hasattr(mod, name):
            raise SiteError(f"nbs/{page.name}.ipynb exports `{name}` to {dotted}, which lacks it: run `make export`")
        obj, label = getattr(mod, name), apidoc.lesson_label(dotted, name)
        if not apidoc.in_lesson(obj) or label in shown: continue
        shown.add(label)
        out.append(_md(apidoc.entry(obj, name, min(level + 1, 4), label)))
    return out


def _show_doc(page, code:str, modules:list, level:int):
    "An author's `show_doc(name)` cell, rendered as an API entry (None when the name is not in the page's modules)."
    m = _SHOW_DOC.match(code)
    if not m or m.group(1).split('.')[-1].startswith('__'): return None
    first, *rest = m.group(1).split('.')
    for nbdev_name in modules:
        obj = getattr(_module(page, nbdev_name), first, None)
        for attr in rest: obj = getattr(obj, attr, None)
        if obj is not None: return _md(apidoc.entry(obj, m.group(1), min(level + 1, 4)))
    return None


def _head(title:str, summary, modules:list) -> str:
    head = f"# {title}\n\n"
    if modules:
        links = ', '.join(f"[`{cells.dotted(m)}`](#{apidoc.module_label(cells.dotted(m))})" for m in modules)
        head += f"{{.lk-exports}}\nExports to {links} (API reference).\n\n"
    return head + (f"{{.lead}}\n{summary}\n" if summary else '')


def _toctree(caption:str, names:list) -> str:
    return f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n" + '\n'.join(names) + "\n```\n"


def process(page, site_pages:list) -> dict:
    "The page's notebook as myst-nb reads it (an nbformat dict, no outputs)."
    nb_cells = cells.read(page.path)['cells']
    _, summary, title_at, rest = cells.title_block(nb_cells)
    default, modules = cells.default_module(nb_cells), cells.exported_modules(nb_cells)
    out, level, shown = [_md(_head(page.title, summary, modules))], 1, set()
    for i, cell in enumerate(nb_cells):
        src = cells.source(cell)
        if i == title_at:
            if rest: out.append(_md(rest))
        elif cell['cell_type'] == 'markdown':
            level = next((len(m.group(1)) for m in map(_HEADING.match, reversed(src.splitlines())) if m), level)
            out.append(_md(src))
        elif cell['cell_type'] == 'code':
            d, code = cells.directives(src), cells.strip_directives(src)
            doc = _show_doc(page, code, modules, level)
            if doc: out.append(doc)
            elif code.strip(): out.append(_code(code, tags(d)))
            mod = cells.export_module(d, default)
            if mod and 'exporti' not in d: out += _entries(page, code, mod, level, shown)
    if page.name == HOME:
        lessons = [p.name for p in site_pages if p.role == 'lesson']
        reference = [p.name for p in site_pages if p.role == 'reference']
        out.append(_md(_toctree('Lessons', lessons) + '\n' + _toctree('Reference', reference)))
    for i, c in enumerate(out): c['id'] = f'cell-{i}'
    return dict(cells=out, metadata=dict(kernelspec=KERNELSPEC), nbformat=4, nbformat_minor=5)


def _write_if_changed(path, text:str) -> bool:
    "Write only a change: Sphinx reads again (and myst-nb looks up the outputs of) only the files whose mtime moved."
    if path.exists() and path.read_text(encoding='utf-8') == text: return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding='utf-8')
    return True


def write_sources(site_pages:list, plan, log=log):
    "docs/_build/src: the processed notebook of every page the plan says is stale, the API page, nothing else."
    start, done = time.perf_counter(), []
    for page in site_pages:
        if page.path is None: continue
        step = 'home' if page.role == 'home' else 'page'  # the home page lists the others
        if plan.stale(step, page.name):
            nb = json.dumps(process(page, site_pages), indent=1, ensure_ascii=False) + '\n'
            _write_if_changed(SRC/f'{page.name}.ipynb', nb)
            plan.done(step, page.name)
            done.append(page.name)
    api = next(p for p in site_pages if p.path is None)
    if plan.stale('api', api.name):
        _write_if_changed(SRC/f'{api.name}.md', apidoc.api_page(site_pages))
        plan.done('api', api.name)
        done.append(api.name)
    expected = {f'{p.name}.ipynb' if p.path else f'{p.name}.md' for p in site_pages}
    for stale in [p for p in SRC.rglob('*') if p.is_file() and p.relative_to(SRC).as_posix() not in expected]:
        stale.unlink()
    if done: log(f"processed {', '.join(done)} ({time.perf_counter() - start:.1f} s)")
