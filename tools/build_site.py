"""Build the course website from the notebooks in `nbs/`: `python tools/build_site.py` (what `make site` runs).

1. Vendor the site's own JavaScript (ipywidgets embed manager, RequireJS, MathJax 3) from npm with `npm ci`
   (docs/package.json + docs/package-lock.json), so that a page viewed offline requests nothing from elsewhere.
2. Process every `nbs/*.ipynb` with nbdev's processors (title and summary from the first markdown cell, a
   `show_doc` entry after each exported function) and turn nbdev's directives into myst-nb cell tags:
   `#| hide` cells run but do not show, `#| export` cells show folded ("Exported source") followed by their API
   entry, and no `#|` line is left in the code. The copies go to docs/_build/src (git-ignored).
3. Write the API reference (docs/_build/src/api.md): every name in lessonkit/_modidx.py, with its signature and
   docments table, linked to the lesson that defines it.
4. Run Sphinx (myst-nb, sphinx-book-theme) on those copies with the configuration in docs/conf.py: every lesson
   is executed through jupyter-cache (a notebook is executed again only when its code or the library changed: each processed copy ends in a removed cell naming the library's digest), and an
   exception in a lesson fails the build. Then print each lesson's execution time.

Output: docs/_build/html. Options: `--clean` removes docs/_build first (a cold build)."""
import argparse, hashlib, importlib, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS, NBS = ROOT/'docs', ROOT/'nbs'
BUILD = DOCS/'_build'
SRC, HTML, DOCTREES = BUILD/'src', BUILD/'html', BUILD/'doctrees'
NPM, VENDOR, KERNELS = BUILD/'npm', BUILD/'vendor', BUILD/'jupyter'
MANIFEST = BUILD/'src-manifest.json'
REFERENCE_PAGES = ('00_core', '99_package')  # reference pages: listed under "Reference" with the API, no plot expected

# In-browser explorer (docs/_static/lessonkit-explorer.js) on these lessons, keyed by the notebook name's number
# prefix: inserted before the lesson's "Exercises" section (at the end when it has none).
EXPLORERS = {
    '01': dict(logits='0.6,-1.2,2.1,0.3,-0.5', target='', heading='Try it: softmax in your browser',
               text="Move a logit and watch every probability change: they always share 1. The temperature divides "
                    "the logits before the softmax. Choose a target to see the cross-entropy loss (lesson 3) and its "
                    "gradient. This explorer runs in the page itself; the one in `lessonkit.widgets` does the same in "
                    "Jupyter."),
    '03': dict(logits='0.6,-1.2,2.1,0.3,-0.5', target='cat', heading='Try it: cross-entropy in your browser',
               text="The target is *cat*. Move its logit up and watch the loss fall towards 0 and every gradient "
                    "shrink; the target's gradient is the only negative one, and the gradients always sum to 0 "
                    "(softmax and one-hot both sum to 1). At temperature $T$ the gradient with respect to the "
                    "slider logits is $(\\text{softmax}(x/T) - \\text{one-hot})/T$."),
}

def log(msg): print(msg, flush=True)

def _digest(*paths) -> str:
    h = hashlib.sha256()
    for p in paths: h.update(Path(p).read_bytes() if Path(p).exists() else b'')
    return h.hexdigest()

def _write_if_changed(path:Path, text:str) -> bool:
    "Write `text` to `path` only if it differs: Sphinx re-reads (and myst-nb re-checks) only files whose mtime moved."
    if path.exists() and path.read_text() == text: return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True

# ---------------------------------------------------------------- 1. vendored JavaScript
def vendor_assets():
    "`npm ci` the packages in docs/package-lock.json (once per lock change) and copy what the site serves."
    stamp = VENDOR/'.stamp'
    want = _digest(DOCS/'package.json', DOCS/'package-lock.json')
    if stamp.exists() and stamp.read_text() == want: return
    start = time.perf_counter()
    NPM.mkdir(parents=True, exist_ok=True)
    for f in ('package.json', 'package-lock.json'): shutil.copy(DOCS/f, NPM/f)
    npm = shutil.which('npm')
    if not npm: sys.exit("build_site: npm not found; install Node.js 18+ with npm (apt-get install -y nodejs npm)")
    rc = subprocess.run([npm, 'ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], cwd=NPM).returncode
    if rc: sys.exit("build_site: `npm ci` failed (see above); it installs docs/package-lock.json from the npm registry")
    mods = NPM/'node_modules'
    if VENDOR.exists(): shutil.rmtree(VENDOR)
    shutil.copytree(mods/'@jupyter-widgets'/'html-manager'/'dist', VENDOR/'html-manager', ignore=shutil.ignore_patterns('*.map'))
    shutil.copy(mods/'requirejs'/'require.js', VENDOR/'require.js')
    shutil.copytree(mods/'mathjax'/'es5', VENDOR/'mathjax', ignore=shutil.ignore_patterns('*.map'))
    stamp.write_text(want)
    log(f"vendored html-manager, requirejs, mathjax from npm ({time.perf_counter()-start:.1f} s)")

# ---------------------------------------------------------------- the kernel
def kernelspec():
    "A `python3` kernel that runs this interpreter (the venv's), found first through JUPYTER_PATH."
    spec = dict(argv=[sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                display_name='Python 3 (lessonkit .venv)', language='python', metadata={'debugger': False})
    _write_if_changed(KERNELS/'kernels'/'python3'/'kernel.json', json.dumps(spec, indent=1))
    os.environ['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p])  # this checkout's lessonkit
    os.environ['JUPYTER_PATH'] = os.pathsep.join([str(KERNELS)] + [p for p in os.environ.get('JUPYTER_PATH', '').split(os.pathsep) if p])

# ---------------------------------------------------------------- 2. notebooks
def _modules():
    "Every lessonkit module nbdev recorded, imported (for show_doc)."
    from lessonkit._modidx import d
    mods = {m: importlib.import_module(m) for m in d['syms']}
    mods['lessonkit.__init__'] = importlib.import_module('lessonkit')  # 99_package exports the package's __init__
    return mods

_re_title = re.compile(r'^(#{1,6})\s')

def _show_doc_md(obj, name:str, level:int) -> str:
    "An API entry: a heading, the signature, the docstring and the docments table (nbdev's show_doc + fastcore's DocmentTbl)."
    from nbdev.showdoc import show_doc
    from fastcore.docments import DocmentTbl, MarkdownRenderer, _show_param, _unwrap_sym
    import inspect
    r = show_doc(obj, renderer=MarkdownRenderer, name=name)
    sym = _unwrap_sym(obj)
    if r.sig is not None:
        params = [_show_param(p) for p in r.sig.parameters.values() if p.name != 'self']
        ret = r.sig.return_annotation
        ret = '' if ret is inspect.Signature.empty else f" -> {getattr(ret, '__name__', str(ret))}"
        sig = f"```python\n{r.nm}({', '.join(params)}){ret}\n```\n\n"
    else: sig = ''
    docs = f"*{r.docs}*\n\n" if r.docs else ''
    try: tbl = DocmentTbl(sym)._repr_markdown_()
    except Exception: tbl = ''
    return f"{'#'*level} {r.nm}\n\n{sig}{docs}{tbl}".rstrip() + '\n'

def _label(module:str, name:str) -> str: return f"api-{module.split('.')[-1]}-{name}".replace('.', '-').replace('_', '-').lower()

def process_notebook(path:Path, modules:dict, defined:dict) -> dict:
    "nbdev's processing of one notebook, adapted to myst-nb: returns the processed notebook (a dict)."
    from execnb.nbio import read_nb, mk_cell
    from nbdev.process import NBProcessor
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.processors import populate_language, add_show_docs, strip_ansi, hide_line, rm_header_dash, _default_exp, _def_names
    nb = read_nb(path)
    nb.path_ = str(path)
    default_mod = _default_exp(nb)
    proc = NBProcessor(nb=nb, procs=[FrontmatterProc, populate_language, add_show_docs, strip_ansi, hide_line, rm_header_dash])
    proc.process()
    ns = {}
    for m in modules.values(): ns.update(vars(m))
    if default_mod and f'lessonkit.{default_mod}' in modules: ns.update(vars(modules[f'lessonkit.{default_mod}']))
    ns['__builtins__'] = __builtins__
    fm = getattr(nb, 'frontmatter_', {})
    cells, level, labels = [], 1, set()
    for cell in nb.cells:
        d = getattr(cell, 'directives_', {}) or {}
        src = cell.source or ''
        if cell.cell_type == 'raw' and src.lstrip().startswith('---'): continue  # nbdev's frontmatter: we write a title instead
        if cell.cell_type == 'markdown':
            for line in src.splitlines():
                m = _re_title.match(line)
                if m: level = len(m.group(1))
            cells.append(mk_cell(src, 'markdown'))
            continue
        if cell.cell_type != 'code': continue
        if re.match(r'^\s*show_doc\((.+)\)\s*$', _strip_directives(src), re.S):  # nbdev's (or the author's) show_doc: render it here, as markdown
            expr = re.match(r'^\s*show_doc\((.+)\)\s*$', _strip_directives(src), re.S).group(1)
            expr = expr.split(',')[0].strip()
            if expr.split('.')[-1].startswith('__'): continue  # module plumbing (__getattr__, __dir__): no API entry
            obj = eval(expr, ns)
            mod = getattr(obj, '__module__', '') or ''
            md = _show_doc_md(obj, expr, min(level + 1, 4))
            if mod.startswith('lessonkit'):
                lbl = _label(mod, expr)
                if lbl not in labels: md = f"({lbl})=\n{md}"; labels.add(lbl)
            cells.append(mk_cell(md, 'markdown'))
            continue
        tags = _tags(d)
        exp = [k for k in ('export', 'exporti', 'exports') if k in d]
        if exp:  # where each exported name is defined (for the API page's links)
            mod = d[exp[0]][0] if d[exp[0]] else default_mod
            for nm in _def_names(cell, set()): defined.setdefault(f'lessonkit.{mod}.{nm}', path.stem)
        new = mk_cell(_strip_directives(src), 'code')
        if tags: new.metadata['tags'] = tags
        cells.append(new)
    title, summary = fm.get('title', path.stem), fm.get('description', '')
    head = f"# {title}\n\n" + (f"{{.lead}}\n{summary}\n" if summary else '')
    cells.insert(0, mk_cell(head, 'markdown'))
    key = path.stem.split('_')[0]
    if key in EXPLORERS and path.stem not in REFERENCE_PAGES: _insert_explorer(cells, EXPLORERS[key], mk_cell)
    nb.cells = cells
    nb.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    return _plain(nb), labels

def _tags(d:dict) -> list:
    "nbdev directives and Quarto cell options -> myst-nb tags."
    opt = lambda k: (d.get(k + ':') or [''])[0].lower()
    if 'hide' in d or 'default_exp' in d or opt('include') == 'false': return ['remove-cell']
    tags = []
    if opt('echo') == 'false': tags.append('remove-input')
    elif {'export', 'exporti', 'exports'} & set(d) or opt('code-fold') in ('true', 'show'): tags.append('hide-input')
    if opt('output') == 'false': tags.append('remove-output')
    if opt('eval') == 'false': tags.append('skip-execution')
    return tags

def _strip_directives(src:str) -> str:
    "Drop every `#|` line of a code cell (a stray one mid-cell is a comment to Python): no option comment shows on the site."
    lines = src.splitlines()
    while lines and re.match(r'^\s*#\|', lines[0]): lines.pop(0)
    return '\n'.join(l for l in lines if not re.match(r'^\s*#\|', l))

def _insert_explorer(cells:list, cfg:dict, mk_cell):
    html = (f"## {cfg['heading']}\n\n{cfg['text']}\n\n"
            f"<div class=\"lk-explorer\" data-classes=\"cat,dog,plane,fish,building\" data-logits=\"{cfg['logits']}\" "
            f"data-target=\"{cfg['target']}\" data-temperature=\"1\"></div>\n")
    at = next((i for i, c in enumerate(cells) if c.cell_type == 'markdown' and re.match(r'^##\s+Exercises', c.source.strip())), len(cells))
    cells.insert(at, mk_cell(html, 'markdown'))

def _plain(nb) -> dict:
    "The notebook as plain nbformat JSON (no nbdev attributes)."
    cells = []
    for i, c in enumerate(nb.cells):
        cell = dict(id=f'cell-{i}', cell_type=c.cell_type, metadata=dict(c.get('metadata', {})), source=c.source)
        cell['metadata'].pop('language', None)
        if c.cell_type == 'code': cell.update(outputs=[], execution_count=None)
        cells.append(cell)
    meta = {k: v for k, v in nb.metadata.items() if k in ('kernelspec', 'language_info')}
    return dict(cells=cells, metadata=meta, nbformat=4, nbformat_minor=5)

def _library_cell(digest:str) -> dict:
    "A removed code cell naming the library's digest: jupyter-cache keys on the code cells, so a library change re-executes the page."
    return dict(id='cell-library', cell_type='code', metadata=dict(tags=['remove-cell']), outputs=[], execution_count=None,
                source=f"# lessonkit library {digest}: what this page was executed with")

def _toctree(caption:str, docs:list) -> str:
    return f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n" + '\n'.join(docs) + "\n```\n"

def process_all() -> list:
    "Processed copies of every nbs/*.ipynb (index.ipynb is the home page) and the API page; returns the page names."
    notebooks = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('.'))
    if not any(p.stem == 'index' for p in notebooks): sys.exit("build_site: nbs/index.ipynb (the home page) is missing")
    pages = [p.stem for p in notebooks if p.stem != 'index']
    lessons = [p for p in pages if p not in REFERENCE_PAGES]
    reference = [p for p in pages if p in REFERENCE_PAGES] + ['api']
    # reprocess only when a notebook, the library or this script changed (processing imports lessonkit: seconds)
    inputs = {p.name: _digest(p) for p in notebooks}
    inputs['lib'] = _digest(*sorted((ROOT/'lessonkit').glob('*.py')), __file__)
    old = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
    expected = {f'{p.stem}.ipynb' for p in notebooks} | {'api.md'}
    if old == inputs and all((SRC/n).exists() for n in expected): return pages
    start = time.perf_counter()
    modules, defined, labels = _modules(), {}, {}
    library = _digest(*sorted((ROOT/'lessonkit').glob('*.py')))[:16]
    for p in notebooks:
        nb, labels[p.stem] = process_notebook(p, modules, defined)
        if any(c['cell_type'] == 'code' for c in nb['cells']): nb['cells'].append(_library_cell(library))
        if p.stem == 'index':
            nb['cells'].append(dict(id='cell-toctree', cell_type='markdown', metadata={}, source=_toctree('Lessons', lessons) + '\n' + _toctree('Reference', reference)))
        _write_if_changed(SRC/p.name, json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    _write_if_changed(SRC/'api.md', api_page(modules, defined, labels, notebooks))
    for stale in SRC.glob('*'):
        if stale.name not in expected: stale.unlink()
    MANIFEST.write_text(json.dumps(inputs))
    log(f"processed {len(notebooks)} notebooks and the API page ({time.perf_counter()-start:.1f} s)")
    return pages

# ---------------------------------------------------------------- 3. API reference
def api_page(modules:dict, defined:dict, labels:dict, notebooks:list) -> str:
    "Every exported name of every module, with signature and docments, linked to where a lesson shows it."
    from lessonkit._modidx import d
    from execnb.nbio import read_nb
    from nbdev.processors import _default_exp
    order = {}
    for p in notebooks:
        m = _default_exp(read_nb(p))
        if m: order.setdefault(f'lessonkit.{m}', p.stem)
    titles = {p.stem: _title(p) for p in notebooks}
    out = ["# API reference\n", "{.lead}\nEvery name the `lessonkit` package exports, module by module: its signature, what it does, "
           "and a table of its arguments (their comments in the source). Each entry links to the lesson that builds it.\n"]
    for mod in sorted(modules, key=lambda m: (order.get(m, 'zz'), m)):
        module = modules[mod]
        names = [n for n in getattr(module, '__all__', [])]
        if not names: continue
        home = order.get(mod)
        out.append(f"## {mod}\n")
        if home: out.append(f"{{.lk-api-from}}\nExported from [{titles[home]}]({home}.ipynb).\n")
        syms = d['syms'].get(mod, {})
        for n in names:
            obj = getattr(module, n)
            page = defined.get(f'{mod}.{n}', home)
            out.append(_show_doc_md(obj, n, 3))
            lbl = _label(mod, n)
            if page and lbl in labels.get(page, ()): out.append(f"{{.lk-api-from}}\nIn the lesson: [{titles[page]}](#{lbl}).\n")
            elif page: out.append(f"{{.lk-api-from}}\nIn the lesson: [{titles[page]}]({page}.ipynb).\n")
            methods = [k.split('.')[-1] for k in syms if k.startswith(f'{mod}.{n}.') and k.count('.') == mod.count('.') + 2]
            for meth in methods:
                if meth.startswith('_'): continue
                out.append(_show_doc_md(getattr(obj, meth), f'{n}.{meth}', 4))
    return '\n'.join(out)

def _title(path:Path) -> str:
    from execnb.nbio import read_nb
    from nbdev.frontmatter import _md2dict
    for c in read_nb(path).cells:
        if c.cell_type == 'markdown':
            t = _md2dict(c.source).get('title')
            if t: return t
    return path.stem

# ---------------------------------------------------------------- 4. Sphinx
def sphinx_build(pages:list) -> float:
    "Build the HTML; return the seconds it took. Prints each lesson's execution time (jupyter-cache records them)."
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils
    from myst_nb.sphinx_ import NbMetadataCollector
    start, start_wall = time.perf_counter(), time.time()
    # Sphinx tracks the sources, not the files conf.py points to: when those change, write every page again
    assets = sorted(p for p in DOCS.rglob('*') if p.is_file() and '_build' not in p.relative_to(DOCS).parts and 'node_modules' not in p.parts)
    stamp, digest = BUILD/'assets-digest', _digest(*assets)
    force_all = not stamp.exists() or stamp.read_text() != digest
    with patch_docutils(DOCS), docutils_namespace():
        with open(BUILD/'sphinx.log', 'w') as status:  # Sphinx's progress; warnings and errors still go to the console
            app = Sphinx(str(SRC), str(DOCS), str(HTML), str(DOCTREES), 'html', status=status, warning=sys.stderr,
                         freshenv=False, keep_going=True, parallel=0)
            try: app.build(force_all=force_all)
            except Exception as e:
                if type(e).__name__ != 'ExecutionError': raise
                sys.exit(f"build_site: a lesson raised while executing: {Path(str(e)).name} (its traceback is above); "
                         f"run it top to bottom in Jupyter (`make lab`), fix it, `make export`, then `make site`")
    stamp.write_text(digest)
    secs = time.perf_counter() - start
    log("\nlesson execution (myst-nb + jupyter-cache):")
    width = max(len(p) for p in ['index'] + pages)
    for doc in ['index'] + pages:
        ex = NbMetadataCollector.get_exec_data(app.env, doc) or {}
        rt = ex.get('runtime')
        how = 'not executed' if not ex else 'executed now' if ex.get('mtime', 0) >= start_wall else 'from the cache (no code or library change)'
        log(f"  {doc:<{width}}  {'' if rt is None else f'{rt:6.1f} s'}  {how}{'' if ex.get('succeeded', True) else '  FAILED'}")
    if app.statuscode: sys.exit(f"build_site: Sphinx failed (status {app.statuscode}); see the errors above")
    return secs

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--clean', action='store_true', help='remove docs/_build first (a cold build)')
    args = ap.parse_args(argv)
    total = time.perf_counter()
    if args.clean and BUILD.exists(): shutil.rmtree(BUILD)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    vendor_assets()
    kernelspec()
    pages = process_all()
    sphinx_build(pages)
    log(f"\nsite: {HTML/'index.html'} ({time.perf_counter()-total:.1f} s in all)")

if __name__ == '__main__': main()
