/* The loss-family explorer: <div class="lk-explorer" data-kind="loss-family" ...>, computed in the page.

   One explorer for the classification losses of the course, switchable:
     softmax      K-class softmax cross-entropy: one target class, p = softmax(x / T)
     binary       one logit, sigmoid binary cross-entropy: is it the first class? p = sigmoid(x / T)
     multi-label  one sigmoid per label, BCE per label, averaged over the labels
   with probabilities, loss and the gradient of the loss with respect to each slider logit (p - y at the defaults;
   divided by T), and the options (z = x / T):
     label smoothing eps   softmax: q = (1 - eps) one_hot + eps / K;  sigmoids: y' = (1 - eps) y + eps / 2
     class weight w        softmax: class `weightClass` weighs w, the others 1, as F.cross_entropy(weight=...),
                           one example, no division by the weights;  sigmoids: pos_weight = w
     focal gamma (alpha)   softmax: loss = -sum_c w_c q_c (1 - p_c)^gamma log p_c
                           sigmoids: loss = alpha_t (1 - p_t)^gamma [w y' softplus(-z) + (1 - y') softplus(z)],
                           p_t = p y' + (1 - p)(1 - y'), alpha_t = alpha y' + (1 - alpha)(1 - y') (alpha off: 1),
                           torchvision's sigmoid_focal_loss when w = 1; gamma = 0 is cross-entropy itself
   and a mistake mode beside the right numbers:
     double-softmax      (softmax) the model's softmax output is given to cross-entropy as logits
     softmax-multilabel  (multi-label) a softmax and cross-entropy against the multi-hot target,
                         -sum_c y'_c log softmax(z)_c with y' = (1 - eps) y + eps / K (weight and focal do not apply)
     two-decimals        probabilities printed as f"{p:.2f}", which shows 1.00 for values below 1
   Every loss term is computed from logits in log space, so logits of +-50 at T = 0.1 stay finite and exact.
   Data attributes: data-mode, data-classes, data-logits, data-target (softmax), data-targets (0/1 per class, the
   sigmoids), data-temperature, data-smoothing, data-weight, data-weight-class, data-gamma, data-alpha ("" = off),
   data-mistake. */
(function () {
  'use strict';
  var LK = window.lessonkit, M = LK.math, U = LK.ui, el = U.el;
  var MODES = [['softmax', 'softmax cross-entropy'], ['binary', 'binary: sigmoid BCE'],
               ['multi-label', 'multi-label: a sigmoid BCE per label']];
  var MISTAKES = {
    'none': 'none',
    'double-softmax': 'softmax applied twice (the model ends in a softmax)',
    'softmax-multilabel': 'softmax cross-entropy on the multi-hot target',
    'two-decimals': 'probabilities printed with two decimals'
  };
  var FOR_MODE = { softmax: ['none', 'double-softmax', 'two-decimals'], binary: ['none', 'two-decimals'],
                   'multi-label': ['none', 'softmax-multilabel', 'two-decimals'] };

  // softmax family on z (already divided by T): a_c = weight_c q_c; loss = -sum a_c (1 - p_c)^gamma log p_c.
  // Returns probabilities, loss and its gradient with respect to z.
  function softmaxLoss(z, a, gamma) {
    var K = z.length, m = Math.max.apply(null, z), p = M.softmax(z), ls = Math.log(z.reduce(function (acc, v) {
      return acc + Math.exp(v - m); }, 0));
    var lse = m + ls, logp = z.map(function (v) { return (v - m) - ls; });  // as log_softmax computes it
    var loss = 0, grad = new Array(K).fill(0), sumA = 0, c, j;
    if (gamma === 0) {
      for (c = 0; c < K; c++) { if (a[c] !== 0) loss -= a[c] * logp[c]; sumA += a[c]; }
      for (j = 0; j < K; j++) grad[j] = Math.exp(logp[j]) * sumA - a[j];  // as log_softmax's backward computes it
      return { probs: p, loss: loss + 0, grad: grad };  // + 0: a loss of exactly 0 is shown as 0.0000, never -0.0000
    }
    for (c = 0; c < K; c++) {
      if (a[c] === 0) continue;
      var others = z.filter(function (v, k) { return k !== c; }), lseOthers = M.logSumExp(others);
      var f = Math.exp(gamma * (lseOthers - lse));  // (1 - p_c)^gamma, from log(1 - p_c) = lse(others) - lse
      loss -= a[c] * f * logp[c];
      for (j = 0; j < K; j++) {
        var r = j === c ? 0 : Math.exp(z[j] - lseOthers);  // d lse(others) / dz_j
        grad[j] -= a[c] * (gamma * f * logp[c] * (r - p[j]) + f * ((j === c ? 1 : 0) - p[j]));
      }
    }
    return { probs: p, loss: loss + 0, grad: grad };
  }

  // one sigmoid label: z, soft target y, pos_weight w, gamma, alpha (null: off). Loss and d loss / dz.
  function sigmoidLoss(z, y, w, gamma, alpha) {
    var sp = M.sigmoid(z), sn = M.sigmoid(-z);
    // ce = w y softplus(-z) + (1 - y) softplus(z) and its derivative, both written as PyTorch computes them
    var ce = M.bceWithLogits(z, y, w), dce = sp * (1 + w * y - y) - w * y;
    var u = y * sn + (1 - y) * sp, du = sp * sn * (1 - 2 * y);  // u = 1 - p_t
    var f = gamma === 0 ? 1 : Math.pow(u, gamma);
    var at = alpha === null ? 1 : alpha * y + (1 - alpha) * (1 - y);
    var d = f * dce + (gamma === 0 || u === 0 ? 0 : ce * gamma * f * du / u);
    return { prob: sp, loss: at * f * ce + 0, grad: at * d };
  }

  function compute(s, K) {
    var T = s.temperature, eps = s.smoothing, z = s.logits.slice(0, K).map(function (x) { return x / T; });
    var res = { mode: s.mode }, mistake = s.mistake;
    if (s.mode === 'softmax') {
      var a = z.map(function (v, c) {
        var q = (1 - eps) * (c === s.target ? 1 : 0) + eps / K;
        return q * (c === s.weightClass ? s.weight : 1);
      });
      var r = softmaxLoss(z, a, s.gamma);
      res.probs = r.probs; res.loss = r.loss; res.grad = r.grad.map(function (g) { return g / T; });
      res.predicted = [M.argmax(z)];
      if (mistake === 'double-softmax') {
        var sm = M.softmax(z), r2 = softmaxLoss(sm, a, s.gamma);
        var dot = r2.grad.reduce(function (acc, g, i) { return acc + g * sm[i]; }, 0);
        res.mistake = { probs: r2.probs, loss: r2.loss, predicted: [M.argmax(sm)],
                        grad: sm.map(function (v, j) { return v * (r2.grad[j] - dot) / T; }) };
      }
    } else {
      var n = s.mode === 'binary' ? 1 : K, zs = z.slice(0, n);
      var ys = s.targets.slice(0, n).map(function (y) { return (1 - eps) * y + eps / 2; });
      var per = zs.map(function (v, i) { return sigmoidLoss(v, ys[i], s.weight, s.gamma, s.alpha); });
      res.probs = per.map(function (r) { return r.prob; });
      res.losses = per.map(function (r) { return r.loss; });
      res.loss = res.losses.reduce(function (acc, v) { return acc + v; }, 0) / n;
      res.grad = per.map(function (r) { return r.grad / T; });  // of each label's own loss
      res.predicted = [];
      res.probs.forEach(function (p, i) { if (p > 0.5) res.predicted.push(i); });
      if (mistake === 'softmax-multilabel' && s.mode === 'multi-label') {
        var q = s.targets.slice(0, n).map(function (y) { return (1 - eps) * y + eps / n; });
        var r3 = softmaxLoss(zs, q, 0), pred = [];
        r3.probs.forEach(function (p, i) { if (p > 0.5) pred.push(i); });
        res.mistake = { probs: r3.probs, loss: r3.loss, predicted: pred,
                        grad: r3.grad.map(function (g) { return g / T; }) };
      }
    }
    return res;
  }

  LK.builders['loss-family'] = function (root) {
    var ds = root.dataset, classes = U.list(ds.classes || 'cat,dog,plane,fish,building'), K = classes.length;
    var logits = U.list(ds.logits, Number), ys = U.list(ds.targets, Number);
    while (logits.length < K) logits.push(0);
    while (ys.length < K) ys.push(0);
    var num = function (v, d) { return v === undefined || v === '' ? d : Number(v); };
    var state = {
      mode: ds.mode || 'softmax', logits: logits.slice(0, K), target: U.classIndex(ds.target || 0, classes),
      targets: ys.slice(0, K).map(function (v) { return v ? 1 : 0; }), temperature: num(ds.temperature, 1),
      smoothing: num(ds.smoothing, 0), weight: num(ds.weight, 1),
      weightClass: U.classIndex(ds.weightClass || 0, classes),
      gamma: num(ds.gamma, 0), alpha: ds.alpha === undefined || ds.alpha === '' ? null : Number(ds.alpha),
      mistake: ds.mistake || 'none'
    };
    var id = U.nextId('lk-family'), rebuildNeeded = false, api;
    root.innerHTML = '';

    // the loss: radio buttons (arrow keys move between them)
    var modeSet = root.appendChild(el('fieldset', { 'class': 'lk-modes' }));
    modeSet.appendChild(el('legend', {}, 'loss'));
    var radios = MODES.map(function (m) {
      var lab = modeSet.appendChild(el('label', { 'class': 'lk-radio' }));
      var r = lab.appendChild(el('input', { type: 'radio', name: id + '-mode', value: m[0], 'class': 'lk-mode' }));
      lab.appendChild(document.createTextNode(' ' + m[1]));
      r.addEventListener('change', function () {
        if (r.checked) { state.mode = m[0]; fixMistake(); rebuild(); api.update(); }
      });
      return r;
    });
    var body = root.appendChild(el('div', { 'class': 'lk-family-body' }));
    var settings = root.appendChild(el('div', { 'class': 'lk-controls lk-settings' }));
    var temp = U.temperatureSlider(settings, function (v) { state.temperature = v; api.update(); });
    var smooth = U.Slider(settings, { name: 'smoothing \u03b5', label: 'label smoothing epsilon', min: 0, max: 0.3,
                                      step: 0.01, cls: 'lk-smoothing', show: function (v) { return v.toFixed(2); },
                                      onInput: function (v) { state.smoothing = v; api.update(); } });
    var weightClass = el('select', { 'class': 'lk-weight-class', 'aria-label': 'the weighted class' });
    classes.forEach(function (c, i) { weightClass.appendChild(el('option', { value: String(i) }, c)); });
    weightClass.addEventListener('change', function () {
      state.weightClass = Number(weightClass.value); api.update();
    });
    var weight = U.Slider(settings, { name: 'weight w', label: 'class weight w (log scale)', min: -1, max: 1,
                                      step: 0.01, cls: 'lk-weight', toSlider: U.log10, fromSlider: U.pow10,
                                      show: function (v) { return v.toFixed(2); }, after: weightClass,
                                      onInput: function (v) { state.weight = v; api.update(); } });
    var gamma = U.Slider(settings, { name: 'focal \u03b3', label: 'focal gamma', min: 0, max: 5, step: 0.1,
                                     cls: 'lk-gamma', show: function (v) { return v.toFixed(1); },
                                     onInput: function (v) { state.gamma = v; api.update(); } });
    var alphaOn = el('input', { type: 'checkbox', 'class': 'lk-alpha-on', 'aria-label': 'use focal alpha' });
    var alphaWrap = el('span', { 'class': 'lk-check' });
    alphaWrap.appendChild(alphaOn); alphaWrap.appendChild(el('span', { 'aria-hidden': 'true' }, 'on'));
    var lastAlpha = state.alpha === null ? 0.25 : state.alpha;
    var alpha = U.Slider(settings, { name: 'focal \u03b1', label: 'focal alpha', min: 0, max: 1, step: 0.05,
                                     cls: 'lk-alpha', after: alphaWrap,
                                     show: function (v) { return v === null ? 'off' : v.toFixed(2); },
                                     onInput: function (v) { lastAlpha = v; state.alpha = v; api.update(); } });
    alphaOn.addEventListener('change', function () { state.alpha = alphaOn.checked ? lastAlpha : null; api.update(); });
    var mrow = settings.appendChild(el('label', { 'class': 'lk-row lk-mistake-row' }));
    mrow.appendChild(el('span', { 'class': 'lk-name' }, 'mistake'));
    var mistakeSel = mrow.appendChild(el('select', { 'class': 'lk-mistake', 'aria-label': 'mistake mode' }));
    mistakeSel.addEventListener('change', function () { state.mistake = mistakeSel.value; rebuild(); api.update(); });
    var summary = root.appendChild(el('p', { 'class': 'lk-summary', 'aria-live': 'polite' }));
    var note = root.appendChild(el('p', { 'class': 'lk-caption' }));

    function fixMistake() { if (FOR_MODE[state.mode].indexOf(state.mistake) < 0) state.mistake = 'none'; }
    var view;  // the controls and cells of the current mode and mistake (built by the first sync)
    function rebuild() {
      var n = state.mode === 'binary' ? 1 : K, sig = state.mode !== 'softmax', mk = state.mistake;
      body.innerHTML = '';
      var controls = body.appendChild(el('div', { 'class': 'lk-controls' }));
      view = { n: n, boxes: [], sliders: [], rows: [] };
      for (var i = 0; i < n; i++) (function (i) {
        var name = state.mode === 'binary' ? classes[0] + '?' : classes[i], after = null;
        if (sig) {
          var box = el('input', { type: 'checkbox', 'class': 'lk-present',
                                  'aria-label': state.mode === 'binary' ? 'the answer is yes' : name + ' is present' });
          box.addEventListener('change', function () { state.targets[i] = box.checked ? 1 : 0; api.update(); });
          after = el('span', { 'class': 'lk-check' });
          after.appendChild(box);
          after.appendChild(el('span', { 'aria-hidden': 'true' }, state.mode === 'binary' ? 'yes' : 'present'));
          view.boxes.push(box);
        }
        view.sliders.push(U.Slider(controls, { name: name, label: 'logit of ' + name, min: -10, max: 10, step: 0.1,
                                               cls: 'lk-logit', after: after,
                                               show: function (v) { return v.toFixed(1); },
                                               onInput: function (v) { state.logits[i] = v; api.update(); } }));
      })(i);
      if (!sig) {
        var trow = controls.appendChild(el('label', { 'class': 'lk-row' }));
        trow.appendChild(el('span', { 'class': 'lk-name' }, 'target'));
        view.target = trow.appendChild(el('select', { 'class': 'lk-target', 'aria-label': 'target class' }));
        classes.forEach(function (c, j) { view.target.appendChild(el('option', { value: String(j) }, c)); });
        view.target.addEventListener('change', function () { state.target = Number(view.target.value); api.update(); });
      }
      var heads = [sig ? 'label' : 'class', 'logit', 'target', sig ? 'sigmoid' : 'probability', ''];
      if (sig) heads.push('loss');
      heads.push('\u2202loss/\u2202logit');
      if (mk === 'two-decimals') heads.push('p printed with .2f');
      if (mk === 'double-softmax' || mk === 'softmax-multilabel')
        heads.push('p, mistaken', '\u2202/\u2202logit, mistaken');
      var tbody = U.tableIn(body, heads);
      for (var r = 0; r < n; r++) {
        var tr = tbody.appendChild(el('tr', { 'data-class': classes[r] }));
        tr.appendChild(el('td', { 'class': 'lk-cls' }, state.mode === 'binary' ? classes[0] + '?' : classes[r]));
        var row = { tr: tr, logit: tr.appendChild(el('td', { 'class': 'lk-num' })),
                    target: tr.appendChild(el('td', { 'class': 'lk-num' })),
                    prob: tr.appendChild(el('td', { 'class': 'lk-num lk-prob' })) };
        row.bar = U.barCell(tr);
        if (sig) row.loss = tr.appendChild(el('td', { 'class': 'lk-num' }));
        row.grad = tr.appendChild(el('td', { 'class': 'lk-num lk-grad' }));
        if (mk === 'two-decimals') row.two = tr.appendChild(el('td', { 'class': 'lk-num lk-mistaken' }));
        if (mk === 'double-softmax' || mk === 'softmax-multilabel') {
          row.mprob = tr.appendChild(el('td', { 'class': 'lk-num lk-mistaken' }));
          row.mgrad = tr.appendChild(el('td', { 'class': 'lk-num lk-mistaken' }));
        }
        view.rows.push(row);
      }
      mistakeSel.innerHTML = '';
      FOR_MODE[state.mode].forEach(function (m) { mistakeSel.appendChild(el('option', { value: m }, MISTAKES[m])); });
      weightClass.hidden = sig;
      weight.row.querySelector('.lk-name').textContent = sig ? 'pos_weight' : 'weight w';
      weight.input.setAttribute('aria-label', sig ? 'pos_weight (log scale)' :
                                'weight w of the chosen class (log scale)');
      alpha.row.hidden = !sig;
      sync();
    }
    function sync() {
      radios.forEach(function (r) { r.checked = r.value === state.mode; });
      view.boxes.forEach(function (b, i) { b.checked = state.targets[i] === 1; });
      if (view.target) view.target.value = String(state.target);
      weightClass.value = String(state.weightClass);
      alphaOn.checked = state.alpha !== null;
      alpha.input.disabled = state.alpha === null;
      mistakeSel.value = state.mistake;
    }
    function names(idx) { return idx.length ? idx.map(function (i) { return classes[i]; }).join(', ') : 'nothing'; }
    function render() {
      var r = compute(state, K), sig = state.mode !== 'softmax', fmt = LK.fmtProb, sg = LK.fmtSigned;
      view.sliders.forEach(function (s, i) { s.show(state.logits[i]); });
      temp.show(state.temperature); smooth.show(state.smoothing); weight.show(state.weight); gamma.show(state.gamma);
      alpha.show(state.alpha === null ? lastAlpha : state.alpha);
      alpha.input.disabled = state.alpha === null;
      view.rows.forEach(function (row, i) {
        var y = sig ? state.targets[i] : (i === state.target ? 1 : 0);
        U.setNum(row.logit, 'logit.' + i, state.logits[i], state.logits[i].toFixed(1));
        U.setNum(row.target, 'target.' + i, y, String(y));
        U.setNum(row.prob, 'prob.' + i, r.probs[i], fmt(r.probs[i]));
        U.setBar(row.bar, r.probs[i]);
        if (row.loss) U.setNum(row.loss, 'loss.' + i, r.losses[i], fmt(r.losses[i]));
        U.setNum(row.grad, 'grad.' + i, r.grad[i], sg(r.grad[i]));
        if (row.two) U.setNum(row.two, 'two.' + i, r.probs[i], LK.pyFixed(r.probs[i], 2));
        if (row.mprob) {
          U.setNum(row.mprob, 'mistake.prob.' + i, r.mistake.probs[i], fmt(r.mistake.probs[i]));
          U.setNum(row.mgrad, 'mistake.grad.' + i, r.mistake.grad[i], sg(r.mistake.grad[i]));
        }
        row.tr.classList.toggle('lk-is-target', y === 1);
        row.tr.classList.toggle('lk-is-predicted', r.predicted.indexOf(i) >= 0);
      });
      summary.innerHTML = '';
      var add = function (t) { summary.appendChild(document.createTextNode(t)); };
      var lossName = sig ? (view.n > 1 ? 'loss (mean over the labels): ' : 'loss: ') : 'loss: ';
      add('predicted: ');
      summary.appendChild(el('span', { 'class': 'lk-predicted' }, names(r.predicted)));
      add(' \u2003 ' + lossName);
      U.setNum(summary.appendChild(el('b', { 'class': 'lk-loss' })), 'loss', r.loss, fmt(r.loss));
      if (r.mistake) {
        add(' \u2003 with the mistake: loss ');
        U.setNum(summary.appendChild(el('b', { 'class': 'lk-loss lk-mistaken' })), 'mistake.loss', r.mistake.loss,
                 fmt(r.mistake.loss));
        add(', predicted: ');
        summary.appendChild(el('span', { 'class': 'lk-mistake-predicted' }, names(r.mistake.predicted)));
      }
      note.textContent = caption(r);
    }
    function caption(r) {
      var m = state.mistake, s = state.mode === 'softmax' ?
        'p = softmax(logits / T); the gradient is p \u2212 one-hot at T = 1 with no options.' :
        'p = sigmoid(logit / T) per label; each label\u2019s gradient is p \u2212 y at T = 1 with no options.';
      if (m === 'double-softmax') s += ' The mistake: cross-entropy of softmax(softmax(z)); its probabilities ' +
        'crowd together and its loss cannot fall to 0.';
      if (m === 'softmax-multilabel') s += ' The mistake: softmax and cross-entropy against the multi-hot target; ' +
        'the labels share one unit of probability, so two present labels cannot both pass 0.5.';
      if (m === 'two-decimals') s += ' The mistake: f"{p:.2f}" prints 1.00 for a probability below 1 and 0.00 ' +
        'for one above 0; fmt_prob keeps the digits that matter.';
      return s;
    }
    fixMistake();
    api = U.bind(root, 'loss-family', state, {
      assign: function (s) {
        var before = state.mode + ' ' + state.mistake;
        if ('mode' in s) {
          if (!FOR_MODE[s.mode]) throw new Error('lessonkit explorer: no mode ' + s.mode);
          state.mode = s.mode;
        }
        if ('logits' in s) {
          var given = Array.isArray(s.logits) ? s.logits.length : U.list(String(s.logits)).length;
          var v = U.numbers(s.logits, given, 'logits');
          for (var i = 0; i < Math.min(K, v.length); i++) state.logits[i] = v[i];
        }
        if ('targets' in s) {
          var t = Array.isArray(s.targets) ? s.targets.map(Number) : U.list(String(s.targets), Number);
          t.slice(0, K).forEach(function (y, i) { state.targets[i] = y ? 1 : 0; });
        }
        if ('target' in s) state.target = U.classIndex(s.target, classes);
        ['temperature', 'smoothing', 'weight', 'gamma'].forEach(function (k) { if (k in s) state[k] = Number(s[k]); });
        if ('weightClass' in s) state.weightClass = U.classIndex(s.weightClass, classes);
        if ('alpha' in s) state.alpha = s.alpha === null || s.alpha === '' ? null : Number(s.alpha);
        if (state.alpha !== null) lastAlpha = state.alpha;
        if ('mistake' in s) {
          if (!MISTAKES[s.mistake]) throw new Error('lessonkit explorer: no mistake ' + s.mistake);
          state.mistake = s.mistake;
        }
        fixMistake();
        if (state.mode + ' ' + state.mistake !== before) rebuildNeeded = true;
      },
      sync: function () { if (rebuildNeeded || !view) { rebuildNeeded = false; rebuild(); } else sync(); },
      render: render
    });
    return api;
  };
  LK.compute.family = compute;
})();
