"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which cannot be installed here).

`python tools/make_readme.py` rewrites README.md; `--check` exits 1 when README.md differs from what it would write."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py (`make readme`): edit the notebook, not this file. -->\n"

def _src(cell): return ''.join(cell['source'])

def _directives(src):
    "The `#| key value` lines at the top of a code cell, as a dict."
    res = {}
    for line in src.splitlines():
        if not line.startswith('#|'): break
        key, *val = line[2:].strip().split(maxsplit=1)
        res[key.rstrip(':')] = val[0] if val else ''
    return res

def _code(src):
    "Code without its `#|` directive lines."
    return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()

def _md(src):
    "Markdown, with links to lesson notebooks pointed into `nbs/` (the README sits at the repo root)."
    return re.sub(r'\]\(([\w/]+\.ipynb)\)', r'](nbs/\1)', src.strip())

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    "Markdown for the README: markdown cells as they are, visible code cells as python blocks."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for cell in nb['cells']:
        src = _src(cell)
        if cell['cell_type'] == 'markdown': parts.append(_md(src))
        elif cell['cell_type'] == 'code':
            d = _directives(src)
            if 'hide' in d or 'export' in d or 'exporti' in d or 'default_exp' in d: continue
            code = _code(src)
            if code: parts.append(f"```python\n{code}\n```")
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n'

if __name__ == '__main__':
    readme = ROOT/'README.md'
    text = render()
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text(encoding='utf-8') != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `make readme` and commit README.md.")
    else: readme.write_text(text, encoding='utf-8')
