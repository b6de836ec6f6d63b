"""Sphinx configuration of the course site. Build with `make site` (`python -m tools.site`), not sphinx-build
directly: the build first writes the processed notebooks this configuration reads (docs/_build/src), executes them
into jupyter-cache and vendors the JavaScript (docs/_build/vendor)."""
import sys
from configparser import ConfigParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tools.site.paths import DOCS, EXEC_CACHE, ROOT, VENDOR

cfg = ConfigParser()
cfg.read(ROOT/'settings.ini')
ini = cfg['DEFAULT']

project = ini['title']
author = ini['author']
copyright = ini['copyright']
release = version = ini['version']

extensions = ['myst_nb', 'sphinx.ext.mathjax']
root_doc = 'index'
exclude_patterns = ['**.ipynb_checkpoints']
templates_path = [str(DOCS/'_templates')]

# ---- notebooks: tools/site/execute.py has executed every page into jupyter-cache; myst-nb reads the outputs there
nb_execution_mode = 'cache'
nb_execution_cache_path = str(EXEC_CACHE)
nb_execution_raise_on_error = True  # an exception in a lesson fails the build
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
nb_code_prompt_show = 'Exported source'  # only exported cells are folded (tools/site/notebooks.py tags them), as nbdev
nb_code_prompt_hide = 'Hide exported source'
nb_render_markdown_format = 'gfm'  # markdown outputs (tables) as GitHub-flavoured markdown
nb_kernel_rgx_aliases = {'.*': 'python3'}
myst_enable_extensions = ['dollarmath', 'amsmath', 'attrs_block', 'attrs_inline', 'colon_fence', 'html_image']
myst_heading_anchors = 3
suppress_warnings = ['myst.header']  # show_doc entries may sit two levels below a lesson's section

# ---- served from the site itself: nothing is fetched from another host when a page is viewed
html_static_path = [str(DOCS/'_static'), str(VENDOR)]
html_css_files = ['lessonkit.css']
html_js_files = ['lessonkit-explorer.js', 'lessonkit-family.js', 'lessonkit-calibration.js',  # explorers, in order
                 'lessonkit-questions.js']  # practice questions
mathjax_path = 'mathjax/tex-mml-chtml.js'  # MathJax 3 from npm (docs/package.json), relative to _static
mathjax_config_path = 'mathjax-config.js'  # lets the ipywidgets embed manager's MathJax 2 call work with MathJax 3
nb_ipywidgets_js = {  # saved widget state is rendered by the ipywidgets embed manager, loaded with RequireJS
    'require.js': {},
    'html-manager/embed-amd.js': {'data-jupyter-widgets-cdn': '_static/html-manager/', 'data-jupyter-widgets-cdn-only': ''},
}

# ---- theme
html_theme = 'sphinx_book_theme'
html_title = project
html_short_title = project
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    'home_page_in_toc': True,
    'show_toc_level': 2,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'use_repository_button': False,
    'navigation_with_keys': False,
    'article_header_end': [],
}
