"""Use the lessons in real Jupyter clients, as a student does: `python tools/client_check.py [lesson ...]`.

`make clients` runs it on every lesson; name lessons (`01_softmax`) to check only those.

Starts JupyterLab (the version `make env` pins) on a free port of 127.0.0.1, serving a scratch copy of nbs/ (the
working tree is never touched), and drives /usr/bin/chromium with Playwright (installing it with apt-get when it is
missing, as the browser check does). Each check prints one line; the script exits non-zero when any fails.

The checks:
- no notebook in nbs/ has an `#| eval: false` cell: the site and the tests skip such a cell, but a student's
  "Run All" runs it (a cell too slow or too big for a lesson belongs in benchmarks/ or a reference page);
- JupyterLab starts with `make lab`'s own command line (read with `make -n lab`), as root where the check runs as
  root (containers, CI), with only a port, a token and no browser added;
- in JupyterLab, every lesson of the page table (docs/pages.toml) opened in a fresh kernel and run with the menu's
  Run > Run All Cells: every code cell runs, none shows an error, and every output renders (no "Error displaying
  widget", no HTML shown as its text); lessons that train show fastprogress bars while they run and clear them at
  the end; every explorer a visible cell shows is live;
- for each of those explorers: no control's label is cut; a slider moved with the keyboard (arrow keys on its
  focused handle) changes the slider, the readout and the picture, and each key press is timed until the readout
  changes (the median and 90th percentile are printed); the same slider dragged with the mouse changes them again;
  with a target dropdown, "(none)" is shown as "(none)" (not a blank box), and choosing a class shows the loss;
  the keys move neither the notebook's active cell nor collapse the section that holds the explorer;
- in Notebook 7, lesson 1 the same way (Notebook 7 gives its own shortcuts the keys before the focused element, so
  this is where a slider's arrow keys are at risk);
- no request leaves 127.0.0.1 (the server's news and update checks are off), and JupyterLab's log holds no warning
  that a kernel runs over unencrypted TCP (`make lab` asks for ipc sockets)."""
import json, os, re, secrets, shlex, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.browser_check import CHROMIUM, CHROMIUM_ARGS, Checks, ensure_chromium
from tools.site import SiteError, pages as table
from tools.site.paths import NBS, ROOT

BIN = Path(sys.executable).parent
NOTEBOOK7 = ['01_softmax']  # lessons also checked in Notebook 7
PRESSES = 20  # key presses timed per explorer in JupyterLab
RUN_TIMEOUT = 300  # seconds for one lesson's Run All
_EVAL_FALSE = re.compile(r'^#\|\s*eval:\s*false\b', re.M)
_SHOWN_EXPLORER = re.compile(r'^\s*(?:lessonkit\.)?\w+_explorer\(')  # a cell's last statement displays an explorer
_PROGRESS = re.compile(r'\btrain_digits_model\((?![^\n]*progress=False)')  # trains with fastprogress bars

def _cells(path:Path) -> list: return json.loads(path.read_text(encoding='utf-8'))['cells']

def eval_false_cells(paths) -> list:
    "`name: first line` of every code cell marked `#| eval: false` in the notebooks `paths`."
    return [f"{p.relative_to(NBS)}: {''.join(c['source']).splitlines()[-1][:60]}" for p in paths
            for c in _cells(p) if c['cell_type'] == 'code' and _EVAL_FALSE.search(''.join(c['source']))]

def _last_statement(src:str) -> str:
    "The last top-level statement of a cell (its first line), which the notebook displays."
    lines = [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#')]
    top = [l for l in lines if not l[:1].isspace() and not l.startswith((')', ']', '}'))]
    return top[-1] if top else ''

def shown_explorers(path:Path) -> int:
    "How many explorers a notebook's cells display: cells whose last statement calls `*_explorer(...)`."
    return sum(bool(_SHOWN_EXPLORER.match(_last_statement(''.join(c['source'])))) for c in _cells(path)
               if c['cell_type'] == 'code' and not ''.join(c['source']).startswith('#| export'))

def trains(path:Path) -> bool:
    "Whether a lesson trains a model with progress bars (lessonkit.digits.train_digits_model, not progress=False)."
    return any(c['cell_type'] == 'code' and _PROGRESS.search(''.join(c['source'])) for c in _cells(path))

# --- the server

def lab_command() -> list:
    "`make lab`'s command line, read with `make -n lab`: the check starts JupyterLab as a student does (as root too)."
    out = subprocess.run(['make', '-s', '-n', 'lab'], cwd=ROOT, capture_output=True, text=True).stdout
    lines = [shlex.split(l) for l in out.splitlines() if 'jupyter-lab' in l]
    if len(lines) != 1 or lines[0][-1].rstrip('/') != 'nbs':
        sys.exit(f"client check: `make -n lab` should print one jupyter-lab command opening nbs/; it printed:\n{out}")
    return lines[0][:-1]

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

class Server:
    "JupyterLab as `make lab` starts it, on 127.0.0.1, serving `root`; its Jupyter state in `state`, no network."
    def __init__(self, root:Path, state:Path):
        self.root, self.token, self.port = root, secrets.token_hex(16), _free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        news = state/'settings'/'@jupyterlab'/'apputils-extension'
        news.mkdir(parents=True)
        (news/'notification.jupyterlab-settings').write_text(json.dumps(dict(fetchNews='false', checkForUpdates=False)))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(state/'config'), JUPYTER_DATA_DIR=str(state/'data'),
                   JUPYTER_RUNTIME_DIR=str(state/'runtime'), JUPYTERLAB_SETTINGS_DIR=str(state/'settings'),
                   JUPYTERLAB_WORKSPACES_DIR=str(state/'workspaces'), JUPYTER_PLATFORM_DIRS='1')
        self.log = state/'server.log'
        self.cmd = lab_command() + ['--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={self.port}',
                                    '--ServerApp.port_retries=0', f'--IdentityProvider.token={self.token}',
                                    '--LabApp.extension_manager=readonly', '--LabApp.news_url=None', str(root)]
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdout=self.log.open('w'), stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None: break
            try:
                self.api('status')
                return
            except OSError: time.sleep(0.3)
        self.stop()
        sys.exit(f"client check: JupyterLab did not start with `make lab`'s command"
                 f"{' as root' if os.geteuid() == 0 else ''} ({shlex.join(self.cmd)}); its log ends:\n{self.tail()}")

    def api(self, path:str, method:str='GET'):
        req = urllib.request.Request(f"{self.base}api/{path}", method=method,
                                     headers={'Authorization': f'token {self.token}'})
        with urllib.request.urlopen(req, timeout=10) as r: return json.loads(r.read() or 'null')

    def url(self, client:str, path:str) -> str:
        return f"{self.base}{'lab/tree' if client == 'lab' else 'notebooks'}/{path}?reset&token={self.token}"

    def kernel_state(self, path:str):
        "The execution state of the kernel of the notebook at `path` (None while it has none)."
        for s in self.api('sessions'):
            if s['path'] == path and s.get('kernel'): return s['kernel']['execution_state']

    def shut_down(self, path:str):
        for s in self.api('sessions'):
            if s['path'] == path: self.api(f"sessions/{s['id']}", 'DELETE')

    def tail(self, n:int=15) -> str: return '\n'.join(self.log.read_text(errors='replace').splitlines()[-n:])

    def stop(self):
        self.proc.terminate()
        try: self.proc.wait(20)
        except subprocess.TimeoutExpired: self.proc.kill()

# --- one notebook in a client

def _menu(page, menu:str, item:str):
    "Choose `item` from the menu bar's `menu`, as a student does with the mouse."
    page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(f'^{menu}$')).click()
    page.locator('.lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel', has_text=re.compile(f'^{item}$')).click()

def _wait(what:str, test, timeout:float, every:float=0.25):
    "Poll `test()` until it is true; raise TimeoutError naming `what` after `timeout` seconds."
    deadline = time.time() + timeout
    while time.time() < deadline:
        if test(): return
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")

_BARS = "() => document.querySelectorAll('.jp-OutputArea-output progress').length"
_WATCH_BARS = """() => {  // the most progress bars shown at once while the notebook runs
    window.__lkBars = 0;
    new MutationObserver(() => { window.__lkBars = Math.max(window.__lkBars, (%s)()); })
        .observe(document.body, {subtree: true, childList: true});
}""" % _BARS
_PROMPTS = "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent)"

def run_all(page, server:Server, client:str, path:str) -> float:
    "Open the notebook at `path` in `client`, wait for its kernel, Run All from the menu, wait until every cell ran."
    page.goto(server.url(client, path), wait_until='load')
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60_000)
    _wait('the kernel to start', lambda: server.kernel_state(path) == 'idle', 60)
    page.evaluate(_WATCH_BARS)
    start = time.perf_counter()
    _menu(page, 'Run', 'Run All Cells')
    _wait('a cell to start', lambda: any('*' in p or re.search(r'\d', p) for p in page.evaluate(_PROMPTS)), 30)
    def done():
        return not any('*' in p for p in page.evaluate(_PROMPTS)) and server.kernel_state(path) == 'idle'
    _wait('Run All to finish', lambda: done() and (time.sleep(0.5) or done()), RUN_TIMEOUT)
    return time.perf_counter() - start

def saved_outputs(page, server:Server, path:str) -> dict:
    "Save the notebook from the client (Ctrl+S) and read what it holds: cells not run, errors, stderr."
    file = server.root/path
    before = file.stat().st_mtime_ns
    page.locator('.jp-Notebook').first.click(position=dict(x=5, y=5))  # command mode, focus in the notebook
    page.keyboard.press('Control+s')
    _wait('the notebook to be saved', lambda: file.stat().st_mtime_ns != before, 30)
    time.sleep(0.3)
    res = dict(not_run=[], errors=[], stderr=[])
    for i, c in enumerate(_cells(file)):
        if c['cell_type'] != 'code' or not ''.join(c['source']).strip(): continue
        if c.get('execution_count') is None: res['not_run'].append(i)
        for o in c.get('outputs', []):
            if o['output_type'] == 'error': res['errors'].append(f"cell {i}: {o['ename']}: {o['evalue'][:200]}")
            if o['output_type'] == 'stream' and o['name'] == 'stderr':
                res['stderr'].append(f"cell {i}: {''.join(o['text']).strip()[:200]}")
    return res

# --- the explorers

_EXPLORERS = '.lk-explorer-widget'

_STATE = """root => {
    const readout = root.querySelector(':scope > .widget-html'), img = root.querySelector('.widget-image');
    const slider = root.querySelector('.widget-hslider');
    const select = root.querySelector('.widget-dropdown select');
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    return {readout: readout ? readout.innerText : null, picture: img ? img.getAttribute('src') : null,
            slider: slider ? slider.querySelector('.widget-readout').innerText : null,
            target: select ? (select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : '') : null,
            visible: root.offsetHeight > 0 && root.getClientRects().length > 0,
            active: cells.findIndex(c => c.classList.contains('jp-mod-active'))};
}"""

_CUT_LABELS = """root => [...root.querySelectorAll('.widget-label')]
    .filter(l => l.offsetWidth > 0 && l.textContent.trim() && l.scrollWidth > l.clientWidth + 1)
    .map(l => `${l.textContent.trim()} (${l.scrollWidth} px of text in ${l.clientWidth} px)`)"""

_TIMER = """root => {  // time each key press on the slider handle until the readout changes
    const handle = root.querySelector('.widget-hslider .noUi-handle');
    const readout = root.querySelector(':scope > .widget-html');
    const t = window.__lkTimer = {pressed: null, times: []};
    new MutationObserver(() => {
        if (t.pressed !== null) { t.times.push(performance.now() - t.pressed); t.pressed = null; }
    }).observe(readout, {subtree: true, childList: true, characterData: true});
    handle.addEventListener('keydown', () => { t.pressed = performance.now(); }, true);
}"""

def _state(page, root) -> dict: return page.evaluate(_STATE, root)

def _until(page, root, test, timeout:float=15) -> dict:
    "The explorer's state once `test(state)` holds, or when `timeout` seconds have passed."
    deadline = time.time() + timeout
    while True:
        now = _state(page, root)
        if test(now) or time.time() > deadline: return now
        time.sleep(0.05)

def _changed(page, root, before:dict, keys:tuple) -> dict:
    "The explorer's state once each of `keys` differs from `before` (or after 15 s)."
    return _until(page, root, lambda now: all(now[k] != before[k] for k in keys))

def _settled(page, root, quiet:float=0.6, timeout:float=15) -> dict:
    "The explorer's state once it has not changed for `quiet` seconds: the kernel has answered every change."
    last, since, deadline = _state(page, root), time.time(), time.time() + timeout
    while time.time() - since < quiet and time.time() < deadline:
        time.sleep(0.1)
        now = _state(page, root)
        if now != last: last, since = now, time.time()
    return last

def check_explorer(page, root, label:str, check:Checks, latencies:list, presses:int):
    "Labels, keyboard, mouse and target of one live explorer (`root`, an element handle)."
    root.scroll_into_view_if_needed()
    cut = page.evaluate(_CUT_LABELS, root)
    check(f"{label}: no control's label is cut", not cut, '; '.join(cut))
    handle = root.query_selector('.widget-hslider .noUi-handle')
    # the keyboard: focus the first slider's handle, press arrow keys, each timed until the readout changes
    page.evaluate(_TIMER, root)
    handle.focus()
    before, key_ok = _state(page, root), True
    for i in range(presses):
        page.keyboard.press('ArrowRight' if (i // 5) % 2 == 0 else 'ArrowLeft')
        try: page.wait_for_function("() => window.__lkTimer.pressed === null", timeout=5_000)
        except Exception:
            key_ok = False
            break
    times = page.evaluate("() => window.__lkTimer.times")
    page.keyboard.press('ArrowRight')
    after = _changed(page, root, before, ('readout', 'picture', 'slider'))
    moved = key_ok and all(after[k] != before[k] for k in ('readout', 'picture', 'slider'))
    check(f"{label}: arrow keys move the slider, the readout and the picture", moved,
          f"slider {before['slider']} -> {after['slider']}, {len(times)} of {presses} presses changed the readout")
    check(f"{label}: arrow keys on the slider leave the notebook alone (active cell, sections)",
          after['visible'] and after['active'] == before['active'],
          f"active cell {before['active']} -> {after['active']}, explorer visible: {after['visible']}")
    latencies += times
    # the mouse: drag the same handle 40 px to the left
    root.scroll_into_view_if_needed()
    before, box = _settled(page, root), handle.bounding_box()
    x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y, steps=8)
    page.mouse.up()
    after = _changed(page, root, before, ('readout', 'picture', 'slider'))
    check(f"{label}: dragging the slider with the mouse moves the readout and the picture",
          all(after[k] != before[k] for k in ('readout', 'picture', 'slider')),
          f"slider {before['slider']} -> {after['slider']}")
    # the target dropdown: never an empty box; a class shows its loss; "(none)" shows "(none)" and no loss
    select = root.query_selector('.widget-dropdown select')
    if select is None: return
    options, start = page.evaluate("s => [...s.options].map(o => o.text)", select), _settled(page, root)
    choice = options[1] if start['target'] != options[1] else options[2]
    select.select_option(label=choice)
    chosen = _until(page, root, lambda now: 'cross-entropy loss' in now['readout']
                    and now['picture'] != start['picture'])
    check(f"{label}: choosing a target shows its loss", 'cross-entropy loss' in chosen['readout'] and
          chosen['target'] == choice, f"target {chosen['target']!r}")
    select.select_option(label='(none)')
    _until(page, root, lambda now: 'choose a target' in now['readout'])
    none = _settled(page, root)  # the kernel's answer to the choice has arrived: it used to blank the box
    check(f"{label}: the target dropdown shows \"(none)\", before and after a student chooses it",
          start['target'] != '' and none['target'] == '(none)' and 'choose a target' in none['readout'],
          f"the box showed {start['target']!r} at the start, {none['target']!r} after choosing \"(none)\"")

def check_notebook(page, server:Server, client:str, path:str, check:Checks, latencies:list):
    "Run All in `client`, then check the outputs and use every explorer the notebook shows."
    name, where = Path(path).with_suffix('').as_posix(), 'JupyterLab' if client == 'lab' else 'Notebook 7'
    label = f"{where} {name}"
    try: took = run_all(page, server, client, path)
    except TimeoutError as e:
        check(f"{label}: Run All runs every cell", False, str(e))
        return
    out = saved_outputs(page, server, path)
    check(f"{label}: Run All runs every cell, none shows an error", not out['not_run'] and not out['errors'],
          f"{took:.1f} s" + (f"; not run: cells {out['not_run'][:5]}" if out['not_run'] else '')
          + (f"; {'; '.join(out['errors'][:3])}" if out['errors'] else ''))
    if out['stderr']: print(f"     stderr shown (warnings the lesson prints): {'; '.join(out['stderr'][:3])}")
    broken = page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea-output')].filter(o => "
                           "/Error displaying widget|Error rendering output|IPython.core.display.\\w+ object/"
                           ".test(o.textContent)).map(o => o.textContent.trim().slice(0, 80))")
    check(f"{label}: every output renders (widgets, HTML)", not broken,
          f"{len(broken)} outputs could not be shown" + (f": {broken[:2]}" if broken else ''))
    nb = server.root/path
    if trains(nb):
        shown, left = page.evaluate("() => window.__lkBars"), page.evaluate(_BARS)
        check(f"{label}: training shows progress bars, and clears them when it ends", shown > 0 and left == 0,
              f"up to {shown} shown at once while it ran, {left} left at the end")
    want, roots = shown_explorers(nb), page.query_selector_all(_EXPLORERS)
    if want or roots:
        check(f"{label}: every explorer a cell shows is live", len(roots) == want,
              f"{len(roots)} live, {want} shown by the notebook's cells")
    for i, root in enumerate(roots):
        check_explorer(page, root, f"{label} explorer {i + 1}", check, latencies, PRESSES if client == 'lab' else 10)

def _percentile(xs:list, q:float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]

def main(names:list):
    start = time.perf_counter()
    check = Checks()
    notebooks = sorted(p for p in NBS.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
    bad = eval_false_cells(notebooks)
    check(f"no `#| eval: false` cell that a student's Run All would run ({len(notebooks)} notebooks)", not bad,
          '; '.join(bad[:5]))
    try: lessons = [p for p in table.pages() if p.role == 'lesson']
    except SiteError as e: sys.exit(f"client check: {e}")
    unknown = sorted(set(names) - {p.name for p in lessons})
    if unknown: sys.exit(f"client check: {unknown} are not lessons; the lessons are {[p.name for p in lessons]}")
    lessons = [p for p in lessons if p.name in names or not names]
    ensure_chromium()
    from playwright.sync_api import sync_playwright
    scratch = Path(tempfile.mkdtemp(prefix='lessonkit-clients-'))
    root, requests, latencies, server = scratch/'nbs', [], [], None
    shutil.copytree(NBS, root, ignore=shutil.ignore_patterns('.ipynb_checkpoints', '__pycache__'))
    try:
        server = Server(root, scratch/'jupyter')
        check(f"JupyterLab starts with `make lab`'s command{' as root' if os.geteuid() == 0 else ''}", True,
              shlex.join(server.cmd[:server.cmd.index('--no-browser')]))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            runs = [('lab', p) for p in lessons] + [('notebook', p) for p in lessons if p.name in NOTEBOOK7]
            for client, p in runs:
                context = browser.new_context(viewport={'width': 1400, 'height': 1000}, service_workers='block')
                context.on('request', lambda r: requests.append(r.url))
                page = context.new_page()
                page.set_default_timeout(30_000)
                path = f'{p.name}.ipynb'
                try: check_notebook(page, server, client, path, check, latencies if client == 'lab' else [])
                except Exception as e:  # one lesson that breaks the check must not hide the others
                    check(f"{'JupyterLab' if client == 'lab' else 'Notebook 7'} {p.name}: the check ran to its end",
                          False, f"{type(e).__name__}: {str(e).splitlines()[0][:300]}")
                finally:
                    context.close()
                    server.shut_down(path)
            browser.close()
    finally:
        if server is not None: server.stop()
        log = server.log.read_text(errors='replace') if server is not None else ''
        shutil.rmtree(scratch, ignore_errors=True)
    tcp = log.count('running over TCP without encryption')
    check("the kernels run over ipc sockets, as `make lab` asks: no warning that TCP is unencrypted", tcp == 0,
          f"{tcp} warnings in JupyterLab's log")
    foreign = sorted({u for u in requests if not u.startswith((server.base, 'data:', 'blob:', 'about:'))})
    check("no request leaves 127.0.0.1", not foreign, f"{len(requests)} requests" +
          (f"; non-local: {foreign[:5]}" if foreign else ''))
    if latencies:
        print(f"\nkey press -> readout in JupyterLab: median {statistics.median(latencies):.0f} ms, "
              f"90th percentile {_percentile(latencies, 0.9):.0f} ms ({len(latencies)} presses)")
    print(f"\nclient check: {check.n - len(check.failed)} passed, {len(check.failed)} failed "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    if check.failed: sys.exit(1)

if __name__ == '__main__': main(sys.argv[1:])
