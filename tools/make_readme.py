"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which cannot be installed here).

`python tools/make_readme.py` rewrites README.md; `--check` exits 1 when README.md differs from what it would write."""
import re, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.site import cells
from tools.site.paths import NBS, ROOT

HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py (`make readme`): edit the notebook, not this file. -->\n"

def _md(src):
    "Markdown, with links to lesson notebooks pointed into `nbs/` (the README sits at the repo root)."
    return re.sub(r'\]\(([\w/]+\.ipynb)\)', r'](nbs/\1)', src.strip())

def render(nb_path=NBS/'index.ipynb'):
    "Markdown for the README: markdown cells as they are, visible code cells as python blocks."
    parts = []
    for cell in cells.read(nb_path)['cells']:
        src = cells.source(cell)
        if cell['cell_type'] == 'markdown': parts.append(_md(src))
        elif cell['cell_type'] == 'code':
            d = cells.directives(src)
            if 'hide' in d or 'default_exp' in d or set(cells.EXPORTS) & set(d): continue
            code = cells.strip_directives(src).strip()
            if code: parts.append(f"```python\n{code}\n```")
    return HEADER + '\n\n'.join(p for p in parts if p) + '\n'

if __name__ == '__main__':
    readme = ROOT/'README.md'
    text = render()
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text(encoding='utf-8') != text:
            sys.exit("README.md is out of date with nbs/index.ipynb: run `make readme` and commit README.md.")
    else: readme.write_text(text, encoding='utf-8')
