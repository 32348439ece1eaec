// Widget JavaScript comes from this site, never from a CDN (see `make vendor` in the Makefile).
// Loaded by myst-nb (nb_ipywidgets_js in _config.yml) after require.js and before embed-amd.js.
(function () {
  var local = new URL("jupyter-widgets/", document.currentScript.src).href;
  var folder = local.replace(/\/$/, "");
  // embed-amd.js defines "@jupyter-widgets/base", "@jupyter-widgets/controls",
  // "@jupyter-widgets/html-manager/dist/libembed-amd", ... as named RequireJS modules; webpack
  // derives the URL of the widget fonts (font-awesome) from the module's RequireJS URL, so
  // these names must map to the folder that holds the fonts.
  window.requirejs.config({
    paths: { "@jupyter-widgets": folder, "@jupyter-widgets/html-manager/dist": folder },
  });
  // html-manager falls back to a CDN (jsdelivr by default) for widget modules it does not
  // bundle; point that fallback at the local folder so nothing is fetched from the internet.
  document.currentScript.setAttribute("data-jupyter-widgets-cdn", local);
  // html-manager's embed-amd.js renders the widgets on window "load", i.e. after every image,
  // font and MathJax file of the page has arrived; the widgets need none of them. Render them as
  // soon as the document is parsed instead (the scripts are deferred, so it is parsed by then).
  var addEventListener = window.addEventListener;
  window.addEventListener = function (type, listener) {
    if (type === "load" && typeof listener === "function" && String(listener).indexOf("renderWidgets") >= 0) {
      window.addEventListener = addEventListener;
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", listener);
      } else {
        setTimeout(listener, 0);
      }
      return;
    }
    return addEventListener.apply(this, arguments);
  };
  // @jupyter-widgets/base typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue);
  // pages with math load MathJax 3 (Sphinx), which has no Hub. Bridge that one call. MathJax
  // is loaded with `defer`, so it has replaced window.MathJax by DOMContentLoaded, and this
  // listener runs before html-manager renders any widget.
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (mathjax && !mathjax.Hub && mathjax.startup) {
      mathjax.Hub = {
        Queue: function (command) {
          mathjax.startup.promise.then(function () { return mathjax.typesetPromise([command[2]]); });
        },
      };
    }
  });
})();
