"""What a fresh Python process loads, step by step: importing the library must not load matplotlib, scikit-learn or
ipywidgets, and the explorers must build headless without pyplot. One process runs every step (each costs an import
of torch), and each test below reads the step it is about."""
import json, os, subprocess, sys
import pytest

STEPS = r"""
import json, sys
seen = {}
def loaded(*names): return {n: n in sys.modules for n in names}
import lessonkit.interpret, lessonkit.activations, lessonkit.tta
seen['interpret'] = loaded('matplotlib', 'sklearn')
import lessonkit.calibration
seen['calibration'] = loaded('matplotlib', 'ipywidgets')
import torch, lessonkit
seen['package'] = loaded('ipywidgets')
e = lessonkit.logit_explorer(target='cat'); lessonkit.sigmoid_explorer(); lessonkit.loss_curve_explorer()
seen['explorers'] = dict(loaded('matplotlib.pyplot'), kind=type(e).__name__)
c = lessonkit.calibration_explorer(torch.randn(50, 4) * 3, torch.randint(0, 4, (50,)))
seen['calibration_explorer'] = dict(loaded('matplotlib.pyplot'), kind=type(c).__name__)
print(json.dumps(seen))
"""

@pytest.fixture(scope='module')
def seen():
    env = {k: v for k, v in os.environ.items() if k not in ('MPLBACKEND', 'DISPLAY', 'WAYLAND_DISPLAY')}  # headless
    out = subprocess.run([sys.executable, '-c', STEPS], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])

def test_interpretation_modules_load_neither_matplotlib_nor_sklearn(seen):
    assert seen['interpret'] == {'matplotlib': False, 'sklearn': False}

def test_importing_calibration_loads_neither_matplotlib_nor_ipywidgets(seen):
    assert seen['calibration'] == {'matplotlib': False, 'ipywidgets': False}

def test_the_package_loads_ipywidgets_only_when_an_explorer_is_made(seen):
    assert seen['package'] == {'ipywidgets': False}

def test_explorers_are_headless_without_pyplot(seen):
    assert seen['explorers'] == {'matplotlib.pyplot': False, 'kind': 'LogitExplorer'}

def test_calibration_explorer_is_headless_without_pyplot(seen):
    assert seen['calibration_explorer'] == {'matplotlib.pyplot': False, 'kind': 'CalibrationExplorer'}
