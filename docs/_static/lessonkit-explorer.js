/* The softmax / cross-entropy explorer of the course site: computed in the browser, no kernel needed.

   Every <div class="lk-explorer"> becomes one explorer. Its data attributes give the start:
     data-classes="cat,dog,plane,fish,building"  data-logits="0.6,-1.2,2.1,0.3,-0.5"
     data-target="cat" (or empty: no target)     data-temperature="1"
   It shows, for logits x and temperature T (z = x / T):
     probabilities softmax(z), the predicted class, and with a target t
     the cross-entropy loss -log softmax(z)_t = logsumexp(z) - z_t and its gradient with respect to
     the slider logits, (softmax(z) - one_hot(t)) / T  (softmax - one_hot at T = 1).
   Numbers are formatted like lessonkit.core.fmt_prob: a probability below 1 is never shown as 1.0000
   and one above 0 never as 0.0000. Each number's cell carries its full-precision value in data-value,
   so that tools/browser_check.py can compare the page with lessonkit's Python results. */
(function () {
  'use strict';

  // lessonkit.core.fmt_prob: `digits` decimals, more when fewer would round a value in (0, 1) to 0 or 1
  function fmtProb(p, digits) {
    digits = digits === undefined ? 4 : digits;
    if (Number.isNaN(p)) return 'nan';
    if (p > 0 && Number(p.toFixed(digits)) === 0) {
      var s = p.toExponential(Math.max(digits - 2, 1));      // 1.23e-7 -> 1.23e-07, as Python writes it
      return s.replace(/e([+-])(\d)$/, 'e$10$2');
    }
    var d = digits;
    while (d < 17 && p < 1 && Number(p.toFixed(d)) === 1) d += 1;  // 0.99996 stays 0.99996, never 1.0000
    return p.toFixed(d);
  }

  // lessonkit.widgets._signed: fmt_prob of the magnitude, with the sign in front
  function fmtSigned(x) { return (x < 0 ? '-' : '') + fmtProb(Math.abs(x)); }

  // softmax, loss and gradient in float64, with the maximum subtracted before exp (no overflow)
  function compute(logits, temperature, target) {
    var z = logits.map(function (x) { return x / temperature; });
    var m = Math.max.apply(null, z);
    var e = z.map(function (v) { return Math.exp(v - m); });
    var s = e.reduce(function (a, b) { return a + b; }, 0);
    var probs = e.map(function (v) { return v / s; });
    var predicted = z.indexOf(m);
    var res = { probs: probs, predicted: predicted, loss: null, grad: null };
    if (target !== null) {
      res.loss = m + Math.log(s) - z[target];                   // logsumexp(z) - z_t, finite for any slider values
      res.grad = probs.map(function (p, i) { return (p - (i === target ? 1 : 0)) / temperature; });
    }
    return res;
  }

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function numCell(cls) { return el('td', { 'class': 'lk-num ' + cls }); }
  function setNum(cell, value, text) { cell.setAttribute('data-value', String(value)); cell.textContent = text; }

  function build(root) {
    var classes = (root.dataset.classes || 'cat,dog,plane,fish,building').split(',');
    var start = (root.dataset.logits || '').split(',').filter(function (s) { return s.trim() !== ''; }).map(Number);
    while (start.length < classes.length) start.push(0);
    var t0 = root.dataset.target ? classes.indexOf(root.dataset.target) : -1;
    var temp0 = Number(root.dataset.temperature || 1);

    root.innerHTML = '';
    var controls = el('div', { 'class': 'lk-controls' });
    var sliders = classes.map(function (c, i) {
      var row = el('label', { 'class': 'lk-row' });
      row.appendChild(el('span', { 'class': 'lk-name' }, c));
      var input = el('input', { type: 'range', min: '-10', max: '10', step: '0.1', value: String(start[i]),
                                'class': 'lk-logit', 'data-class': c, 'aria-label': 'logit of ' + c });
      row.appendChild(input);
      row.appendChild(el('output', { 'class': 'lk-readout' }));
      controls.appendChild(row);
      return input;
    });
    var trow = el('label', { 'class': 'lk-row' });
    trow.appendChild(el('span', { 'class': 'lk-name' }, 'temperature'));
    var temp = el('input', { type: 'range', min: '-1', max: '1', step: '0.01', value: String(Math.log10(temp0)),
                             'class': 'lk-temperature', 'aria-label': 'temperature (log scale)' });
    trow.appendChild(temp);
    trow.appendChild(el('output', { 'class': 'lk-readout' }));
    controls.appendChild(trow);
    var grow = el('label', { 'class': 'lk-row' });
    grow.appendChild(el('span', { 'class': 'lk-name' }, 'target'));
    var select = el('select', { 'class': 'lk-target', 'aria-label': 'target class' });
    select.appendChild(el('option', { value: '' }, '(none)'));
    classes.forEach(function (c, i) { select.appendChild(el('option', { value: String(i) }, c)); });
    select.value = t0 >= 0 ? String(t0) : '';
    grow.appendChild(select);
    controls.appendChild(grow);
    root.appendChild(controls);

    var table = el('table', { 'class': 'lk-table' });
    var head = el('tr');
    ['class', 'logit', 'probability', '', 'gradient'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
    table.appendChild(head);
    var rows = classes.map(function (c) {
      var tr = el('tr', { 'data-class': c });
      tr.appendChild(el('td', { 'class': 'lk-cls' }, c));
      var logit = numCell('lk-logit-value'), prob = numCell('lk-prob'), grad = numCell('lk-grad');
      var barCell = el('td', { 'class': 'lk-barcell' }), bar = el('div', { 'class': 'lk-bar' });
      barCell.appendChild(bar);
      [logit, prob, barCell, grad].forEach(function (n) { tr.appendChild(n); });
      table.appendChild(tr);
      return { tr: tr, logit: logit, prob: prob, bar: bar, grad: grad };
    });
    root.appendChild(table);
    var summary = el('p', { 'class': 'lk-summary' });
    var predicted = el('span', { 'class': 'lk-predicted' });
    var loss = el('span', { 'class': 'lk-loss' });
    summary.appendChild(document.createTextNode('predicted: '));
    summary.appendChild(predicted);
    summary.appendChild(document.createTextNode(' \u2003 cross-entropy loss: '));
    summary.appendChild(loss);
    root.appendChild(summary);

    function update() {
      var logits = sliders.map(function (s) { return Number(s.value); });
      var temperature = Math.pow(10, Number(temp.value));
      var target = select.value === '' ? null : Number(select.value);
      var r = compute(logits, temperature, target);
      sliders.forEach(function (s, i) { s.nextSibling.textContent = logits[i].toFixed(1); });
      temp.nextSibling.textContent = 'T = ' + temperature.toFixed(2);
      rows.forEach(function (row, i) {
        setNum(row.logit, logits[i], logits[i].toFixed(1));
        setNum(row.prob, r.probs[i], fmtProb(r.probs[i]));
        row.bar.style.width = (100 * r.probs[i]).toFixed(2) + '%';
        if (r.grad) setNum(row.grad, r.grad[i], fmtSigned(r.grad[i]));
        else { row.grad.removeAttribute('data-value'); row.grad.textContent = '\u2013'; }
        row.tr.classList.toggle('lk-is-predicted', i === r.predicted);
        row.tr.classList.toggle('lk-is-target', i === target);
      });
      predicted.textContent = classes[r.predicted];
      if (r.loss === null) { loss.removeAttribute('data-value'); loss.textContent = '(choose a target)'; }
      else setNum(loss, r.loss, fmtProb(r.loss));
      root.setAttribute('data-state', JSON.stringify({ logits: logits, temperature: temperature, target: target }));
    }
    sliders.concat([temp]).forEach(function (s) { s.addEventListener('input', update); });
    select.addEventListener('change', update);
    update();
  }

  window.lessonkitExplorer = { fmtProb: fmtProb, fmtSigned: fmtSigned, compute: compute, build: build };
  function init() { document.querySelectorAll('.lk-explorer').forEach(build); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
