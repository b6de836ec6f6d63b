"`lessonkit.interpret`: ClassificationInterpretation against brute force and torch (losses, top losses, confusion, uncertainty), titles that never round a doubt away, bad input, `from_model` over tensors, DataLoaders and any iterable of batches, and the digits helpers (lessonkit.digits)."
import functools, math
import numpy as np, pytest, torch
import torch.nn as nn
import torch.nn.functional as F
import lessonkit.interpret as interpret_mod
from lessonkit.interpret import *
from lessonkit.digits import DIGIT_CLASSES, load_digits_data, train_digits_model

def gen(seed): return torch.Generator().manual_seed(seed)

def random_case(n=500, c=10, seed=0, scale=3.):
    g = gen(seed)
    return torch.randn(n, c, generator=g) * scale, torch.randint(0, c, (n,), generator=g)

def test_37_classes_predicted_half_actual_four_tenths():
    c = 37
    probs = torch.full((2, c), 0.1 / 35)
    probs[0, 5], probs[0, 12] = 0.5, 0.4   # predicted class 5 (0.5), actual class 12 (0.4)
    probs[1, 0], probs[1, 1] = 0.5, 0.4
    interp = ClassificationInterpretation.from_preds(probs.log(), torch.tensor([12, 0]), classes=[f"c{i}" for i in range(c)])
    assert interp.preds.tolist() == [5, 0]
    torch.testing.assert_close(interp.probs[0, [5, 12]], torch.tensor([0.5, 0.4]))
    title = interp.title(0)
    assert title.startswith('c5 (0.5000) / c12 (0.4000)') and 'loss 0.92' in title
    assert interp.title(1).startswith('c0 (0.5000) / c0 (0.5000)')
    assert '1.00' not in title

def test_title_never_shows_a_non_maximal_probability_as_one():
    assert top_loss_title('a', 'b', 0.5, 0.99996, 0.00004) == "a (0.99996) / b (4.00e-05)\nloss 0.50"
    assert top_loss_title(3, 8, 1.234, 0.5, 0.4) == "3 (0.5000) / 8 (0.4000)\nloss 1.23"
    t = ClassificationInterpretation.from_preds(torch.tensor([[12., 0.]]), torch.tensor([1])).title(0)  # 0.999994 vs 6.1e-06
    assert t == "0 (0.99999) / 1 (6.14e-06)\nloss 12.00"
    for p in (0.99999, 0.999996, 0.9999999, 1e-9):
        shown = float(top_loss_title('a', 'b', 0., p, 0.5).split('(')[1].split(')')[0])
        assert 0 < shown < 1

def test_probs_losses_preds_match_torch():
    out, targ = random_case()
    interp = ClassificationInterpretation.from_preds(out, targ, nn.CrossEntropyLoss())
    torch.testing.assert_close(interp.probs, torch.softmax(out, 1))
    torch.testing.assert_close(interp.losses, F.cross_entropy(out, targ, reduction='none'))
    assert torch.equal(interp.preds, out.argmax(1))
    for lf in (None, F.cross_entropy, interpret_mod.cross_entropy):
        torch.testing.assert_close(ClassificationInterpretation.from_preds(out, targ, lf).losses, F.cross_entropy(out, targ, reduction='none'))
    ls = ClassificationInterpretation.from_preds(out, targ, nn.CrossEntropyLoss(label_smoothing=0.1)).losses
    torch.testing.assert_close(ls, F.cross_entropy(out, targ, reduction='none', label_smoothing=0.1))
    for lf in (functools.partial(nn.CrossEntropyLoss, label_smoothing=0.1), functools.partial(F.cross_entropy, label_smoothing=0.1)):
        torch.testing.assert_close(ClassificationInterpretation.from_preds(out, targ, lf).losses, ls)  # a loss class or function in a partial

def test_nll_loss_outputs_are_log_probabilities():
    out, targ = random_case(seed=1)
    lp = torch.log_softmax(out, 1)
    interp = ClassificationInterpretation.from_preds(lp, targ, nn.NLLLoss())
    torch.testing.assert_close(interp.probs, torch.softmax(out, 1))
    torch.testing.assert_close(interp.losses, F.nll_loss(lp, targ, reduction='none'))

def test_losses_across_chunks(monkeypatch):
    monkeypatch.setattr(interpret_mod, '_CHUNK', 7)
    out, targ = random_case(n=100, seed=2)
    torch.testing.assert_close(ClassificationInterpretation.from_preds(out, targ).losses, F.cross_entropy(out, targ, reduction='none'))

@pytest.mark.parametrize('k', [1, 5, 500])
def test_top_losses_equal_torch_topk(k):
    out, targ = random_case(seed=3)
    interp = ClassificationInterpretation.from_preds(out, targ)
    want = F.cross_entropy(out, targ, reduction='none').topk(k)
    got = interp.top_losses(k)
    torch.testing.assert_close(got[0], want.values)
    assert torch.equal(got[1], want.indices)
    assert (got[0][:-1] >= got[0][1:]).all()
    assert len(interp.top_losses()[0]) == 500

def brute_confusion(targ, pred, c):
    cm = [[0] * c for _ in range(c)]
    for a, p in zip(targ.tolist(), pred.tolist()): cm[a][p] += 1
    return cm

@pytest.mark.parametrize('seed', range(3))
def test_confusion_matrix_and_most_confused_equal_brute_force(seed):
    c = 6
    out, targ = random_case(n=400, c=c, seed=seed, scale=0.7)
    interp = ClassificationInterpretation.from_preds(out, targ, classes=list('abcdef'))
    cm = brute_confusion(targ, out.argmax(1), c)
    assert interp.confusion_matrix().tolist() == cm
    for min_val in (1, 3, 10):
        want = sorted([('abcdef'[a], 'abcdef'[p], cm[a][p]) for a in range(c) for p in range(c) if a != p and cm[a][p] >= min_val], key=lambda t: -t[2])
        got = interp.most_confused(min_val)
        assert sorted(got) == sorted(want)
        assert [n for *_, n in got] == [n for *_, n in want]  # largest first

def test_most_confused_without_mistakes_is_empty():
    out = torch.eye(4) * 10
    assert ClassificationInterpretation.from_preds(out, torch.arange(4)).most_confused() == []

def test_most_uncertain_is_the_top_two_margin():
    out, targ = random_case(seed=4, scale=1.)
    interp = ClassificationInterpretation.from_preds(out, targ)
    p = torch.softmax(out, 1)
    margins = [sorted(row, reverse=True)[0] - sorted(row, reverse=True)[1] for row in p.tolist()]
    want = sorted(range(len(margins)), key=lambda i: margins[i])[:10]
    got_m, got_i = interp.most_uncertain(10)
    assert got_i.tolist() == want
    torch.testing.assert_close(got_m, torch.tensor([margins[i] for i in want]))

def test_most_confident():
    out, targ = random_case(seed=5, scale=1.5)
    interp = ClassificationInterpretation.from_preds(out, targ, classes=[str(i) for i in range(10)])
    p, pred = torch.softmax(out, 1), out.argmax(1)
    conf = p.max(1).values
    for correct, keep in [(True, pred == targ), (False, pred != targ), (None, torch.ones_like(targ, dtype=torch.bool))]:
        idx = keep.nonzero().flatten()
        want = idx[conf[idx].argsort(descending=True)[:7]]
        v, i = interp.most_confident(7, correct=correct)
        assert i.tolist() == want.tolist()
        torch.testing.assert_close(v, conf[want])
    v, i = interp.most_confident(500, correct=False, cls='3')
    assert ((pred[i] == 3) & (targ[i] != 3)).all() and len(i) == int(((pred == 3) & (targ != 3)).sum())
    with pytest.raises(ValueError, match="`cls` is 'x', which is not one of"): interp.most_confident(3, cls='x')
    with pytest.raises(ValueError, match='`cls` is 10, which is not one of'): interp.most_confident(3, cls=10)

def test_multi_label():
    g = gen(6)
    out, targ = torch.randn(50, 4, generator=g) * 2, (torch.rand(50, 4, generator=g) > 0.5).float()
    interp = ClassificationInterpretation.from_preds(out, targ, nn.BCEWithLogitsLoss(), classes=list('wxyz'))
    torch.testing.assert_close(interp.probs, torch.sigmoid(out))
    torch.testing.assert_close(interp.losses, F.binary_cross_entropy_with_logits(out, targ, reduction='none').mean(1))
    assert torch.equal(interp.preds, torch.sigmoid(out) > 0.5)
    m, i = interp.most_uncertain(5)
    torch.testing.assert_close(m, (torch.sigmoid(out) - 0.5).abs().amin(1).sort().values[:5])
    assert interp.top_losses_table(3).count('\n') == 3
    bce = ClassificationInterpretation.from_preds(torch.sigmoid(out), targ, nn.BCELoss())
    torch.testing.assert_close(bce.losses, interp.losses, rtol=1e-4, atol=1e-5)
    for method in ('confusion_matrix', 'most_confused', 'most_confident'):
        with pytest.raises(ValueError, match='single-label'): getattr(interp, method)()
    at_03 = ClassificationInterpretation.from_preds(out, targ, nn.BCEWithLogitsLoss(), thresh=0.3)
    assert torch.equal(at_03.preds, torch.sigmoid(out) > 0.3)
    torch.testing.assert_close(at_03.most_uncertain(5)[0], (torch.sigmoid(out) - 0.3).abs().amin(1).sort().values[:5])

def test_numpy_inputs():
    out, targ = random_case(seed=7)
    interp = ClassificationInterpretation.from_preds(out.numpy(), targ.numpy())
    torch.testing.assert_close(interp.losses, F.cross_entropy(out, targ, reduction='none'))

def test_bad_input_raises_clear_errors():
    out, targ = random_case(n=6, seed=8)
    cases = [
        ((out, targ[:4]), ValueError, '`target` has shape (4,); expected (6,)'),
        ((out, torch.tensor([0, 1, 2, 3, 4, 10])), ValueError, '`target` holds class index 10'),
        ((out, torch.tensor([0, 1, 2, 3, 4, -1])), ValueError, '`target` holds class index -1'),
        ((out[:, 0], targ), ValueError, 'expected (N, C)'),
        ((out[:0], targ[:0]), ValueError, 'expected (N, C) with N >= 1'),
        ((out, targ.float()), TypeError, 'must hold class indices'),
        ((torch.full((6, 10), math.nan), targ), ValueError, '`outputs` contains NaN'),
    ]
    for args, error, msg in cases:
        with pytest.raises(error) as e: ClassificationInterpretation.from_preds(*args)
        assert msg in str(e.value), (msg, str(e.value))
    with pytest.raises(ValueError, match='regression'): ClassificationInterpretation.from_preds(out, targ, nn.MSELoss())
    with pytest.raises(ValueError, match='not a loss lessonkit knows'): ClassificationInterpretation.from_preds(out, targ, nn.HuberLoss())
    with pytest.raises(TypeError, match='cannot be asked for one loss per item'): ClassificationInterpretation.from_preds(out, targ, lambda o, t: (o - 1).abs().mean(), act=torch.sigmoid)
    with pytest.raises(ValueError, match='`classes` has 3 names; expected 10'): ClassificationInterpretation.from_preds(out, targ, classes=list('abc'))
    with pytest.raises(ValueError, match='`items` has 2 entries; expected 6'): ClassificationInterpretation.from_preds(out, targ, items=torch.zeros(2, 8, 8))
    interp = ClassificationInterpretation.from_preds(out, targ)
    for method in ('top_losses', 'most_uncertain'):
        with pytest.raises(ValueError, match='`k` must be an int from 1 to 6, the number of items; got 7'): getattr(interp, method)(7)
        with pytest.raises(ValueError, match='`k` must be an int from 1 to 6, the number of items; got 0'): getattr(interp, method)(0)
    for method in ('top_losses', 'most_uncertain', 'most_confident'):
        with pytest.raises(TypeError, match='`k` must be an int'): getattr(interp, method)(2.5)
    with pytest.raises(ValueError, match='`k` must be an int >= 1; got 0'): interp.most_confident(0)
    assert len(interp.most_confident(7, correct=None)[1]) == 6  # fewer than k qualify: all of them
    with pytest.raises(ValueError, match='`min_val`'): interp.most_confused(0)
    with pytest.raises(ValueError, match='`items` is None'): interp.plot_top_losses(3)

@pytest.mark.parametrize('outputs, loss_func, act, message', [
    # NLL takes log-probabilities: raw logits gave "probabilities" up to 54.6 and negative losses
    (lambda o: o, nn.NLLLoss(), None, '`outputs` holds values from'),
    (lambda o: o, F.nll_loss, None, 'NLL takes log-probabilities: end the model with `log_softmax`'),
    (lambda o: o - 10, nn.NLLLoss(), None, '`outputs` is not log-probabilities'),
    # an `act` that does not give probabilities: a scaled copy (a "probability" of 30), or a sigmoid on a softmax model
    (lambda o: o, None, lambda x: x * 10, '`act(outputs)` holds values from'),
    (lambda o: o, nn.CrossEntropyLoss(), torch.sigmoid, '`act(outputs)` (probabilities over classes) has a row summing to'),
    (lambda o: o, nn.CrossEntropyLoss(), lambda x: torch.softmax(x, 0), 'has a row summing to'),  # the wrong dimension
    (lambda o: o, nn.CrossEntropyLoss(), lambda x: x[:, :2].softmax(1), '`act(outputs)` has shape (6, 2); expected (6, 10)'),
    (lambda o: o, None, lambda x: x.softmax(1) * math.nan, '`act(outputs)` contains NaN'),
    # losses must be >= 0
    (lambda o: o, nn.CrossEntropyLoss(weight=-torch.ones(10)), None, '`loss_func`=CrossEntropyLoss() gives per-item losses down to'),
])
def test_from_preds_holds_probabilities_and_nonnegative_losses_or_refuses(outputs, loss_func, act, message):
    out, targ = random_case(n=6, seed=8)
    with pytest.raises(ValueError) as e: ClassificationInterpretation.from_preds(outputs(out), targ, loss_func, act=act)
    assert message in str(e.value), str(e.value)

def test_from_preds_multi_label_routes():
    out, targ = random_case(n=30, c=4, seed=10)
    y = (torch.rand(30, 4, generator=gen(11)) > 0.5).float()
    with pytest.raises(ValueError, match=r'`outputs` holds values from .* BCELoss takes probabilities: apply `sigmoid`'):
        ClassificationInterpretation.from_preds(out, y, nn.BCELoss())  # torch: a bare RuntimeError
    with pytest.raises(ValueError, match=r'`act\(outputs\)` holds values'):
        ClassificationInterpretation.from_preds(out, y, nn.BCEWithLogitsLoss(), act=lambda x: x)
    with pytest.raises(ValueError, match='`outputs` contains -inf'): ClassificationInterpretation.from_preds(out.masked_fill(out < -3, -math.inf), y, nn.BCEWithLogitsLoss())
    for loss_func, outputs in [(nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1., 2, 3, 4])), out), (nn.BCELoss(weight=torch.ones(4)), torch.sigmoid(out))]:
        interp = ClassificationInterpretation.from_preds(outputs, y, loss_func)
        assert ((interp.probs >= 0) & (interp.probs <= 1)).all() and (interp.losses >= 0).all()

@pytest.mark.parametrize('seed', range(4))
def test_every_route_gives_probabilities_and_nonnegative_losses(seed):
    "Known losses (class, function, lessonkit's, partial with keywords), log-probabilities, masks: what from_preds holds."
    out, targ = random_case(n=40, c=5, seed=seed, scale=[1., 10., 100., 1e4][seed])
    out = out.masked_fill(torch.rand(40, 5, generator=gen(seed)) < 0.2, -math.inf).index_fill(1, torch.tensor([0]), 0.)
    targ = out.argmax(1)  # a class each row keeps
    w = torch.rand(5, generator=gen(seed)) + 0.1
    ce = interpret_mod.cross_entropy  # lessonkit's: a masked class is out of its row, so smoothing stays finite
    routes = [(out, None, True), (out, functools.partial(ce, weight=w, label_smoothing=0.1), True),
              (out, functools.partial(F.cross_entropy, weight=w), True), (torch.log_softmax(out, 1), nn.NLLLoss(weight=w), True),
              (torch.log_softmax(out, 1), ce, True),
              (out, nn.CrossEntropyLoss(weight=w, label_smoothing=0.1), False)]  # PyTorch's: inf where a row is masked
    for outputs, lf, finite in routes:
        interp = ClassificationInterpretation.from_preds(outputs, targ, lf)
        p = interp.probs
        assert ((p >= 0) & (p <= 1)).all() and torch.allclose(p.sum(1), torch.ones(40), atol=1e-3)
        assert (interp.losses >= 0).all() and bool(interp.losses.isfinite().all()) == finite

def test_classes_are_checked_and_fewer_than_k_are_returned():
    out, targ = random_case(n=5, c=3, seed=12)
    with pytest.raises(TypeError, match="`classes` must be a list of names; got the single string 'abc'"):
        ClassificationInterpretation.from_preds(out, targ, classes='abc')
    with pytest.raises(ValueError, match="`classes` must hold distinct names; got 'a' more than once"):
        ClassificationInterpretation.from_preds(out, targ, classes=['a', 'a', 'b'])
    interp = ClassificationInterpretation.from_preds(out, targ, classes=['a', 'b', 'c'])
    v, i = interp.most_confident(correct=None)  # the default k is 9; there are 5 items
    assert len(i) == 5 and (v[:-1] >= v[1:]).all()
    assert len(interp.most_confident(np.int64(2), correct=None)[1]) == 2  # NumPy's integers are counts too
    assert interp.most_confused(np.int64(1)) == interp.most_confused(1)

def test_plots_run():
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    out, targ = random_case(n=20, seed=9)
    interp = ClassificationInterpretation.from_preds(out, targ, items=torch.rand(20, 1, 8, 8))
    interp.plot_top_losses(4, ncols=2)
    titles = [ax.get_title() for ax in plt.gcf().axes if ax.get_title()]
    _, idx = interp.top_losses(4)
    assert titles == [interp.title(i) for i in idx.tolist()]
    interp.plot_confusion_matrix(); interp.plot_confusion_matrix(normalize=True)
    for bad, error in ((0, ValueError), (2.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match='`ncols` must be an int >= 1'): interp.plot_top_losses(4, ncols=bad)
    plt.close('all')

def test_digits_helpers_and_from_model():
    xt, yt, xv, yv = load_digits_data()
    assert xt.shape == (1438, 1, 8, 8) and xv.shape == (359, 1, 8, 8) and 0 <= xt.min() and xt.max() <= 1
    assert torch.equal(load_digits_data()[3], yv)  # the split is fixed by the seed
    model = train_digits_model(xt, yt, xv, yv, epochs=2, progress=False)
    assert not model.training
    interp = ClassificationInterpretation.from_model(model, (xv, yv), nn.CrossEntropyLoss(), classes=DIGIT_CLASSES,
                                                     progress=False)
    assert (interp.preds == yv).float().mean() > 0.8
    assert interp.items is xv and interp.confusion_matrix().sum() == 359
    with pytest.raises(ValueError, match='`valid_pct`'): load_digits_data(valid_pct=1.5)

def test_interpretation_benchmark_on_a_small_case():
    "benchmarks/bench_interpret.py (which replaced the lesson's `scale_benchmark`) runs and reports every step."
    import sys
    sys.path.insert(0, 'benchmarks')
    from bench_interpret import worker
    r = worker(5000, 20)
    assert set(r['steps_s']) == {'from_preds', 'top_losses', 'confusion_matrix', 'read_probs_and_losses'}
    assert all(v >= 0 for v in r['from_preds_phases_s'].values()) and r['losses_shape'] == [5000]
# ---------------------------------------------------------------- from_model: tensors, DataLoaders, any iterable of batches
import gc, sys, weakref
from torch.utils.data import DataLoader, IterableDataset, RandomSampler, TensorDataset

def fm_case(n=300, c=7, seed=20, multi=False):
    "A small model and its data: inputs (n, 5), class indices or 0/1 labels, and the model's outputs in one pass."
    g = gen(seed)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, c))
    x = torch.randn(n, 5, generator=g)
    y = (torch.rand(n, c, generator=g) < 0.4).float() if multi else torch.randint(0, c, (n,), generator=g)
    with torch.no_grad(): out = model.eval()(x)
    return model.train(), x, y, out

def same(a, b):
    torch.testing.assert_close(a.probs, b.probs)
    torch.testing.assert_close(a.losses, b.losses)
    assert torch.equal(a.preds, b.preds) and torch.equal(a.targets, b.targets) and a.multi_label == b.multi_label

class Stream(IterableDataset):
    "A dataset with no `__getitem__` and no length: items come one by one."
    def __init__(self, x, y): self.x, self.y = x, y
    def __iter__(self): return iter(zip(self.x, self.y))

@pytest.mark.parametrize('loss_func, multi', [(nn.CrossEntropyLoss(), False), (F.cross_entropy, False),
                                              (nn.BCEWithLogitsLoss(), True)], ids=['CE', 'F.ce', 'BCE'])
def test_from_model_equals_from_preds_for_every_kind_of_data(loss_func, multi):
    model, x, y, out = fm_case(multi=multi)
    want = ClassificationInterpretation.from_preds(out, y, loss_func)
    datas = {'tensors': (x, y), 'arrays': (x.numpy(), y.numpy()),
             'DataLoader': DataLoader(TensorDataset(x, y), batch_size=64),
             'DataLoader of batches': DataLoader(TensorDataset(x, y), batch_size=None,
                                                 sampler=torch.utils.data.BatchSampler(
                                                     torch.utils.data.SequentialSampler(range(len(x))), 50, False)),
             'iterable dataset': DataLoader(Stream(x, y), batch_size=32),
             'list of batches': list(zip(x.split(70), y.split(70))),
             'generator': ((xb, yb) for xb, yb in zip(x.split(33), y.split(33)))}
    for name, data in datas.items():
        got = ClassificationInterpretation.from_model(model, data, loss_func, batch_size=41, progress=False)
        same(got, want)
        assert model.training, name  # put back in the mode it was found in
    assert all(p.grad is None for p in model.parameters())

def test_from_model_batch_sizes_and_nll_and_act():
    model, x, y, out = fm_case(n=10)
    for bs in (1, 3, 10, 11):
        same(ClassificationInterpretation.from_model(model, (x, y), nn.CrossEntropyLoss(), batch_size=bs, progress=False),
             ClassificationInterpretation.from_preds(out, y, nn.CrossEntropyLoss()))
    lsm = nn.Sequential(model, nn.LogSoftmax(dim=1))
    same(ClassificationInterpretation.from_model(lsm, (x, y), nn.NLLLoss(), progress=False),
         ClassificationInterpretation.from_preds(torch.log_softmax(out, 1), y, nn.NLLLoss()))
    soft = lambda o: torch.softmax(o / 2, 1)  # an `act` of one's own: a softmax at temperature 2
    got = ClassificationInterpretation.from_model(model, (x, y), nn.CrossEntropyLoss(), act=soft, progress=False)
    torch.testing.assert_close(got.probs, soft(out))

def test_from_model_plots_fetch_items_from_the_dataset_only_in_order():
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    model, _, y, _ = fm_case(n=40, c=3)
    imgs = torch.rand(40, 1, 4, 4)
    flat = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    fetched = []
    class Images(torch.utils.data.Dataset):
        def __len__(self): return 40
        def __getitem__(self, i): fetched.append(i); return imgs[i], y[i]
    interp = ClassificationInterpretation.from_model(flat, DataLoader(Images(), batch_size=8), nn.CrossEntropyLoss(),
                                                     progress=False)
    fetched.clear()
    interp.plot_top_losses(4, ncols=2)
    _, idx = interp.top_losses(4)
    assert fetched == idx.tolist()  # only the items shown, by index
    shown = [ax.images[0].get_array() for ax in plt.gcf().axes if ax.images]
    assert all(np.allclose(s, imgs[i, 0].numpy()) for s, i in zip(shown, idx.tolist()))
    plt.close('all')
    for data in (DataLoader(Images(), batch_size=8, shuffle=True), DataLoader(Stream(imgs, y), batch_size=8),
                 ((imgs[i:i + 8], y[i:i + 8]) for i in range(0, 40, 8))):
        interp = ClassificationInterpretation.from_model(flat, data, nn.CrossEntropyLoss(), progress=False)
        assert interp.items is None
        with pytest.raises(ValueError, match='there are no inputs to show'): interp.plot_top_losses(4)
        assert 'item' in interp.top_losses_table(3)  # the table needs no inputs
    given = ClassificationInterpretation.from_model(flat, DataLoader(Stream(imgs, y), batch_size=8),
                                                    nn.CrossEntropyLoss(), items=imgs, progress=False)
    assert given.items is imgs

def test_from_model_keeps_no_inputs():
    "Every input batch is freed once the model has seen it: the interpretation holds no reference to any."
    model, x, y, _ = fm_case()
    refs = []
    def batches():
        for xb, yb in zip(x.split(50), y.split(50)):
            xb = xb.clone(); refs.append(weakref.ref(xb))
            yield xb, yb
    interp = ClassificationInterpretation.from_model(model, batches(), nn.CrossEntropyLoss(), progress=False)
    gc.collect()
    assert len(refs) == 6 and all(r() is None for r in refs) and interp.items is None

def test_from_model_sizes_its_results_once_and_grows_when_needed():
    model, x, y, out = fm_case(n=100)
    want = ClassificationInterpretation.from_preds(out, y)
    dropped = ClassificationInterpretation.from_model(model, DataLoader(TensorDataset(x, y), batch_size=30, drop_last=True),
                                                      nn.CrossEntropyLoss(), progress=False)
    same(dropped, ClassificationInterpretation.from_preds(out[:90], y[:90]))
    # a sampler that draws more items than the dataset holds: the results grow past the dataset's length
    order = list(iter(RandomSampler(range(100), replacement=True, num_samples=250, generator=gen(5))))
    dl = DataLoader(TensorDataset(x, y), batch_size=32, sampler=order)
    more = ClassificationInterpretation.from_model(model, dl, nn.CrossEntropyLoss(), progress=False)
    same(more, ClassificationInterpretation.from_preds(out[order], y[order]))
    assert more.items is None  # not in the dataset's order

def test_from_model_progress_bar(monkeypatch):
    import fastprogress.fastprogress as fp
    model, x, y, out = fm_case(n=50)
    totals = []
    real = fp.progress_bar
    monkeypatch.setattr(fp, 'progress_bar', lambda gen, total=None, **kw: totals.append(total) or real(gen, total=total, display=False, **kw))
    ClassificationInterpretation.from_model(model, (x, y), nn.CrossEntropyLoss(), batch_size=16)
    ClassificationInterpretation.from_model(model, DataLoader(TensorDataset(x, y), batch_size=20), nn.CrossEntropyLoss())
    ClassificationInterpretation.from_model(model, iter(list(zip(x.split(9), y.split(9)))), nn.CrossEntropyLoss())
    ClassificationInterpretation.from_model(model, (x, y), nn.CrossEntropyLoss(), progress=False)
    assert totals == [4, 3, 'noinfer']
    # without fastprogress (it is a lessons extra): no bar, the same results
    monkeypatch.setitem(sys.modules, 'fastprogress', None)
    monkeypatch.setitem(sys.modules, 'fastprogress.fastprogress', None)
    same(ClassificationInterpretation.from_model(model, (x, y), nn.CrossEntropyLoss()), ClassificationInterpretation.from_preds(out, y))
    assert totals == [4, 3, 'noinfer']

def test_from_model_bad_data():
    model, x, y, _ = fm_case(n=20)
    CI = ClassificationInterpretation
    cases = [
        (lambda: CI.from_model(model, x, y, nn.CrossEntropyLoss()), TypeError, '`data` is a single tensor'),  # the old call
        (lambda: CI.from_model(model, (x, y[:5]), nn.CrossEntropyLoss()), ValueError, '20 inputs and 5 targets'),
        (lambda: CI.from_model(model, 7, nn.CrossEntropyLoss()), TypeError, 'got int'),
        (lambda: CI.from_model(model, [x[:5]], nn.CrossEntropyLoss()), TypeError, 'batch 0 is a Tensor'),
        (lambda: CI.from_model(model, [(x, y, y)], nn.CrossEntropyLoss()), TypeError, 'batch 0 is a tuple of 3'),
        (lambda: CI.from_model(model, [], nn.CrossEntropyLoss()), ValueError, '`data` holds no batches'),
        (lambda: CI.from_model(model, (x, y), nn.CrossEntropyLoss(), batch_size=0), ValueError, '`batch_size` must be an int >= 1'),
        (lambda: CI.from_model(model, (x, y), nn.CrossEntropyLoss(), classes=list('ab')), ValueError, '`classes` has 2 names; expected 7'),
        (lambda: CI.from_model(model, (x, y), nn.CrossEntropyLoss(), items=x[:3]), ValueError, '`items` has 3 entries; expected 20'),
        (lambda: CI.from_model(model, (x, y), nn.MSELoss()), ValueError, 'regression'),
        (lambda: CI.from_model(model, (x, y + 7), nn.CrossEntropyLoss()), ValueError, 'class index'),
    ]
    for f, error, msg in cases:
        with pytest.raises(error) as e: f()
        assert msg in str(e.value), (msg, str(e.value))
    wider = nn.Sequential(model, nn.Linear(7, 9))
    two = [(x[:10], y[:10]), (x[10:], y[10:])]
    class Switch(nn.Module):
        def __init__(self): super().__init__(); self.calls = 0
        def forward(self, xb): self.calls += 1; return (model if self.calls == 1 else wider)(xb)
    with pytest.raises(ValueError, match='every batch needs the same'): CI.from_model(Switch(), two, nn.CrossEntropyLoss(), progress=False)

def test_loader_benchmark_on_a_small_case():
    "benchmarks/bench_interpret_loader.py runs every route, and they agree."
    sys.path.insert(0, 'benchmarks')
    from bench_interpret_loader import memory_worker, time_worker, ROUTES
    mem = {r: memory_worker(r, 1000, 10, threads=0, batch=128) for r in ROUTES}
    assert all(m['sample'] == mem['tensors']['sample'] for m in mem.values())
    assert all(m['probs_mb'] == round(1000 * 10 * 4 / 2**20, 1) for m in mem.values())
    t = time_worker(1000, 10, threads=0, batch=128, rounds=1)
    assert set(t['best_wall_s']) == set(ROUTES) and set(t['loader_alone_s']) == {'loader', 'loader_per_item'}
