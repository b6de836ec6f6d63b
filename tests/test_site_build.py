"""The site build's own parts (tools/site), without building: directives, titles, defined names, the page table,
API entries, the reading of nbdev's generated files, and the plan. Quick: nothing is executed.

The build imports no private name of nbdev or fastcore (test_no_private_imports). What it does rely on, and what an
upgrade could change, is tested here so that it fails loudly: the markers nbdev writes in the generated modules, and
the table fastcore's public `docments(f, full=True)` returns."""
import ast, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import pytest
from tools.site import SiteError, apidoc, cells, notebooks, pages
from tools.site.plan import DEPENDS, Plan


def test_directives():
    assert cells.directives('#| export losses\nx = 1') == {'export': ['losses']}
    assert cells.directives('\n#| hide\n#| eval: false\nx = 1') == {'hide': [], 'eval': ['false']}
    assert cells.directives('#|eval:false\n# | echo: false') == {'eval': ['false'], 'echo': ['false']}
    assert cells.directives('x = 1\n#| hide') == {}  # only the lines at the top are directives
    assert cells.strip_directives('#| export\ndef f(): pass\n#| a stray one\nf()') == 'def f(): pass\nf()'


def test_tags():
    d = cells.directives
    assert notebooks.tags(d('#| hide')) == notebooks.tags(d('#| default_exp core')) == ['remove-cell']
    assert notebooks.tags(d('#| export')) == notebooks.tags(d('#| export losses')) == ['hide-input']
    assert notebooks.tags(d('#| eval: false')) == ['skip-execution']
    assert notebooks.tags(d('#| echo: false\n#| output: false')) == ['remove-input', 'remove-output']
    assert notebooks.tags(d('x = 1')) == []


def test_title_block():
    nb = [dict(cell_type='code', source='#| default_exp x'),
          dict(cell_type='markdown', source=['# Softmax\n', '\n', '> From logits\n', '> to probabilities.\n', '\nA'])]
    assert cells.title_block(nb) == ('Softmax', 'From logits to probabilities.', 1, 'A')
    assert cells.title_block([dict(cell_type='markdown', source='No title')])[0] is None


def test_defined_names_and_modules():
    code = "import torch\ndef f(x): pass\nclass C: pass\nA, (B, D) = 1, (2, 3)\nE: int = 4\n_p = 5\nif x: G = 6"
    assert cells.defined_names(code) == ['f', 'C', 'A', 'B', 'D', 'E', '_p']
    assert cells.defined_names('def (') == []
    nb = [dict(cell_type='code', source=s) for s in ('#| default_exp losses', '#| export\nx=1',
                                                     '#| export exercises.losses\ny=1', '#| exporti\nz=1')]
    assert cells.exported_modules(nb) == ['losses', 'exercises.losses']
    assert [cells.dotted(m) for m in ('losses', 'exercises.checking', '__init__')] == \
        ['lessonkit.losses', 'lessonkit.exercises.checking', 'lessonkit']


def test_page_table():
    site = pages.pages()
    names = [p.name for p in site]
    assert names[0] == pages.HOME and names[-1] == pages.API
    roles = [p.role for p in site]
    assert roles == sorted(roles, key=['home', 'lesson', 'reference'].index), "home, then lessons, then reference"
    t = pages.table()
    assert {p.name: list(p.explorers) for p in site if p.explorers} == t['in_browser_explorers']
    assert all(set(p.explorers) <= set(pages.KINDS) for p in site)
    lessons = {p.name for p in site if p.role == 'lesson'}
    assert {p.name for p in site if p.questions} == lessons - set(t['no_questions'])
    assert not any(p.plot for p in site if p.role != 'lesson')
    assert not set(map(str, pages.off_site())) & {str(p.path) for p in site}
    assert all(p.title for p in site)


def test_page_table_refuses_unknown_names(monkeypatch, tmp_path):
    bad = tmp_path/'pages.toml'
    bad.write_text('reference = ["no_such_notebook"]\n')
    monkeypatch.setattr(pages, 'TABLE', bad)
    with pytest.raises(SiteError, match='no_such_notebook'): pages.pages()
    bad.write_text('refrence = []\n')
    with pytest.raises(SiteError, match='unknown keys'): pages.table()
    bad.write_text('[in_browser_explorers]\n"01_softmax" = ["logits"]\n')
    with pytest.raises(SiteError, match='lists of kinds'): pages.table()


def test_generated_files_name_their_notebooks():
    "nbdev's markers (`# %% ../nbs/X.ipynb #id`, `File to edit:`) still say which notebook defines each public name."
    mods = apidoc.modules()
    assert mods and all(m.path.name != '_modidx.py' for m in mods.values())
    found = pages.notebooks()
    for m in mods.values():
        assert all(nb in found for nb in m.notebooks), (m.name, m.notebooks)
        public = getattr(m.load(), '__all__', [])
        own = [n for n in public if n in m.defined]
        assert all(m.defined[n] in found for n in own), (m.name, {n: m.defined[n] for n in own})
    assert any(m.notebooks for m in mods.values()), "no module names a notebook: has nbdev's marker format changed?"


def _example(x,  # the input
             dim:int=-1,  # the dimension
             *, keep:bool=False,
             ) -> list:  # the result
    "An example."


def test_entry_uses_public_docments():
    "fastcore's public `docments(f, full=True)` still gives each argument's comment, which the API tables show."
    assert apidoc.signature(_example, '_example') == '_example(x, dim:int=-1, *, keep:bool=False) -> list'
    md = apidoc.entry(_example, '_example', 3, 'api-x-example')
    assert md.startswith('(api-x-example)=\n### _example\n')
    assert '*An example.*' in md
    assert '| `x` |  |  | the input |' in md and '| `dim` | int | `-1` | the dimension |' in md
    assert '| **returns** | list |  | the result |' in md


def test_entry_of_values_properties_and_classes():
    class K:
        "A class."
        def __init__(self, a:int=1): self.a = a
        @property
        def p(self): "A property."
        def m(self, b): "A method."
        def _hidden(self): pass
    assert [n for n, _ in apidoc.members(K)] == ['p', 'm']
    assert apidoc.signature(K, 'K') == 'K(a:int=1)'
    assert 'a property' in apidoc.entry(K.p, 'K.p', 4) and 'A property.' in apidoc.entry(K.p, 'K.p', 4)
    assert "LIMIT = [1, 2]" in apidoc.entry([1, 2], 'LIMIT', 3)


def test_labels():
    assert apidoc.lesson_label('lessonkit.softmax', 'log_softmax') == 'api-softmax-log-softmax'
    assert apidoc.module_label('lessonkit.exercises.checking') == 'module-lessonkit-exercises-checking'
    assert apidoc.reference_label('lessonkit.exercises.losses', 'check_nll') == 'ref-exercises-losses-check-nll'


def test_plan_keys():
    plan = Plan()
    for step, inputs in DEPENDS.items():  # every input can be read
        given = {n: 'x' for n in ('notebook', 'code', 'sources', 'executions')}
        assert len(plan.key(step, '01_softmax', **given)) == 64
    assert plan.key('execute', 'a', code='1') != plan.key('execute', 'a', code='2')
    assert plan.key('execute', 'a', code='1') != plan.key('execute', 'b', code='1')
    assert plan.key('vendor') == Plan().key('vendor')


def test_no_private_imports():
    "The build imports no private name (`_x`) of nbdev, fastcore or execnb: an upgrade may change those at will."
    bad, PACKAGES = [], ('nbdev', 'fastcore', 'execnb')
    for f in sorted((ROOT/'tools'/'site').glob('*.py')):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or '').split('.')[0] in PACKAGES:
                bad += [f'{f.name}: {node.module}.{a.name}' for a in node.names if a.name.startswith('_')]
                bad += [f'{f.name}: {node.module}' for p in node.module.split('.') if p.startswith('_')]
    assert not bad, bad
