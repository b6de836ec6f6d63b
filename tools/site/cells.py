"""Reading notebooks as nbdev writes them, without nbdev: cells, `#|` directives, the title and summary, the names a
cell defines and the modules a notebook exports to. Plain JSON and `ast`, so that an nbdev upgrade cannot break it."""
import ast, json, re
from pathlib import Path
from .paths import LIB

_DIRECTIVE = re.compile(r'^\s*#\s*\|\s*(.*?)\s*$')  # `#| hide`, `#| export losses`, `#| eval: false` (also `# | ...`)
EXPORTS = ('export', 'exports', 'exporti')  # nbdev's export directives (exporti: exported, no API entry)


def read(path:Path) -> dict:
    "A notebook file as a dict (nbformat 4 JSON)."
    return json.loads(Path(path).read_text(encoding='utf-8'))


def source(cell:dict) -> str:
    "A cell's source as one string (nbformat stores a string or a list of lines)."
    src = cell.get('source', '')
    return src if isinstance(src, str) else ''.join(src)


def directives(src:str) -> dict:
    """The `#|` lines at the top of a code cell, as {name: [arguments]}: `#| export losses` -> {'export': ['losses']},
    `#| eval: false` -> {'eval': ['false']}. Blank lines before them are allowed; the first other line ends them."""
    res = {}
    for line in src.splitlines():
        if not line.strip(): continue
        m = _DIRECTIVE.match(line)
        if not m: break
        words = m.group(1).replace(':', ': ', 1).split()
        if words: res[words[0].rstrip(':').lower()] = words[1:]
    return res


def strip_directives(src:str) -> str:
    "The code without any `#|` line (a stray one mid-cell is a comment to Python): no option comment shows on the site."
    return '\n'.join(l for l in src.splitlines() if not _DIRECTIVE.match(l)).strip('\n')


def option(d:dict, name:str) -> str:
    "A Quarto-style option's value (`#| echo: false` -> 'false'), lower case; '' when absent."
    return ' '.join(d.get(name, [])).lower()


def title_block(cells:list):
    """(title, summary, index of the cell, the rest of its text) from the first markdown cell: `# Title`, then an
    optional `> summary` (nbdev's convention). Raw `---` frontmatter with `title:`/`description:` is read too."""
    title = summary = None
    for i, cell in enumerate(cells):
        text = source(cell)
        if cell['cell_type'] == 'raw' and text.lstrip().startswith('---'):
            meta = dict(re.findall(r'^(\w+):\s*(.+?)\s*$', text, re.M))
            title, summary = meta.get('title', title), meta.get('description', summary)
        if cell['cell_type'] != 'markdown': continue
        lines = text.strip('\n').splitlines()
        if not lines or not re.match(r'#\s', lines[0]): return title, summary, None, ''
        n, quote = 1, []
        while n < len(lines) and not lines[n].strip(): n += 1
        while n < len(lines) and lines[n].startswith('>'):
            quote.append(lines[n][1:].strip())
            n += 1
        return lines[0][1:].strip(), ' '.join(quote) or summary, i, '\n'.join(lines[n:]).strip('\n')
    return title, summary, None, ''


def defined_names(code:str) -> list:
    "Names the top level of `code` defines (functions, classes, assignments), in order; [] if it does not parse."
    try: tree = ast.parse(code)
    except SyntaxError: return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def default_module(cells:list):
    "The module named by the notebook's `#| default_exp`, or None."
    for cell in cells:
        if cell['cell_type'] == 'code':
            d = directives(source(cell))
            if d.get('default_exp'): return d['default_exp'][0]
    return None


def export_module(d:dict, default):
    "The module an exported cell goes to (`#| export other` or the default), or None when the cell is not exported."
    kind = next((k for k in EXPORTS if k in d), None)
    if kind is None: return None
    return d[kind][0] if d[kind] else default


def exported_modules(cells:list) -> list:
    "Every module the notebook's cells export to, in order of first appearance (as nbdev names them: 'losses')."
    default, mods = default_module(cells), []
    for cell in cells:
        if cell['cell_type'] == 'code':
            mod = export_module(directives(source(cell)), default)
            if mod and mod not in mods: mods.append(mod)
    return mods


def dotted(module:str) -> str:
    "nbdev's module name ('losses', 'exercises.checking', '__init__') as Python's ('lessonkit.losses', 'lessonkit')."
    parts = [LIB.name] + [p for p in module.split('.') if p != '__init__']
    return '.'.join(parts)
