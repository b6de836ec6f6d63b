"""Open the built course site in headless Chromium and check it as a reader would: `python tools/browser_check.py`.

Serves docs/_build/html on 127.0.0.1 (a free port, a thread of this process) and drives /usr/bin/chromium with
Playwright. Installs Chromium with apt-get when /usr/bin/chromium is missing (CI machines are fresh; we run as root).
Build the site first (`make site`). Each check prints one line; the script exits non-zero when any fails.

The checks:
- every page of the table (docs/pages.toml, read with tools/site/pages.py: the home page, each notebook in nbs/
  that is a page, the API reference) answers 200, has its title as <title> and <h1>, shows no Python traceback, and
  raises no JavaScript error; its code shows no `#|` comment and none of the cells nbdev hides (`#| hide`);
- every lesson page shows at least one rendered plot (an <img> that loaded), but those the table lists under
  `no_plot` (the home, reference and API pages need none);
- every page whose notebook exports to lessonkit says so under its title, linking to the module on the API page;
  every link of the API page leads to a page and a target that exist; no notebook the table leaves off the site
  (the exercises' hidden cases) has a page;
- pages with math show it typeset by the site's own MathJax; pages with saved widget state show the widgets
  (sliders visible and not covered by a picture, pictures loaded) through the site's own ipywidgets embed manager;
- no request leaves 127.0.0.1 (every request is recorded with page.on('request')), and no local request fails;
- searching "softmax" (Sphinx's search page) lists the softmax lesson;
- the in-browser explorers, on the pages the table lists under `[in_browser_explorers]` (and any other page that has
  one): the kinds the table says; each equal to lessonkit's results (tools/explorer_reference.py: lessonkit's
  functions, torch.nn.functional in float64 where lessonkit has none yet, autograd for gradients) on a grid of
  settings with the extremes, to 1e-6, and displayed as fmt_prob / fmt_signed display them (no probability below 1
  shown as 1.0000); usable from the keyboard (Tab reaches a slider, which shows its focus; arrow keys move it and
  the numbers); every control labelled; each saved Python explorer has the live one of its kind above it, and a note
  that it needs a kernel; one slider step updates the readout in <= 16 ms (the median over 40 steps, per kind);
- the practice questions: at least two on every lesson page (but those listed under `no_questions`), a note that
  they are for practice; each answered with the keyboard, its answer hidden until then, and its explorer set;
- every page at 390 px wide: nothing visible reaches past the right edge unless a box of its own scrolls it;
- screenshots of the home page and a lesson go to docs/_build/screenshots/ for review."""
import functools, http.server, json, math, os, random, re, subprocess, sys, threading, time
from pathlib import Path
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.site import SiteError, cells, pages as table
from tools.site.apidoc import module_label
from tools.site.paths import BUILD, HTML, ROOT, SRC
from tools import explorer_reference as ref

SHOTS = BUILD/'screenshots'
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
SEARCH = 'softmax'  # searching it must list the lesson whose title says it
TOL = 1e-6

def ensure_chromium():
    "Install Debian's chromium when /usr/bin/chromium is missing (a fresh machine); skipped when it is there."
    if Path(CHROMIUM).exists(): return
    print(f"{CHROMIUM} is missing: apt-get install -y chromium", flush=True)
    sudo = [] if os.geteuid() == 0 else ['sudo']
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    for cmd in (['apt-get', 'update', '-q'], ['apt-get', 'install', '-y', '-q', 'chromium']):
        if subprocess.run(sudo + cmd, env=env, stdout=subprocess.DEVNULL).returncode:
            sys.exit(f"browser check: `{' '.join(cmd)}` failed; install Chromium as root: apt-get update && apt-get install -y chromium")

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

def serve(directory:Path):
    "Serve `directory` on 127.0.0.1 at a free port, in a daemon thread; return (server, base url)."
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"

def _url(base:str, name:str) -> str: return base + ('index.html' if name == table.HOME else f'{name}.html')

class Checks:
    "Collects one line per check; `ok` is False once any failed."
    def __init__(self): self.n, self.failed = 0, []
    def __call__(self, name:str, passed:bool, detail:str=''):
        self.n += 1
        if not passed: self.failed.append(name)
        print(f"{'ok  ' if passed else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
        return passed

def _plain_text(s:str) -> str: return re.sub(r'\s+', ' ', s).replace('\u2019', "'").replace('\u2018', "'").replace('\u201c', '"').replace('\u201d', '"')

_HIDING = re.compile(r'^#\|\s*(hide\b|default_exp\b|include:\s*false|echo:\s*false)', re.M)  # nbdev/Quarto: the site must not show the code
_EXPLORER_CALL = re.compile(r'\b(logit|sigmoid|loss_curve|calibration)_explorer\(')

def _source_cells(p:Path) -> list:
    "The code cells of a notebook in nbs/, as strings."
    return [''.join(c['source']) for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'code']

def _code_lines(src:str) -> list: return [l for l in src.splitlines() if not l.lstrip().startswith('#|')]

def _hidden_lines(pages:list) -> dict:
    """{page: a telling line of each cell the site must not show}, read from the notebooks in nbs/, not from the builder's
    output (whose tags are what is being checked): code cells marked `#| hide`, `#| default_exp`, `#| include: false` or `#| echo: false`."""
    res = {}
    for p in pages:
        cells = _source_cells(p.path)
        visible = '\n'.join(l for c in cells if not _HIDING.search(c) for l in _code_lines(c))
        telling = [next((x for x in _code_lines(c) if len(x.strip()) > 12), '') for c in cells if _HIDING.search(c)]
        res[p.name] = [l for l in telling if l and l not in visible]
    return res

def _widget_pages(pages:list) -> set:
    "Pages whose notebook shows an explorer (a visible cell calls one): their saved widget state must be on the page."
    return {p.name for p in pages if any(_EXPLORER_CALL.search(c) and not _HIDING.search(c)
                                         and not c.startswith('#| export') for c in _source_cells(p.path))}

def check_pages(page, base:str, pages:list, check:Checks, rng:random.Random, timings:dict):
    notebooks = [p for p in pages if p.path is not None]
    errors, hidden, widget_pages = [], _hidden_lines(notebooks), _widget_pages(notebooks)
    page.on('pageerror', lambda e: errors.append(e))
    for p in pages:
        name, title, url = p.name, p.title, _url(base, p.name)
        errors.clear()
        resp = page.goto(url, wait_until='load')
        page.wait_for_timeout(200)
        status = resp.status if resp else None
        h1 = _plain_text(page.locator('h1').first.inner_text()).replace('#', '').strip() if page.locator('h1').count() else ''
        doc_title = _plain_text(page.title())
        body = page.locator('body').inner_text()
        has_tb = 'Traceback (most recent call last)' in body or page.locator('.output.traceback, .output.error').count() > 0
        check(f"{name}: loads (200), title '{title}', no traceback",
              status == 200 and h1 == title and title in doc_title and not has_tb,
              f"status={status}, h1={h1!r}, <title>={doc_title!r}, traceback={has_tb}")
        if p.plot:
            imgs = page.locator('.cell_output img')
            loaded = page.evaluate("() => [...document.querySelectorAll('.cell_output img')].filter(i => i.complete && i.naturalWidth > 0).length")
            check(f"{name}: at least one rendered plot", loaded >= 1, f"{loaded} of {imgs.count()} output images loaded")
        if page.locator('.math').count():
            try:
                page.wait_for_selector('mjx-container', state='attached', timeout=10_000)  # hidden answers too
                typeset = page.locator('mjx-container').count()
            except Exception: typeset = 0
            check(f"{name}: math typeset by the local MathJax", typeset > 0, f"{page.locator('.math').count()} math elements, {typeset} typeset")
        has_state = 'application/vnd.jupyter.widget-state+json' in page.content()
        if name in widget_pages: check(f"{name}: saved widget state on the page (its notebook shows an explorer)", has_state)
        if has_state and 'application/vnd.jupyter.widget-view+json' in page.content():  # state, and a widget shown
            try:
                page.wait_for_selector('.widget-slider, .jupyter-widgets .widget-hslider, .jupyter-widget-hslider', timeout=15_000)
                sliders = page.evaluate("() => [...document.querySelectorAll('.widget-slider, .widget-hslider')].filter(e => e.offsetWidth > 0 && e.offsetHeight > 0).length")
                pics = page.evaluate("() => [...document.querySelectorAll('.jupyter-widgets img, .widget-image')].filter(i => i.complete && i.naturalWidth > 0).length")
            except Exception: sliders = pics = 0
            check(f"{name}: saved widgets render (sliders visible, pictures loaded)", sliders > 0 and pics > 0, f"{sliders} visible sliders, {pics} widget pictures")
            covered = page.evaluate("""() => { const box = e => e.getBoundingClientRect();
                const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
                const pics = [...document.querySelectorAll('.widget-image')].map(box);
                return [...document.querySelectorAll('.widget-slider, .widget-hslider')].filter(s => pics.some(p => meet(box(s), p))).length; }""")
            check(f"{name}: no widget picture covers a slider", covered == 0, f"{covered} sliders lie under a picture (the page is narrower than controls + picture: the explorer's row must wrap)")
            check_placement(page, name, check)
        if name in hidden:
            code = page.evaluate("() => [...document.querySelectorAll('div.cell pre, div.highlight pre')].map(p => p.textContent).join('\\n')")
            shown = [h for h in hidden[name] if h in code]
            check(f"{name}: no `#|` comment and no hidden cell in the code shown", '#|' not in code and not shown,
                  f"{len(hidden[name])} hidden cells" + (f"; shown: {shown[:2]}" if shown else '') + ("; a `#|` line shows" if '#|' in code else ''))
        if p.path is not None: check_exports(page, p, check)
        if p.explorers or page_has(p, '.lk-explorer'): check_explorers(page, p, check, rng, timings)
        if p.questions or page_has(p, '.lk-question'): check_questions(page, p, check)
        check_phone_width(page, name, check)  # with the answers revealed
        check(f"{name}: no JavaScript error", not errors, '; '.join(str(e)[:200] for e in errors[:3]))

def check_placement(page, name:str, check:Checks):
    """Each saved Python explorer (a widget of a cell that calls logit_explorer & co.) has a live explorer of its kind
    above it, so that a reader of the site meets the one that works first, and a note saying that it needs a kernel."""
    res = page.evaluate("""kinds => [...document.querySelectorAll('script[type$="widget-view+json"]')]
        .map(s => {
            const cell = s.closest('div.cell'), input = cell && cell.querySelector('.cell_input');
            const code = input ? input.textContent : '';
            const call = Object.keys(kinds).map(f => [code.lastIndexOf(f + '('), f]).sort((a, b) => b[0] - a[0])[0];
            const kind = call && call[0] >= 0 ? kinds[call[1]] : null;
            const live = kind && [...document.querySelectorAll('.lk-explorer[data-kind="' + kind + '"]')]
                .some(e => e.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING);
            const note = [...s.parentNode.children].some(e => e.classList.contains('lk-kernel-note') &&
                (e.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING));
            return [kind, !!live, note];
        })""", _KIND_OF_CALL)
    shown = [r for r in res if r[0]]
    if shown:
        check(f"{name}: each saved Python explorer has the live one of its kind above it, and a note that it needs a "
              "kernel", all(live and note for _, live, note in shown),
              ', '.join(f"{k}: live above {'yes' if live else 'NO'}, note {'yes' if note else 'NO'}"
                        for k, live, note in shown))

def page_has(p, selector:str) -> bool:
    "Whether the built page holds `selector` (read from its HTML: a page the table does not list may hold one)."
    if p.path is None: return False
    html = (HTML/p.html).read_text(encoding='utf-8')
    return re.search(r'class="[^"]*\b' + re.escape(selector.lstrip('.')) + r'\b', html) is not None

def check_exports(page, p, check:Checks):
    "A page whose notebook exports to lessonkit names those modules under its title, each linked to the API page."
    modules = [cells.dotted(m) for m in cells.exported_modules(cells.read(p.path)['cells'])]
    links = page.evaluate("() => [...document.querySelectorAll('.lk-exports a')]"
                          ".map(a => [a.textContent.trim(), a.getAttribute('href')])")
    want = [[m, f"{'../' * p.name.count('/')}api.html#{module_label(m)}"] for m in modules]
    if modules or links:
        check(f"{p.name}: says under its title which modules it exports to, linked to the API page", links == want,
              ', '.join(m for m in modules) if links == want else f"shown {links}, expected {want}")

def _targets(html:Path) -> set:
    return set(re.findall(r'\bid="([^"]+)"', html.read_text(encoding='utf-8')))

def check_api_links(pages:list, check:Checks):
    "Every internal link of the API page (to lessons, their entries, other sections) leads to an existing target."
    api = HTML/'api.html'
    hrefs = sorted(set(re.findall(r'<a class="reference internal" href="([^"]+)"', api.read_text(encoding='utf-8'))))
    bad, targets = [], {}
    for href in hrefs:
        path, _, anchor = unquote(href).partition('#')
        file = HTML/path if path else api
        if not file.exists(): bad.append(href); continue
        if anchor and anchor not in targets.setdefault(file, _targets(file)): bad.append(href)
    check("api: every link leads to a page and a target that exist", not bad and bool(hrefs),
          f"{len(hrefs)} links" + (f"; broken: {bad[:5]}" if bad else ''))

def check_off_site(check:Checks):
    "No page for the notebooks the table leaves off the site (the exercises' hidden cases)."
    off = [p.relative_to(ROOT/'nbs').with_suffix('.html') for p in table.off_site()]
    shown = [str(p) for p in off if (HTML/p).exists() or (SRC/p).with_suffix('.ipynb').exists()]
    check("no page for the notebooks left off the site (docs/pages.toml: not_on_site)", not shown,
          f"{len(off)} notebooks off the site" + (f"; with a page: {shown}" if shown else ''))

def check_search(page, base:str, pages:list, check:Checks):
    lesson = next(p for p in pages if p.role == 'lesson' and SEARCH in p.title.lower())
    page.goto(base + f'search.html?q={SEARCH}', wait_until='load')
    try:
        page.wait_for_function("() => document.querySelectorAll('#search-results li a, ul.search li a').length > 0", timeout=15_000)
    except Exception: pass
    hrefs = page.evaluate("() => [...document.querySelectorAll('#search-results li a, ul.search li a')].map(a => a.getAttribute('href'))")
    hit = [h for h in hrefs if h and h.split('?')[0].split('#')[0] == lesson.html]
    page.wait_for_load_state('networkidle')  # the search fetches each hit's page for its summary: let it finish
    check(f"search '{SEARCH}' finds the lesson {lesson.name}", bool(hit), f"{len(hrefs)} results, first: {hrefs[:3]}")

# ---- the in-browser explorers (docs/_static/lessonkit-*.js) and the practice questions (lessonkit-questions.js)
_READ = """root => {
    const keys = {};
    root.querySelectorAll('[data-key]').forEach(e => {
        keys[e.dataset.key] = [Number(e.dataset.value), e.textContent]; });
    const pred = root.querySelector('.lk-predicted');
    return {state: root.lk.getState(), keys: keys, predicted: pred ? pred.textContent : null};
}"""
_SET_ALL = "([root, settings]) => settings.map(s => { root.lk.setState(s); return (" + _READ + ")(root); })"
_PROBABILITY_KEYS = ('prob', 'softmax', 'mistake', 'p', 'accuracy', 'confidence', 'bin-confidence', 'bin-accuracy')
_KIND_OF_CALL = {'logit_explorer': 'logit', 'sigmoid_explorer': 'sigmoid', 'loss_curve_explorer': 'loss-curve',
                 'calibration_explorer': 'calibration'}
_CLASSES = "root => (root.dataset.classes || 'cat,dog,plane,fish,building').split(',').map(s => s.trim())"
LATENCY_MS, LATENCY_STEPS = 16., 40  # one slider step to the updated readout: the median, in headless Chromium


ZERO = 1e-12  # two float64 routes to a quantity that is 0 can round differently (FMA, order of operations)


def _compare(got:dict, ref:dict) -> tuple:
    """(problems, largest difference, texts of zeros that differ) of one explorer setting against its Python
    reference {key: (value, text)}. A text may differ only where both values lie within ZERO of 0 (one side shows
    -5.55e-17 where the other rounded to 0.0000): they are the same 0, rounded differently."""
    keys, problems, worst, zeros = got['keys'], [], 0., 0
    if set(keys) != set(ref): problems.append(f"keys shown {sorted(keys)[:6]}..., expected {sorted(ref)[:6]}...")
    for k in sorted(set(keys) & set(ref)):
        (v, text), (rv, rtext) = keys[k], ref[k]
        d = abs(v - rv)
        worst = max(worst, d if d == d else math.inf)
        if not d <= TOL: problems.append(f"{k} = {v!r}, expected {rv!r}")
        if rtext is not None and text != rtext:
            if abs(v) < ZERO and abs(rv) < ZERO: zeros += 1
            else: problems.append(f"{k} shown {text!r}, expected {rtext!r}")
        if k.split('.')[0] in _PROBABILITY_KEYS and rv < 1 and re.fullmatch(r'1\.0*', text):
            problems.append(f"{k} = {rv!r} shown as {text!r}")
    return problems, worst, zeros


def _predicted(kind:str, state:dict, ref:dict, classes:list):
    "The predicted class(es) the reference implies, as the explorer names them; None where none is shown."
    probs = [ref[f'prob.{i}'][0] for i in range(len(classes)) if f'prob.{i}' in ref]
    if kind == 'logit' or (kind == 'loss-family' and state['mode'] == 'softmax'):
        return classes[max(range(len(probs)), key=lambda i: (probs[i], -i))]
    if kind == 'sigmoid': return ', '.join(c for c, p in zip(classes, probs) if p > state['threshold']) or 'nothing'
    if kind == 'loss-family':
        names = [classes[0] if state['mode'] == 'binary' else classes[i] for i, p in enumerate(probs) if p > 0.5]
        return ', '.join(names) or 'nothing'
    return None


def _grid(kind:str, n:int, rng:random.Random, extra:dict) -> list:
    "Settings for an explorer of `n` classes: every control, the extremes (logits of +-50, T = 0.1 and 10), at random."
    R = lambda: [round(rng.uniform(-10, 10), 1) for _ in range(n)]
    ext = [[50.] + [-50.] * (n - 1), [-50.] + [50.] * (n - 1), [50.] * n, [-50.] * n, [0.] * n, [10.] * n,
           [9.9] + [10.] + [-10.] * (n - 2)]
    if kind == 'logit':
        res = [dict(logits=l, temperature=t, target=tg) for l in ext for t, tg in ((0.1, 0), (1., 1 % n), (10., None))]
        return res + [dict(logits=R(), temperature=10 ** round(rng.uniform(-1, 1), 2),
                           target=rng.choice([None] + list(range(n)))) for _ in range(30)]
    if kind == 'sigmoid':
        res = [dict(logits=l, targets=[rng.randint(0, 1) for _ in range(n)], threshold=th)
               for l in ext for th in (0.01, 0.5, 0.99)]
        return res + [dict(logits=R(), targets=[rng.randint(0, 1) for _ in range(n)],
                           threshold=round(rng.uniform(0.01, 0.99), 2)) for _ in range(20)]
    if kind == 'loss-curve':
        return [dict(p=p) for p in (0.001, 0.002, 0.01, 0.036, 0.1, 0.25, 0.4, 0.5, 0.9, 0.99, 0.999, 1.)] + \
               [dict(p=round(rng.uniform(0.001, 1), 3)) for _ in range(20)]
    if kind == 'calibration':
        return [dict(temperature=t) for t in (0.1, 0.5, 1., extra.get('temperature') or 1.55, 3., 10.)] + \
               [dict(temperature=10 ** round(rng.uniform(-1, 1), 2)) for _ in range(10)]
    res = []  # loss-family: each mode, each of its mistakes, grouped so that the table is rebuilt once per group
    mistakes = {'softmax': ['none', 'double-softmax', 'two-decimals'], 'binary': ['none', 'two-decimals'],
                'multi-label': ['none', 'softmax-multilabel', 'two-decimals']}
    for mode, mks in mistakes.items():
        for mk in mks:
            def s(logits, **kw):
                d = dict(mode=mode, mistake=mk, logits=logits, target=rng.randrange(n),
                         targets=[rng.randint(0, 1) for _ in range(n)], temperature=1., smoothing=0., weight=1.,
                         weightClass=rng.randrange(n), gamma=0., alpha=None)
                d.update(kw)
                return d
            res += [s(l, temperature=t) for l in ext[:5] for t in (0.1, 1., 10.)]
            res += [s(R(), smoothing=e, gamma=g, weight=w, alpha=a) for e in (0., 0.2) for g in (0., 0.5, 2.)
                    for w in (1., 0.1, 10.) for a in ((None, 0.25) if mode != 'softmax' else (None,))]
            res += [s(ext[0], smoothing=0.2, gamma=2., weight=10., alpha=0.25 if mode != 'softmax' else None),
                    s(ext[1], smoothing=0.2, gamma=0.5, weight=0.1, temperature=0.1)]
            res += [s(R(), temperature=10 ** round(rng.uniform(-1, 1), 2), smoothing=round(rng.uniform(0, 0.3), 2),
                      weight=10 ** round(rng.uniform(-1, 1), 2), gamma=round(rng.uniform(0, 5), 1),
                      alpha=rng.choice([None, round(rng.uniform(0, 1), 2)])) for _ in range(6)]
    return res


def _calibration_data(page, root) -> dict:
    "The logits and targets a calibration explorer reads from the page (the lesson's payload), as tensors."
    import numpy as np, torch, base64
    d = page.evaluate("root => JSON.parse(document.getElementById(root.dataset.source).textContent)", root)
    z = np.frombuffer(base64.b64decode(d['logits']), dtype='<f4').reshape(d['shape'])
    return dict(logits=torch.from_numpy(z.copy()), targets=torch.tensor(d['targets']), temperature=d.get('temperature'),
                n_bins=int(page.evaluate("root => root.dataset.bins || '15'", root)))


def _reference(kind:str, state:dict, classes:list, extra:dict) -> dict:
    if kind == 'calibration': return ref.calibration(state, extra['logits'], extra['targets'], extra['n_bins'])
    return {'logit': ref.logit, 'sigmoid': ref.sigmoid_explorer, 'loss-curve': ref.loss_curve,
            'loss-family': ref.family}[kind](state, classes)


def _drive_sliders(page, root, logits, log_t, target):
    "Set the logit explorer through its controls, as a reader does (input and change events), not through setState."
    page.evaluate("""([root, logits, logT, target]) => {
        root.querySelectorAll('input.lk-logit').forEach((s, i) => {
            s.value = String(logits[i]); s.dispatchEvent(new Event('input', {bubbles: true})); });
        const t = root.querySelector('input.lk-temperature');
        t.value = String(logT); t.dispatchEvent(new Event('input', {bubbles: true}));
        const sel = root.querySelector('select.lk-target'); sel.value = target === null ? '' : String(target);
        sel.dispatchEvent(new Event('change', {bubbles: true}));
    }""", [root, logits, log_t, target])
    return page.evaluate(_READ, root)


def _keyboard(page, root) -> tuple:
    "(passed, detail): Tab from the explorer's edge reaches a slider with a visible focus; arrow keys move it."
    page.evaluate("root => { root.setAttribute('tabindex', '-1'); root.focus(); }", root)
    for presses in range(1, 15):
        page.keyboard.press('Tab')
        on = page.evaluate("root => root.contains(document.activeElement) && document.activeElement.type === 'range'",
                           root)
        if on: break
    else: return False, "Tab never reached a slider"
    look = page.evaluate("""() => { const a = document.activeElement, s = getComputedStyle(a);
        return [a.getAttribute('aria-label') || '', s.outlineStyle, parseFloat(s.outlineWidth), a.value, a.max]; }""")
    before = page.evaluate(_READ, root)
    key = 'ArrowLeft' if float(look[3]) >= float(look[4]) else 'ArrowRight'
    for _ in range(5): page.keyboard.press(key)
    after = page.evaluate(_READ, root)
    page.evaluate("root => root.removeAttribute('tabindex')", root)
    moved = after['state'] != before['state']
    shown = [k for k in after['keys'] if k in before['keys'] and after['keys'][k][1] != before['keys'][k][1]]
    focus_ok = look[1] != 'none' and look[2] >= 2
    return (moved and bool(shown) and focus_ok and bool(look[0]),
            f"{presses} Tab presses to the slider {look[0]!r}; focus outline {look[1]} {look[2]:g}px; 5 x {key}: "
            f"{len(shown)} numbers changed")


def check_explorers(page, p, check:Checks, rng:random.Random, timings:dict):
    """Every in-browser explorer of the loaded page: the kinds the table lists, each equal to Python (the whole grid
    for the first explorer of each kind, every fourth setting for the others: the same code), keyboard, latency."""
    page.wait_for_function("() => [...document.querySelectorAll('.lk-explorer')].every(e => e.lk)", timeout=10_000)
    kinds = page.evaluate("() => [...document.querySelectorAll('.lk-explorer')].map(e => e.dataset.kind)")
    clash = page.evaluate("() => [...document.querySelectorAll('.lk-explorer[id]')].map(e => e.id)"
                          ".filter(id => document.querySelectorAll('[id=\"' + id + '\"]').length > 1)")
    check(f"{p.name}: in-browser explorers {', '.join(p.explorers)} (docs/pages.toml), each id used once",
          sorted(set(kinds)) == sorted(p.explorers) and not clash,
          f"the page has {kinds}" + (f"; ids used twice (a heading or API entry has them too): {clash}"
                                     if clash else ''))
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('.lk-explorer input, .lk-explorer select')]
        .filter(e => !e.getAttribute('aria-label') && !(e.labels && [...e.labels].some(l => l.textContent.trim())))
        .map(e => e.outerHTML.slice(0, 80))""")
    check(f"{p.name}: every explorer control has a label", not unlabelled, '; '.join(unlabelled[:3]))
    for i, kind in enumerate(kinds):
        root = page.locator('.lk-explorer').nth(i).element_handle()
        ident = page.evaluate("root => root.id || ''", root) or str(i + 1)
        classes = page.evaluate(_CLASSES, root)
        extra = _calibration_data(page, root) if kind == 'calibration' else {}
        start = page.evaluate("root => root.lk.getState()", root)
        ok, detail = _keyboard(page, root)
        check(f"{p.name}: {kind} explorer {ident} works from the keyboard", ok, detail)
        settings = _grid(kind, len(classes), rng, extra)
        if kind in timings: settings = settings[::4]
        got = page.evaluate(_SET_ALL, [root, settings])
        if kind == 'logit':  # a few through the sliders themselves, extremes of the temperature's log scale included
            n = len(classes)
            for logits, log_t, tg in [([10.] + [-10.] * (n - 1), -1., 1), ([-10.] * n, 1., 0), ([0.6] * n, 0.5, None),
                                      ([round(rng.uniform(-10, 10), 1) for _ in range(n)], -0.33, n - 1)]:
                got.append(_drive_sliders(page, root, logits, log_t, tg))
                settings.append(dict(logits=logits, temperature=10 ** log_t, target=tg))
        bad, worst, zeros = [], 0., 0
        for want, g in zip(settings, got):
            st = g['state']
            r = _reference(kind, st, classes, extra)
            problems, w, z = _compare(g, r)
            worst, zeros = max(worst, w), zeros + z
            pred = _predicted(kind, st, r, classes)
            if pred is not None and g['predicted'] != pred:
                problems.append(f"predicted {g['predicted']!r}, not {pred!r}")
            if 'logits' in want and [float(v) for v in want['logits']] != st['logits'][:len(want['logits'])]:
                problems.append(f"state {st['logits']} after setting {want['logits']}")
            if problems: bad.append((want, problems[:3]))
        check(f"{p.name}: {kind} explorer {ident} = lessonkit / torch.nn.functional / autograd to {TOL:g}, "
              f"shown as fmt_prob ({len(settings)} settings)", not bad,
              f"largest difference {worst:.1e}" + (f"; {zeros} values within {ZERO:g} of 0 printed differently, as "
                                                   "rounding makes them" if zeros else '')
              + (f"; {len(bad)} bad, first {bad[0]}" if bad else ''))
        page.evaluate("([root, s]) => root.lk.setState(s)", [root, start])
        if kind not in timings: timings[kind] = (p.name, ident, _latency(page, root, kind))


def _latency(page, root, kind:str) -> list:
    "Milliseconds from a synthetic input event on a slider to its explorer's readout changing (layout included)."
    return page.evaluate("""async ([root, kind, steps]) => {
        const input = root.querySelector(kind === 'calibration' ? 'input.lk-temperature' :
                                          kind === 'loss-curve' ? 'input.lk-p' : 'input.lk-logit');
        const key = {logit: 'prob.0', sigmoid: 'prob.0', 'loss-curve': 'loss', 'loss-family': 'loss',
                     calibration: 'nll'}[kind];
        const readout = () => root.querySelector('[data-key="' + key + '"]');
        const step = Number(input.step), start = Number(input.value), times = [];
        for (let i = 0; i <= steps; i++) {
            const before = readout().textContent;
            const changed = new Promise(resolve => {
                const mo = new MutationObserver(() => {
                    if (readout().textContent === before) return;
                    root.getBoundingClientRect();  // the layout of the new numbers
                    mo.disconnect(); resolve(performance.now());
                });
                mo.observe(root, {subtree: true, childList: true, characterData: true});
                setTimeout(() => { mo.disconnect(); resolve(null); }, 1000);
            });
            const t0 = performance.now();
            input.value = String(start + (i % 2 ? step : (i % 4 === 2 ? 2 * step : 0)) + step);
            input.dispatchEvent(new Event('input', {bubbles: true}));
            const t1 = await changed;
            if (i > 0) times.push(t1 === null ? null : t1 - t0);  // the first step warms up
            await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
        }
        input.value = String(start); input.dispatchEvent(new Event('input', {bubbles: true}));
        return times;
    }""", [root, kind, LATENCY_STEPS])


def check_latency(timings:dict, check:Checks):
    for kind, (name, ident, times) in timings.items():
        ok = [t for t in times if t is not None]
        if len(ok) < len(times):
            check(f"latency of the {kind} explorer", False, f"{len(times) - len(ok)} of {len(times)} steps never "
                  "changed the readout"); continue
        ok.sort()
        med, p90 = ok[len(ok) // 2], ok[min(len(ok) - 1, int(0.9 * len(ok)))]
        check(f"latency of the {kind} explorer ({name}, {ident}): median {med:.2f} ms, 90th percentile {p90:.2f} ms "
              f"over {len(ok)} slider steps", med <= LATENCY_MS, f"target: median <= {LATENCY_MS:g} ms")


def _set_matches(want:dict, state:dict, classes:list) -> bool:
    for k, v in want.items():
        s = state.get(k, '(missing)')
        if k in ('target', 'weightClass') and isinstance(v, str): v = classes.index(v)
        if isinstance(v, list):
            if not isinstance(s, list) or any(abs(float(a) - float(b)) > 1e-9 for a, b in zip(v, s)): return False
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and s is not None and not isinstance(s, str):
            if abs(float(v) - float(s)) > 1e-9: return False
        elif v != s: return False
    return True


def check_questions(page, p, check:Checks):
    "The practice questions of the loaded page: two or more per lesson, each revealed after a choice, setting its explorer"
    page.wait_for_function("() => [...document.querySelectorAll('.lk-question')]"
                           ".every(q => q.classList.contains('lk-ready'))", timeout=10_000)
    n = page.locator('.lk-question').count()
    if p.questions:
        check(f"{p.name}: at least two practice questions", n >= 2,
              f"{n} questions" + ('' if n >= 2 else "; write them (docs/README.md), or list the lesson under "
                                  "`no_questions` in docs/pages.toml"))
    if not n: return
    note = page.locator('.lk-practice')
    check(f"{p.name}: the page says the questions are for practice and the checked exercises are in the notebooks",
          note.count() == 1 and 'exercises' in note.inner_text() and 'practice' in note.inner_text())
    for i in range(n):
        q = page.locator('.lk-question').nth(i)
        handle = q.element_handle()
        before = page.evaluate("""q => ({ready: q.classList.contains('lk-ready'),
            radios: q.querySelectorAll('input[type=radio]').length,
            hidden: q.querySelector('details').hidden, disabled: q.querySelector('.lk-reveal').disabled,
            set: q.dataset.set ? JSON.parse(q.dataset.set) : null})""", handle)
        radio = q.locator('input[type=radio]').first
        if before['radios']:
            radio.focus(); page.keyboard.press('Space'); page.keyboard.press('Tab')
        else: q.locator('.lk-reveal').focus()
        focused = page.evaluate("() => document.activeElement.className")
        page.keyboard.press('Enter')
        after = page.evaluate("""q => {
            const d = q.querySelector('details'), v = q.querySelector('.lk-verdict');
            let ex = q.dataset.explorer ? document.getElementById(q.dataset.explorer) : null;
            if (!q.dataset.explorer) document.querySelectorAll('.lk-explorer').forEach(e => {
                if (e.compareDocumentPosition(q) & Node.DOCUMENT_POSITION_FOLLOWING) ex = e; });
            return {open: d.open && !d.hidden && d.offsetHeight > 0, verdict: v ? v.textContent : '',
                    state: ex && ex.lk ? ex.lk.getState() : null,
                    classes: ex ? (ex.dataset.classes || 'cat,dog,plane,fish,building').split(',') : []};
        }""", handle)
        sets = before['set'] is None or (after['state'] is not None and
                                         _set_matches(before['set'], after['state'], after['classes']))
        ok = (before['ready'] and before['hidden'] and (before['disabled'] or not before['radios']) and
              focused == 'lk-reveal' and after['open'] and (after['verdict'] or not before['radios']) and sets)
        check(f"{p.name}: question {i + 1} is answered with the keyboard, then revealed" +
              (" and sets its explorer" if before['set'] else " (no explorer to set)"), ok,
              f"{before['radios']} choices, answer hidden before: {before['hidden']}, reveal focused: "
              f"{focused == 'lk-reveal'}, shown after: {after['open']}, {after['verdict'][:60]!r}"
              + ('' if sets else f"; explorer state {after['state']} after setting {before['set']}"))


def check_phone_width(page, name:str, check:Checks, width:int=390):
    """At phone width the page does not scroll sideways: nothing visible reaches past the right edge unless a box of
    its own scrolls it (wide tables and outputs scroll inside their box; nothing is hidden). On the loaded page."""
    size = page.viewport_size
    page.set_viewport_size({'width': width, 'height': 800})
    page.wait_for_timeout(200)
    res = page.evaluate("""W => {
        const scrolls = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
            if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true; return false; };
        const bad = [];
        for (const e of document.querySelectorAll('body *')) {
            if (!e.checkVisibility({visibilityProperty: true})) continue;
            const r = e.getBoundingClientRect();
            if (r.width > 0 && r.right > W + 0.5 && !scrolls(e))
                bad.push(e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ?
                         '.' + e.className.trim().split(/\\s+/).join('.') : '') + ' to ' + Math.round(r.right) + 'px');
        }
        return {width: document.documentElement.scrollWidth, bad: bad};
    }""", width)
    check(f"{name}: at {width} px nothing overflows sideways", res['width'] <= width and not res['bad'],
          f"page {res['width']} px wide" + (f"; past the edge: {', '.join(res['bad'][:4])}" if res['bad'] else ''))
    page.set_viewport_size(size)

def screenshots(page, base:str, pages:list, check:Checks):
    "The home page and the first lesson (the first with the in-browser explorer, if any)."
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({'width': 1280, 'height': 900})
    lessons = [p for p in pages if p.role == 'lesson']
    lesson = next((p for p in lessons if p.explorer), lessons[0])
    shots = []
    for name, url in [('home', 'index.html'), (lesson.name.replace('/', '-'), lesson.html)]:
        page.goto(base + url, wait_until='load')
        page.wait_for_timeout(1500)  # MathJax
        page.screenshot(path=str(SHOTS/f'{name}.png'))
        shots.append(f'{name}.png')
    if page.locator('.lk-explorer').count():
        page.locator('.lk-explorer').first.scroll_into_view_if_needed()
        page.locator('.lk-explorer').first.screenshot(path=str(SHOTS/'explorer.png'))
        shots.append('explorer.png')
    print(f"screenshots saved: {', '.join(shots)} in {SHOTS.relative_to(ROOT)}", flush=True)  # page.screenshot raises when it cannot write

def main():
    if not (HTML/'index.html').exists() or not SRC.exists(): sys.exit("browser check: no site built; run `make site` first")
    try: pages = table.pages()
    except SiteError as e: sys.exit(f"browser check: {e}")
    ensure_chromium()
    from playwright.sync_api import sync_playwright
    server, base = serve(HTML)
    host = urlparse(base).netloc
    requests, failures, check = [], [], Checks()
    start = time.perf_counter()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={'width': 1280, 'height': 900}, service_workers='block')
            context.on('request', lambda r: requests.append(r.url))
            context.on('requestfailed', lambda r: failures.append(f"{r.url} ({r.failure})"))
            context.on('response', lambda r: r.status >= 400 and failures.append(f"{r.url} ({r.status})"))
            page = context.new_page()
            rng, timings = random.Random(0), {}
            check_pages(page, base, pages, check, rng, timings)  # each page's explorers and questions too
            check_api_links(pages, check)
            check_off_site(check)
            check_search(page, base, pages, check)
            check_latency(timings, check)
            screenshots(page, base, pages, check)
            browser.close()
    finally: server.shutdown()
    foreign = sorted({u for u in requests if urlparse(u).scheme not in ('data', 'blob', 'about') and urlparse(u).netloc != host})
    check("no request leaves 127.0.0.1", not foreign, f"{len(requests)} requests recorded" + (f"; non-local: {foreign[:5]}" if foreign else ''))
    check("no local request fails", not failures, '; '.join(failures[:5]))
    print(f"\nbrowser check: {check.n - len(check.failed)} passed, {len(check.failed)} failed ({time.perf_counter()-start:.1f} s)", flush=True)
    if check.failed: sys.exit(1)

if __name__ == '__main__': main()
