/* The in-browser explorers of the course site: computed in the page, no kernel needed.

   Every <div class="lk-explorer" data-kind="..."> becomes one explorer (no data-kind: "logit"). The kinds:
     logit        softmax of class logits at a temperature, and for a target the cross-entropy and its gradient
                  data-classes="cat,dog,..." data-logits="0.6,-1.2,..." data-target="cat" (or "") data-temperature="1"
     sigmoid      one sigmoid per label, a threshold, binary cross-entropy per label
                  (lessonkit.explorers.sigmoid_explorer)
                  data-classes="cat,dog,plane" data-logits="4,4,-4" data-targets="1,1,0" data-threshold="0.5"
     loss-curve   the probability p of the right class and the point (p, -log p) (loss_curve_explorer)
                  data-p="0.5"
     loss-family  (lessonkit-family.js) softmax cross-entropy, binary and multi-label BCE with their options
     calibration  (lessonkit-calibration.js) a temperature over a lesson's logits: reliability diagram, ECE, NLL
   Each explorer's state is its truth: the controls show it, `root.lk.setState({...})` sets any part of it (a practice
   question does), `root.lk.getState()` reads it, and the root's data-state attribute holds it as JSON. Each number
   shown carries its full-precision value in data-value and a name in data-key, so that tools/browser_check.py can
   compare the page with lessonkit's Python results.

   Numbers are formatted as lessonkit's fmt_prob formats them, with Python's rounding (half to even on the exact
   binary value): a probability below 1 is never shown as 1.0000, one above 0 never as 0.0000.

   A saved ipywidgets explorer (the Python one, for Jupyter) cannot recompute on a static page: each gets a note
   saying so. */
(function () {
  'use strict';
  var LK = window.lessonkit = window.lessonkit || {};
  var builders = LK.builders = LK.builders || {};

  // ---- numbers, as Python formats them
  function special(x) { return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'; }
  // the kept digits when `exact` (a long expansion) ends in an exact tie that Python rounds to even, else null
  function evenTie(exact, cut) {
    if (!/^50*$/.test(exact.slice(cut))) return null;
    var last = exact.charAt(exact.charAt(cut - 1) === '.' ? cut - 2 : cut - 1);
    return Number(last) % 2 === 0 ? exact.slice(0, exact.charAt(cut - 1) === '.' ? cut - 1 : cut) : null;
  }
  // f"{x:.{d}f}": toFixed rounds exact ties away from zero, Python to even
  function pyFixed(x, d) {
    if (!isFinite(x)) return special(x);
    var a = Math.abs(x);
    if (a >= 1e21) return x.toFixed(d);
    var exact = a.toFixed(100), kept = evenTie(exact, exact.indexOf('.') + 1 + d), minus = x < 0 || Object.is(x, -0);
    return (minus ? '-' : '') + (kept === null ? a.toFixed(d) : kept);  // Python keeps the sign of -0.0
  }
  // f"{x:.{k}e}": the exponent has at least two digits, as Python writes it
  function pyExp(x, k) {
    if (!isFinite(x)) return special(x);
    var a = Math.abs(x), parts = a.toExponential(100).split('e'), kept = evenTie(parts[0], 2 + k);
    var s = kept === null ? x.toExponential(k) : (x < 0 ? '-' : '') + kept + 'e' + parts[1];
    return s.replace(/e([+-])(\d)$/, 'e$10$2');
  }
  // lessonkit's fmt_prob: `digits` decimals, more when fewer would show a value in (0, 1) as 0 or 1
  function fmtProb(p, digits) {
    digits = digits === undefined ? 4 : digits;
    if (Number.isNaN(p)) return 'nan';
    if (p > 0 && Number(pyFixed(p, digits)) === 0) return pyExp(p, Math.max(digits - 2, 1));
    var d = digits;
    while (d < 17 && p < 1 && Number(pyFixed(p, d)) === 1) d += 1;  // 0.99996 stays 0.99996, never 1.0000
    return pyFixed(p, d);
  }
  // lessonkit.rendering.fmt_signed: fmt_prob of the magnitude, the sign in front
  function fmtSigned(x) { return (x < 0 ? '-' : '') + fmtProb(Math.abs(x)); }

  // ---- float64 maths, overflow-proof
  function logSumExp(z) {
    var m = Math.max.apply(null, z), s = 0;
    if (m === -Infinity) return -Infinity;
    for (var i = 0; i < z.length; i++) s += Math.exp(z[i] - m);
    return m + Math.log(s);
  }
  function softmax(z) {
    var m = Math.max.apply(null, z), e = z.map(function (v) { return Math.exp(v - m); });
    var s = e.reduce(function (a, b) { return a + b; }, 0);
    return e.map(function (v) { return v / s; });
  }
  function sigmoid(z) { return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)); }
  function softplus(z) { return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))); }  // log(1 + e^z)
  function logSigmoid(z) { return Math.min(z, 0) - Math.log1p(Math.exp(-Math.abs(z))); }
  // binary cross-entropy from a logit, with pos_weight w, written as PyTorch computes it (and so lessonkit):
  // (1 - y) z - (1 + (w - 1) y) log sigmoid(z) = w y softplus(-z) + (1 - y) softplus(z). Below about 1e-16 of a
  // large logit this form rounds the loss to 0, as PyTorch does; the explorer shows what lessonkit prints.
  function bceWithLogits(z, y, w) { return (1 - y) * z - (1 + (w - 1) * y) * logSigmoid(z); }
  function argmax(v) { var best = 0; for (var i = 1; i < v.length; i++) if (v[i] > v[best]) best = i; return best; }

  // ---- the page
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null) n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = text;
    return n;
  }
  // a number shown: its text, its full value in data-value, its name in data-key
  function setNum(node, key, value, text) {
    node.setAttribute('data-key', key);
    node.setAttribute('data-value', String(value));
    if (node.textContent !== text) node.textContent = text;
  }
  function clearNum(node, text) {
    node.removeAttribute('data-key'); node.removeAttribute('data-value');
    node.textContent = text === undefined ? '\u2013' : text;
  }
  function list(s, parse) {
    return (s || '').split(',').map(function (v) { return v.trim(); }).filter(function (v) { return v !== ''; })
      .map(parse || function (v) { return v; });
  }
  var uid = 0;
  function nextId(prefix) { uid += 1; return prefix + '-' + uid; }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  // A labelled range input with its readout. `toSlider`/`fromSlider` map state values to slider positions (a log
  // scale for a temperature); `show` writes the readout, also given to screen readers as aria-valuetext.
  function Slider(parent, o) {
    var row = el('label', { 'class': 'lk-row' + (o.rowClass ? ' ' + o.rowClass : '') });
    row.appendChild(el('span', { 'class': 'lk-name' }, o.name));
    var input = el('input', { type: 'range', min: String(o.min), max: String(o.max), step: String(o.step),
                              'class': o.cls, 'aria-label': o.label || o.name });
    Object.keys(o.attrs || {}).forEach(function (k) { input.setAttribute(k, o.attrs[k]); });
    var readout = el('span', { 'class': 'lk-readout', 'aria-hidden': 'true' });
    row.appendChild(input); row.appendChild(readout);
    if (o.after) row.appendChild(o.after);
    parent.appendChild(row);
    var to = o.toSlider || function (v) { return v; }, from = o.fromSlider || function (v) { return v; };
    input.addEventListener('input', function () { o.onInput(from(Number(input.value))); });
    return {
      input: input, row: row,
      show: function (v) {
        var pos = clamp(to(v), o.min, o.max);
        if (document.activeElement !== input || Number(input.value) !== pos) input.value = String(pos);
        var text = o.show(v);
        if (readout.textContent !== text) { readout.textContent = text; input.setAttribute('aria-valuetext', text); }
      }
    };
  }
  var log10 = function (v) { return Math.log(v) / Math.LN10; }, pow10 = function (v) { return Math.pow(10, v); };
  function temperatureSlider(parent, onInput, cls) {
    return Slider(parent, { name: 'temperature', label: 'temperature T (log scale)', min: -1, max: 1, step: 0.01,
                            cls: cls || 'lk-temperature', toSlider: log10, fromSlider: pow10, onInput: onInput,
                            show: function (t) { return 'T = ' + t.toFixed(2); } });
  }
  function tableIn(parent, headers) {
    var box = el('div', { 'class': 'lk-scroll' }), table = el('table', { 'class': 'lk-table' });
    var head = el('tr');
    headers.forEach(function (h) { head.appendChild(el('th', { scope: 'col' }, h)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = table.appendChild(el('tbody'));
    box.appendChild(table); parent.appendChild(box);
    return body;
  }
  function barCell(tr) {
    var cell = tr.appendChild(el('td', { 'class': 'lk-barcell', 'aria-hidden': 'true' }));
    return cell.appendChild(el('div', { 'class': 'lk-bar' }));
  }
  function setBar(bar, p) { bar.style.width = (100 * clamp(p, 0, 1)).toFixed(2) + '%'; }

  // State, controls and rendering tied together: the api every explorer gets (root.lk).
  function bind(root, kind, state, o) {
    function update() {
      o.render();
      root.setAttribute('data-state', JSON.stringify(state));
    }
    var api = {
      kind: kind, root: root,
      getState: function () { return JSON.parse(JSON.stringify(state)); },
      setState: function (partial) {
        o.assign(partial || {});
        o.sync();
        update();
        root.dispatchEvent(new CustomEvent('lk-state', { bubbles: true }));
      },
      update: update
    };
    root.lk = api;
    o.sync();
    update();
    return api;
  }
  function classIndex(v, classes) {  // a class given by name or index; null for none
    if (v === null || v === undefined || v === '') return null;
    var i = typeof v === 'number' ? v : classes.indexOf(String(v));
    if (i < 0 && /^\d+$/.test(String(v))) i = Number(v);
    if (!(i >= 0 && i < classes.length)) throw new Error('lessonkit explorer: no class ' + v);
    return i;
  }
  function numbers(v, n, what) {
    var a = Array.isArray(v) ? v.map(Number) : list(String(v), Number);
    if (a.length !== n || a.some(function (x) { return !isFinite(x); }))
      throw new Error('lessonkit explorer: ' + what + ' needs ' + n + ' finite numbers, got ' + v);
    return a;
  }

  // ---- logit: softmax, and for a target cross-entropy and its gradient (lessonkit.explorers.logit_explorer)
  function computeLogit(logits, temperature, target) {
    var z = logits.map(function (x) { return x / temperature; });
    var probs = softmax(z), lse = logSumExp(z), res = { probs: probs, predicted: argmax(z), loss: null, grad: null };
    if (target !== null) {
      res.loss = lse - z[target] + 0;                            // finite for any logits; + 0: never -0
      res.grad = probs.map(function (p, i) { return (p - (i === target ? 1 : 0)) / temperature; });
    }
    return res;
  }
  builders.logit = function (root) {
    var classes = list(root.dataset.classes || 'cat,dog,plane,fish,building');
    var start = list(root.dataset.logits, Number);
    while (start.length < classes.length) start.push(0);
    var state = { logits: start.slice(0, classes.length), temperature: Number(root.dataset.temperature || 1),
                  target: classIndex(root.dataset.target, classes) };
    root.innerHTML = '';
    var controls = root.appendChild(el('div', { 'class': 'lk-controls' }));
    var sliders = classes.map(function (c, i) {
      return Slider(controls, { name: c, label: 'logit of ' + c, min: -10, max: 10, step: 0.1, cls: 'lk-logit',
                                attrs: { 'data-class': c }, show: function (v) { return v.toFixed(1); },
                                onInput: function (v) { state.logits[i] = v; api.update(); } });
    });
    var temp = temperatureSlider(controls, function (v) { state.temperature = v; api.update(); });
    var trow = controls.appendChild(el('label', { 'class': 'lk-row' }));
    trow.appendChild(el('span', { 'class': 'lk-name' }, 'target'));
    var select = trow.appendChild(el('select', { 'class': 'lk-target', 'aria-label': 'target class' }));
    select.appendChild(el('option', { value: '' }, '(none)'));
    classes.forEach(function (c, i) { select.appendChild(el('option', { value: String(i) }, c)); });
    select.addEventListener('change', function () {
      state.target = select.value === '' ? null : Number(select.value); api.update();
    });
    var body = tableIn(root, ['class', 'logit', 'probability', '', 'gradient']);
    var rows = classes.map(function (c) {
      var tr = body.appendChild(el('tr', { 'data-class': c }));
      tr.appendChild(el('td', { 'class': 'lk-cls' }, c));
      var logit = tr.appendChild(el('td', { 'class': 'lk-num lk-logit-value' }));
      var prob = tr.appendChild(el('td', { 'class': 'lk-num lk-prob' }));
      var bar = barCell(tr), grad = tr.appendChild(el('td', { 'class': 'lk-num lk-grad' }));
      return { tr: tr, logit: logit, prob: prob, bar: bar, grad: grad };
    });
    var summary = root.appendChild(el('p', { 'class': 'lk-summary', 'aria-live': 'polite' }));
    summary.appendChild(document.createTextNode('predicted: '));
    var predicted = summary.appendChild(el('span', { 'class': 'lk-predicted' }));
    summary.appendChild(document.createTextNode(' \u2003 cross-entropy loss: '));
    var loss = summary.appendChild(el('span', { 'class': 'lk-loss' }));

    var api = bind(root, 'logit', state, {
      assign: function (s) {
        if ('logits' in s) state.logits = numbers(s.logits, classes.length, 'logits');
        if ('temperature' in s) state.temperature = Number(s.temperature);
        if ('target' in s) state.target = classIndex(s.target, classes);
      },
      sync: function () {
        select.value = state.target === null ? '' : String(state.target);
      },
      render: function () {
        var r = computeLogit(state.logits, state.temperature, state.target);
        sliders.forEach(function (s, i) { s.show(state.logits[i]); });
        temp.show(state.temperature);
        rows.forEach(function (row, i) {
          setNum(row.logit, 'logit.' + i, state.logits[i], state.logits[i].toFixed(1));
          setNum(row.prob, 'prob.' + i, r.probs[i], fmtProb(r.probs[i]));
          setBar(row.bar, r.probs[i]);
          if (r.grad) setNum(row.grad, 'grad.' + i, r.grad[i], fmtSigned(r.grad[i]));
          else clearNum(row.grad);
          row.tr.classList.toggle('lk-is-predicted', i === r.predicted);
          row.tr.classList.toggle('lk-is-target', i === state.target);
        });
        predicted.textContent = classes[r.predicted];
        if (r.loss === null) clearNum(loss, '(choose a target)');
        else setNum(loss, 'loss', r.loss, fmtProb(r.loss));
      }
    });
    return api;
  };

  // ---- sigmoid: one sigmoid per label, a threshold, BCE per label (lessonkit.explorers.sigmoid_explorer)
  function computeSigmoid(logits, targets, threshold) {
    var n = logits.length, probs = logits.map(sigmoid);
    var losses = logits.map(function (z, i) { return bceWithLogits(z, targets[i], 1); });
    return {
      probs: probs, softmax: softmax(logits), losses: losses,
      loss: losses.reduce(function (a, b) { return a + b; }, 0) / n,
      grad: probs.map(function (p, i) { return (p - targets[i]) / n; }),  // of the mean loss, as the Python explorer
      predicted: probs.map(function (p) { return p > threshold; }),
      sum: probs.reduce(function (a, b) { return a + b; }, 0)
    };
  }
  builders.sigmoid = function (root) {
    var labels = list(root.dataset.classes || 'cat,dog,plane,fish,building'), n = labels.length;
    var start = list(root.dataset.logits, Number), y = list(root.dataset.targets, Number);
    while (start.length < n) start.push(0);
    while (y.length < n) y.push(0);
    var state = { logits: start.slice(0, n), targets: y.slice(0, n).map(function (v) { return v ? 1 : 0; }),
                  threshold: Number(root.dataset.threshold || 0.5) };
    root.innerHTML = '';
    var controls = root.appendChild(el('div', { 'class': 'lk-controls' }));
    var boxes = [], sliders = labels.map(function (c, i) {
      var box = el('input', { type: 'checkbox', 'class': 'lk-present', 'aria-label': c + ' is present' });
      box.addEventListener('change', function () { state.targets[i] = box.checked ? 1 : 0; api.update(); });
      var wrap = el('span', { 'class': 'lk-check' });
      wrap.appendChild(box); wrap.appendChild(el('span', { 'aria-hidden': 'true' }, 'present'));
      boxes.push(box);
      return Slider(controls, { name: c, label: 'logit of ' + c, min: -10, max: 10, step: 0.1, cls: 'lk-logit',
                                attrs: { 'data-class': c }, after: wrap,
                                onInput: function (v) { state.logits[i] = v; api.update(); },
                                show: function (v) { return v.toFixed(1); } });
    });
    var thresh = Slider(controls, { name: 'threshold', min: 0.01, max: 0.99, step: 0.01, cls: 'lk-threshold',
                                    onInput: function (v) { state.threshold = v; api.update(); },
                                    show: function (v) { return v.toFixed(2); } });
    var body = tableIn(root, ['label', 'logit', 'sigmoid', '', 'predicted', 'present', 'BCE', 'gradient', 'softmax']);
    var rows = labels.map(function (c) {
      var tr = body.appendChild(el('tr', { 'data-class': c }));
      tr.appendChild(el('td', { 'class': 'lk-cls' }, c));
      var cells = { tr: tr, logit: tr.appendChild(el('td', { 'class': 'lk-num' })),
                    prob: tr.appendChild(el('td', { 'class': 'lk-num lk-prob' })) };
      cells.bar = barCell(tr);
      cells.thresh = cells.bar.parentNode.appendChild(el('div', { 'class': 'lk-threshold-mark' }));
      cells.pred = tr.appendChild(el('td', { 'class': 'lk-yes' }));
      cells.present = tr.appendChild(el('td', { 'class': 'lk-yes' }));
      cells.bce = tr.appendChild(el('td', { 'class': 'lk-num' }));
      cells.grad = tr.appendChild(el('td', { 'class': 'lk-num lk-grad' }));
      cells.soft = tr.appendChild(el('td', { 'class': 'lk-num lk-soft' }));
      return cells;
    });
    var summary = root.appendChild(el('p', { 'class': 'lk-summary', 'aria-live': 'polite' }));
    var predicted = el('span', { 'class': 'lk-predicted' }), total = el('span');
    var loss = el('span', { 'class': 'lk-loss' });
    [document.createTextNode('predicted: '), predicted, document.createTextNode(' \u2003 sigmoids sum to '), total,
     document.createTextNode(' \u2003 BCE, mean over the labels: '), loss]
      .forEach(function (x) { summary.appendChild(x); });

    var api = bind(root, 'sigmoid', state, {
      assign: function (s) {
        if ('logits' in s) state.logits = numbers(s.logits, n, 'logits');
        if ('targets' in s) state.targets = numbers(s.targets, n, 'targets').map(function (v) { return v ? 1 : 0; });
        if ('threshold' in s) state.threshold = Number(s.threshold);
      },
      sync: function () { boxes.forEach(function (b, i) { b.checked = state.targets[i] === 1; }); },
      render: function () {
        var r = computeSigmoid(state.logits, state.targets, state.threshold);
        sliders.forEach(function (s, i) { s.show(state.logits[i]); });
        thresh.show(state.threshold);
        rows.forEach(function (row, i) {
          setNum(row.logit, 'logit.' + i, state.logits[i], state.logits[i].toFixed(1));
          setNum(row.prob, 'prob.' + i, r.probs[i], fmtProb(r.probs[i]));
          setBar(row.bar, r.probs[i]);
          row.thresh.style.left = (100 * state.threshold).toFixed(2) + '%';
          row.pred.textContent = r.predicted[i] ? 'yes' : 'no';
          row.present.textContent = state.targets[i] ? 'yes' : 'no';
          setNum(row.bce, 'bce.' + i, r.losses[i], fmtProb(r.losses[i]));
          setNum(row.grad, 'grad.' + i, r.grad[i], fmtSigned(r.grad[i]));
          setNum(row.soft, 'softmax.' + i, r.softmax[i], fmtProb(r.softmax[i]));
          row.tr.classList.toggle('lk-is-predicted', r.predicted[i]);
          row.tr.classList.toggle('lk-is-target', state.targets[i] === 1);
        });
        var names = labels.filter(function (c, i) { return r.predicted[i]; });
        predicted.textContent = names.length ? names.join(', ') : 'nothing';
        setNum(total, 'sum', r.sum, fmtProb(r.sum));
        setNum(loss, 'loss', r.loss, fmtProb(r.loss));
      }
    });
    return api;
  };

  // ---- loss-curve: p, the probability of the right class, and -log p (lessonkit.explorers.loss_curve_explorer)
  var P_MIN = 0.001, SVG = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    return n;
  }
  builders['loss-curve'] = function (root) {
    var state = { p: Number(root.dataset.p || 0.5) };
    root.innerHTML = '';
    var controls = root.appendChild(el('div', { 'class': 'lk-controls' }));
    var slider = Slider(controls, { name: 'p (right class)', label: 'p, the probability of the right class',
                                    min: P_MIN, max: 1, step: 0.001, cls: 'lk-p',
                                    onInput: function (v) { state.p = v; api.update(); },
                                    show: function (v) { return v.toFixed(3); } });
    var W = 320, H = 190, L = 40, B = 30, ymax = -Math.log(P_MIN) * 1.05;
    var x = function (p) { return L + (W - L - 8) * p / 1.02; };
    var y = function (l) { return H - B - (H - B - 8) * l / ymax; };
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'lk-plot', role: 'img',
                             'aria-label': 'the curve loss = -log p, with the point at the current p' });
    var d = [];
    for (var i = 0; i <= 200; i++) {
      var p = P_MIN + (1 - P_MIN) * Math.pow(i / 200, 2);
      d.push(x(p) + ',' + y(-Math.log(p)));
    }
    svg.appendChild(svgEl('path', { d: 'M' + L + ',' + (H - B) + 'H' + (W - 8) + 'M' + L + ',' + (H - B) + 'V8',
                                    'class': 'lk-axis' }));
    [0, 0.5, 1].forEach(function (t) {
      svg.appendChild(svgEl('text', { x: x(t), y: H - B + 14, 'class': 'lk-tick', 'text-anchor': 'middle' }))
        .textContent = t;
    });
    [0, 2, 4, 6].forEach(function (t) {
      svg.appendChild(svgEl('text', { x: L - 5, y: y(t) + 4, 'class': 'lk-tick', 'text-anchor': 'end' }))
        .textContent = t;
    });
    svg.appendChild(svgEl('text', { x: (L + W) / 2, y: H - 3, 'class': 'lk-tick', 'text-anchor': 'middle' }))
      .textContent = 'p, the probability of the right class';
    svg.appendChild(svgEl('polyline', { points: d.join(' '), 'class': 'lk-curve' }));
    var guides = svg.appendChild(svgEl('path', { 'class': 'lk-guide' }));
    var dot = svg.appendChild(svgEl('circle', { r: 5, 'class': 'lk-dot' }));
    root.appendChild(el('div', { 'class': 'lk-plotbox' })).appendChild(svg);
    var body = tableIn(root, ['p', 'loss = -log p', 'slope -1/p']);
    var tr = body.appendChild(el('tr'));
    var cp = tr.appendChild(el('td', { 'class': 'lk-num' }));
    var cl = tr.appendChild(el('td', { 'class': 'lk-num lk-loss' }));
    var cg = tr.appendChild(el('td', { 'class': 'lk-num lk-grad' }));
    var api = bind(root, 'loss-curve', state, {
      assign: function (s) { if ('p' in s) state.p = Number(s.p); },
      sync: function () {},
      render: function () {
        var p = state.p, loss = -Math.log(p) + 0, grad = -1 / p;  // + 0 turns -0 into 0, as the Python explorer
        slider.show(p);
        guides.setAttribute('d', 'M' + x(p) + ',' + y(0) + 'V' + y(loss) + 'H' + x(0));
        dot.setAttribute('cx', x(p)); dot.setAttribute('cy', y(loss));
        setNum(cp, 'p', p, fmtProb(p));
        setNum(cl, 'loss', loss, fmtProb(loss));
        setNum(cg, 'grad', grad, fmtSigned(grad));
      }
    });
    return api;
  };

  // ---- start every explorer on the page, and label the saved widgets that need a kernel
  function start(root) {
    var kind = root.dataset.kind || 'logit', build = builders[kind];
    if (!build) throw new Error('lessonkit explorer: unknown data-kind="' + kind + '"');
    root.setAttribute('data-kind', kind);
    if (!root.hasAttribute('role')) root.setAttribute('role', 'group');
    if (!root.hasAttribute('aria-label')) root.setAttribute('aria-label', root.dataset.title || kind + ' explorer');
    build(root);
  }
  function labelSavedWidgets() {
    var live = document.querySelectorAll('.lk-explorer');
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(function (s) {
      if (s.previousElementSibling && s.previousElementSibling.classList.contains('lk-kernel-note')) return;
      var above = Array.prototype.some.call(live, function (e) {
        return e.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      var note = el('p', { 'class': 'lk-kernel-note' }, 'The explorer below needs a running Jupyter kernel: on this ' +
        'page its sliders cannot recompute. ' + (above ? 'The live explorer above runs here; this one runs ' :
        'It runs ') + 'when you open the notebook in Jupyter.');
      s.parentNode.insertBefore(note, s);
    });
  }
  function init() {
    document.querySelectorAll('.lk-explorer').forEach(function (root) {
      try { start(root); } catch (e) { root.textContent = String(e.message || e); throw e; }
    });
    labelSavedWidgets();
  }
  LK.fmtProb = fmtProb; LK.fmtSigned = fmtSigned; LK.pyFixed = pyFixed; LK.pyExp = pyExp;
  LK.math = { logSumExp: logSumExp, softmax: softmax, sigmoid: sigmoid, softplus: softplus, logSigmoid: logSigmoid,
              bceWithLogits: bceWithLogits, argmax: argmax };
  LK.ui = { el: el, setNum: setNum, clearNum: clearNum, list: list, Slider: Slider,
            temperatureSlider: temperatureSlider,
            tableIn: tableIn, barCell: barCell, setBar: setBar, bind: bind, classIndex: classIndex, numbers: numbers,
            svgEl: svgEl, nextId: nextId, log10: log10, pow10: pow10, clamp: clamp };
  LK.compute = { logit: computeLogit, sigmoid: computeSigmoid };
  window.lessonkitExplorer = { fmtProb: fmtProb, fmtSigned: fmtSigned, compute: computeLogit };  // the old name
  // the other explorer files load after this one and register their kinds before the page is parsed
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else setTimeout(init, 0);
})();
