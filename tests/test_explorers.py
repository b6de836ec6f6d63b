"`lessonkit.explorers` (and `lessonkit.rendering`): each explorer driven from code, its state against lessonkit, torch and autograd; target, temperature and threshold changes; extreme slider values; the PNG it shows; bad arguments; headless import without pyplot."
import io, math, os, subprocess, sys, time
import numpy as np, pytest, torch
import torch.nn.functional as F
from PIL import Image
from lessonkit.probabilities import fmt_prob, softmax, sigmoid
from lessonkit.losses import cross_entropy, binary_cross_entropy_with_logits
from lessonkit.explorers import *
from lessonkit.rendering import png_bytes, time_updates

CLASSES = ('cat', 'dog', 'plane', 'fish', 'building')

def autograd_ce(logits, target, temperature=1.):
    "Loss and gradient of cross-entropy at `temperature`, by autograd."
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    loss = F.cross_entropy(x[None] / temperature, torch.tensor([target]))
    loss.backward()
    return loss.item(), x.grad

def random_logits(seed, n=5, scale=4.):
    return (torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale).clamp(-10, 10).tolist()

@pytest.fixture(scope='module')
def logit_ex(): return logit_explorer()

@pytest.fixture(scope='module')
def sigmoid_ex(): return sigmoid_explorer()

# --- the softmax explorer

@pytest.mark.parametrize('seed', range(8))
@pytest.mark.parametrize('temperature', [0.1, 0.5, 1., 3., 10.])
def test_logit_state_matches_lessonkit_and_autograd(logit_ex, seed, temperature):
    logits, target = random_logits(seed), seed % 5
    logit_ex.set_logits(logits)
    logit_ex.target, logit_ex.temperature = CLASSES[target], temperature
    x = torch.tensor(logits, dtype=torch.float64)
    torch.testing.assert_close(logit_ex.logits, x, rtol=0, atol=0)
    torch.testing.assert_close(logit_ex.probs, softmax(x / temperature), rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(logit_ex.probs, torch.softmax(x / temperature, 0), rtol=1e-12, atol=1e-15)
    loss, grad = autograd_ce(logits, target, temperature)
    assert logit_ex.loss == pytest.approx(loss, rel=1e-12, abs=1e-12)
    assert logit_ex.loss == pytest.approx(cross_entropy(x[None] / temperature, torch.tensor([target])).item(), rel=1e-12, abs=1e-12)
    torch.testing.assert_close(logit_ex.grad, grad, rtol=1e-10, atol=1e-12)
    assert logit_ex.target_prob == pytest.approx(logit_ex.probs[target].item())
    assert logit_ex.predicted == CLASSES[int(x.argmax())]

def test_logit_one_slider_change_updates_everything():
    ex = logit_explorer(logits=[0.6, -1.2, 2.1, 0.3, -0.5], target='cat')
    assert ex.predicted == 'plane'
    before = ex.n_updates
    ex.sliders[0].value = 3.0
    assert ex.n_updates == before + 1
    x = [3.0, -1.2, 2.1, 0.3, -0.5]
    loss, grad = autograd_ce(x, 0)
    assert ex.predicted == 'cat' and ex.loss == pytest.approx(loss, rel=1e-12)
    torch.testing.assert_close(ex.grad, grad)
    assert fmt_prob(ex.loss) in ex.readout.value and fmt_prob(ex.target_prob) in ex.readout.value

def test_logit_target_by_name_index_and_none():
    ex = logit_explorer(logits=[1., 2., 3., 4., 5.], target=2)
    assert ex.target == 'plane' and ex.loss == pytest.approx(autograd_ce([1., 2., 3., 4., 5.], 2)[0])
    ex.target = 'fish'
    assert ex.loss == pytest.approx(autograd_ce([1., 2., 3., 4., 5.], 3)[0])
    ex.target = None
    assert ex.loss is None and ex.grad is None and ex.target_prob is None
    assert 'choose a target' in ex.readout.value
    with pytest.raises(ValueError, match='`target`'): ex.target = 'cow'

def test_temperature_keeps_argmax_and_changes_loss():
    ex = logit_explorer(logits=[0.6, -1.2, 2.1, 0.3, -0.5], target='cat')
    losses = []
    for t in [0.1, 0.5, 1., 2., 10.]:
        ex.temperature = t
        assert ex.predicted == 'plane'
        losses.append(ex.loss)
    assert len(set(losses)) == 5
    assert losses == sorted(losses, reverse=True)  # the wrong class's lead matters less at higher T

def test_logit_grad_is_softmax_minus_one_hot_at_temperature_one():
    ex = logit_explorer(logits=random_logits(3), target='dog')
    torch.testing.assert_close(ex.grad, ex.probs - F.one_hot(torch.tensor(1), 5).double())
    assert ex.grad.sum().abs() < 1e-12 and (ex.grad[1] < 0) and (ex.grad[[0, 2, 3, 4]] > 0).all()

@pytest.mark.parametrize('temperature', [0.1, 1., 10.])
@pytest.mark.parametrize('logits', [[-10., 10., -10., -10., -10.], [10., 10., 10., 10., 10.], [-10.] * 5, [10., -10., 10., -10., 10.]])
def test_logit_extreme_sliders_no_nan(logit_ex, logits, temperature):
    logit_ex.set_logits(logits)
    logit_ex.temperature = temperature
    for target in range(5):
        logit_ex.target = target
        assert torch.isfinite(logit_ex.probs).all() and torch.isfinite(logit_ex.grad).all() and math.isfinite(logit_ex.loss)
        loss, grad = autograd_ce(logits, target, temperature)
        assert logit_ex.loss == pytest.approx(loss, rel=1e-12, abs=1e-12)
        torch.testing.assert_close(logit_ex.grad, grad)
        assert 'nan' not in logit_ex.readout.value

def test_slider_range_widens_for_large_starting_logits():
    ex = logit_explorer(classes=['yes', 'no'], logits=[12.5, -3.], target='yes')
    assert ex.sliders[0].max >= 12.5 and ex.logits[0] == 12.5

def test_readout_never_shows_one_for_a_probability_below_one():
    ex = logit_explorer(classes=['yes', 'no'], logits=[10., 0.], target='no')
    p = ex.probs[0].item()
    assert 0.9999 < p < 1
    assert fmt_prob(p) in ex.readout.value and fmt_prob(p) != '1.0000'
    assert '>1.0000<' not in ex.readout.value

def test_set_logits_refuses_values_outside_the_sliders(logit_ex):
    with pytest.raises(ValueError, match=r"`logits` holds 11.0 for 'building'; expected values from -10.0 to 10.0, its slider's range"): logit_ex.set_logits([0., 0., 0., 0., 11.])
    with pytest.raises(ValueError, match='expected 5'): logit_ex.set_logits([0., 0.])

def test_set_logits_names_the_range_of_the_slider_that_refuses():
    ex = logit_explorer(["a", "b", "c"], logits=[0., 0., 14.])  # the slider of c widens to fit its start, to ±14
    with pytest.raises(ValueError, match=r"holds 30.0 for 'c'; expected values from -14.0 to 14.0"): ex.set_logits([0., 0., 30.])

def test_sigmoid_set_logits_refuses_values_outside_the_sliders(sigmoid_ex):
    before = sigmoid_ex.logits.clone()
    with pytest.raises(ValueError, match=r"`logits` holds -12.0 for 'cat'; expected values from -10.0 to 10.0, its slider's range"): sigmoid_ex.set_logits([-12., 0., 0., 0., 0.])
    with pytest.raises(ValueError, match='expected 5'): sigmoid_ex.set_logits([0.])
    assert torch.equal(sigmoid_ex.logits, before)  # a refused call moves no slider

# --- the sigmoid explorer

def autograd_bce(logits, targets):
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(targets, dtype=torch.float64)
    per_label = F.binary_cross_entropy_with_logits(x, y, reduction='none')
    per_label.mean().backward()
    return per_label.detach(), x.grad

@pytest.mark.parametrize('seed', range(8))
def test_sigmoid_state_matches_lessonkit_and_autograd(sigmoid_ex, seed):
    logits = random_logits(seed, scale=5.)
    targets = (torch.rand(5, generator=torch.Generator().manual_seed(100 + seed)) > 0.5).double().tolist()
    sigmoid_ex.set_logits(logits)
    sigmoid_ex.set_targets(targets)
    x, y = torch.tensor(logits, dtype=torch.float64), torch.tensor(targets, dtype=torch.float64)
    torch.testing.assert_close(sigmoid_ex.probs, sigmoid(x), rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(sigmoid_ex.probs, torch.sigmoid(x), rtol=1e-12, atol=1e-15)
    per_label, grad = autograd_bce(logits, targets)
    torch.testing.assert_close(sigmoid_ex.losses, per_label, rtol=1e-12, atol=1e-12)
    assert sigmoid_ex.loss == pytest.approx(binary_cross_entropy_with_logits(x, y).item(), rel=1e-12, abs=1e-12)
    torch.testing.assert_close(sigmoid_ex.grad, grad, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(sigmoid_ex.softmax_probs, torch.softmax(x, 0))

@pytest.mark.parametrize('threshold', [0.01, 0.3, 0.5, 0.7, 0.99])
def test_threshold_changes_predictions_not_loss(threshold):
    ex = sigmoid_explorer(logits=[2.0, 1.5, -3.0, -2.0, 0.5], targets=[1, 1, 0, 0, 0])
    loss = ex.loss
    ex.threshold = threshold
    assert ex.loss == loss
    assert ex.predicted == [l for l, p in zip(CLASSES, torch.sigmoid(ex.logits).tolist()) if p > threshold]

def test_sigmoid_probabilities_need_not_sum_to_one():
    ex = sigmoid_explorer()
    assert ex.probs.sum().item() == pytest.approx(2.5)  # five logits of 0: 0.5 each
    assert ex.softmax_probs.sum().item() == pytest.approx(1.)
    ex.set_logits([-5.] * 5)
    assert ex.probs.sum() < 0.05 and ex.predicted == []
    assert '2.5000' not in ex.readout.value and fmt_prob(ex.probs.sum()) in ex.readout.value

def test_sigmoid_checkbox_changes_target():
    ex = sigmoid_explorer(logits=[2.0, 1.5, -3.0, -2.0, 0.5])
    ex.target_boxes[4].value = True
    assert ex.targets.tolist() == [0, 0, 0, 0, 1]
    assert ex.losses[4].item() == pytest.approx(-math.log(torch.sigmoid(torch.tensor(0.5, dtype=torch.float64)).item()))
    assert ex.grad[4] < 0

@pytest.mark.parametrize('value', [-10., 10.])
def test_sigmoid_extreme_sliders_no_nan(sigmoid_ex, value):
    sigmoid_ex.set_logits([value] * 5)
    for targets in ([0] * 5, [1] * 5):
        sigmoid_ex.set_targets(targets)
        assert torch.isfinite(sigmoid_ex.losses).all() and torch.isfinite(sigmoid_ex.grad).all() and math.isfinite(sigmoid_ex.loss)
        torch.testing.assert_close(sigmoid_ex.losses, autograd_bce([value] * 5, targets)[0])
        assert 'nan' not in sigmoid_ex.readout.value

# --- the loss curve explorer

@pytest.mark.parametrize('p', [0.001, 0.01, 0.25, 0.5, 0.9, 0.999, 1.])
def test_loss_curve_state(p):
    ex = loss_curve_explorer()
    ex.sliders[0].value = p
    q = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    loss = -q.log()
    loss.backward()
    assert ex.p == p and ex.loss == pytest.approx(loss.item(), abs=1e-15) and ex.grad == pytest.approx(q.grad.item())
    if p < 1: assert ex.loss == pytest.approx(F.nll_loss(torch.tensor([[math.log(p), math.log1p(-p)]], dtype=torch.float64), torch.tensor([0])).item())
    assert math.isfinite(ex.loss) and str(ex.loss) != '-0.0'

# --- the picture

def test_png_encoder_round_trips():
    pixels = np.random.default_rng(1).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png_bytes(pixels)))), pixels)

@pytest.mark.parametrize('make', [logit_explorer, sigmoid_explorer, loss_curve_explorer])
def test_picture_is_a_png_that_follows_the_slider(make):
    ex = make()
    first = ex.image.value
    img = Image.open(io.BytesIO(first))
    assert img.format == 'PNG' and img.size[0] == ex.sketch.width
    ex.sliders[0].value = ex.sliders[0].max
    assert ex.image.value != first
    full = ex.sketch.png()
    ex.sketch.background = None  # a full redraw must give the same picture as the blitted one
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(ex.sketch.png()))), np.asarray(Image.open(io.BytesIO(full))))

@pytest.mark.parametrize('make', [logit_explorer, sigmoid_explorer, loss_curve_explorer])
def test_time_updates(make):
    ex = make()
    start, n0 = ex.sliders[0].value, ex.n_updates
    times = time_updates(ex, n=10)
    assert 9 <= len(times) <= 10 and (times > 0).all()
    assert ex.sliders[0].value == start and ex.n_updates >= n0 + len(times)

@pytest.mark.parametrize('which', ['temperature_slider', 'threshold_slider'])
def test_time_updates_on_other_sliders(which):
    ex = logit_explorer(target='cat') if which == 'temperature_slider' else sigmoid_explorer()
    s = getattr(ex, which)
    start = s.value
    assert len(time_updates(ex, n=8, slider=s)) >= 7 and s.value == start

# --- bad arguments

@pytest.mark.parametrize('kwargs, error, words', [
    (dict(classes=[]), ValueError, ['`classes`', 'at least 2', 'got 0']),
    (dict(classes=['cat']), ValueError, ['`classes`', 'at least 2']),
    (dict(classes='cat,dog'), TypeError, ['`classes`', "['cat', 'dog']"]),
    (dict(classes=None), TypeError, ['`classes`', 'NoneType']),
    (dict(classes=['cat', 'cat', 'dog']), ValueError, ['`classes`', "'cat' more than once"]),
    (dict(classes=['cat', 1.5]), TypeError, ['`classes`', '1.5']),
    (dict(logits=[1., 2.]), ValueError, ['`logits`', 'has 2 values', 'expected 5']),
    (dict(logits=[[1.] * 5]), ValueError, ['`logits`', 'shape (1, 5)']),
    (dict(logits=[0., math.nan, 0., 0., 0.]), ValueError, ['`logits`', 'NaN']),
    (dict(logits=[0., math.inf, 0., 0., 0.]), ValueError, ['`logits`', 'inf']),
    (dict(logits=['a'] * 5), TypeError, ['`logits`']),
    (dict(logits='12345'), TypeError, ['`logits`', 'str']),
    (dict(target='cow'), ValueError, ['`target`', "'cow'", 'expected one of']),
    (dict(target=5), ValueError, ['`target` is 5', 'from 0 to 4']),
    (dict(temperature=0), ValueError, ['`temperature`', 'from 0.1 to 10']),
    (dict(temperature='hot'), TypeError, ['`temperature`', 'str']),
])
def test_logit_explorer_bad_arguments(kwargs, error, words):
    with pytest.raises(error) as e: logit_explorer(**kwargs)
    for w in words: assert w in str(e.value), (w, str(e.value))

@pytest.mark.parametrize('kwargs, error, words', [
    (dict(labels=[]), ValueError, ['`labels`', 'at least 1']),
    (dict(labels='cat'), TypeError, ['`labels`', "['cat']"]),
    (dict(logits=[0.] * 4), ValueError, ['`logits`', 'expected 5', '`labels`']),
    (dict(logits=[0., 0., math.nan, 0., 0.]), ValueError, ['`logits`', 'NaN']),
    (dict(targets=[0, 1, 2, 0, 0]), ValueError, ['`targets`', '0 (absent) or 1 (present)']),
    (dict(targets=[0, 1]), ValueError, ['`targets`', 'expected 5']),
    (dict(threshold=1.5), ValueError, ['`threshold`', 'from 0.01 to 0.99', '1.5']),
])
def test_sigmoid_explorer_bad_arguments(kwargs, error, words):
    with pytest.raises(error) as e: sigmoid_explorer(**kwargs)
    for w in words: assert w in str(e.value), (w, str(e.value))

@pytest.mark.parametrize('p', [0, -0.5, 1.5, math.nan])
def test_loss_curve_bad_p(p):
    with pytest.raises(ValueError, match='`p`'): loss_curve_explorer(p)

def test_numpy_and_tensor_inputs():
    a = logit_explorer(logits=np.array([0.6, -1.2, 2.1, 0.3, -0.5]), target=np.int64(0))
    b = logit_explorer(logits=torch.tensor([0.6, -1.2, 2.1, 0.3, -0.5], dtype=torch.float64, requires_grad=True), target='cat')
    assert a.loss == b.loss and a.target == 'cat'
    s = sigmoid_explorer(targets=np.array([True, False, True, False, False]))
    assert s.targets.tolist() == [1, 0, 1, 0, 0]

def test_saved_widget_state_holds_the_current_picture():
    "A notebook saved with widget state (and a static site built from it) shows the last PNG: it travels as the Image's `value` buffer."
    import base64
    from ipywidgets.embed import embed_data
    ex = logit_explorer(target='cat')
    ex.sliders[1].value = 4.
    state = embed_data(views=[ex])['manager_state']['state']
    image = state[ex.image.model_id]
    assert image['model_name'] == 'ImageModel'
    buffer, = [b for b in image['buffers'] if b['path'] == ['value']]
    assert base64.b64decode(buffer['data']) == ex.image.value

def test_logit_sliders_do_not_use_the_default_step():
    "Python's FloatSlider default step (0.1) is left out of state saved with drop_defaults, and JavaScript's default step is 1: logits would snap to whole numbers."
    import ipywidgets
    default = ipywidgets.FloatSlider().step
    for s in logit_explorer().sliders + sigmoid_explorer().sliders: assert s.step != default and s.step <= 0.1

def test_update_restores_torch_threads():
    "Explorers compute on one torch thread and give the previous number back."
    old = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        ex = sigmoid_explorer()
        ex.sliders[0].value = 1.
        assert torch.get_num_threads() == 2
    finally: torch.set_num_threads(old)

# --- in every Jupyter client (tools/client_check.py uses them there; these pin what it relies on)

def _title_boxes(ex):
    ex.sketch.png()
    renderer = ex.sketch.canvas.get_renderer()
    return [ax.title.get_window_extent(renderer) for ax in ex.sketch.fig.axes if ax.get_title()]

@pytest.mark.parametrize('n', [1, 2, 3, 4, 20])  # the narrowest figures, and the widest
@pytest.mark.parametrize('make', [logit_explorer, sigmoid_explorer])
def test_subplot_titles_neither_overlap_nor_leave_the_picture(make, n):
    "With few classes the figure is at its narrowest: one-line titles overlapped there (by 19 px in lesson 3's sigmoid explorer) and ran off its edges."
    if make is logit_explorer and n < 2: return
    ex = make([f'class {i}' for i in range(n)])
    boxes, fig = _title_boxes(ex), ex.sketch.fig.bbox
    assert len(boxes) == 2
    assert not boxes[0].overlaps(boxes[1]), (n, boxes)
    assert all(fig.x0 <= b.x0 and b.x1 <= fig.x1 and b.y1 <= fig.y1 for b in boxes), (n, boxes, fig)

@pytest.mark.parametrize('make', [logit_explorer, sigmoid_explorer])
def test_too_many_classes_are_refused_quickly_naming_the_cap_and_the_count(make):
    "8,000 classes once took 93 s and 5 GB (one slider each and a picture 880,000 px wide); now a clear error, at once."
    arg = 'classes' if make is logit_explorer else 'labels'
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as e: make([f'c{i}' for i in range(8000)])
    assert time.perf_counter() - t0 < 1
    assert f'`{arg}` must hold at most {MAX_SLIDERS} names' in str(e.value) and 'got 8000' in str(e.value)
    assert len(make([f'c{i}' for i in range(MAX_SLIDERS)]).sliders) == MAX_SLIDERS

def test_target_dropdown_shows_none_before_and_after_a_student_chooses_it():
    "ipywidgets shows a selected value of None as an empty box; the front end sets `index`, as below."
    ex = logit_explorer(logits=[0.6, -1.2, 2.1, 0.3, -0.5])
    assert (ex.target_box.index, ex.target_box.label) == (0, '(none)')
    ex.target_box.index = 4  # the student chooses fish (the options are "(none)", then the classes)
    assert ex.target == 'fish' and ex.loss == pytest.approx(autograd_ce([0.6, -1.2, 2.1, 0.3, -0.5], 3)[0])
    ex.target_box.index = 0  # and "(none)" again
    assert (ex.target_box.index, ex.target_box.label, ex.target, ex.loss) == (0, '(none)', None, None)
    assert 'choose a target' in ex.readout.value
    ex.target = 'dog'
    ex.target = None
    assert (ex.target_box.index, ex.target_box.label) == (0, '(none)')

def _labelled(ex):
    import ipywidgets as w
    found, todo = [], list(ex.children)
    while todo:
        x = todo.pop(0)
        if isinstance(x, w.Box): todo += list(x.children)
        elif isinstance(x, (w.FloatSlider, w.FloatLogSlider, w.Dropdown)): found.append(x)
    return found

def _calibration_explorer():
    from lessonkit.explorers import calibration_explorer
    logits = torch.randn(60, 4, generator=torch.Generator().manual_seed(0)) * 3
    return calibration_explorer(logits, torch.arange(60) % 4)

@pytest.mark.parametrize('make', [lambda: logit_explorer(target='cat'), sigmoid_explorer, loss_curve_explorer,
                                  _calibration_explorer, lambda: logit_explorer(['motorcycle helmet', 'cat'])])
def test_labels_fit_and_tracks_keep_their_length(make):
    "'temperature' was cut to 'temperat…' in an 80 px label box (82 px of text in Chromium's DejaVu Sans)."
    from lessonkit.rendering import text_px
    ex = make()
    controls = _labelled(ex)
    widths = {c.style.description_width for c in controls}
    assert len(widths) == 1, widths  # one column of labels
    label = float(widths.pop()[:-2])
    assert all(text_px(c.description) + 8 <= label for c in controls)
    assert all(float(c.layout.width[:-2]) - label == 240 for c in controls)

@pytest.mark.parametrize('make', [logit_explorer, sigmoid_explorer, loss_curve_explorer, _calibration_explorer])
def test_every_explorer_carries_the_key_script_and_its_class(make):
    "Notebook 7 runs its shortcuts before the focused slider sees an arrow key; the hidden script hands the key back."
    from lessonkit.rendering import EXPLORER_CLASS, KEEP_KEYS_JS
    ex = make()
    assert EXPLORER_CLASS in ex._dom_classes
    keys = [c for c in ex.children if getattr(c, 'outputs', None)]
    assert len(keys) == 1 and keys[0].layout.display == 'none'
    assert keys[0].outputs[0]['data'] == {'application/javascript': KEEP_KEYS_JS}
    assert f"closest('.{EXPLORER_CLASS}')" in KEEP_KEYS_JS and 'data-lm-suppress-shortcuts' in KEEP_KEYS_JS
