"""Every number a lesson's prose quotes is a number its executed notebook prints: `python tools/prose_numbers.py`.

For each lesson of the site (docs/pages.toml), the numbers in its markdown cells are compared with the numbers in
its executed outputs (the notebooks the site build keeps in jupyter-cache, docs/_build/.jupyter_cache; a lesson that
is not there, or whose code changed since, is executed here in a fresh kernel). A number passes when

- an output prints it, to the precision the prose quotes it (prose 3.32 passes on a printed 3.3186; a percentage,
  96.38 %, passes on a printed 0.9638 too); a number written with a sign must match the sign;
- it appears in the source of one of the notebook's code cells (an input the prose repeats, such as a logit);
- it is one of the notebook's definitional constants in docs/prose_numbers.toml, each listed with its reason.

Not read as numbers: inline code, LaTeX math, link targets and HTML tags, lesson and exercise numbers ("lesson 6",
"Exercise 2"). A failure names the notebook, the cell (its id and the heading above it) and the number; an entry of
docs/prose_numbers.toml that no prose uses any more fails too, so that the list stays short."""
import json, math, re, sys, tempfile, time, tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.site import SiteError, pages as site_pages
from tools.site import cells as nbcells
from tools.site.paths import EXEC_CACHE, NBS

CONSTANTS = ROOT/'docs'/'prose_numbers.toml'

_NUMBER = re.compile(r'(?<![\w.])([-−]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:[eE]([-+−]?\d+))?(?:st|nd|rd|th)?'
                     r'(\s?%)?(?![\w])')
_OUT_NUMBER = re.compile(r'(?<![\w.])(-?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:[eE]([-+]?\d+))?')
_SKIP = [re.compile(p, re.S) for p in (
    r'```.*?```',  # code blocks
    r'`[^`]*`',  # inline code
    r'\$\$.*?\$\$', r'(?<!\\)\$[^$]*?(?<!\\)\$',  # display and inline math
    r'\]\([^)]*\)',  # link targets
    r'<[^>]*>',  # HTML tags (the in-browser explorer's data attributes)
    r'\b[Ll]essons?\s+\d+(?:\s*(?:,|and|or|–|-)\s*\d+)*',  # lesson numbers
    r'\b[Ee]xercises?\s+\d+(?:\s*(?:,|and|or|–|-)\s*\d+)*',  # exercise numbers
    r'pytorch#\d+',  # an issue number
)]
_HEADING = re.compile(r'^#{1,6}\s+(.*)$', re.M)


@dataclass(frozen=True)
class Number:
    "A number as the prose writes it: its value, how many decimals it shows, whether it carries a sign or a %."
    text: str
    value: float
    decimals: int
    signed: bool
    percent: bool

    def matches(self, v:float) -> bool:
        "Whether a printed value `v` is this number, at the precision the prose quotes."
        targets = [v, v * 100] if self.percent else [v]
        for t in targets:
            if not self.signed: t = abs(t)
            if self.decimals is None:  # scientific notation: three significant digits
                if t and math.isclose(t, self.value, rel_tol=5e-3): return True
            elif round(t, self.decimals) == round(self.value, self.decimals) or t == self.value: return True
        return False


def _number(m) -> Number:
    sign, whole, frac, exp, pct = m.groups()
    text = m.group(0).strip()
    value = float(whole.replace(',', '') + (frac or '') + (f"e{exp.replace('−', '-')}" if exp else ''))
    if sign: value = -value
    return Number(text, value, None if exp else len(frac or '.') - 1, bool(sign), bool(pct))


def prose_numbers(text:str) -> list:
    "(position, Number) of each number a markdown cell's prose quotes (not code, math, links, tags, lesson numbers)."
    for pat in _SKIP: text = pat.sub(lambda m: ' ' * len(m.group(0)), text)  # blanked, so positions stay
    return [(m.start(), _number(m)) for m in _NUMBER.finditer(text)]


def printed_values(text:str) -> list:
    "Every number in some printed text or code, as floats (thousands separators and signs read)."
    out = []
    for m in _OUT_NUMBER.finditer(text):
        sign, whole, frac, exp = m.groups()
        try: v = float(whole.replace(',', '') + (frac or '') + (f'e{exp}' if exp else ''))
        except ValueError: continue
        out.append(-v if sign else v)
    return out


def _output_text(cell) -> str:
    "Everything a code cell printed or displayed, as text (HTML tags removed)."
    parts = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream': parts.append(nbcells.source(dict(source=o.get('text', ''))))
        elif o.get('output_type') == 'error': parts.append(f"{o.get('ename')}: {o.get('evalue')}")
        for kind in ('text/plain', 'text/html', 'text/markdown'):
            data = o.get('data', {}).get(kind)
            if data: parts.append(re.sub(r'<[^>]*>', ' ', data if isinstance(data, str) else ''.join(data)))
    return '\n'.join(parts)


def executed(page, log=print):
    "The executed notebook of a page: from the site build's jupyter-cache, or executed now when it is not there."
    from tools.site.notebooks import process
    import nbformat
    nb = nbformat.from_dict(process(page, site_pages.pages()))
    if (EXEC_CACHE/'global.db').exists():
        from jupyter_cache import get_cache
        cache = get_cache(str(EXEC_CACHE))
        try: return cache.get_cache_bundle(cache.match_cache_notebook(nb).pk).nb
        except KeyError: pass
    log(f"  {page.name}: not in the site build's cache (run `make site`); executing it now")
    from nbclient import NotebookClient
    from tools.site.execute import kernel_environment
    kernel_environment()
    NotebookClient(nb, timeout=600, kernel_name='python3',
                   resources={'metadata': {'path': str(page.path.parent)}}).execute()
    return nb


def constants() -> dict:
    "{notebook name: {number text: reason}} from docs/prose_numbers.toml."
    if not CONSTANTS.exists(): return {}
    table = tomllib.loads(CONSTANTS.read_text(encoding='utf-8'))
    for name, entries in table.items():
        if not isinstance(entries, dict) or not all(isinstance(r, str) and r.strip() for r in entries.values()):
            raise SiteError(f"{CONSTANTS.name}: [{name}] must map each number to its reason, e.g. \"0.5\" = \"...\"")
    return table


def problems(page, nb, listed:dict) -> list:
    "The lines to print for one lesson: each prose number its outputs, code and constants do not account for."
    source = nbcells.read(page.path)['cells']
    code = '\n'.join(nbcells.source(c) for c in source if c['cell_type'] == 'code')
    known = printed_values('\n'.join(_output_text(c) for c in nb.cells if c.cell_type == 'code')) + printed_values(code)
    defs = {k: _number(m) for k in listed for m in [_NUMBER.fullmatch(k)] if m}
    bad_keys = [k for k in listed if k not in defs]
    out = [f"nbs/{page.name}.ipynb: docs/prose_numbers.toml lists {k!r}, which is not a number" for k in bad_keys]
    used, heading = set(), f'# {page.title}'
    for cell in source:
        text = nbcells.source(cell)
        if cell['cell_type'] != 'markdown': continue
        heads = [(m.start(), m.group(0).strip()) for m in _HEADING.finditer(text)]
        for at, n in prose_numbers(text):
            if any(n.matches(v) for v in known): continue
            hit = [k for k, d in defs.items() if d.value == n.value]
            if hit: used.update(hit); continue
            under = ([h for pos, h in heads if pos <= at] or [heading])[-1]
            out.append(f"nbs/{page.name}.ipynb, cell {cell.get('id', '?')} (under {under!r}): the prose says {n.text}, "
                       "which no output of the executed notebook prints (nor its code, nor docs/prose_numbers.toml)")
        if heads: heading = heads[-1][1]
    out += [f"nbs/{page.name}.ipynb: docs/prose_numbers.toml lists {k} ({listed[k]}), which its prose no longer "
            "uses: remove it" for k in defs if k not in used]
    return out


def main(names=()) -> int:
    start = time.perf_counter()
    try:
        lessons = [p for p in site_pages.pages() if p.role == 'lesson' and (not names or p.name in names)]
        listed = constants()
    except SiteError as e: print(f"prose numbers: {e}"); return 1
    unknown = sorted(set(listed) - {p.name for p in site_pages.pages() if p.role == 'lesson'})
    found = [f"docs/prose_numbers.toml: [{n}] is not a lesson" for n in unknown]
    checked = 0
    for page in lessons:
        found += problems(page, executed(page), listed.get(page.name, {}))
        checked += len([c for c in nbcells.read(page.path)['cells'] if c['cell_type'] == 'markdown'])
    for line in found: print(line)
    print(f"prose numbers: {len(lessons)} lessons, {checked} markdown cells, {len(found)} problems "
          f"({time.perf_counter() - start:.1f} s)")
    return 1 if found else 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
