"""Every number a lesson's prose quotes is a number its executed notebook prints.

Usage: `python tools/prose_numbers.py [--no-execute] [lesson ...]` (default: every lesson), the `prose` check of
`make test`.

For each lesson of the site (docs/pages.toml), the numbers in its markdown cells are compared with what its executed
notebook prints: the outputs the site build keeps in jupyter-cache (docs/_build/.jupyter_cache), read as they are when
the lesson's code, the library and the environment are those the build executed (no kernel starts); otherwise the
lesson is executed here in a fresh kernel (`--no-execute`, what `make test` passes: report it instead). A number passes

- when an output prints it, at the precision the prose quotes it: prose 3.32 passes on a printed 3.3186 and fails on
  3.3286; 0.80 needs a printed value within 0.005 of 0.80. A percentage also passes on a printed fraction (96.38 % on
  0.9638), and so do percentage points; a number written with a sign (-0.0100, +0.3) must match the sign; 1.2e-5
  is read to its mantissa's digits; a whole number after "about" (about 163,000) to its digits before the zeros;
- when the notebook writes it, exactly (an input the prose repeats, a logit): a number literal of a code cell, or
  arithmetic on literals only (`2**16` is 65,536), or a number in the data-* attributes of its explorers and
  questions (their starting state); numbers in comments and strings do not count;
- when docs/prose_numbers.toml lists it for that notebook as a definitional constant, with its reason.

A whole number the code prints anywhere (2, 10) passes on any such output: the check is weak for small integers and
strict for quoted decimals. Not read as numbers: fenced and inline code, LaTeX math, link targets, URLs, HTML tags and
entities, issue numbers (pytorch#55902), list markers, citation years (Lin et al., 2017), lesson and exercise numbers
("lesson 6", "Exercise 2"), version numbers (3.11.7). A failure names the notebook, the cell (its id and the heading
above it), the number with the words around it, and the nearest printed value; an entry of docs/prose_numbers.toml
that no prose needs any more fails too, so that the list stays short."""
import ast, bisect, functools, json, math, operator, re, sqlite3, sys, time, tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.site import SiteError, pages as site_pages
from tools.site import cells as nbcells
from tools.site.paths import EXEC_CACHE, SRC

CONSTANTS = ROOT/'docs'/'prose_numbers.toml'
_NUMBER = re.compile(
    r'(?:(?<![\w.])(?P<sign>[-−+]))?(?<![\w.])'
    r'(?P<whole>[1-9]\d{0,2}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?!\.\d)'  # 1,797 · 0.9638 (not a version 3.11.7)
    r'(?:[eE](?P<exp>[-−+]?\d+))?'  # 1.2e-5
    r'(?P<ordinal>st|nd|rd|th)?'  # 105th
    r'(?P<pct>\s?%|\s(?:percent|per cent|percentage points?)\b)?(?!\w)')
_APPROX = re.compile(r'(?:\babout|\baround|\broughly|\bnearly|\balmost|\bsome|~|≈)\s*$')
_MONTH = r'(?:January|February|March|April|May|June|July|August|September|October|November|December)'
_YEAR = r'(?:19|20)\d\d[a-z]?'
_SKIP = [re.compile(p, re.S | re.M) for p in (
    r'^ {0,3}(```|~~~).*?^ {0,3}\1',  # fenced code blocks
    r'`[^`\n]*`',  # inline code
    r'\$\$.*?\$\$', r'(?<!\\)\$[^$\n]+?(?<!\\)\$',  # display and inline math
    r'\]\([^)]*\)', r'^\s*\[[^\]]+\]:\s*\S+',  # link targets, reference-style link definitions
    r'https?://\S+',  # bare URLs
    r'</?[A-Za-z][^<>]*>', r'<!--.*?-->', r'&#?\w+;',  # HTML tags (an explorer's data attributes), comments, entities
    r'[\w.-]*#\d+',  # issue numbers: pytorch#55902, #123
    r'^\s*(?:[-*+]\s+)?\d+[.)](?=\s)',  # numbered list markers
    rf'\bet al\.?,?\s*\(?{_YEAR}', rf'\b[A-Z][\w-]+,?\s+\(?{_YEAR}\)', rf'\(\s*{_YEAR}\s*\)',  # citation years
    rf'\b{_MONTH}\s+(?:\d{{1,2}},\s*)?{_YEAR}\b', rf'\b(?:[Ii]n|[Ss]ince|[Uu]ntil)\s+{_YEAR}(?=[.,;:)]|\s*$)',
    r'\b[Ll]essons?\s+\d+(?:\s*(?:,|and|or|to|–|-)\s*\d+)*',  # lesson numbers
    r'\b[Ee]xercises?\s+\d+(?:\s*(?:,|and|or|to|–|-)\s*\d+)*',  # exercise numbers
)]
_HEADING = re.compile(r'^#{1,6}\s+(.*)$', re.M)
_OUT_NUMBER = re.compile(r'(?<![\w.])([-−]?)(\d+(?:,\d{3})*)(\.\d+)?(?:[eE]([-+]?\d+))?')
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_DATA_ATTR = re.compile(r'''\sdata-[\w-]+\s*=\s*(?:"([^"]*)"|'([^']*)')''')
_SHOW_DOC = re.compile(r'^\s*show_doc\(')  # an author's show_doc cell: the site shows it as an API entry


@dataclass(frozen=True)
class Number:
    "A number as the prose writes it: its value and the precision it claims (`tol`), whether it carries a sign or a %."
    text: str
    value: float
    tol: float  # half a unit of its last quoted digit
    signed: bool = False
    percent: bool = False

    def _candidates(self, v:float) -> list:
        ts = [v, v * 100] if self.percent else [v]
        return ts if self.signed else [abs(t) for t in ts]

    def windows(self) -> list:
        "The (low, high) ranges a printed value must lie in to be this number at its precision (both ends included)."
        tol = self.tol * (1 + 1e-9) + 1e-12 * abs(self.value)
        out = [(self.value - tol, self.value + tol)]
        if self.percent: out.append(((self.value - tol) / 100, (self.value + tol) / 100))
        if not self.signed: out += [(-hi, -lo) for lo, hi in out]
        return out

    def matches(self, v:float) -> bool:
        "Whether a printed value `v` is this number, at the precision the prose quotes."
        return any(lo <= v <= hi for lo, hi in self.windows())

    def equals(self, v:float) -> bool:
        "Whether a value written in the code (or listed as a constant) is exactly this number."
        return any(math.isclose(t, self.value, rel_tol=1e-9, abs_tol=1e-15) for t in self._candidates(v))


class Printed:
    "The values a notebook prints, sorted, so that asking whether one of them is a prose number takes a bisection."
    def __init__(self, values:list): self.values = sorted(values)

    def has(self, n:Number) -> bool:
        for lo, hi in n.windows():
            i = bisect.bisect_left(self.values, lo)
            if i < len(self.values) and self.values[i] <= hi: return True
        return False


def _number(m, approx:bool=False) -> Number:
    "The Number of a `_NUMBER` match; `approx`: it follows \"about\" (a whole number's trailing zeros are no digits)."
    sign, whole, frac, exp, pct = m.group('sign'), m.group('whole').replace(',', ''), m.group('frac') or '', \
        m.group('exp'), m.group('pct')
    exp = int(exp.replace('−', '-')) if exp else 0
    value = float(whole + frac) * 10.0 ** exp
    digits = len(frac) - 1 if frac else 0
    if approx and not frac and not exp and whole != '0': digits = -(len(whole) - len(whole.rstrip('0')))
    if sign in ('-', '−'): value = -value
    return Number(m.group(0).strip(), value, 0.5 * 10.0 ** (exp - digits), bool(sign), bool(pct))


def blank_skipped(text:str) -> str:
    "The markdown with everything that is not prose (code, math, links, tags, ...) blanked, so that positions stay."
    for pat in _SKIP: text = pat.sub(lambda m: re.sub(r'\S', ' ', m.group(0)), text)
    return text


def prose_numbers(text:str) -> list:
    "(position, Number) of each number a markdown cell's prose quotes (not code, math, links, tags, lesson numbers)."
    text = blank_skipped(text)
    return [(m.start(), _number(m, bool(_APPROX.search(text[max(0, m.start() - 12):m.start()]))))
            for m in _NUMBER.finditer(text)]


def printed_values(text:str) -> list:
    "Every number in some printed text, as floats (thousands separators and signs read; 1,234 also as 1 and 234)."
    out = []
    for m in _OUT_NUMBER.finditer(text):
        sign, whole, frac, exp = m.groups()
        v = float(whole.replace(',', '') + (frac or '') + (f'e{exp}' if exp else ''))
        out.append(-v if sign else v)
        if ',' in whole: out += [float(w) for w in whole.split(',')]  # a list printed without spaces: 100,200
    return out


def _constant(node):
    "The value of a number literal, or of arithmetic on literals only (2**16, -1e4, 1 / 40); None for anything else."
    if isinstance(node, ast.Constant):
        return float(node.value) if isinstance(node.value, (int, float)) and not isinstance(node.value, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _constant(node.operand)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _constant(node.left), _constant(node.right)
        if a is None or b is None or (isinstance(node.op, ast.Pow) and abs(b) > 64): return None
        try: return float(_OPS[type(node.op)](a, b))
        except (ArithmeticError, ValueError, TypeError): return None
    return None


def code_values(src:str) -> list:
    """The numbers some Python code writes: its number literals (a unary minus read) and arithmetic on literals only
    (`2**16` is also 65536); not numbers in comments, strings or names."""
    code = '\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in src.splitlines())  # IPython magics
    try: tree = ast.parse(code)
    except SyntaxError: return []
    return [v for v in map(_constant, ast.walk(tree)) if v is not None and math.isfinite(v)]


def attribute_values(markdown:str) -> list:
    "The numbers in the data-* attributes of a markdown cell's HTML: an explorer's or a question's starting state."
    return [v for m in _DATA_ATTR.finditer(markdown) for v in printed_values(m.group(1) or m.group(2) or '')]


def _widget_text(nb:dict) -> str:
    "The text the saved widgets show (an explorer's readout): their string values, as the site shows them."
    state = nb.get('metadata', {}).get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {})
    return '\n'.join(m.get('state', {}).get('value') for m in state.get('state', {}).values()
                     if isinstance(m.get('state', {}).get('value'), str))


def _strip_html(html:str) -> str:
    return re.sub(r'<[^>]*>', ' ', re.sub(r'<(script|style)\b.*?</\1\s*>', ' ', html, flags=re.S | re.I))


def output_text(nb:dict) -> str:
    "Everything an executed notebook printed or displayed, as text (HTML tags, scripts and styles removed)."
    parts = []
    for cell in nb['cells']:
        for o in cell.get('outputs', []):
            if o.get('output_type') == 'stream': parts.append(nbcells.source(dict(source=o.get('text', ''))))
            elif o.get('output_type') == 'error': parts.append(f"{o.get('ename')}: {o.get('evalue')}")
            for kind in ('text/plain', 'text/html', 'text/markdown', 'text/latex'):
                data = o.get('data', {}).get(kind)
                if data: parts.append(_strip_html(data if isinstance(data, str) else ''.join(data)))
    return '\n'.join(parts + [_strip_html(_widget_text(nb))])


# ---------------------------------------------------------------- the executed notebook
def _site_code(cells:list) -> list:
    "The code cells the site build executes for a page, as (code, tags), computed as tools/site/notebooks.py does."
    from tools.site.notebooks import tags
    out = []
    for cell in cells:
        if cell['cell_type'] != 'code': continue
        src = nbcells.source(cell)
        code = nbcells.strip_directives(src)
        if code.strip() and not _SHOW_DOC.match(code): out.append((code, tags(nbcells.directives(src))))
    return out


def cached(page):
    """The page's executed notebook from the site build's jupyter-cache, or None when it is not there or not current:
    its code cells differ from the page's, or the library or the environment changed since (tools/site/plan.py)."""
    db = EXEC_CACHE/'global.db'
    if not db.exists(): return None
    con = sqlite3.connect(f'file:{db}?mode=ro', uri=True)
    try: rows = con.execute('SELECT hashkey, uri FROM nbcache ORDER BY created DESC').fetchall()
    except sqlite3.Error: rows = []
    finally: con.close()
    # the newest execution of docs/_build/src/<page>.ipynb, read by its path in the build folder, so that a copy of
    # the checkout (another path) still finds it; whether it is current is decided below, from its code
    key = '/' + (SRC/f'{page.name}.ipynb').relative_to(SRC.parent.parent).as_posix()
    path = next((EXEC_CACHE/'executed'/h/'base.ipynb' for h, uri in rows if Path(uri).as_posix().endswith(key)), None)
    if not path or not path.exists(): return None
    nb = json.loads(path.read_text(encoding='utf-8'))
    for c in nb['cells']: c['source'] = nbcells.source(c)
    code = [(c['source'], c.get('metadata', {}).get('tags', [])) for c in nb['cells']
            if c['cell_type'] == 'code' and not _SHOW_DOC.match(c['source'])]
    if code != _site_code(nbcells.read(page.path)['cells']): return None
    from tools.site.execute import code_digest
    return None if _plan().stale('execute', page.name, code=code_digest(nb)) else nb


@functools.cache
def _plan():
    "The site build's plan (tools/site/plan.py), read once: it digests the library and the environment on demand."
    from tools.site.plan import Plan
    return Plan()


def execute(page) -> dict:
    "The page executed now, in a fresh kernel, as the site build would (its outputs are not stored)."
    import tempfile, nbformat
    from nbclient import NotebookClient
    from tools.site.execute import TIMEOUT, _kernel_manager_class, kernel_environment
    from tools.site.notebooks import process
    nb = nbformat.from_dict(process(page, site_pages.pages()))
    kernel_environment()
    with tempfile.TemporaryDirectory(prefix='lk-') as sockets:  # over ipc sockets, as the site build runs kernels
        NotebookClient(nb, timeout=TIMEOUT, kernel_name='python3', kernel_manager_class=_kernel_manager_class(sockets),
                       resources={'metadata': {'path': str(page.path.parent)}}).execute()
    return nb


# ---------------------------------------------------------------- the check
def constants() -> dict:
    "{notebook name: {number text: reason}} from docs/prose_numbers.toml."
    if not CONSTANTS.exists(): return {}
    try: table = tomllib.loads(CONSTANTS.read_text(encoding='utf-8'))
    except tomllib.TOMLDecodeError as e: raise SiteError(f"{CONSTANTS.name}: cannot read it ({e})") from e
    for name, entries in table.items():
        if not isinstance(entries, dict) or not all(isinstance(r, str) and r.strip() for r in entries.values()):
            raise SiteError(f"{CONSTANTS.name}: [{name}] must map each number to its reason, e.g. \"0.5\" = \"...\"")
    return table


def _context(text:str, at:int, n:Number) -> str:
    "The words around a number, on one line."
    start, end = max(0, at - 40), min(len(text), at + len(n.text) + 30)
    snip = ' '.join(text[start:end].split())
    return ('…' if start else '') + snip + ('…' if end < len(text) else '')


def _nearest(n:Number, values:list) -> str:
    if not values: return 'it prints no number'
    v = min(values, key=lambda v: min(abs(t - n.value) for t in n._candidates(v)))
    return f"nearest printed: {v:g}"


def problems(name:str, cells:list, nb:dict, listed:dict) -> list:
    """The lines to print for one notebook (its name, its cells as written, its executed notebook, its constants): each
    prose number that its outputs, code literals and constants do not account for, and each constant not needed."""
    printed, read = printed_values(output_text(nb)), dict(code=code_values, markdown=attribute_values)
    index = Printed(printed)

    @functools.cache
    def literals() -> list:  # read when a number is not printed (most are)
        return [v for c in cells if c['cell_type'] in read for v in read[c['cell_type']](nbcells.source(c))]
    defs, out = {}, []
    for k in listed:
        m = _NUMBER.fullmatch(k.strip())
        if m: defs[k] = _number(m)
        else: out.append(f"nbs/{name}.ipynb: docs/prose_numbers.toml lists {k!r}, which is not a number")
    used, heading = set(), None
    for cell in cells:
        if cell['cell_type'] != 'markdown': continue
        text = nbcells.source(cell)
        heads = [(m.start(), m.group(0).strip()) for m in _HEADING.finditer(text)]
        for at, n in prose_numbers(text):
            if index.has(n) or any(n.equals(v) for v in literals()): continue
            hit = [k for k, d in defs.items() if n.equals(d.value)]
            if hit: used.update(hit); continue
            under = ([h for pos, h in heads if pos <= at] or [heading or 'the top'])[-1]
            out.append(f"nbs/{name}.ipynb, cell {cell.get('id', '?')} (under {under!r}): the prose says {n.text} "
                       f"(\"{_context(text, at, n)}\"), which no output prints ({_nearest(n, printed)})")
        if heads: heading = heads[-1][1]
    out += [f"nbs/{name}.ipynb: docs/prose_numbers.toml lists {k} ({listed[k]}), which the prose does not need "
            "(its outputs print it, or no prose says it): remove it" for k in defs if k not in used]
    return out


def main(argv=()) -> int:
    start, argv = time.perf_counter(), list(argv)
    run = '--no-execute' not in argv
    names = [a for a in argv if a != '--no-execute']
    try:
        lessons = [p for p in site_pages.pages() if p.role == 'lesson']
        listed = constants()
    except SiteError as e: print(f"prose numbers: {e}"); return 1
    unknown = sorted(set(names) - {p.name for p in lessons})
    if unknown:
        print(f"prose numbers: no lesson named {unknown}; the lessons are {[p.name for p in lessons]}")
        return 1
    found = [f"docs/prose_numbers.toml: [{n}] is not a lesson" for n in sorted(set(listed) - {p.name for p in lessons})]
    checked, ran = 0, []
    for page in [p for p in lessons if not names or p.name in names]:
        nb = cached(page)
        if nb is None and not run:
            found.append(f"nbs/{page.name}.ipynb: not current in the site build's cache (its code, the library or the "
                         "environment changed since): build the site first (`.venv/bin/python tools/check.py site "
                         "prose`)")
            continue
        if nb is None:
            print(f"  {page.name}: not current in the site build's cache (`make site`); executing it now", flush=True)
            try: nb = execute(page)
            except Exception as e:  # a cell raised or timed out
                found.append(f"nbs/{page.name}.ipynb raised while executing ({type(e).__name__}): fix it first, "
                             f"`make site` names the cell. {str(e).strip().splitlines()[-1:]}")
                continue
            ran.append(page.name)
        cells = nbcells.read(page.path)['cells']
        found += problems(page.name, cells, nb, listed.get(page.name, {}))
        checked += sum(c['cell_type'] == 'markdown' for c in cells)
    for line in found: print(line)
    n = len(names or lessons)
    print(f"prose numbers: {n} lessons, {checked} markdown cells, {len(found)} problems"
          f"{f', executed {len(ran)}' if ran else ''} ({time.perf_counter() - start:.1f} s)")
    if any('the prose says' in l for l in found):
        print("For each number: print it in a code cell (a number read off a trained model: assert it too), correct "
              "the prose, or, for a definitional constant, list it in docs/prose_numbers.toml with its reason.")
    return 1 if found else 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
