"""tools/prose_numbers.py, the `prose` check: how prose numbers are read, what they match, and what a failure says.
Quick: nothing is executed (the synthetic notebooks below carry their outputs)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import pytest
from tools import prose_numbers as pn
from tools.site import cells as nbcells, pages


def texts(md:str) -> list: return [n.text for _, n in pn.prose_numbers(md)]
def values(md:str) -> list: return [n.value for _, n in pn.prose_numbers(md)]
def number(md:str) -> pn.Number:
    (_, n), = pn.prose_numbers(md)
    return n


def test_reads_numbers():
    assert values('The cat got 0.6669, the dog 0.0246 and 2 more.') == [0.6669, 0.0246, 2]
    assert values('scikit-learn ships 1,797 images; a vocabulary of 100,000 words') == [1797, 100000]
    assert values('a list 1,2,3 is not a thousand') == [1, 2, 3]
    assert texts('accuracy 96.38 % and 70% cat, 0.28 percentage points, 5 percent') == \
        ['96.38 %', '70%', '0.28 percentage points', '5 percent']
    assert all(n.percent for _, n in pn.prose_numbers('96.38 % 70% 0.28 percentage points 5 percent'))


def test_signs():
    assert values('the push is -0.0100, the log-probability −1.55, a gain of +0.3') == [-0.01, -1.55, 0.3]
    assert [n.signed for _, n in pn.prose_numbers('-0.5 and 0.5 and +0.5')] == [True, False, True]
    assert values('from 0-1 and a 3-class model') == [0, 1, 3]  # a hyphen after a digit or letter is no sign
    assert values('logits of ±50') == [50] and not number('±50').signed


def test_scientific_ordinal_version():
    assert values('an epsilon of 1e-7, logits of 1.2e−5 and 1e4') == [1e-7, 1.2e-5, 1e4]
    assert number('1.2e-5').tol == pytest.approx(0.05e-5)
    assert values('Item 92 comes 105th of 359, the 2nd and the 3rd') == [92, 105, 359, 2, 3]
    assert values('Python 3.11.7 and torch 2.4.1') == []  # version numbers are not quoted results
    assert values('float16 and float32, a 2D tensor, 10k images') == []  # glued to a word: not a number


def test_skips_what_is_not_prose():
    assert values('`softmax(x, dim=1)` gives `0.25`') == []
    assert values('$e^{12}$ and $$\\sum_{i=1}^{10} x_i$$ but 3') == [3]
    assert values('see [lesson 6, the largest losses](06_interpretation.ipynb#2) and <https://example.com/a/7>') == []
    assert values('https://pytorch.org/docs/2.3/x.html and pytorch#55902 and #12') == []
    assert values('<div class="lk-explorer" data-logits="3.5,-0.5" data-temperature="1"></div>') == []
    assert values('a probability p < 0.5 and q > 0.3') == [0.5, 0.3]  # an inequality is no HTML tag
    assert values('as lesson 6 showed, and lessons 7 and 9, Lesson 2, exercises 1-3, Exercise 4') == []
    assert values('1. first\n2. second\n- 3) third') == []
    assert values('```python\nx = 0.5\n```\nthen 0.7') == [0.7]
    assert values('Focal loss (Lin et al., 2017), effective numbers (Cui et al. 2019), Guo (2017), in 2018.') == []
    assert values('in 2048 dimensions') == [2048]  # a year only where the context says so


def test_precision_of_a_match():
    n = number('3.32')
    assert n.matches(3.3186) and n.matches(3.3249) and not n.matches(3.3286) and not n.matches(3.31)
    assert number('0.80').matches(0.8) and number('0.80').matches(0.7951) and not number('0.80').matches(0.8858)
    assert number('0.0100').matches(0.01) and not number('0.0100').matches(0.0101)
    assert number('0.13').matches(0.125) and number('0.12').matches(0.125)  # either rounding of a tie
    assert number('2').matches(2) and number('2').matches(2.4) and not number('2').matches(2.6)  # weak, by design
    assert number('163,000').matches(163000) and not number('163,000').matches(162754.8)
    assert number('about 163,000').matches(162754.8) and not number('about 163,000').matches(163600)
    assert number('about 24').matches(24.2) and not number('about 24').matches(25)


def test_percent_sign_and_scientific_match():
    assert number('96.38 %').matches(0.9638) and number('96.38 %').matches(96.38)
    assert number('70%').matches(0.7) and not number('70%').matches(0.75)
    assert number('0.28 percentage points').matches(0.002786)
    assert not number('-0.5').matches(0.5) and number('-0.5').matches(-0.5)
    assert number('0.5').matches(-0.5)  # a size written without its sign: "falls by 0.5"
    assert not number('+0.3').matches(-0.3)
    assert number('1.2e-5').matches(1.24e-5) and not number('1.2e-5').matches(1.3e-5)
    assert number('1e-7').matches(1e-7) and not number('1e-7').matches(2e-7)


def test_exact_match_for_code_and_constants():
    assert number('0.5').equals(0.5) and not number('0.5').equals(0.54)  # an input is repeated exactly
    assert number('70%').equals(0.7) and number('1,797').equals(1797) and number('-10').equals(-10)


def test_printed_values():
    assert pn.printed_values('tensor([0.1488, -1.2000, 1.0000e-05])') == [0.1488, -1.2, 1e-5]
    assert pn.printed_values('train: 1,400 valid: 397') == [1400, 1, 400, 397]
    assert pn.printed_values('torch.float32 x8 (1797, 8, 8)') == [1797, 8, 8]


def test_code_values():
    code = ("%matplotlib inline\nx = torch.tensor([2.1, -1.2])  # 0.6669 is a comment\n"
            "s = 'a 0.25 string'\nC = 2**16\ny = x - 3")
    vals = pn.code_values(code)
    assert {2.1, -1.2, 65536.0, 3.0} <= set(vals) and not {0.6669, 0.25, -3.0} & set(vals)
    assert pn.code_values('def (') == []
    assert pn.code_values('True + 1') == [1.0]  # a bool is no number
    md = '<div class="lk-question" data-set=\'{"logits": [10, -10], "temperature": 1}\'>**Predict.**</div>'
    assert pn.attribute_values(md) == [10, -10, 1]


def _md(cid, text): return dict(cell_type='markdown', id=cid, metadata={}, source=text)
def _code(cid, text): return dict(cell_type='code', id=cid, metadata={}, source=text, outputs=[], execution_count=None)
def _out(text): return dict(cell_type='code', source='', metadata={},
                            outputs=[dict(output_type='stream', name='stdout', text=text)])


CELLS = [_md('aaa', '# Softmax\n\n> A test lesson'), _code('c1', 'logits = [2.1, -1.2]\nprint(softmax(logits))'),
         _md('bbb', '## Two classes\n\nLogits 2.1 and -1.2 give 0.9644 and 0.0356, printed above.'),
         _md('ccc', '<div class="lk-explorer" data-logits="3.5,-1.5"></div>\n\nAt 3.5, the default threshold 0.5.')]
EXECUTED = dict(cells=[_out('tensor([0.9644, 0.0356])\n')], metadata={})


def test_a_lesson_whose_prose_is_right_passes():
    assert pn.problems('98_test', CELLS, EXECUTED, {'0.5': 'the default threshold'}) == []


def test_a_planted_wrong_number_fails_naming_notebook_cell_and_number():
    cells = [dict(c) for c in CELLS]
    cells[2] = _md('bbb', cells[2]['source'].replace('0.9644', '0.9664'))
    lines = pn.problems('98_test', cells, EXECUTED, {'0.5': 'the default threshold'})
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("nbs/98_test.ipynb, cell bbb (under '## Two classes'): the prose says 0.9664 ")
    assert 'give 0.9664 and' in line and 'nearest printed: 0.9644' in line


def test_constants_are_needed_and_numbers():
    assert pn.problems('98_test', CELLS, EXECUTED, {}) == [pn.problems('98_test', CELLS, EXECUTED, {})[0]]
    assert 'the prose says 0.5 ' in pn.problems('98_test', CELLS, EXECUTED, {})[0]  # 0.5 printed nowhere
    unused = pn.problems('98_test', CELLS, EXECUTED, {'0.5': 'the default threshold', '0.9644': 'printed anyway'})
    assert unused == ["nbs/98_test.ipynb: docs/prose_numbers.toml lists 0.9644 (printed anyway), which the prose does "
                      "not need (its outputs print it, or no prose says it): remove it"]
    bad = pn.problems('98_test', CELLS, EXECUTED, {'0.5': 'the default threshold', 'half': 'a word'})
    assert bad == ["nbs/98_test.ipynb: docs/prose_numbers.toml lists 'half', which is not a number"]


def test_outputs_read_and_scripts_skipped():
    nb = dict(cells=[dict(cell_type='code', source='', metadata={}, outputs=[
        dict(output_type='display_data', data={'text/html': '<b>0.75</b><script>var x = [0.123];</script>'}),
        dict(output_type='error', ename='ValueError', evalue='expected 5 classes')])],
        metadata={'widgets': {'application/vnd.jupyter.widget-state+json': {'state': {
            'w': {'state': {'value': "<div>probability 0.6669</div>"}}}}}})
    assert pn.printed_values(pn.output_text(nb)) == [0.75, 5, 0.6669]


def test_site_code_is_what_the_site_build_executes():
    "The cache is read only when its code cells are the page's, computed as tools/site/notebooks.py processes them."
    from tools.site.notebooks import process
    site = pages.pages()
    for page in [p for p in site if p.role == 'lesson']:
        processed = [(c['source'], c['metadata'].get('tags', [])) for c in process(page, site)['cells']
                     if c['cell_type'] == 'code']
        assert pn._site_code(nbcells.read(page.path)['cells']) == processed, page.name


def test_constants_file_reads():
    table = pn.constants()
    lessons = {p.name for p in pages.pages() if p.role == 'lesson'}
    assert set(table) <= lessons and all(reason.strip() for t in table.values() for reason in t.values())


def test_unknown_lesson_name(capsys):
    assert pn.main(['no_such_lesson']) == 1
    assert 'no lesson named' in capsys.readouterr().out


def test_printed_index_agrees_with_matches():
    values = [0.6669, -0.5, 0.9638, 162754.8, 1.24e-5, 2.4, -1.55, 0.125]
    index = pn.Printed(values)
    for md in ('0.6669', '0.667', '0.6696', '-0.5', '0.5', '+0.5', '96.38 %', '96.4%', '97%', 'about 163,000',
               '163,000', '1.2e-5', '1.3e-5', '2', '3', '-1.55', '1.55', '+1.55', '0.13', '0.12', '0.14'):
        n = number(md)
        assert index.has(n) == any(n.matches(v) for v in values), md
