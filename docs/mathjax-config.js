// MathJax 3 configuration, added to the one myst-nb sets (Sphinx puts both before the site's own copy of MathJax,
// docs/_build/vendor/mathjax). The ipywidgets embed manager still typesets with the MathJax 2 call
// MathJax.Hub.Queue(['Typeset', MathJax.Hub, node]): answer it with MathJax 3's typesetPromise, before and after startup.
(function () {
  var hub = { Queue: function () {
    for (var i = 0; i < arguments.length; i++) {
      var job = arguments[i];
      if (Array.isArray(job) && job[0] === 'Typeset' && job[2] && window.MathJax.typesetPromise) window.MathJax.typesetPromise([job[2]]);
    }
  } };
  var config = window.MathJax || {};
  config.Hub = hub;
  config.startup = Object.assign(config.startup || {}, {
    ready: function () { window.MathJax.startup.defaultReady(); window.MathJax.Hub = hub; }
  });
  window.MathJax = config;
})();
