// The book's own page script (loaded with `defer` by book/_ext/fpnbook.py on every page).
// Widgets are drawn by html-manager after the page has loaded; a MutationObserver fixes each one
// as it appears:
// - a slider's value box (readout) is an output, not an input: typing into it would show a value
//   that the static widget does not display (its outputs were computed for the slider's steps);
// - slider handles get the slider's label as their accessible name;
// - no element carries the tooltip "null" (ipywidgets writes `title="null"` for tooltip=None);
// - images in widgets without alt text take the label of the widget they belong to.
(function () {
  "use strict";
  var TR = document.documentElement.lang === "tr";

  function labelOf(el) {
    var box = el.closest(".widget-slider, .widget-hslider, .widget-vslider, .widget-inline-hbox");
    var label = box && box.querySelector(".widget-label");
    var text = label ? label.textContent.trim() : "";
    return text || (TR ? "Kaydırıcı" : "Slider");
  }

  // Words that other extensions write from JavaScript (sphinx-togglebutton, sphinx-copybutton):
  // Turkish on the Turkish site.
  var TR_WORDS = {
    "Toggle hidden content": "Gizli içeriği aç/kapat",
    "Copy": "Kopyala",
    "Copy to clipboard": "Panoya kopyala",
    "Copied!": "Kopyalandı!",
    "Failed to copy": "Kopyalanamadı",
  };

  function translate(root) {
    root.querySelectorAll("[aria-label], [title], [data-tooltip]").forEach(function (el) {
      ["aria-label", "title", "data-tooltip"].forEach(function (name) {
        var value = el.getAttribute(name);
        if (value && Object.prototype.hasOwnProperty.call(TR_WORDS, value)) {
          el.setAttribute(name, TR_WORDS[value]);
        }
      });
    });
  }

  function fix(root) {
    if (TR) translate(root);
    root.querySelectorAll('.widget-readout[contenteditable="true"]').forEach(function (el) {
      el.setAttribute("contenteditable", "false");
      el.setAttribute("aria-live", "polite");
      el.removeAttribute("tabindex");
    });
    root.querySelectorAll(".noUi-handle").forEach(function (handle) {
      var label = labelOf(handle);
      if (handle.getAttribute("aria-label") !== label) handle.setAttribute("aria-label", label);
    });
    root.querySelectorAll('[title="null"], [title="undefined"], [title=""]').forEach(function (el) {
      el.removeAttribute("title");
    });
    root.querySelectorAll(".jupyter-widgets img:not([alt]), .jupyter-widgets img[alt=''], .jupyter-widgets img[alt='null']")
      .forEach(function (img) {
        var twin = img.closest(".fpnlab-static, .jupyter-widgets");
        var labels = twin ? Array.prototype.map.call(
          twin.querySelectorAll(".widget-label"), function (l) { return l.textContent.trim(); })
          .filter(Boolean) : [];
        img.setAttribute("alt", (TR ? "Widget görüntüsü" : "Widget image")
          + (labels.length ? " (" + labels.join(", ") + ")" : ""));
      });
  }

  // Blocks typing into a readout even if a widget re-enables editing between two observations.
  document.addEventListener("beforeinput", function (event) {
    if (event.target && event.target.closest && event.target.closest(".widget-readout")) {
      event.preventDefault();
    }
  }, true);
  document.addEventListener("keydown", function (event) {
    var t = event.target;
    if (t && t.closest && t.closest(".widget-readout") && event.key.length === 1) {
      event.preventDefault();
    }
  }, true);

  var pending = false;
  var observer = new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fix(document);
    });
  });
  observer.observe(document.documentElement, {
    childList: true, subtree: true, attributes: true,
    attributeFilter: ["contenteditable", "title", "aria-label", "alt", "data-tooltip"],
  });
  fix(document);
})();
