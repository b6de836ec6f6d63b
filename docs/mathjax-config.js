// MathJax 3 configuration (Sphinx puts it before the site's own copy of MathJax, docs/_build/vendor/mathjax).
// The ipywidgets embed manager still typesets with the MathJax 2 call MathJax.Hub.Queue(['Typeset', MathJax.Hub, node]):
// answer it with MathJax 3's typesetPromise, before and after MathJax has started.
(function () {
  var hub = { Queue: function () {
    for (var i = 0; i < arguments.length; i++) {
      var job = arguments[i];
      if (Array.isArray(job) && job[0] === 'Typeset' && job[2] && window.MathJax.typesetPromise) window.MathJax.typesetPromise([job[2]]);
    }
  } };
  window.MathJax = {
    Hub: hub,
    startup: { ready: function () { window.MathJax.startup.defaultReady(); window.MathJax.Hub = hub; } },
  };
})();
