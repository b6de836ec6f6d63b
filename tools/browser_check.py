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
- the in-browser explorer, on the pages the table lists under `in_browser_explorer`: a slider moved with the keyboard
  changes the displayed probabilities, and for many slider settings (extremes included) its probabilities, loss and
  gradient equal lessonkit's softmax, torch.nn.functional.cross_entropy and autograd's gradient to 1e-6, displayed
  as lessonkit's fmt_prob displays them (no probability below 1 shown as 1.0000);
- screenshots of the home page and a lesson go to docs/_build/screenshots/ for review."""
import functools, http.server, json, math, os, random, re, subprocess, sys, threading, time
from pathlib import Path
from urllib.parse import unquote, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.site import SiteError, cells, pages as table
from tools.site.apidoc import module_label
from tools.site.paths import BUILD, HTML, ROOT, SRC

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

def check_pages(page, base:str, pages:list, check:Checks):
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
                page.wait_for_selector('mjx-container', timeout=10_000)
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
        if name in hidden:
            code = page.evaluate("() => [...document.querySelectorAll('div.cell pre, div.highlight pre')].map(p => p.textContent).join('\\n')")
            shown = [h for h in hidden[name] if h in code]
            check(f"{name}: no `#|` comment and no hidden cell in the code shown", '#|' not in code and not shown,
                  f"{len(hidden[name])} hidden cells" + (f"; shown: {shown[:2]}" if shown else '') + ("; a `#|` line shows" if '#|' in code else ''))
        if p.path is not None: check_exports(page, p, check)
        check(f"{name}: no JavaScript error", not errors, '; '.join(str(e)[:200] for e in errors[:3]))

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
    check(f"search '{SEARCH}' finds the lesson {lesson.name}", bool(hit), f"{len(hrefs)} results, first: {hrefs[:3]}")

def _explorer_values(page, root) -> dict:
    "What the explorer `root` shows: state, and per class (value, text) of probability and gradient; the loss."
    return page.evaluate("""root => {
        const num = e => e && e.hasAttribute('data-value') ? [Number(e.getAttribute('data-value')), e.textContent] : null;
        const rows = [...root.querySelectorAll('tr[data-class]')];
        return {state: JSON.parse(root.getAttribute('data-state')),
                probs: rows.map(r => num(r.querySelector('.lk-prob'))),
                grads: rows.map(r => num(r.querySelector('.lk-grad'))),
                loss: num(root.querySelector('.lk-loss')),
                predicted: root.querySelector('.lk-predicted').textContent};
    }""", root)

def _set_explorer(page, root, logits, log_t, target):
    page.evaluate("""([root, logits, logT, target]) => {
        root.querySelectorAll('input.lk-logit').forEach((s, i) => { s.value = String(logits[i]); s.dispatchEvent(new Event('input', {bubbles: true})); });
        const t = root.querySelector('input.lk-temperature'); t.value = String(logT); t.dispatchEvent(new Event('input', {bubbles: true}));
        const sel = root.querySelector('select.lk-target'); sel.value = target === null ? '' : String(target);
        sel.dispatchEvent(new Event('change', {bubbles: true}));
    }""", [root, logits, log_t, target])

def _expected(logits, temperature, target):
    "lessonkit's and torch's answers for the same slider values (float64)."
    import torch, torch.nn.functional as F
    from lessonkit import softmax
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    probs = softmax(x.detach() / temperature)
    if target is None: return probs, None, None
    loss = F.cross_entropy((x / temperature)[None], torch.tensor([target]))
    loss.backward()
    return probs, loss.item(), x.grad

def check_explorer(page, base:str, name:str, check:Checks):
    from lessonkit import fmt_prob
    def _signed(x): return ('-' if x < 0 else '') + fmt_prob(abs(x))  # the explorer shows a gradient's sign this way
    page.goto(base + f'{name}.html', wait_until='load')
    roots = page.locator('.lk-explorer')
    if not check(f"{name}: in-browser explorer present", roots.count() == 1 and page.locator('.lk-explorer input.lk-logit').count() == 5,
                 f"{roots.count()} explorers"): return
    root = roots.first.element_handle()
    # a reader moves a slider with the keyboard
    before = _explorer_values(page, root)
    slider = page.locator('.lk-explorer input.lk-logit').first
    slider.focus()
    for _ in range(10): page.keyboard.press('ArrowRight')
    after = _explorer_values(page, root)
    moved = after['state']['logits'][0] != before['state']['logits'][0]
    changed = [a[1] for a in after['probs']] != [b[1] for b in before['probs']]
    check(f"{name}: moving a slider changes the displayed probabilities", moved and changed,
          f"cat logit {before['state']['logits'][0]} -> {after['state']['logits'][0]}; probabilities {[b[1] for b in before['probs']]} -> {[a[1] for a in after['probs']]}")
    # its numbers against lessonkit's Python results
    rng = random.Random(0)
    settings = [([0.6, -1.2, 2.1, 0.3, -0.5], 0., 0), ([10, -10, -10, -10, -10], -1., 1), ([-10, 10, -10, -10, -10], -1., 0),
                ([10, 9.9, -10, -10, -10], -1., 2), ([10, -10, -10, -10, -10], 0., None), ([0, 0, 0, 0, 0], 1., 4),
                ([10, 10, 10, 10, 10], -1., 3), ([9.9, -10, 10, -3.3, 0.1], -0.5, 2)]
    settings += [([round(rng.uniform(-10, 10), 1) for _ in range(5)], round(rng.uniform(-1, 1), 2), rng.choice([None, 0, 1, 2, 3, 4])) for _ in range(40)]
    worst, bad = 0., []
    for logits, log_t, target in settings:
        _set_explorer(page, root, logits, log_t, target)
        got = _explorer_values(page, root)
        st = got['state']
        probs, loss, grad = _expected(st['logits'], st['temperature'], st['target'])
        errs = [abs(p[0] - e) for p, e in zip(got['probs'], probs.tolist())]
        texts_ok = all(p[1] == fmt_prob(e) for p, e in zip(got['probs'], probs.tolist()))
        top = max(range(5), key=lambda i: got['probs'][i][0])
        no_false_one = all(got['probs'][i][1] != f"{1:.{len(got['probs'][i][1]) - 2}f}" for i in range(5) if probs[i].item() < 1)
        if target is not None:
            errs += [abs(got['loss'][0] - loss)] + [abs(g[0] - e) for g, e in zip(got['grads'], grad.tolist())]
            texts_ok = texts_ok and got['loss'][1] == fmt_prob(loss) and all(g[1] == _signed(e) for g, e in zip(got['grads'], grad.tolist()))
        else: texts_ok = texts_ok and got['loss'] is None and all(g is None for g in got['grads'])
        state_ok = st['logits'] == [float(v) for v in logits] and abs(math.log10(st['temperature']) - log_t) < 1e-9 and st['target'] == target
        worst = max([worst] + errs)
        if max(errs) > TOL or not texts_ok or not no_false_one or not state_ok or got['predicted'] != ['cat', 'dog', 'plane', 'fish', 'building'][top]:
            bad.append((logits, log_t, target, max(errs), texts_ok, no_false_one, state_ok))
    check(f"{name}: explorer = lessonkit softmax / F.cross_entropy / autograd to {TOL:g}, formatted as fmt_prob ({len(settings)} settings)",
          not bad, f"largest difference {worst:.1e}" + (f"; {len(bad)} bad, first {bad[0]}" if bad else ''))

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
            check_pages(page, base, pages, check)
            check_api_links(pages, check)
            check_off_site(check)
            check_search(page, base, pages, check)
            for p in pages:
                if p.explorer: check_explorer(page, base, p.name, check)
            screenshots(page, base, pages, check)
            browser.close()
    finally: server.shutdown()
    foreign = sorted({u for u in requests if urlparse(u).scheme not in ('data', 'blob', 'about') and urlparse(u).netloc != host})
    check("no request leaves 127.0.0.1", not foreign, f"{len(requests)} requests recorded" + (f"; non-local: {foreign[:5]}" if foreign else ''))
    check("no local request fails", not failures, '; '.join(failures[:5]))
    print(f"\nbrowser check: {check.n - len(check.failed)} passed, {len(check.failed)} failed ({time.perf_counter()-start:.1f} s)", flush=True)
    if check.failed: sys.exit(1)

if __name__ == '__main__': main()
