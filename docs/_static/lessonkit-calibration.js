/* The calibration explorer: <div class="lk-explorer" data-kind="calibration" data-source="ID" data-bins="15">.

   A temperature slider over a lesson's logits, as lessonkit.explorers.calibration_explorer draws it: at temperature T
   the probabilities are softmax(logits / T); each item's confidence (its largest probability) falls in one of
   `data-bins` bins of equal width, (b/n, (b+1)/n] (the first also holds 0); each bin shows its accuracy as a bar and
   its mean confidence as a red line, and the strip below how many items it holds. Below: accuracy, mean confidence,
   ECE (the bins' gaps, weighted by their share of the items) and NLL (the mean cross-entropy of logits / T), as
   lessonkit.calibration computes them.

   The logits come from the lesson itself: a cell displays
     <script type="application/json" id="ID">{"logits": base64 of float32 little-endian, "shape": [N, C],
                                             "targets": [class indices], "temperature": the start}</script>
   data-temperature overrides the start. */
(function () {
  'use strict';
  var LK = window.lessonkit, U = LK.ui, el = U.el, svgEl = U.svgEl;

  function load(id) {
    var node = document.getElementById(id);
    if (!node) throw new Error('lessonkit calibration explorer: no data element #' + id + ' on the page');
    var d = JSON.parse(node.textContent), bytes = atob(d.logits), buf = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) buf[i] = bytes.charCodeAt(i);
    var f32 = new Float32Array(buf.buffer), n = d.shape[0], c = d.shape[1];
    if (f32.length !== n * c || d.targets.length !== n)
      throw new Error('lessonkit calibration explorer: bad data #' + id);
    return { logits: Float64Array.from(f32), n: n, c: c, targets: d.targets, temperature: d.temperature };
  }

  // bins, ECE, NLL, accuracy and mean confidence of softmax(logits / T), all in float64
  function compute(data, T, nBins) {
    var n = data.n, c = data.c, z = data.logits, y = data.targets;
    var counts = new Array(nBins).fill(0), sumConf = new Array(nBins).fill(0), sumRight = new Array(nBins).fill(0);
    var edges = [];
    for (var b = 1; b < nBins; b++) edges.push(b / nBins);
    var nll = 0, right = 0, confTotal = 0;
    for (var i = 0; i < n; i++) {
      var off = i * c, m = -Infinity, best = 0, j;
      for (j = 0; j < c; j++) { var v = z[off + j] / T; if (v > m) { m = v; best = j; } }
      var s = 0;
      for (j = 0; j < c; j++) s += Math.exp(z[off + j] / T - m);
      var conf = 1 / s, ok = best === y[i] ? 1 : 0;
      nll += m + Math.log(s) - z[off + y[i]] / T;
      var bin = 0;
      while (bin < edges.length && edges[bin] < conf) bin += 1;  // the inner edges below: bins closed on the right
      counts[bin] += 1; sumConf[bin] += conf; sumRight[bin] += ok;
      right += ok; confTotal += conf;
    }
    var ece = 0, confidence = [], accuracy = [];
    for (b = 0; b < nBins; b++) {
      confidence.push(counts[b] ? sumConf[b] / counts[b] : NaN);
      accuracy.push(counts[b] ? sumRight[b] / counts[b] : NaN);
      if (counts[b]) ece += counts[b] / n * Math.abs(accuracy[b] - confidence[b]);
    }
    return { counts: counts, confidence: confidence, accuracy: accuracy, ece: ece, nll: nll / n,
             acc: right / n, conf: confTotal / n };
  }

  LK.builders.calibration = function (root) {
    var data = load(root.dataset.source), nBins = Number(root.dataset.bins || 15);
    var t0 = root.dataset.temperature ? Number(root.dataset.temperature) : (data.temperature || 1);
    var state = { temperature: t0 };
    root.innerHTML = '';
    var controls = root.appendChild(el('div', { 'class': 'lk-controls' }));
    var temp = U.temperatureSlider(controls, function (v) { state.temperature = v; api.update(); });

    var W = 320, H = 270, L = 38, R = 8, TOP = 8, MAIN = 170, GAP = 10, STRIP = 50;
    var x = function (v) { return L + (W - L - R) * v; }, y = function (v) { return TOP + MAIN * (1 - v / 1.1); };
    var stripTop = TOP + MAIN + GAP, logMax = Math.log(1.5 * data.n / 0.7);
    var ys = function (count) { return stripTop + STRIP - STRIP * Math.log(count / 0.7) / logMax; };
    var svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'lk-plot', role: 'img',
                             'aria-label': 'reliability diagram: accuracy per bin of confidence, and items per bin' });
    svg.appendChild(svgEl('path', { 'class': 'lk-axis', d: 'M' + L + ',' + TOP + 'V' + (TOP + MAIN) + 'H' + (W - R) +
                                    'M' + L + ',' + stripTop + 'V' + (stripTop + STRIP) + 'H' + (W - R) }));
    svg.appendChild(svgEl('path', { 'class': 'lk-diagonal', d: 'M' + x(0) + ',' + y(0) + 'L' + x(1) + ',' + y(1) }));
    var bars = [], marks = [], strips = [];
    for (var b = 0; b < nBins; b++) {
      bars.push(svg.appendChild(svgEl('rect', { x: x(b / nBins), width: x(1 / nBins) - x(0), 'class': 'lk-acc-bar' })));
      strips.push(svg.appendChild(svgEl('rect', { x: x(b / nBins), width: x(1 / nBins) - x(0),
                                                  'class': 'lk-count-bar' })));
    }
    var claims = svg.appendChild(svgEl('path', { 'class': 'lk-claims' }));
    var tick = function (tx, ty, anchor, text) {
      svg.appendChild(svgEl('text', { x: tx, y: ty, 'class': 'lk-tick', 'text-anchor': anchor })).textContent = text;
    };
    [0, 0.5, 1].forEach(function (v) {
      tick(L - 5, y(v) + 4, 'end', v);
      tick(x(v), H - 14, 'middle', v);
    });
    [1, 10, 100, 1000].filter(function (v) { return v <= data.n; }).forEach(function (v) {
      tick(L - 5, ys(v) + 4, 'end', v);
    });
    svg.appendChild(svgEl('text', { x: (L + W) / 2, y: H - 2, 'class': 'lk-tick', 'text-anchor': 'middle' }))
      .textContent = 'confidence';
    root.appendChild(el('div', { 'class': 'lk-plotbox' })).appendChild(svg);

    var body = U.tableIn(root, ['temperature', 'accuracy', 'mean confidence', 'ECE', 'NLL']);
    var tr = body.appendChild(el('tr')), cells = {};
    ['temperature', 'accuracy', 'confidence', 'ece', 'nll'].forEach(function (k) {
      cells[k] = tr.appendChild(el('td', { 'class': 'lk-num lk-' + k }));
    });
    root.appendChild(el('p', { 'class': 'lk-caption' }, 'softmax(logits / T) of ' + data.n + ' items, ' + nBins +
      ' bins: bars show each bin\u2019s accuracy, red lines its mean confidence, grey bars below its items. ' +
      'Bars below the diagonal: over-confident (raise T); above it: under-confident (lower T). ' +
      'The accuracy never moves.'));
    var details = root.appendChild(el('details', { 'class': 'lk-bins' }));
    details.appendChild(el('summary', {}, 'the bins as a table'));
    var binBody = U.tableIn(details, ['bin', 'items', 'mean confidence', 'accuracy']);
    var binRows = [];
    for (b = 0; b < nBins; b++) {
      var r = binBody.appendChild(el('tr'));
      r.appendChild(el('td', {}, '(' + (b / nBins).toFixed(3) + ', ' + ((b + 1) / nBins).toFixed(3) + ']'));
      binRows.push([r.appendChild(el('td', { 'class': 'lk-num' })), r.appendChild(el('td', { 'class': 'lk-num' })),
                    r.appendChild(el('td', { 'class': 'lk-num' }))]);
    }

    var api = U.bind(root, 'calibration', state, {
      assign: function (s) { if ('temperature' in s) state.temperature = Number(s.temperature); },
      sync: function () {},
      render: function () {
        var T = state.temperature, r = compute(data, T, nBins), d = [], fmt = LK.fmtProb;
        temp.show(T);
        for (var b = 0; b < nBins; b++) {
          var k = r.counts[b], show = k > 0;
          bars[b].style.display = show ? '' : 'none'; strips[b].style.display = show ? '' : 'none';
          U.setNum(binRows[b][0], 'count.' + b, k, String(k));
          if (!show) { U.clearNum(binRows[b][1]); U.clearNum(binRows[b][2]); continue; }
          bars[b].setAttribute('y', y(r.accuracy[b])); bars[b].setAttribute('height', y(0) - y(r.accuracy[b]));
          strips[b].setAttribute('y', ys(k)); strips[b].setAttribute('height', stripTop + STRIP - ys(k));
          d.push('M' + x(b / nBins) + ',' + y(r.confidence[b]) + 'H' + x((b + 1) / nBins));
          U.setNum(binRows[b][1], 'bin-confidence.' + b, r.confidence[b], fmt(r.confidence[b]));
          U.setNum(binRows[b][2], 'bin-accuracy.' + b, r.accuracy[b], fmt(r.accuracy[b]));
        }
        claims.setAttribute('d', d.join(''));
        U.setNum(cells.temperature, 'temperature', T, fmt(T));
        U.setNum(cells.accuracy, 'accuracy', r.acc, fmt(r.acc));
        U.setNum(cells.confidence, 'confidence', r.conf, fmt(r.conf));
        U.setNum(cells.ece, 'ece', r.ece, fmt(r.ece));
        U.setNum(cells.nll, 'nll', r.nll, fmt(r.nll));
      }
    });
    return api;
  };
  LK.compute.calibration = compute;
})();
