"`lessonkit.activations`: final_activation for every loss in class, functional, lessonkit and partial form; decode; get_preds; output_kind; `get_preds` (lessonkit.inference)."
import functools, math, warnings
import numpy as np, pytest, torch
import torch.nn as nn
import torch.nn.functional as F
from lessonkit import losses as L
from lessonkit.probabilities import sigmoid
from lessonkit.inference import get_preds
from lessonkit.activations import *

SOFTMAX = [nn.CrossEntropyLoss(), nn.CrossEntropyLoss(label_smoothing=0.1), nn.CrossEntropyLoss, F.cross_entropy, L.cross_entropy,
           functools.partial(F.cross_entropy, label_smoothing=0.2), functools.partial(functools.partial(L.cross_entropy), reduction='sum')]
SIGMOID = [nn.BCEWithLogitsLoss(), nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)), F.binary_cross_entropy_with_logits, L.binary_cross_entropy_with_logits,
           functools.partial(F.binary_cross_entropy_with_logits, pos_weight=torch.ones(3))]
EXP = [nn.NLLLoss(), F.nll_loss, L.nll_loss, functools.partial(L.nll_loss, reduction='none')]
IDENTITY = [nn.BCELoss(), F.binary_cross_entropy, L.binary_cross_entropy, nn.MSELoss(), F.mse_loss, nn.L1Loss(), F.l1_loss]
X = torch.randn(5, 4, generator=torch.Generator().manual_seed(0)) * 3

@pytest.mark.parametrize('loss_func', SOFTMAX, ids=repr)
def test_softmax_losses(loss_func):
    act = final_activation(loss_func)
    assert act is softmax_classes
    torch.testing.assert_close(act(X), torch.softmax(X, 1))
    torch.testing.assert_close(act(X[0]), torch.softmax(X[0], 0))  # one example of shape (C,)
    torch.testing.assert_close(act(X[:, :, None]), torch.softmax(X[:, :, None], 1))  # classes on dim 1, as the loss reads them

@pytest.mark.parametrize('loss_func', SIGMOID, ids=repr)
def test_sigmoid_losses(loss_func):
    assert final_activation(loss_func) is sigmoid
    torch.testing.assert_close(final_activation(loss_func)(X), torch.sigmoid(X))

@pytest.mark.parametrize('loss_func', EXP, ids=repr)
def test_exp_losses(loss_func):
    lp = torch.log_softmax(X, 1)
    torch.testing.assert_close(final_activation(loss_func)(lp), torch.softmax(X, 1))

@pytest.mark.parametrize('loss_func', IDENTITY, ids=repr)
def test_identity_losses(loss_func):
    assert final_activation(loss_func)(X) is X

@pytest.mark.parametrize('loss_func', [nn.HuberLoss(), nn.SmoothL1Loss(), F.kl_div, nn.KLDivLoss(), lambda o, t: (o - t).abs().mean(), torch.sigmoid, 'cross_entropy'], ids=repr)
def test_unknown_loss_raises_and_asks_for_act(loss_func):
    with pytest.raises(ValueError, match=r'Pass `act=` explicitly'): final_activation(loss_func)

def test_none_loss_is_a_type_error():
    with pytest.raises(TypeError, match='`loss_func` is None'): final_activation(None)

def test_kinds():
    assert loss_info(F.cross_entropy).kind == 'single-label' and loss_info(nn.NLLLoss()).kind == 'single-label'
    assert loss_info(nn.BCEWithLogitsLoss()).multi_label and loss_info(L.binary_cross_entropy).kind == 'multi-label'
    assert loss_info(nn.MSELoss()).kind == 'regression'

def test_extreme_logits_give_finite_probabilities():
    x = torch.tensor([[1e4, 0., -1e4], [-1e4, -1e4, -1e4]])
    p = final_activation(F.cross_entropy)(x)
    assert torch.isfinite(p).all()
    torch.testing.assert_close(p.sum(1), torch.ones(2))
    assert torch.isfinite(final_activation(F.binary_cross_entropy_with_logits)(x)).all()

def test_numpy_in_numpy_out():
    for lf in (F.cross_entropy, F.binary_cross_entropy_with_logits, F.nll_loss):
        x = X.numpy() if lf is not F.nll_loss else torch.log_softmax(X, 1).numpy()
        assert isinstance(final_activation(lf)(x), np.ndarray)

def test_decode():
    p = torch.softmax(X, 1)
    torch.testing.assert_close(decode(p, nn.CrossEntropyLoss()), p.argmax(1))
    torch.testing.assert_close(decode(torch.log_softmax(X, 1).exp(), F.nll_loss), p.argmax(1))
    s = torch.sigmoid(X)
    torch.testing.assert_close(decode(s, nn.BCEWithLogitsLoss()), s > 0.5)
    torch.testing.assert_close(decode(s, F.binary_cross_entropy, thresh=0.2), s > 0.2)
    assert not decode(torch.tensor([[0.5]]), multi_label=True).any()  # the threshold is strict
    with pytest.raises(ValueError, match='look like logits'): decode(X, nn.BCEWithLogitsLoss())
    with pytest.raises(ValueError, match='nothing to decode'): decode(p, nn.MSELoss())
    with pytest.raises(ValueError, match='`thresh`'): decode(s, multi_label=True, thresh=1.5)
    with pytest.raises(ValueError, match='`probs` contains NaN'): decode(torch.tensor([[math.nan, 1.]]), F.cross_entropy)
    with pytest.raises(TypeError, match='`loss_func` is None.*`multi_label=True`'): decode(p)
    with pytest.raises(ValueError, match='not a loss lessonkit knows.*`multi_label=True`'): decode(p, nn.HuberLoss())
    with pytest.raises(TypeError, match='`thresh` must be a number'): decode(s, multi_label=True, thresh='0.5')
    torch.testing.assert_close(decode(p, nn.HuberLoss(), multi_label=False), p.argmax(1))  # an explicit kind needs no known loss

def test_get_preds_rows_sum_to_one_and_restores_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 7))
    xs = torch.randn(1000, 6)
    for lf in (nn.CrossEntropyLoss(), F.cross_entropy, L.cross_entropy):
        p = get_preds(model, xs, lf, batch_size=128)
        assert p.shape == (1000, 7) and not p.requires_grad
        torch.testing.assert_close(p.sum(1), torch.ones(1000))
        assert model.training  # put back in the mode it was found in
    model.eval()
    torch.testing.assert_close(get_preds(model, xs, F.cross_entropy, batch_size=1000), torch.softmax(model(xs), 1).detach())
    assert not model.training
    torch.testing.assert_close(get_preds(model, xs.numpy().astype(np.float64), F.cross_entropy), torch.softmax(model(xs), 1).detach())
    torch.testing.assert_close(get_preds(model, xs, act=torch.sigmoid), torch.sigmoid(model(xs)).detach())

def test_get_preds_restores_mode_after_an_error():
    model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(RuntimeError): get_preds(model, torch.randn(4, 5), F.cross_entropy)
    assert model.training

def test_get_preds_bad_input():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match='Pass `act=`'): get_preds(model, torch.randn(4, 3), nn.HuberLoss())
    with pytest.raises(ValueError, match='`batch_size`'): get_preds(model, torch.randn(4, 3), F.cross_entropy, batch_size=0)
    with pytest.raises(ValueError, match='`xs` must hold at least one item'): get_preds(model, torch.randn(0, 3), F.cross_entropy)
    with pytest.raises(TypeError, match='`xs`'): get_preds(model, [[1., 2., 3.]], F.cross_entropy)
    one_logit = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0))
    with pytest.raises(ValueError, match=r'returned outputs of shape \(4,\), one number per item'): get_preds(one_logit, torch.randn(4, 3), nn.CrossEntropyLoss())
    assert get_preds(one_logit, torch.randn(4, 3), nn.BCEWithLogitsLoss()).shape == (4,)  # one yes/no logit per item is fine

@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_output_kind(dtype):
    x = (torch.randn(50, 10, generator=torch.Generator().manual_seed(1)) * 3).to(dtype)
    assert output_kind(x) == 'logits'
    assert output_kind(torch.softmax(x.float(), 1).to(dtype)) == 'probabilities'
    assert output_kind(torch.log_softmax(x.float(), 1).to(dtype)) == 'log-probabilities'
    assert output_kind(torch.sigmoid(x)) == 'multi-label probabilities'
    assert output_kind(torch.log_softmax(x.float(), 1).mean(0, keepdim=True).exp()) == 'multi-label probabilities'  # a geometric mean
    assert output_kind(-x.abs()) == 'logits'
    assert output_kind(torch.softmax(x.float(), 0).to(dtype), dim=0) == 'probabilities'
    assert output_kind(torch.softmax(x.float(), 1).numpy()) == 'probabilities'

def test_output_kind_bad_input():
    with pytest.raises(ValueError, match='`x` contains NaN'): output_kind(torch.tensor([[math.nan, 0.]]))
    with pytest.raises(ValueError, match='`dim`=2 is out of range'): output_kind(torch.ones(2, 2), dim=2)


def test_loss_info_knows_what_each_loss_takes():
    takes = {nn.CrossEntropyLoss(): 'logits', nn.BCEWithLogitsLoss(): 'label logits', nn.NLLLoss(): 'log-probabilities',
             nn.BCELoss(): 'label probabilities', nn.MSELoss(): None}
    for lf, kind in takes.items():
        info = loss_info(lf)
        assert info.takes == kind and info.gives == ('label probabilities' if info.multi_label else 'probabilities')
    lp = torch.log_softmax(X, 1)
    assert loss_info(L.nll_loss).check_outputs(lp) is lp
    with pytest.raises(ValueError, match='`outputs` holds values from .* NLL takes log-probabilities'): loss_info(nn.NLLLoss()).check_outputs(X)
    with pytest.raises(ValueError, match='`outputs` is not log-probabilities'): loss_info(nn.NLLLoss()).check_outputs(lp - 10)
    with pytest.raises(ValueError, match='BCELoss takes probabilities'): loss_info(nn.BCELoss()).check_outputs(X)
    assert loss_info(nn.MSELoss()).check_outputs(X) is X  # a regression's outputs are the answer

@pytest.mark.parametrize('make', [lambda w: nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1),
                                  lambda w: functools.partial(L.cross_entropy, weight=w, ignore_index=1, label_smoothing=0.1),
                                  lambda w: functools.partial(nn.CrossEntropyLoss, weight=w, ignore_index=1, label_smoothing=0.1),
                                  lambda w: functools.partial(F.cross_entropy, weight=w, ignore_index=1, label_smoothing=0.1)])
def test_unreduced_keeps_the_keywords(make):
    w, t = torch.tensor([1., 2., 0.5, 3.]), torch.tensor([0, 1, 2, 3, 1])
    want = F.cross_entropy(X, t, weight=w, ignore_index=1, label_smoothing=0.1, reduction='none')
    torch.testing.assert_close(loss_info(make(w)).unreduced()(X, t), want)
    pw = torch.tensor([3., 1., 1., 0.5]); y = (X > 0).float()
    for lf in (nn.BCEWithLogitsLoss(weight=torch.ones(4), pos_weight=pw), functools.partial(L.binary_cross_entropy_with_logits, pos_weight=pw)):
        torch.testing.assert_close(loss_info(lf).unreduced()(X, y), F.binary_cross_entropy_with_logits(X, y, pos_weight=pw, reduction='none'))
    torch.testing.assert_close(loss_info(nn.NLLLoss(weight=w)).unreduced()(torch.log_softmax(X, 1), t), F.nll_loss(torch.log_softmax(X, 1), t, weight=w, reduction='none'))

def test_get_preds_checks_the_outputs_against_the_loss_and_names_them():
    torch.manual_seed(0)
    model, xs = nn.Sequential(nn.Linear(3, 4)), torch.randn(10, 3)
    with pytest.raises(ValueError, match=r'`model\(xs\)` contains NaN'): get_preds(model, xs * math.nan, nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match=r'`model\(xs\)` holds values from .*NLL takes log-probabilities'): get_preds(model, xs + 100, nn.NLLLoss())
    with pytest.raises(ValueError, match=r'`model\(xs\)` .*BCELoss takes probabilities'): get_preds(model, xs * 10, nn.BCELoss())
    torch.testing.assert_close(get_preds(nn.Sequential(model, nn.LogSoftmax(1)), xs, nn.NLLLoss()), torch.softmax(model(xs), 1).detach())
    assert get_preds(model, xs, nn.CrossEntropyLoss(), batch_size=np.int64(3)).shape == (10, 4)
    assert get_preds(model, xs, act=lambda o: o * math.nan).isnan().all()  # `act` is the caller's: not second-guessed

def test_softmax_classes_names_a_ragged_list():
    with pytest.raises(ValueError, match='must be a rectangular list'): softmax_classes([[1., 2.], [3.]])
    assert isinstance(softmax_classes(np.array([[1., 2.]])), np.ndarray)
