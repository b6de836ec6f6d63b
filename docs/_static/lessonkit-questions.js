/* Predict-then-reveal questions: each <div class="lk-question"> a lesson's markdown cell holds (docs/README.md).

     <div class="lk-question" data-set='{"temperature": 3}'>          data-set: the explorer's state that shows why
     **Raise the temperature from 1 to 3.** Does the top probability go up or down?
     <ul class="lk-choices"><li>up</li><li data-answer>down</li></ul>
     <details><summary>Answer</summary> ...the answer, in markdown... </details>
     </div>

   In Jupyter the question reads as it is written, its answer folded in <details>. On the site this script turns
   the choices into radio buttons and hides the answer until the reader has committed to one; "Reveal" then shows
   the answer, says whether the choice was right, and sets the explorer (data-explorer="ID", else the nearest
   explorer above the question) to the state in data-set. A note before the first question says that they are for
   practice and that the checked exercises are in the notebooks. */
(function () {
  'use strict';
  var LK = window.lessonkit, el = LK.ui.el;

  function explorerFor(q) {
    if (q.dataset.explorer) return document.getElementById(q.dataset.explorer);
    var all = document.querySelectorAll('.lk-explorer'), found = null;
    all.forEach(function (e) { if (e.compareDocumentPosition(q) & Node.DOCUMENT_POSITION_FOLLOWING) found = e; });
    return found;
  }

  function upgrade(q, index) {
    var list = q.querySelector('.lk-choices'), details = q.querySelector('details');
    if (!details || q.classList.contains('lk-ready')) return;
    var id = 'lk-question-' + (index + 1), radios = [], choices = [];
    q.setAttribute('role', 'group');
    q.setAttribute('aria-label', 'practice question ' + (index + 1));
    var actions = el('div', { 'class': 'lk-actions' });
    var button = actions.appendChild(el('button', { type: 'button', 'class': 'lk-reveal' }, 'Reveal the answer'));
    var hint = actions.appendChild(el('span', { 'class': 'lk-hint', id: id + '-hint' },
                                      'Choose your prediction first.'));
    if (list) {
      var set = el('fieldset', { 'class': 'lk-choice-set' });
      set.appendChild(el('legend', {}, 'Your prediction'));
      list.querySelectorAll('li').forEach(function (li, i) {
        var label = set.appendChild(el('label', { 'class': 'lk-choice' }));
        var radio = label.appendChild(el('input', { type: 'radio', name: id, value: String(i) }));
        var text = label.appendChild(el('span'));
        while (li.firstChild) text.appendChild(li.firstChild);
        radios.push(radio);
        choices.push({ text: text.textContent.trim(), right: li.hasAttribute('data-answer') });
        radio.addEventListener('change', function () { button.disabled = false; hint.hidden = true; });
      });
      list.parentNode.replaceChild(set, list);
      set.parentNode.insertBefore(actions, set.nextSibling);
      button.disabled = true;
      button.setAttribute('aria-describedby', id + '-hint');
    } else {
      details.parentNode.insertBefore(actions, details);
      hint.hidden = true;
      button.textContent = 'I have my prediction: reveal the answer';
    }
    details.hidden = true;
    button.addEventListener('click', function () { reveal(q, details, actions, radios, choices); });
    q.classList.add('lk-ready');
  }

  function reveal(q, details, actions, radios, choices) {
    var picked = radios.findIndex(function (r) { return r.checked; }), verdict = el('p', { 'class': 'lk-verdict',
                                                                                           tabindex: '-1' });
    radios.forEach(function (r) { r.disabled = true; });
    if (picked >= 0) {
      var answer = choices.filter(function (c) { return c.right; })
        .map(function (c) { return '\u201c' + c.text + '\u201d'; });
      var right = choices[picked].right;
      verdict.textContent = 'You predicted \u201c' + choices[picked].text + '\u201d: ' +
        (right ? 'right.' : 'not this time; the answer is ' + answer.join(' or ') + '.');
      verdict.classList.add(right ? 'lk-right' : 'lk-wrong');
      q.setAttribute('data-picked', String(picked));
    }
    actions.hidden = true;
    details.hidden = false;
    details.open = true;
    details.parentNode.insertBefore(verdict, details);
    var explorer = q.dataset.set ? explorerFor(q) : null;
    if (explorer && explorer.lk) {
      explorer.lk.setState(JSON.parse(q.dataset.set));
      var go = el('button', { type: 'button', 'class': 'lk-show' }, 'Show me in the explorer');
      go.addEventListener('click', function () {
        explorer.scrollIntoView({ block: 'center' });
        explorer.classList.remove('lk-flash'); void explorer.offsetWidth; explorer.classList.add('lk-flash');
        var first = explorer.querySelector('input, select, button');
        if (first) first.focus({ preventScroll: true });
      });
      details.parentNode.insertBefore(go, details.nextSibling);
      explorer.classList.remove('lk-flash'); void explorer.offsetWidth; explorer.classList.add('lk-flash');
    }
    q.classList.add('lk-revealed');
    verdict.focus({ preventScroll: true });
  }

  function init() {
    var qs = document.querySelectorAll('.lk-question');
    if (!qs.length) return;
    var note = el('p', { 'class': 'lk-practice' }, 'The questions on this page are for practice: commit to a ' +
      'prediction, then reveal the answer, which sets the explorer to show why. Nothing is recorded or marked; ' +
      'the checked exercises are in the lesson\u2019s notebook, at its end, to run in Jupyter.');
    qs[0].parentNode.insertBefore(note, qs[0]);
    qs.forEach(upgrade);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else setTimeout(init, 0);
})();
