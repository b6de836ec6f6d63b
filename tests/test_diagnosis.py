"`lessonkit.diagnosis`: every finding code raised by a broken set-up and not by its correct twin, on models built the ways people build them; the model left untouched; no false alarms; errors that name the argument."
import functools, math, warnings
import numpy as np, pytest, torch
import torch.nn as nn
import torch.nn.functional as F
import lessonkit
from lessonkit import doctor, Diagnosis, Finding, accuracy, error_rate, accuracy_multi
from lessonkit.losses import cross_entropy, nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits
from lessonkit.diagnosis import look, graph_activation

N, C, D = 64, 5, 12

def batch(seed=0, n=N):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, D, generator=g), torch.randint(0, C, (n,), generator=g), (torch.rand(n, C, generator=g) < .5).float()

XB, YB, MULTI = batch()

def body(seed=0, out=C):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(D, 16), nn.ReLU(), nn.Linear(16, out))

ACTS = {'softmax': (nn.Softmax, F.softmax), 'log_softmax': (nn.LogSoftmax, F.log_softmax), 'sigmoid': (nn.Sigmoid, None)}

class Custom(nn.Module):
    "A model whose `forward` calls the activation itself."
    def __init__(self, act, dim=1):
        super().__init__()
        self.body, self.act, self.dim = body(), act, dim
    def forward(self, x):
        z = self.body(x)
        if self.act is None: return z
        return torch.sigmoid(z) if self.act == 'sigmoid' else ACTS[self.act][1](z, dim=self.dim)

def setups(act, targets, dim=1):
    """The ways people build the same set-up, as `doctor` keyword arguments: an `nn.Sequential` ending in the
    activation module, a custom `forward` calling it, and outputs passed through it in the training loop (with their
    graph, and detached)."""
    def apply(z): return z if act is None else torch.sigmoid(z) if act == 'sigmoid' else ACTS[act][1](z, dim=dim)
    seq = body() if act is None else nn.Sequential(body(), ACTS[act][0](**({} if act == 'sigmoid' else {'dim': dim})))
    return {'sequential': dict(model=seq, xb=XB, yb=targets),
            'forward': dict(model=Custom(act, dim), xb=XB, yb=targets),
            'loop': dict(outputs=apply(body()(XB)), targets=targets),
            'loop, detached': dict(outputs=apply(body()(XB)).detach(), targets=targets)}

def codes(loss_func, metrics=None, **kw): return doctor(loss_func=loss_func, metrics=metrics, **kw).codes

CE_FORMS = [nn.CrossEntropyLoss(), nn.CrossEntropyLoss, F.cross_entropy, cross_entropy,
            functools.partial(F.cross_entropy, label_smoothing=0.1)]

# ---------------------------------------------------------------- the activation codes, on every way of building

@pytest.mark.parametrize('style', ['sequential', 'forward', 'loop', 'loop, detached'])
@pytest.mark.parametrize('loss_func', CE_FORMS, ids=lambda f: repr(f)[:30])
def test_double_softmax(style, loss_func):
    assert codes(loss_func, **setups('softmax', YB)[style]) == ['double-softmax']
    assert codes(loss_func, **setups(None, YB)[style]) == []

@pytest.mark.parametrize('style', ['sequential', 'forward', 'loop', 'loop, detached'])
@pytest.mark.parametrize('loss_func', [nn.NLLLoss(), F.nll_loss, nll_loss], ids=repr)
def test_softmax_into_nll(style, loss_func):
    assert codes(loss_func, **setups('softmax', YB)[style]) == ['softmax-into-nll']
    assert codes(loss_func, **setups('log_softmax', YB)[style]) == []

@pytest.mark.parametrize('style', ['sequential', 'forward', 'loop', 'loop, detached'])
@pytest.mark.parametrize('loss_func', [nn.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits,
                                       binary_cross_entropy_with_logits], ids=repr)
def test_double_sigmoid(style, loss_func):
    assert codes(loss_func, **setups('sigmoid', MULTI)[style]) == ['double-sigmoid']
    assert codes(loss_func, **setups(None, MULTI)[style]) == []

@pytest.mark.parametrize('style', ['sequential', 'forward', 'loop', 'loop, detached'])
@pytest.mark.parametrize('loss_func', [nn.BCELoss(), F.binary_cross_entropy, binary_cross_entropy], ids=repr)
def test_bce_on_logits(style, loss_func):
    assert codes(loss_func, **setups(None, MULTI)[style]) == ['bce-on-logits']
    assert codes(loss_func, **setups('sigmoid', MULTI)[style]) == []

@pytest.mark.parametrize('style', ['sequential', 'forward', 'loop', 'loop, detached'])
def test_softmax_wrong_dim(style):
    assert codes(nn.CrossEntropyLoss(), **setups('softmax', YB, dim=0)[style]) == ['softmax-wrong-dim']
    assert codes(nn.NLLLoss(), **setups('log_softmax', YB, dim=0)[style]) == ['softmax-wrong-dim']
    assert codes(nn.NLLLoss(), **setups('log_softmax', YB, dim=1)[style]) == []

def test_softmax_wrong_dim_of_an_implicit_softmax_on_sequences():
    "`nn.Softmax()` without `dim` picks dimension 0 for 3-d outputs (N, C, L): the batch."
    x, y = torch.randn(8, 3, 6), torch.randint(0, C, (8, 6))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # torch warns about the implicit dimension
        d = doctor(nn.Sequential(nn.Conv1d(3, C, 1), nn.Softmax()), nn.CrossEntropyLoss(), x, y)
    assert d.codes == ['softmax-wrong-dim'] and 'dimension 0' in d[0].title
    assert doctor(nn.Sequential(nn.Conv1d(3, C, 1), nn.LogSoftmax(dim=1)), nn.NLLLoss(), x, y).codes == []

@pytest.mark.parametrize('style', ['sequential', 'forward', 'loop', 'loop, detached'])
def test_softmax_multilabel(style):
    assert codes(nn.BCELoss(), **setups('softmax', MULTI)[style]) == ['softmax-multilabel']
    assert codes(nn.BCELoss(), **setups('sigmoid', MULTI)[style]) == []
    assert codes(nn.CrossEntropyLoss(), **setups(None, MULTI)[style]) == ['softmax-multilabel']
    assert codes(nn.BCEWithLogitsLoss(), **setups(None, MULTI)[style]) == []

@pytest.mark.parametrize('metric', [accuracy, error_rate, functools.partial(accuracy)], ids=repr)
def test_softmax_multilabel_decoded_with_argmax(metric):
    kw = setups(None, MULTI)['sequential']
    assert codes(nn.BCEWithLogitsLoss(), [metric], **kw) == ['softmax-multilabel']
    assert codes(nn.BCEWithLogitsLoss(), [accuracy_multi], **kw) == []
    one_label = F.one_hot(YB, C).float()  # one label on per item: argmax is fine (4 in 5 answers are no: uneven)
    assert codes(nn.BCEWithLogitsLoss(), [metric], **setups(None, one_label)['sequential']) == ['class-imbalance']

# ---------------------------------------------------------------- targets

def test_regression_loss():
    flat = nn.Sequential(body(), nn.Linear(C, 1), nn.Flatten(0))
    for loss_func in (nn.MSELoss(), F.mse_loss, nn.L1Loss(), F.l1_loss):
        assert codes(loss_func, model=flat, xb=XB, yb=YB) == ['regression-loss']          # class indices
        assert codes(loss_func, model=body(), xb=XB, yb=F.one_hot(YB, C).float()) == ['regression-loss']  # one-hot
        assert codes(loss_func, model=flat, xb=XB, yb=torch.randn(N)) == []                # a real regression
        assert codes(loss_func, model=body(), xb=XB, yb=torch.rand(N, C)) == []
    assert codes(nn.CrossEntropyLoss(), model=body(), xb=XB, yb=YB) == []
    fix = doctor(flat, nn.MSELoss(), XB, YB)[0].fix
    assert f'nn.Linear(..., {int(YB.max()) + 1})' in fix and 'nn.CrossEntropyLoss()' in fix

@pytest.mark.parametrize('targets, loss_func', [
    (YB.float(), nn.CrossEntropyLoss()), (YB.double() + 0.5, nn.CrossEntropyLoss()), (YB.float(), nn.NLLLoss()),
    (F.one_hot(YB, C).float(), nn.CrossEntropyLoss()), (F.one_hot(YB, C), nn.CrossEntropyLoss()),
    (YB, nn.BCEWithLogitsLoss()), (MULTI.long(), nn.BCEWithLogitsLoss()), (MULTI.bool(), F.binary_cross_entropy_with_logits),
], ids=['float indices', 'non-whole floats', 'float indices, NLL', 'one-hot floats', 'one-hot longs',
        'indices for BCE', 'long 0/1 for BCE', 'bool 0/1 for BCE'])
def test_target_format(targets, loss_func):
    model = nn.Sequential(body(), nn.LogSoftmax(dim=1)) if isinstance(loss_func, nn.NLLLoss) else body()
    d = doctor(model, loss_func, XB, targets)
    assert d.codes == ['target-format'], d
    assert 'yb = ' in d[0].fix

@pytest.mark.parametrize('targets, loss_func', [
    (YB, nn.CrossEntropyLoss()), (torch.softmax(torch.randn(N, C), 1), nn.CrossEntropyLoss()),
    (MULTI, nn.BCEWithLogitsLoss()), (torch.rand(N, C), nn.BCEWithLogitsLoss()),
], ids=['indices', 'soft labels', 'float 0/1', 'probabilities as targets'])
def test_target_format_twins(targets, loss_func):
    assert codes(loss_func, model=body(), xb=XB, yb=targets) == []

def test_target_format_binary_shapes():
    "One logit per item, shape (N, 1), with targets of shape (N,): the fix adds the dimension."
    one = nn.Sequential(body(), nn.Linear(C, 1))
    y = (YB > 1).float()
    d = doctor(one, nn.BCEWithLogitsLoss(), XB, y)
    assert d.codes == ['target-format'] and 'unsqueeze(1)' in d[0].fix
    assert codes(nn.BCEWithLogitsLoss(), model=one, xb=XB, yb=y[:, None]) == []

def test_target_range():
    d = doctor(body(), nn.CrossEntropyLoss(), XB, YB + 1)
    assert d.codes == ['target-range'] and 'yb = yb - 1' in d[0].fix
    assert doctor(body(), nn.CrossEntropyLoss(), XB, YB + 3).codes == ['target-range']
    assert doctor(body(), F.cross_entropy, XB, YB).codes == []
    masked = torch.where(YB < 2, -1, YB)
    assert codes(nn.CrossEntropyLoss(), model=body(), xb=XB, yb=masked) == ['target-range']
    # -1 is skipped when it is the loss's ignore_index, in every form of loss that has one
    for f in (nn.CrossEntropyLoss(ignore_index=-1), functools.partial(F.cross_entropy, ignore_index=-1),
              functools.partial(nn.CrossEntropyLoss, ignore_index=-1)):
        assert codes(f, model=body(), xb=XB, yb=masked) == [], f
    # F.cross_entropy's and nn.NLLLoss's default ignore_index is -100
    assert codes(F.cross_entropy, model=body(), xb=XB, yb=torch.where(YB < 2, -100, YB)) == []
    log_probs = nn.Sequential(body(), nn.LogSoftmax(dim=1))
    assert codes(nn.NLLLoss(), model=log_probs, xb=XB, yb=torch.where(YB < 2, -100, YB)) == []
    assert codes(nn.NLLLoss(), model=log_probs, xb=XB, yb=torch.where(YB < 2, -7, YB)) == ['target-range']

# ---------------------------------------------------------------- the loss's value, metrics, balance

def scaled(model, by):
    with torch.no_grad(): model[-1].weight.mul_(by); model[-1].bias.mul_(by)
    return model

def test_initial_loss():
    for loss_func in (nn.CrossEntropyLoss(), F.cross_entropy, nn.CrossEntropyLoss(weight=torch.rand(C) + .5)):
        assert codes(loss_func, model=scaled(body(), 50), xb=XB, yb=YB) == ['initial-loss']
        assert codes(loss_func, model=body(), xb=XB, yb=YB) == []
    assert codes(nn.BCEWithLogitsLoss(), model=scaled(body(), 50), xb=XB, yb=MULTI) == ['initial-loss']
    assert codes(nn.BCEWithLogitsLoss(), model=body(), xb=XB, yb=MULTI) == []
    big = nn.Sequential(scaled(body(), 50), nn.LogSoftmax(dim=1))
    assert codes(nn.NLLLoss(), model=big, xb=XB, yb=YB) == ['initial-loss']
    d = doctor(scaled(body(), 50), nn.CrossEntropyLoss(), XB, YB)[0]
    assert f"{math.log(C):.4f}" in d.explanation  # the baseline, log C
    # another finding makes the loss's value meaningless: only that one is reported
    assert codes(nn.CrossEntropyLoss(), model=nn.Sequential(scaled(body(), 50), nn.Softmax(dim=1)), xb=XB, yb=YB) == ['double-softmax']

def test_metric_activation():
    sig = setups('sigmoid', MULTI)
    logit = setups(None, MULTI)
    no_sigmoid = functools.partial(accuracy_multi, sigmoid=False)
    for style in sig:
        assert codes(nn.BCELoss(), [accuracy_multi], **sig[style]) == ['metric-activation']
        assert codes(nn.BCELoss(), [no_sigmoid], **sig[style]) == []
        assert codes(nn.BCEWithLogitsLoss(), [no_sigmoid], **logit[style]) == ['metric-activation']
        assert codes(nn.BCEWithLogitsLoss(), [accuracy_multi], **logit[style]) == []
    d = doctor(loss_func=nn.BCELoss(), metrics=accuracy_multi, **sig['loop'])  # a single metric, not in a list
    assert 'with `sigmoid=False` it gives' in d[0].explanation and 'sigmoid=False' in d[0].fix
    explicit = functools.partial(accuracy_multi, thresh=0.3, sigmoid=True)
    assert codes(nn.BCELoss(), [explicit], **sig['sequential']) == ['metric-activation']

def test_metric_activation_reads_any_metric_with_a_sigmoid_switch():
    "fastai's `accuracy_multi(inp, targ, thresh=0.5, sigmoid=True)` has the same switch as lessonkit's."
    def accuracy_multi_fastai(inp, targ, thresh=0.5, sigmoid=True):
        if sigmoid: inp = inp.sigmoid()
        return ((inp > thresh) == targ.bool()).float().mean()
    def plain(inp, targ): return ((inp > 0) == targ.bool()).float().mean()
    sig = setups('sigmoid', MULTI)['sequential']
    d = doctor(loss_func=nn.BCELoss(), metrics=[accuracy_multi_fastai, plain], **sig)
    assert d.codes == ['metric-activation'] and '`accuracy_multi_fastai`' in d[0].explanation
    assert codes(nn.BCELoss(), [functools.partial(accuracy_multi_fastai, sigmoid=False), plain], **sig) == []

def test_class_imbalance():
    g = torch.Generator().manual_seed(1)
    uneven = torch.where(torch.rand(N, generator=g) < 0.85, 0, YB)
    d = doctor(body(), nn.CrossEntropyLoss(), XB, uneven)
    assert d.codes == ['class-imbalance']
    share = (uneven == 0).double().mean().item()
    assert f"{share:.4f}" in d[0].explanation and 'weight=' in d[0].fix
    assert codes(nn.CrossEntropyLoss(), model=body(), xb=XB, yb=YB) == []
    rare = (torch.rand(N, C, generator=g) < 0.06).float()
    d = doctor(body(), nn.BCEWithLogitsLoss(), XB, rare)
    assert d.codes == ['class-imbalance'] and 'pos_weight' in d[0].fix
    assert codes(nn.BCEWithLogitsLoss(), model=body(), xb=XB, yb=MULTI) == []

def test_class_imbalance_needs_more_than_chance():
    "A small batch of a balanced problem is often lopsided by chance: 6 of 8 items of one class is not flagged."
    x, _, _ = batch(n=8)
    assert codes(nn.CrossEntropyLoss(), model=nn.Sequential(body(), nn.Linear(C, 2)), xb=x,
                 yb=torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])) == []

# ---------------------------------------------------------------- no false alarms

@pytest.mark.parametrize('seed', range(5))
def test_right_pairs_raise_nothing(seed):
    x, y, multi = batch(seed)
    m = body(seed)
    right = [(nn.Sequential(m, nn.LogSoftmax(dim=1)), nn.NLLLoss(), y, [accuracy]),
             (m, nn.CrossEntropyLoss(), y, [accuracy, error_rate]), (m, F.cross_entropy, y, None),
             (m, cross_entropy, y, None),
             (m, nn.BCEWithLogitsLoss(), multi, [accuracy_multi]),
             (nn.Sequential(m, nn.Sigmoid()), nn.BCELoss(), multi, [functools.partial(accuracy_multi, sigmoid=False)])]
    for model, loss_func, targets, metrics in right:
        assert codes(loss_func, metrics, model=model, xb=x, yb=targets) == []

def test_default_initialisations_raise_nothing():
    "Untrained models as people build them (an MLP on 784 inputs, a small CNN), with balanced targets."
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(8, 10))
    x, y = torch.randn(128, 1, 28, 28), torch.arange(128) % 10
    for model in (mlp, cnn): assert doctor(model, nn.CrossEntropyLoss(), x, y).codes == []

# ---------------------------------------------------------------- the model comes back untouched

def state(model):
    "Every byte of every parameter, buffer and gradient, every flag, every hook, and the RNG state."
    tensors = [(n, t.detach().numpy().tobytes(), t.requires_grad, None if t.grad is None else (id(t.grad), t.grad.numpy().tobytes()))
               for n, t in list(model.named_parameters()) + list(model.named_buffers())]
    modules = [(n, m.training, dict(m._forward_hooks), dict(m._forward_pre_hooks), dict(m._backward_hooks),
                dict(m._forward_hooks_with_kwargs), dict(m._forward_hooks_always_called)) for n, m in model.named_modules()]
    return tensors, modules, torch.get_rng_state().numpy().tobytes()

def test_the_model_is_byte_for_byte_the_same_afterwards():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(D, 16), nn.BatchNorm1d(16), nn.Dropout(0.3), nn.ReLU(), nn.Linear(16, C), nn.Softmax(dim=1))
    model[0].requires_grad_(False)                     # a frozen layer
    model[1].eval()                                    # a submodule in another mode than its parent
    F.cross_entropy(model(XB), YB).backward()          # gradients from a step in progress
    model[4].register_forward_hook(lambda m, i, o: None)  # the user's own hook
    before = state(model)
    with torch.no_grad(): d = doctor(model, nn.CrossEntropyLoss(), XB, YB)  # even inside no_grad, the graph is seen
    assert d.codes == ['double-softmax'] and 'model[5]' in d[0].explanation
    assert state(model) == before

def test_a_model_left_untouched_when_its_forward_raises():
    class Broken(nn.Module):
        def __init__(self): super().__init__(); self.lin = nn.Linear(D, C)
        def forward(self, x): raise RuntimeError('boom')
    model = Broken()
    before = state(model)
    with pytest.raises(RuntimeError, match='boom'): doctor(model, nn.CrossEntropyLoss(), XB, YB)
    assert state(model) == before

def test_models_without_float_weights_and_with_integer_inputs():
    "The graph is still seen: through the inputs for a model with no weights, through the weights for integer inputs."
    assert doctor(nn.Softmax(dim=1), nn.CrossEntropyLoss(), torch.randn(N, C), YB).codes == ['double-softmax']
    torch.manual_seed(0)
    class Bag(nn.Module):
        def __init__(self): super().__init__(); self.emb = nn.EmbeddingBag(50, C)
        def forward(self, tokens): return F.softmax(self.emb(tokens), dim=1)
    bag = Bag().requires_grad_(False)  # frozen, and its inputs are integers
    tokens = torch.randint(0, 50, (N, 7))
    seen = look(bag, tokens)
    assert seen.act == 'softmax' and seen.dim == 1 and not any(p.requires_grad for p in bag.parameters())
    assert doctor(bag, nn.CrossEntropyLoss(), tokens, YB).codes == ['double-softmax']

def test_several_inputs_and_the_final_module_inside_a_submodule():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.head = nn.Linear(D, C), nn.Sequential(nn.Linear(2 * C, C), nn.Softmax(dim=1))
        def forward(self, x1, x2): return self.head(torch.cat([self.a(x1), self.a(x2)], 1))
    d = doctor(Two(), nn.CrossEntropyLoss(), (XB, XB), YB)
    assert d.codes == ['double-softmax'] and 'model.head[1] = nn.Identity()' in d[0].fix

def test_graph_activation_through_views_and_log_of_softmax():
    x = torch.randn(4, 3, requires_grad=True)
    assert graph_activation(F.softmax(x, 1).unsqueeze(0).squeeze(0))[:2] == ('softmax', None)
    assert graph_activation(F.softmax(x, 1).clone())[:2] == ('softmax', None)
    assert graph_activation(torch.log(F.softmax(x, 0)))[:2] == ('log_softmax', 0)
    assert graph_activation(F.relu(x))[0] is None

def test_logits_that_happen_to_lie_in_0_1_are_not_probabilities():
    "An untrained model's logits can all lie in [0, 1]; with the graph in view (no sigmoid in it) that is no finding."
    torch.manual_seed(0)
    small = nn.Sequential(nn.Linear(D, C))
    with torch.no_grad(): small[0].weight.mul_(0.01); small[0].bias.fill_(0.4)
    out = small(XB)
    assert 0 <= out.min() and out.max() <= 1
    assert codes(nn.BCEWithLogitsLoss(), [accuracy_multi], model=small, xb=XB, yb=MULTI) == []
    assert codes(nn.BCEWithLogitsLoss(), [accuracy_multi], outputs=out, targets=MULTI) == []
    # without a graph, values in [0, 1] are all there is to go on
    assert codes(nn.BCEWithLogitsLoss(), outputs=out.detach(), targets=MULTI) == ['double-sigmoid']

def test_a_softmax_written_by_hand_is_seen_in_the_values():
    class ByHand(nn.Module):
        def __init__(self): super().__init__(); self.body = body()
        def forward(self, x): e = self.body(x).exp(); return e / e.sum(1, keepdim=True)
    d = doctor(ByHand(), nn.CrossEntropyLoss(), XB, YB)
    assert d.codes == ['double-softmax'] and 'every row sums to 1' in d[0].explanation

def test_log_of_softmax_with_nll_is_right():
    class LogOfSoftmax(nn.Module):
        def __init__(self): super().__init__(); self.body = body()
        def forward(self, x): return torch.log(torch.softmax(self.body(x), 1))
    assert doctor(LogOfSoftmax(), nn.NLLLoss(), XB, YB).codes == []

# ---------------------------------------------------------------- what it prints, what it refuses

def test_printing_and_html():
    d = doctor(nn.Sequential(body(), nn.Softmax(dim=1)), nn.CrossEntropyLoss(), XB, YB)
    assert isinstance(d, Diagnosis) and isinstance(d, list) and isinstance(d[0], Finding)
    text = str(d)
    assert text == repr(d) and text.startswith('doctor: 1 problem found (CrossEntropyLoss on model(xb), 64 items of 5 classes')
    assert '[double-softmax]' in text and 'fix:\n    model = model[:-1]' in text and 'lesson: 05_final_activation' in text
    assert all(len(line) <= 120 for line in text.splitlines() if not line.startswith(('doctor:', '[', '    ')))
    h = d._repr_html_()
    assert '<code>double-softmax</code>' in h and '<pre>model = model[:-1]' in h
    clean = doctor(body(), nn.CrossEntropyLoss(), XB, YB)
    assert len(str(clean).splitlines()) == 1 and str(clean).startswith('doctor: no problems found')
    assert f"a uniform guess: {math.log(C):.4f}" in str(clean)
    assert clean._repr_html_().count('<p>') == 1

def test_every_finding_names_a_lesson_notebook_and_gives_code():
    from pathlib import Path
    nbs = {p.stem for p in (Path(__file__).parent.parent/'nbs').glob('*.ipynb')}
    found = [doctor(nn.Sequential(body(), nn.Softmax(dim=1)), nn.NLLLoss(), XB, YB)[0],
             doctor(body(), nn.MSELoss(), XB, F.one_hot(YB, C).float())[0],
             doctor(body(), nn.CrossEntropyLoss(), XB, YB + 1)[0]]
    for f in found: assert f.lesson in nbs and f.fix and f.explanation.count('.') >= 1

def test_numpy_and_list_inputs_to_the_tensor_form():
    p = torch.softmax(body()(XB), 1).detach().numpy()
    assert doctor(outputs=p, targets=YB.numpy(), loss_func=nn.CrossEntropyLoss()).codes == ['double-softmax']
    assert doctor(outputs=p.tolist(), targets=YB.tolist(), loss_func=F.cross_entropy).codes == ['double-softmax']

@pytest.mark.parametrize('kw, error, match', [
    (dict(model=body(), loss_func=nn.HuberLoss(), xb=XB, yb=YB), ValueError, 'not a loss lessonkit knows'),
    (dict(model=body(), xb=XB, yb=YB), TypeError, '`loss_func` is None'),
    (dict(model=body(), loss_func=F.cross_entropy, xb=XB), ValueError, '`xb` \\(inputs\\) and `yb`'),
    (dict(model=body(), loss_func=F.cross_entropy, xb=XB, yb=YB, targets=YB), ValueError, 'got `model` and `targets`'),
    (dict(loss_func=F.cross_entropy, outputs=torch.randn(N, C)), ValueError, '`targets`'),
    (dict(model=lambda x: x, loss_func=F.cross_entropy, xb=XB, yb=YB), TypeError, '`model` must be an `nn.Module`'),
    (dict(model=body(), loss_func=F.cross_entropy, xb=XB, yb=YB, metrics=[0.5]), TypeError, '`metrics` must be'),
    (dict(loss_func=F.cross_entropy, outputs='logits', targets=YB), TypeError, '`outputs`'),
    (dict(loss_func=F.cross_entropy, outputs=torch.full((N, C), math.nan), targets=YB), ValueError, '`outputs` contains NaN'),
    (dict(model=nn.LSTM(D, C), loss_func=F.cross_entropy, xb=XB, yb=YB), TypeError, 'returned tuple'),
])
def test_bad_arguments(kw, error, match):
    with pytest.raises(error, match=match): doctor(**kw)

def test_the_package_exports_doctor_and_no_internals():
    assert lessonkit.doctor is doctor and lessonkit.Diagnosis is Diagnosis and lessonkit.Finding is Finding
    assert set(lessonkit.diagnosis.__all__) == {'doctor', 'Diagnosis', 'Finding'}
